"""Scale-out: two app servers (gunicorns) on one PostgreSQL and one Redis behind one nginx,
started the way `deploy/behind_nginx.py run --servers 2` starts them.

A user's requests land on either server: whatever one server does for a session (sign-in,
sign-out, a password change, a counted sign-in attempt) the other one knows at once, and
one server stopping or dying costs only the requests it had in flight. CTI screen pop-ups
do not exist yet (a later issue), so there is nothing of theirs to test here.
"""

import concurrent.futures
import http.client
import os
import random
import re
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from deploy.behind_nginx import (
    Gunicorn,
    Nginx,
    app_server_env,
    free_port,
    nginx_binary,
    start_app_servers,
)
from portal.config import _instance_secret
from portal.extensions import db
from tests.conftest import DEMO_PASSWORD
from tests.test_pdf_documents import make_ticket

REDIS_URL = os.environ.get("SCALE_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001 — any failure means: no Redis to test with
        return False


needs_stack = pytest.mark.skipif(
    not ON_POSTGRES or nginx_binary() is None or not _redis_reachable(),
    reason="two app servers need PostgreSQL (SQLite is one file on one box), nginx and a "
           f"Redis at {REDIS_URL}")


# ------------------------------------------------------------------ the two-server stack

class Stack:
    def __init__(self, servers: list[Gunicorn], front: Nginx, env: dict, logdir: Path):
        self.servers, self.front, self.env, self.logdir = servers, front, env, logdir

    def restart(self, index: int) -> Gunicorn:
        old = self.servers[index]
        server = Gunicorn(old.port, self.env, old.log, extra=("-w", "1"))
        server.wait_ready(workers=1)
        self.servers[index] = server
        # nginx tries a failed server again after fail_timeout (5 s): wait until it has.
        marker, deadline = f"back-{random.randrange(10**9)}", time.monotonic() + 15
        while not requests_logged(server, marker) and time.monotonic() < deadline:
            fetch(self.front.url, f"/login?{marker}")
            time.sleep(0.2)
        assert requests_logged(server, marker), "nginx sends nothing to the restarted server"
        return server


@pytest.fixture(scope="module")
def stack(app, tmp_path_factory):
    logdir = tmp_path_factory.mktemp("scale")
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    base.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="scale-secret",
                REDIS_URL=REDIS_URL, RATELIMIT_ENABLED="1")
    env = app_server_env(2, base)
    # One worker each: two servers are the point, and the box has two cores.
    servers = start_app_servers([free_port(), free_port()], env, logdir, extra=("-w", "1"))
    front = None
    try:
        for server in servers:
            server.wait_ready(workers=1)
        front = Nginx(free_port(), [f"127.0.0.1:{s.port}" for s in servers])
        front.wait_ready()
        yield Stack(servers, front, env, logdir)
    finally:
        if front is not None:
            front.stop()
            shutil.rmtree(front.prefix, ignore_errors=True)
        for server in servers:
            server.stop()


def fetch(base: str, path: str, method: str = "GET", headers: dict | None = None,
          body: bytes | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def _cookies(headers) -> str:
    return "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])


def _token(base: str, path: str, cookie: str = "") -> tuple[str, str]:
    """The CSRF token of a form page, and the cookie to send with it."""
    status, headers, body = fetch(base, path, headers={"Cookie": cookie} if cookie else {})
    assert status == 200, (base, path, status)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    return token, _cookies(headers) or cookie


def sign_in(base: str, employee_no: str, password: str = DEMO_PASSWORD,
            headers: dict | None = None) -> tuple[int, str]:
    token, cookie = _token(base, "/login")
    form = urlencode({"csrf_token": token, "employee_no": employee_no, "password": password,
                      "next": ""}).encode()
    status, answer, _ = fetch(base, "/login", "POST", body=form,
                              headers={**FORM, **(headers or {}), "Cookie": cookie})
    return status, _cookies(answer)


def signed_in_as(base: str, cookie: str) -> str | None:
    """The account page (it names the user), or None when the cookie is refused."""
    status, headers, body = fetch(base, "/account/password", headers={"Cookie": cookie})
    if status == 302:
        assert "/login" in headers["Location"]
        return None
    assert status == 200
    return body.decode()


def requests_logged(server: Gunicorn, marker: str) -> int:
    """Requests whose line in this server's gunicorn access log contains `marker`."""
    return sum(marker in line for line in Path(server.log).read_text(errors="replace").splitlines())


# ------------------------------------------------------------------ the tests

@needs_stack
def test_nginx_spreads_requests_over_both_servers(stack):
    marker = f"spread-{random.randrange(10**9)}"
    for i in range(20):
        assert fetch(stack.front.url, f"/login?{marker}={i}")[0] == 200
    time.sleep(0.3)  # the access log line is written after the answer
    served = [requests_logged(server, marker) for server in stack.servers]
    assert sum(served) == 20
    assert min(served) >= 5, served  # round robin: both take a fair share


@needs_stack
def test_a_session_from_one_server_works_on_the_other_and_ends_on_both(stack):
    a, b = (server.url for server in stack.servers)
    status, cookie = sign_in(a, "20001")
    assert status == 302
    assert "李晓梅" in signed_in_as(b, cookie)
    # Signed out on A with the form B's page gave (its token lives in the session cookie
    # B sent back): B refuses that cookie at once, and the older copy too.
    token, copy = _token(b, "/account/password", cookie)
    status, _, _ = fetch(a, "/logout", "POST", body=urlencode({"csrf_token": token}).encode(),
                         headers={**FORM, "Cookie": copy})
    assert status == 302
    for session in (copy, cookie):
        assert signed_in_as(b, session) is None and signed_in_as(a, session) is None


@needs_stack
def test_a_password_change_on_one_server_ends_the_other_sessions_on_both(stack):
    a, b = (server.url for server in stack.servers)
    _, desk = sign_in(a, "20002")  # the same user at two desks, on different servers
    _, phone = sign_in(b, "20002")
    token, phone = _token(b, "/account/password", phone)
    new = "晨光-换班-2026"
    status, answer, _ = fetch(b, "/account/password", "POST", headers={**FORM, "Cookie": phone},
                              body=urlencode({"current_password": DEMO_PASSWORD,
                                              "new_password": new, "confirm": new,
                                              "csrf_token": token}).encode())
    assert status == 302
    phone = _cookies(answer) or phone
    assert signed_in_as(a, desk) is None and signed_in_as(b, desk) is None
    assert "张丽华" in signed_in_as(a, phone)  # the session that changed it goes on, anywhere
    assert sign_in(stack.front.url, "20002", new)[0] == 302


@needs_stack
def test_sign_in_attempts_are_counted_across_both_servers(stack):
    """LOGIN_LIMIT_PER_NUMBER (10 in 15 minutes) holds for the two servers together:
    counted in each process, the guesser would get ten per process."""
    servers = [server.url for server in stack.servers]
    number = str(random.randrange(80000000, 89999999))  # nobody's: a fresh count in Redis
    answers = []
    for attempt in range(11):
        # A new client address each time (ProxyFix believes the header: TRUST_PROXY), so
        # only the per-number limit can refuse.
        address = {"X-Forwarded-For": f"10.{random.randrange(256)}.{attempt}.7"}
        answers.append(sign_in(servers[attempt % 2], number, "wrong-password", address)[0])
    assert answers[:10] == [400] * 10  # wrong password (then locked): the same page
    assert answers[10] == 429


@needs_stack
def test_a_receipt_prints_from_either_server(app, stack):
    with app.app_context():
        number = make_ticket().number
        db.session.commit()
    _, cookie = sign_in(stack.servers[0].url, "20001")
    for base in (*(server.url for server in stack.servers), stack.front.url):
        status, headers, body = fetch(base, f"/documents/tickets/{number}/repair-receipt.pdf",
                                      headers={"Cookie": cookie})
        assert status == 200 and headers["Content-Type"] == "application/pdf", base
        assert body.startswith(b"%PDF"), base


def _stream(url: str, marker: str, seconds: float, clients: int, event_at: float, event):
    """`clients` threads GET /login?marker=… through nginx back to back for `seconds`; at
    `event_at` s `event()` runs. Returns (started, ok) per request and the event's time."""
    done: list[tuple[float, bool]] = []
    lock = threading.Lock()
    start = time.monotonic()

    def client(n: int) -> None:
        i = 0
        while time.monotonic() - start < seconds:
            began = time.monotonic() - start
            try:
                ok = fetch(url, f"/login?{marker}={n}-{i}")[0] == 200
            except OSError:
                ok = False
            with lock:
                done.append((began, ok))
            i += 1

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for n in range(clients):
            pool.submit(client, n)
        time.sleep(event_at)
        when = time.monotonic() - start
        event()
    return done, when


@needs_stack
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_stopping_one_server_under_load_fails_only_its_requests_in_flight(stack, how):
    clients = 6
    a, b = stack.servers
    marker = f"stop-{how}-{random.randrange(10**9)}"
    stop = a.stop if how == "SIGTERM" else a.kill
    done, stopped_at = _stream(stack.front.url, marker, 4.0, clients, 1.5, stop)
    failed = [began for began, ok in done if not ok]
    assert len(done) > 40  # the stream ran before, through and after the stop
    # At most the requests A had in flight (one per client at a time); none begun later.
    assert len(failed) <= clients, failed
    assert all(began < stopped_at + 0.5 for began in failed), (stopped_at, failed)
    time.sleep(0.3)
    assert requests_logged(a, marker) > 0  # A took its share until it stopped
    later = sum(began > stopped_at + 0.5 for began, ok in done)
    assert requests_logged(b, marker) >= later > 0  # and B all the rest
    stack.restart(0)  # for the next test


def test_app_servers_sharing_a_fresh_instance_directory_share_one_key(tmp_path):
    """Without SECRET_KEY every process of a checkout reads instance/secret_key: processes
    created at once must still end with one key, or one's cookie is refused by another."""
    instance = tmp_path / "instance"
    with concurrent.futures.ProcessPoolExecutor(6) as pool:
        keys = set(pool.map(_instance_secret, [instance] * 12))
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert [p.name for p in instance.iterdir()] == ["secret_key"]
    assert instance.joinpath("secret_key").stat().st_mode & 0o077 == 0
