"""A stopped, locked, frozen or restarted database: the 503 page within 5 s, and the server
goes on answering. Never a bare English "Internal Server Error", never a hung thread."""

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from portal import create_app
from portal.database import Breaker
from portal.extensions import db

UNAVAILABLE = "系统暂时无法连接数据库"
ON_POSTGRESQL = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")


def timed(call, limit: float = 8.0):
    """(result, seconds) of `call` in a thread; fails, not hangs, when it does not return."""
    box = {}

    def run():
        box["result"] = call()

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), f"no answer within {limit} s"
    return box["result"], time.monotonic() - started


def assert_unavailable_page(response):
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert UNAVAILABLE in html and "Traceback" not in html and "psycopg" not in html


def test_a_stopped_database_gives_a_signed_in_user_the_chinese_503_page():
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    client = app.test_client()
    with client.session_transaction() as session:  # a signed-in cookie from before the outage
        session["_user_id"] = "1"
    assert_unavailable_page(client.get("/hotline/"))
    fragment = client.get("/hotline/calls", headers={"HX-Request": "true"})
    assert_unavailable_page(fragment)
    assert fragment.headers["HX-Retarget"] == "#main"  # shown in place of the page body
    assert "<html" not in fragment.get_data(as_text=True)


class HeldLock:
    """A second connection that holds the employees table, as a long migration would."""

    def __init__(self, app):
        self.app = app
        self.url = app.config["SQLALCHEMY_DATABASE_URI"]

    def __enter__(self):
        if self.url.startswith("sqlite"):
            self.connection = sqlite3.connect(self.url.removeprefix("sqlite:///"),
                                              isolation_level=None)
            self.connection.execute("BEGIN EXCLUSIVE")
        else:
            with self.app.app_context():
                url = db.engine.url.set(drivername="postgresql")
            self.connection = psycopg.connect(url.render_as_string(hide_password=False))
            self.connection.execute("LOCK TABLE employees IN ACCESS EXCLUSIVE MODE")
        return self

    def __exit__(self, *exc):
        self.connection.rollback()
        self.connection.close()


def test_a_request_waiting_for_a_lock_answers_503_within_5s(app, client, auth):
    auth.login("20001")
    other = app.test_client()
    with HeldLock(app):
        response, seconds = timed(lambda: client.get("/hotline/"))
        assert_unavailable_page(response)
        assert seconds < 5
        assert other.get("/login").status_code == 200  # the server answers other requests
        # PostgreSQL goes on with other tables; SQLite is locked whole, so it cannot write.
        health, seconds = timed(lambda: other.get("/healthz"))
        assert health.status_code == (503 if app.config["SQLALCHEMY_DATABASE_URI"]
                                      .startswith("sqlite") else 200)
        assert seconds < 5
    assert client.get("/hotline/").status_code == 200  # still signed in once the lock is gone


@pytest.mark.skipif(ON_POSTGRESQL, reason="on SQLite a commit waits for the readers to finish")
def test_a_save_whose_commit_cannot_finish_answers_503_within_5s(app, client, auth,
                                                                  monkeypatch):
    auth.login("20001")
    token = auth.csrf_token("/account/password")
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    reader = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"),
                             isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM employees").fetchone()  # a long report, say
        response, seconds = timed(lambda: client.post(
            "/language", data={"locale": "zh_CN", "csrf_token": token}))
    finally:
        reader.close()
    assert_unavailable_page(response)  # the commit after the view failed: still the 503 page
    assert seconds < 5


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the pool limit is set for PostgreSQL")
def test_every_pooled_connection_busy_answers_503_after_the_pool_timeout(app):
    busy = create_app({"TESTING": True, "SECRET_KEY": "x", "DB_POOL_TIMEOUT": 0.5,
                       "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0}})
    client = busy.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"
    with busy.app_context():
        held = db.engine.connect()  # say, a slow report holds the only connection
        try:
            response, seconds = timed(lambda: client.get("/hotline/"))
        finally:
            held.close()
            db.engine.dispose()
    assert_unavailable_page(response)
    assert seconds < 2


@pytest.mark.skipif(not ON_POSTGRESQL, reason="a PostgreSQL connection killed by the server")
def test_a_dead_connection_costs_one_503_page_and_no_ping_per_request(app, client, auth,
                                                                      monkeypatch):
    auth.login("20001")
    with app.app_context():
        pings = []
        dialect = db.engine.dialect
        monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(1) or True)
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    assert client.get("/hotline/").status_code == 200
    assert pings == []  # no extra round trip on each checkout of a pooled connection
    with psycopg.connect(url, autocommit=True) as admin:  # a restart or a DBA kills them all
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert_unavailable_page(client.get("/hotline/"))
    assert client.get("/hotline/").status_code == 200  # the pool started afresh


def test_the_limits_reach_the_server_and_can_be_configured(app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            shown = [db.session.execute(sa.text(f"SHOW {name}")).scalar()
                     for name in ("statement_timeout", "lock_timeout")]
            assert shown == ["3s", "2s"]
        db.session.remove()
    quick = create_app({"TESTING": True, "SECRET_KEY": "x", "DB_LOCK_TIMEOUT": 0.5,
                        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/d?options=-cx%3Dy"})
    connect_args = quick.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert connect_args["options"] == "-cx=y -c statement_timeout=3000 -c lock_timeout=500"
    assert connect_args["connect_timeout"] == 3


def _postgres_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


class ThrowAwayCluster:
    """A PostgreSQL server of our own under /tmp, so the test may freeze the whole of it."""

    def __init__(self, bindir: Path):
        self.bindir, self.base = bindir, Path(tempfile.mkdtemp(prefix="portal-pg-"))
        self.data, self.port = self.base / "data", _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        # initdb refuses to run as root: the cluster then belongs to the postgres account.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.base, "postgres")

    def start(self) -> None:
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8", "--no-locale")
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c shared_buffers=16MB")
        self._run("pg_ctl", "-D", self.data, "-l", self.base / "log", "-w", "-o", options,
                  "start")
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres",
                             autocommit=True) as connection:  # what /healthz writes to
            connection.execute("CREATE TABLE org_units (id int PRIMARY KEY, code text,"
                               " updated_at timestamp)")

    def processes(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = [int(pid) for pid in os.listdir("/proc") if pid.isdigit()
                    and _parent_of(pid) == postmaster]
        return [postmaster, *children]

    def signal(self, number: int) -> None:
        for pid in self.processes():
            os.kill(pid, number)

    def stop(self) -> None:
        self.signal(signal.SIGCONT)
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def _run(self, tool: str, *args) -> None:
        subprocess.run([*self.as_owner, str(self.bindir / tool), *map(str, args)], check=True,
                       capture_output=True, timeout=60)


def _parent_of(pid: str) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None  # the process ended meanwhile


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fetch(url: str, cookie: str | None = None) -> tuple[int, str, float]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, body.decode(), time.monotonic() - started


@pytest.fixture
def portal_on_throwaway_postgres():
    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (Debian package postgresql)")
    cluster = ThrowAwayCluster(bindir)
    server = None
    try:
        port = _free_port()
        env = {**os.environ, "DATABASE_URL": cluster.url, "SECRET_KEY": "frozen-test",
               "DB_RETRY_SECONDS": "1"}  # the default 5 s would only make the test wait
        env.pop("TEST_DATABASE_URL", None)
        # As deployed, with two threads: a thread held for ever is a server that hangs.
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "1", "--threads", "2",
             "-b", f"127.0.0.1:{port}", "--no-control-socket", "portal:create_app()"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cluster.start()  # while the server boots
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if _fetch(base + "/login")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield cluster, base
    finally:
        cluster.stop()
        if server is not None:
            server.send_signal(signal.SIGINT)  # a quick shutdown; TERM waits for requests
            server.wait(10)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="runs with the PostgreSQL suite")
def test_a_frozen_postgresql_server_answers_503_within_5s_and_the_server_goes_on(
        portal_on_throwaway_postgres):
    cluster, base = portal_on_throwaway_postgres
    signer = Flask("signer")
    signer.secret_key = "frozen-test"
    cookie = "session=" + SecureCookieSessionInterface().get_signing_serializer(signer).dumps(
        {"_user_id": "1"})  # a user signed in before the freeze
    assert _fetch(base + "/healthz")[0] == 200  # and a pooled connection from before it
    cluster.signal(signal.SIGSTOP)  # the kernel still acknowledges every packet
    with ThreadPoolExecutor(10) as pool:  # eight requests hung the old server for good
        pages = [pool.submit(_fetch, base + "/hotline/", cookie) for _ in range(8)]
        health = pool.submit(_fetch, base + "/healthz")
        time.sleep(0.3)
        other = pool.submit(_fetch, base + "/login")  # waits for one of the two threads
        for status, html, seconds in [page.result() for page in pages]:
            assert status == 503 and UNAVAILABLE in html and seconds < 5
        status, _, seconds = health.result()
        assert status == 503 and seconds < 5
        status, _, seconds = other.result()
        assert status == 200 and seconds < 5
    cluster.signal(signal.SIGCONT)
    time.sleep(1)  # DB_RETRY_SECONDS: then the next request tries the database again
    assert _fetch(base + "/healthz")[0] == 200


def test_after_no_answer_the_breaker_fails_fast_then_lets_one_request_try():
    breaker = Breaker(0.2)
    assert breaker.admits()
    breaker.trip()
    assert not breaker.admits()  # no thread waits for a server that just gave no answer
    time.sleep(0.25)
    assert breaker.admits() and not breaker.admits()  # one probe at a time
    breaker.close()  # the probe connected
    assert breaker.admits()
