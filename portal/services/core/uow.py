"""Unit of work: services flush, the request or the command commits once.

A request commits when its response is a success or a redirect (< 400) and rolls back
otherwise: a refusal shown to the user (400, 403, 404, 409) or a crash leaves nothing
behind, however many records the verb had touched. CLI commands and jobs use
`transaction()`. Nothing else in the code calls `commit()`.
"""

from contextlib import contextmanager

from flask import Flask, g
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db


@contextmanager
def transaction():
    """One commit for a command or job; any exception rolls the whole of it back."""
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def discard() -> None:
    """Throw away what this request wrote so far: a refusal re-renders the record as saved.

    The request then answers with an error status, so nothing is committed either way.
    """
    db.session.rollback()
    g.uow_discarded = True


def commit_early() -> None:
    """Commit a fact that must stand even if the page then fails (a sign-in's counters)."""
    db.session.commit()


@event.listens_for(Session, "after_flush")
def _note_the_flush(session, flush_context) -> None:
    session.info["wrote"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_a_statement(state) -> None:
    """Bulk UPDATE / DELETE / INSERT through the session write without a flush."""
    if not state.is_select:
        state.session.info["wrote"] = True


def _wrote(session) -> bool:
    return bool(session.info.get("wrote") or session.new or session.dirty or session.deleted)


def init_app(app: Flask) -> None:
    @app.after_request
    def _finish(response):
        session = db.session()
        if response.status_code < 400 and not g.get("uow_discarded"):
            # A read-only request has nothing to commit: the session's removal at teardown
            # ends its transaction, as it always did (a COMMIT per page view costs CPU).
            if _wrote(session):
                db.session.commit()
        else:
            db.session.rollback()
        session.info.pop("wrote", None)
        return response

    @app.teardown_request
    def _abandon(exc):
        if exc is not None:
            db.session.rollback()


def keep_refusal(table, rows: list[dict]) -> None:
    """Record refused attempts so they stay on record although the action rolls back.

    The request's own work is dropped first (on SQLite its write lock would block the
    second connection), then the rows are written and committed on a connection of their own.
    """
    db.session.rollback()
    with db.engine.begin() as connection:
        connection.execute(table.insert(), rows)
