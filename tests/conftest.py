"""Test fixtures. The whole suite runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.

The schema is built once per run through the Alembic migrations (never create_all), and
every test starts from the demo reference data (groups, org units, the eleven demo users,
price list) with all other rows removed.
"""

import os

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.demo import seed_groups, seed_org, seed_price_items, seed_users
from portal.extensions import db
from portal.services.core.audit import acting_as

DEMO_PASSWORD = "demo1234"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


def _reset_schema(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    # The suite signs in hundreds of times from 127.0.0.1: no throttling here, and none on a
    # Redis the environment may name (test_login_throttle.py turns the limiter on, on Redis
    # too, in apps of its own).
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret",
              "RATELIMIT_ENABLED": False, "REDIS_URL": None}
    if url.startswith("postgresql"):
        # Concurrency tests open ~50 transactions at once; the default pool would queue them.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 5, "max_overflow": 60}
    app = create_app(config)
    _reset_schema(app)
    return app


def seed_reference() -> None:
    with acting_as(None, "test-setup"):
        seed_groups()
        seed_org()
        seed_users()
        seed_price_items()
        db.session.commit()


def _wipe() -> None:
    # DELETE, not TRUNCATE: a test leaves a few rows in a few tables, and TRUNCATE's fixed
    # cost per table (~60 of them) made every PostgreSQL test a second slower.
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Each test starts from reference data only; tests that need none can still ignore it."""
    with app.app_context():
        db.session.remove()
        _wipe()
        # The wipe bypasses the ORM and SQLite reuses ids: forget the signed-in cache too.
        app.extensions.pop("portal.signed_in", None)
        seed_reference()
        db.session.remove()
    yield


@pytest.fixture
def ctx(app):
    """An application context for service-level tests."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


class Auth:
    """Sign in and out through the real login form (CSRF token included)."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path: str = "/login") -> str:
        import re

        html = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, employee_no: str, password: str = DEMO_PASSWORD):
        token = self.csrf_token("/login")
        return self.client.post("/login", data={"employee_no": employee_no, "password": password,
                                                "csrf_token": token})

    def english(self):
        """Switch the signed-in user to English, for tests that read English messages."""
        token = self.csrf_token("/account/password")
        self.client.post("/language", data={"locale": "en", "csrf_token": token})

    def logout(self):
        token = self.csrf_token("/account/password")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return Auth(client)


def pytest_collection_modifyitems(config, items):
    """Browser tests last: they are the slowest and the others fail faster."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
