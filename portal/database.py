"""A bounded wait for every answer from PostgreSQL: a frozen server costs seconds, not threads.

statement_timeout and lock_timeout are enforced by the server, so they cannot fire when the
server itself is stopped (SIGSTOP, a hung host or VM): the kernel still acknowledges TCP,
keepalive probes included, so neither tcp_user_timeout nor keepalives notice either, and a
plain psycopg connection waits for the answer for ever. psycopg 3 waits for every answer in
`Connection.wait` (statements, fetches, COMMIT, ROLLBACK), which takes a deadline; this
connection gives it one. Past the deadline the connection is closed, since it is in the middle
of the protocol: SQLAlchemy sees a disconnect, drops it and starts the pool afresh, and the
request answers the 503 page. The deadline is one second past statement_timeout, so a merely
slow statement is still cancelled cleanly by the server first.

One wait per request would still queue a busy server behind the frozen database (400 agents,
eight threads). So the first wait that gets no answer, or a connection attempt that times
out, opens a breaker: for a few seconds every new connection fails at once, and then a
single request tries again. An answer, even an error, is never a reason to open it.
"""

import logging
import threading
import time
from contextlib import contextmanager

import psycopg
from flask import Flask
from psycopg.errors import (
    ConnectionTimeout,
    _WaitTimeout,  # what Connection.wait raises at its deadline
)
from sqlalchemy import event

log = logging.getLogger(__name__)


class Breaker:
    """Open after a wait that got no answer: new connections fail at once until `hold` has
    passed; then one caller probes while the others go on failing fast."""

    def __init__(self, hold: float):
        self.hold, self.open_until, self.lock = hold, 0.0, threading.Lock()

    def trip(self) -> None:
        with self.lock:
            self.open_until = time.monotonic() + self.hold

    def close(self) -> None:
        self.open_until = 0.0

    def admits(self) -> bool:
        with self.lock:
            now = time.monotonic()
            if now < self.open_until:
                return False
            if self.open_until:  # half open: this caller probes
                self.open_until = now + self.hold
            return True


class BoundedConnection(psycopg.Connection):
    answer_deadline: float | None = None
    breaker: Breaker | None = None

    def wait(self, gen, interval: float = 0.1, timeout: float | None = None):
        if timeout is not None or not self.answer_deadline:
            return super().wait(gen, interval=interval, timeout=timeout)
        try:
            return super().wait(gen, interval=interval, timeout=self.answer_deadline)
        except _WaitTimeout:
            log.warning("PostgreSQL gave no answer within %s s: connection closed",
                        self.answer_deadline)
            self.pgconn.finish()
            if self.breaker is not None:
                self.breaker.trip()
            raise psycopg.OperationalError(
                f"the database server gave no answer within {self.answer_deadline} s"
            ) from None


def init_app(app: Flask, engine) -> None:
    seconds = app.config["DB_STATEMENT_TIMEOUT"]
    if engine.dialect.driver != "psycopg" or not seconds:
        return  # SQLite answers from this process; its busy timeout bounds the lock wait

    breaker = Breaker(app.config["DB_RETRY_SECONDS"])

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, connection_record, cargs, cparams):
        if not breaker.admits():
            raise psycopg.OperationalError("the database server gave no answer a moment ago")
        try:
            connection = BoundedConnection.connect(*cargs, **cparams)
        except ConnectionTimeout:
            breaker.trip()
            raise
        except psycopg.Error:
            breaker.close()  # refused, a bad password: an answer, and a quick one
            raise
        breaker.close()
        connection.answer_deadline, connection.breaker = seconds + 1, breaker
        return connection


@contextmanager
def without_statement_timeout(connection):
    """A migration may run a long statement (an index on a big table): no limit on this one
    connection, which is thrown away afterwards so no request ever gets it. Lock waits stay
    bounded: a migration that cannot get its lock fails instead of queueing every request."""
    if connection.dialect.name != "postgresql":
        yield connection
        return
    connection.exec_driver_sql("SET statement_timeout = 0")
    connection.commit()
    connection.connection.dbapi_connection.answer_deadline = None
    try:
        yield connection
    finally:
        connection.invalidate()
