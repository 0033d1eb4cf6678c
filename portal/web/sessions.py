"""Signed-in sessions that the server can end: epoch, idle timeout, absolute lifetime.

The session cookie is signed, not stored, so ending a session means refusing its cookie:
each session carries the employee's `session_epoch` from when it began, and raising the
epoch (sign-out, password change, deactivation, an admin's reset) refuses every older one.
"""

import time

from flask import current_app, session

# Refresh the idle clock at most once a minute, so most responses set no new cookie.
_TOUCH_EVERY = 60


def begin(employee) -> None:
    now = int(time.time())
    session["epoch"] = employee.session_epoch
    session["started"] = now
    session["seen"] = now
    session.permanent = True


def still_valid(employee) -> bool:
    """The session began in the employee's current epoch and has not expired."""
    cfg = current_app.config
    now = int(time.time())
    started, seen = session.get("started"), session.get("seen")
    if session.get("epoch") != employee.session_epoch or started is None or seen is None:
        return False
    if now - started > cfg["SESSION_ABSOLUTE_SECONDS"] or now - seen > cfg["SESSION_IDLE_SECONDS"]:
        return False
    if now - seen >= _TOUCH_EVERY:
        session["seen"] = now
    return True
