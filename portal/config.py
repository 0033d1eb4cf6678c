"""Defaults. instance/config.py and the environment override them (see load_config)."""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url


class Config:
    # No pool_pre_ping: its round trip on every checkout cost real CPU with 400 agents. A
    # connection found dead fails one request with the 503 page and the pool starts afresh.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Database faults (seconds; 0 turns a limit off, e.g. for a long migration): a frozen or
    # locked database answers the 503 page within seconds instead of holding the thread.
    DB_CONNECT_TIMEOUT = 3
    DB_STATEMENT_TIMEOUT = 3  # PostgreSQL statement_timeout; the client gives up 1 s later
    DB_LOCK_TIMEOUT = 2  # PostgreSQL lock_timeout; SQLite's busy timeout
    DB_POOL_TIMEOUT = 3  # waiting for a free connection of the pool
    DB_RETRY_SECONDS = 5  # after PostgreSQL gave no answer, a worker stops trying this long
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # False here; the session interface still marks the cookie Secure on HTTPS requests.
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 12 * 3600  # one shift and a bit
    # Re-signing the cookie on every response cost CPU on every request; web/sessions.py
    # touches the session (and so renews the cookie) once a minute while the user is active.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_ABSOLUTE_SECONDS = 12 * 3600  # signed in at most this long, however active
    SESSION_IDLE_SECONDS = 2 * 3600  # a desk left alone this long signs out
    WTF_CSRF_TIME_LIMIT = None  # token lives with the session; the session expires instead
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    LOGIN_MAX_FAILURES = 5  # passwords checked before the account locks (web/throttle.py)
    LOGIN_LOCK_MINUTES = 15
    # Sign-in throttling (Flask-Limiter, POST /login only; web/throttle.py). Per client
    # address: 30 a minute is more than a person types, and a branch signing in behind one
    # NAT at shift start still fits; a script is slowed to one guess every two seconds.
    # Per typed employee number (known or not, so the answer tells nothing): 10 in any 15
    # minutes leaves room for the 5 wrong passwords that lock it plus the right one after the
    # lock ends, and caps what a guesser spread over many addresses gets.
    LOGIN_LIMIT_PER_ADDRESS = "30 per minute"
    LOGIN_LIMIT_PER_NUMBER = "10 per 15 minutes"
    RATELIMIT_ENABLED = True  # the test suite turns it off; its own tests turn it on
    RATELIMIT_STRATEGY = "moving-window"  # "10 per 15 minutes" holds for any 15 minutes
    RATELIMIT_KEY_PREFIX = "portal"  # a Redis shared with other programs keeps keys apart
    # Redis down: count in process memory rather than refuse every sign-in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    PAGE_SIZE = 20
    # Forms are a few kB; nothing uploads files yet. A bigger body is refused with 413.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    REDIS_URL = None
    TRUST_PROXY = False
    DEMO_PASSWORD = "demo1234"


def load_config(app, overrides: dict | None) -> None:
    """Defaults → instance/config.py → environment → explicit overrides (tests)."""
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    env = os.environ
    if env.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(env["DATABASE_URL"])
    for key in ("SECRET_KEY", "REDIS_URL"):
        if env.get(key):
            app.config[key] = env[key]
    for key in DB_LIMITS:
        if env.get(key):
            app.config[key] = float(env[key])
    for key in ("TRUST_PROXY", "RATELIMIT_ENABLED"):
        if env.get(key):
            app.config[key] = env[key] not in ("0", "false", "")
    if overrides:
        app.config.update(overrides)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", "sqlite:///" + str(Path(app.instance_path) / "portal.db")
    )
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


DB_LIMITS = ("DB_CONNECT_TIMEOUT", "DB_STATEMENT_TIMEOUT", "DB_LOCK_TIMEOUT", "DB_POOL_TIMEOUT",
             "DB_RETRY_SECONDS")


def engine_options(config) -> dict:
    """The configured engine options, with the time limits added where none is set."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        # sqlite3 waits this long for another connection's write lock (0 would not wait).
        connect_args.setdefault("timeout", config["DB_LOCK_TIMEOUT"] or 30)
    elif uri.startswith("postgresql"):
        if config["DB_POOL_TIMEOUT"]:
            options.setdefault("pool_timeout", config["DB_POOL_TIMEOUT"])
        if config["DB_CONNECT_TIMEOUT"]:
            connect_args.setdefault("connect_timeout", max(2, round(config["DB_CONNECT_TIMEOUT"])))
        # Server-side limits, set at connection start: no extra round trip per request.
        limits = " ".join(f"-c {name}={int(config[key] * 1000)}" for name, key in (
            ("statement_timeout", "DB_STATEMENT_TIMEOUT"), ("lock_timeout", "DB_LOCK_TIMEOUT"))
            if config[key])
        given = connect_args.get("options", make_url(uri).query.get("options", ""))
        if limits:
            connect_args["options"] = f"{given} {limits}".strip()
    options["connect_args"] = connect_args
    return options


def _normalise_db_url(url: str) -> str:
    # Operators paste the libpq form; SQLAlchemy needs the psycopg 3 driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance: Path) -> str:
    """A random key kept in instance/, so no key is ever hard-coded and restarts keep sessions."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        # Several processes start at once on a fresh instance/ (gunicorn's workers, a second
        # app server of the same checkout): the first key linked into place wins and every
        # process reads that one. Check-then-write let each keep a key of its own, and a
        # cookie signed by one worker was refused by the next.
        fd, draft = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
        try:
            os.write(fd, secrets.token_hex(32).encode())
            os.close(fd)  # mkstemp made it 0600
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            os.unlink(draft)
    return path.read_text().strip()
