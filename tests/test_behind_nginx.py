"""The production front (deploy/): gunicorn with deploy/gunicorn.conf.py behind nginx with
deploy/nginx/portal.conf, started the way deploy/run-behind-nginx.sh starts them."""

import gzip
import http.client
import os
import re
import shutil
from pathlib import Path

import pytest

from deploy.behind_nginx import STATIC_ROOT, Gunicorn, Nginx, free_port, nginx_binary
from portal.web.assets import HASHED_NAME

pytestmark = pytest.mark.skipif(nginx_binary() is None,
                                reason="nginx is not installed (make test installs it)")

HTTPS = {"X-Forwarded-Proto": "https"}  # what the TLS terminator in front of nginx sends


@pytest.fixture(scope="module")
def stack(app, tmp_path_factory):
    """gunicorn on the test database, TRUST_PROXY set, and nginx in front of it."""
    workdir = tmp_path_factory.mktemp("front")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="test-secret",
               TRUST_PROXY="1", PYTHONUNBUFFERED="1")
    backend = Gunicorn(free_port(), env, workdir / "gunicorn.log")
    front = None
    try:
        backend.wait_ready()
        # Its own directory under /tmp: the workers (www-data when root starts nginx) cannot
        # enter pytest's private tmp directories.
        front = Nginx(free_port(), f"127.0.0.1:{backend.port}")
        front.wait_ready()
        yield backend, front
    finally:
        if front is not None:
            front.stop()
            shutil.rmtree(front.prefix, ignore_errors=True)
        backend.stop()


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


def _cookie(headers) -> str:
    return "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])


def _sign_in(base: str, employee_no: str = "20001") -> tuple[str, http.client.HTTPMessage]:
    status, headers, body = fetch(base, "/login", headers=HTTPS)
    assert status == 200
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    form = f"csrf_token={token}&employee_no={employee_no}&password=demo1234&next="
    # Over https Flask-WTF wants the Referer a browser sends: same scheme, host and port.
    referer = base.replace("http://", "https://") + "/login"
    status, signed, _ = fetch(base, "/login", "POST", body=form.encode(), headers={
        **HTTPS, "Cookie": _cookie(headers), "Referer": referer,
        "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302, "sign-in through nginx refused"
    return _cookie(signed), signed


def test_sign_in_through_the_proxy_over_https(stack):
    _, front = stack
    status, headers, _ = fetch(front.url, "/login", headers=HTTPS)
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = fetch(front.url, "/login")[1]
    assert "Strict-Transport-Security" not in plain  # plain http stays plain http
    cookie, signed = _sign_in(front.url)
    assert "Secure" in signed["Set-Cookie"]  # the browser sends it back over https only
    path = "/"
    for _ in range(3):  # home → the agent's landing page
        status, headers, body = fetch(front.url, path, headers={**HTTPS, "Cookie": cookie})
        if status != 302:
            break
        path = headers["Location"]
    assert status == 200 and path.startswith("/hotline/")
    assert "李晓梅" in body.decode()  # agent 20001, signed in


def test_pages_come_gzipped(stack):
    _, front = stack
    cookie, _ = _sign_in(front.url)
    asked = {**HTTPS, "Cookie": cookie, "Accept-Encoding": "gzip"}
    for path in ("/hotline/", "/hotline/tickets", "/account/password"):
        status, answer, body = fetch(front.url, path, headers=asked)
        assert status == 200 and answer["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in ", ".join(answer.get_all("Vary"))
        html = gzip.decompress(body)
        assert "李晓梅".encode() in html and len(body) < len(html) / 2, path
    assert "Content-Encoding" not in fetch(front.url, "/login")[1]  # only when asked


def test_static_files_come_from_nginx_kept_a_year(stack):
    backend, front = stack
    page = fetch(front.url, "/login")[2].decode()
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert len(urls) >= 3
    for url in urls:
        status, headers, body = fetch(front.url, url, headers={"Accept-Encoding": "gzip"})
        assert status == 200, url
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        assert headers["X-Content-Type-Options"] == "nosniff"
        plain = HASHED_NAME.match(url.removeprefix("/static/"))
        content = (STATIC_ROOT / (plain["stem"] + plain["ext"])).read_bytes()
        if headers["Content-Encoding"] == "gzip":
            body = gzip.decompress(body)
        else:  # too small to be worth it (gzip_min_length), or not text
            assert len(content) < 1024 or not url.endswith((".css", ".js")), url
        assert body == content, url
    assert fetch(front.url, "/static/css/portal.css")[1]["Cache-Control"] == "no-cache"
    assert "/static/" not in Path(backend.log).read_text()  # gunicorn never saw them


def test_no_server_banner_names_the_software(stack):
    backend, front = stack
    for base in (front.url, backend.url):
        for path in ("/login", "/healthz", "/no-such-page", "/static/css/portal.css"):
            server = fetch(base, path)[1].get_all("Server") or []
            assert all(s == "nginx" for s in server), (base, path, server)  # no version
    assert fetch(backend.url, "/login")[1].get_all("Server") is None  # gunicorn sends none


def test_a_body_over_2_mb_gets_the_portals_own_413(stack):
    _, front = stack
    body = b"employee_no=" + b"1" * (2 * 1024 * 1024 + 100_000)
    status, _, page = fetch(front.url, "/login", "POST", body=body,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and b'data-status="413"' in page  # the Chinese page, not nginx's

