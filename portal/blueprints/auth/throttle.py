"""Sign-in throttling with Flask-Limiter: POST /login per client address and per typed number.

The per-number key is the text typed, so a number that names no employee is throttled
exactly like one that does. Counts live in Redis when REDIS_URL is set (shared by every app
server), in this process's memory otherwise. No other route is limited.

One limiter per app, put on the sign-in view once the blueprints are registered: Flask-
Limiter keeps its storage on the instance, and a process may run several apps (the tests).
"""

import time

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many

from portal.blueprints.auth.forms import LoginForm
from portal.services.core.lockout import Rules, minutes_left

EXTENSION = "portal.sign_in"
ENDPOINT = "auth.login"
NUMBER_SCOPE = "number"


def typed_number() -> str:
    # Bounded: the form refuses more than 20 characters anyway; "-" keeps an empty field
    # counted (Flask-Limiter skips a limit whose key is empty, and logs an error each time).
    return (request.form.get("employee_no") or "").strip()[:40] or "-"


class SignInGuard:
    """What the sign-in route and the admin's unlock need from this app's throttle."""

    def __init__(self, app: Flask, limiter: Limiter):
        self.config = app.config
        self.limiter = limiter

    def rules(self) -> Rules:
        return Rules(self.config["LOGIN_MAX_FAILURES"], self.config["LOGIN_LOCK_MINUTES"],
                     source=request.remote_addr or "")

    def forget_number(self, employee_no: str) -> None:
        """An unlocked account may sign in at once: its per-number window starts afresh."""
        if not self.limiter.enabled:
            return
        prefix = [self.limiter._key_prefix] if self.limiter._key_prefix else []
        for item in parse_many(self.config["LOGIN_LIMIT_PER_NUMBER"]):
            self.limiter.limiter.clear(item, *prefix, employee_no,
                                       f"{ENDPOINT}:{NUMBER_SCOPE}")


def guard() -> SignInGuard:
    return current_app.extensions[EXTENSION]


def init_app(app: Flask) -> None:
    config = app.config
    config.setdefault("RATELIMIT_STORAGE_URI", config["REDIS_URL"] or "memory://")
    limiter = Limiter(key_func=get_remote_address, app=app)
    view = app.view_functions[ENDPOINT]
    view = limiter.limit(config["LOGIN_LIMIT_PER_NUMBER"], key_func=typed_number,
                         methods=["POST"], scope=NUMBER_SCOPE)(view)
    view = limiter.limit(config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
                         scope="address")(view)
    app.view_functions[ENDPOINT] = view
    app.extensions[EXTENSION] = SignInGuard(app, limiter)
    app.register_error_handler(RateLimitExceeded, _throttled)


def _throttled(exc: RateLimitExceeded):
    """The sign-in page again, with the number typed and how long to wait: 429."""
    limit = guard().limiter.current_limit
    seconds = limit.window.reset_time - time.time() if limit is not None else 60
    form = LoginForm()  # what was posted: the number typed stays, the password does not
    form.employee_no.data = (form.employee_no.data or "")[:20]
    error = _("Too many sign-in attempts. Please wait %(minutes)s minutes and try again.",
              minutes=minutes_left(seconds))
    response = current_app.make_response(
        (render_template("auth/login.html", form=form, error=error), 429))
    response.headers["Retry-After"] = str(max(1, int(seconds)))
    return response
