"""Shared by the bench scripts: where the bench database is and how the app is built for it."""

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DEFAULT_URL = "sqlite:///bench/bench.db"
PG_EXAMPLE = "postgresql+psycopg://postgres@127.0.0.1:5432/test_h6"


def database_url(url: str) -> str:
    """The URL with a relative SQLite path made absolute against the repository root.

    Flask-SQLAlchemy would otherwise resolve it against the app's instance folder.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:":
            return "sqlite:///" + str((ROOT / path).resolve())
    return url


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):])
    return None


def bench_app(url: str, **config):
    """The real application (routing, auth, templates) on the bench database."""
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret",
                       **config})
