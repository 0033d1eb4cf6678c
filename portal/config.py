"""Defaults. instance/config.py and the environment override them (see load_config)."""

import os
import secrets
from pathlib import Path


class Config:
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # False here; the session interface still marks the cookie Secure on HTTPS requests.
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 12 * 3600  # one shift and a bit
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
    for key in ("TRUST_PROXY", "RATELIMIT_ENABLED"):
        if env.get(key):
            app.config[key] = env[key] not in ("0", "false", "")
    if overrides:
        app.config.update(overrides)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", "sqlite:///" + str(Path(app.instance_path) / "portal.db")
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


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
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
