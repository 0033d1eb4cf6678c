"""Flask-Limiter on POST /login: per client address and per typed employee number, counted in
memory or in Redis; the throttled answer is the friendly sign-in page with a 429.

The suite's own app runs without the limiter (it signs in hundreds of times from 127.0.0.1);
these tests build apps of their own with it on, over the same database.
"""

import re

import pytest
import redis

from portal import create_app
from portal.extensions import db
from tests.test_lockout import DEMO_PASSWORD, _answer, _token, _zh

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"  # a database of its own, flushed by these tests


def _redis_or_skip() -> redis.Redis:
    connection = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_TEST_URL}")
    return connection


@pytest.fixture(params=["memory", "redis"])
def storage(request):
    if request.param == "memory":
        yield None
        return
    connection = _redis_or_skip()
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def throttled(app, storage):
    """An app like the suite's, with the limiter on (the default outside the tests)."""
    config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI",
                                                "SQLALCHEMY_ENGINE_OPTIONS", "SECRET_KEY")}
    throttled = create_app(config | {"TESTING": True, "RATELIMIT_ENABLED": True,
                                     "REDIS_URL": REDIS_TEST_URL if storage else None})
    yield throttled
    with throttled.app_context():
        db.engine.dispose()  # its own pool: leave no connection open behind the test


def _post(client, number: str, password: str, address: str):
    return client.post("/login", data={"employee_no": number, "password": password,
                                       "csrf_token": _token(client)},
                       environ_base={"REMOTE_ADDR": address})


def _is_throttled_page(app, response, number: str, minutes: int) -> bool:
    html = response.get_data(as_text=True)
    return (response.status_code == 429
            and _answer(response)[1] == _zh(app, "Too many sign-in attempts. Please wait "
                                                 "%(minutes)s minutes and try again.",
                                            minutes=minutes)
            and re.search(r'name="csrf_token"[^>]*value="[^"]+"', html) is not None
            and re.search(rf'name="employee_no"[^>]*value="{number}"', html) is not None
            and 'type="password"' in html and "Traceback" not in html
            and int(response.headers["Retry-After"]) > 0)


def test_the_suite_runs_unthrottled(app):
    assert app.config["RATELIMIT_ENABLED"] is False
    assert not app.extensions["portal.sign_in"].limiter.enabled


def test_thirty_sign_ins_a_minute_per_address(throttled, storage):
    client = throttled.test_client()
    # A different number each time: only the address is the same. No password typed, so no
    # hash is checked and the test is quick; the limiter counts every POST all the same.
    for i in range(30):
        response = _post(client, f"7{i:04d}", "", "10.1.1.1")
        assert response.status_code == 400, i
    response = _post(client, "70099", "", "10.1.1.1")
    assert _is_throttled_page(throttled, response, "70099", minutes=1)
    assert _post(client, "20001", DEMO_PASSWORD, "10.1.1.1").status_code == 429  # even right
    assert _post(client, "20001", DEMO_PASSWORD, "10.1.1.2").status_code == 302  # another one
    # Only the sign-in POST is limited: the page itself and other routes still answer.
    assert client.get("/login", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code in (200,
                                                                                           302)
    for _ in range(40):
        assert client.get("/healthz", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code \
            == 200
    if storage is not None:
        assert storage.keys("*"), "the counts were not kept in Redis"


def test_ten_sign_ins_per_fifteen_minutes_per_number_known_or_not(throttled, storage):
    """Each attempt from an address of its own: the typed number alone is throttled, and a
    number that names nobody answers exactly like a store rep's, the 429 included."""
    client = throttled.test_client()
    answers = {}
    for number, net in (("30001", "10.2.1"), ("99999", "10.2.2")):
        answers[number] = [_answer(_post(client, number, f"guess-{i}", f"{net}.{i}"))
                           for i in range(11)]
    assert answers["99999"] == answers["30001"]
    assert [status for status, _ in answers["30001"]] == [400] * 10 + [429]
    response = _post(client, "30001", DEMO_PASSWORD, "10.2.3.1")
    assert _is_throttled_page(throttled, response, "30001", minutes=15)
    # Another number from one of those addresses is not affected.
    assert _post(client, "20001", DEMO_PASSWORD, "10.2.1.1").status_code == 302


def test_an_unlock_lets_the_account_in_at_once(throttled, storage):
    """The admin's unlock also clears the number's window: else its owner would meet the
    429 for the rest of the quarter hour after an attacker's guesses."""
    client = throttled.test_client()
    for i in range(10):
        _post(client, "30001", f"guess-{i}", f"10.3.1.{i}")
    assert _post(client, "30001", DEMO_PASSWORD, "10.3.2.1").status_code == 429
    admin = throttled.test_client()
    assert _post(admin, "10001", DEMO_PASSWORD, "10.3.9.9").status_code == 302
    page = admin.get("/admin/lockouts/").get_data(as_text=True)
    url = re.search(r'action="(/admin/lockouts/\d+/unlock)"', page).group(1)
    token = _token(admin, "/admin/lockouts/")
    assert admin.post(url, data={"csrf_token": token}).status_code == 302
    assert _post(throttled.test_client(), "30001", DEMO_PASSWORD, "10.3.2.2").status_code == 302
