"""Every demo account follows the links it is shown, from its landing page outwards.

A link a page shows must open: no 403 behind a link (menus, buttons and links come from the
same duties as the routes) and no server error anywhere. Runs on the real demo data, so the
pages show what a new user clicking through would find.
"""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from portal.demo import seed_all
from portal.extensions import db
from portal.services.core.uow import transaction
from tests.conftest import _wipe
from tests.test_permission_matrix import ACCOUNTS, _login

PAGES_PER_ACCOUNT = 160  # bounded: the demo has thousands of records behind its lists
SKIP = re.compile(r"^/(static/|logout|language)|\.(pdf|xlsx|csv)$|/pdf(/|$)|/print(/|$)")


class _Links(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def _same_site(base: str, href: str) -> str | None:
    if href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if SKIP.search(parts.path) else path


def _shape(path: str) -> str:
    """Pages of one kind (ticket/BX…, ?page=7) count once, so the crawl spreads wide."""
    parts = urlsplit(path)
    shape = re.sub(r"\d+", "9", parts.path)
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return shape + "?" + "&".join(keys)


@pytest.fixture(scope="module")
def demo_data(app):
    with app.app_context():
        db.session.remove()
        _wipe()
        with transaction():
            seed_all(customers=40)
    yield
    with app.app_context():
        db.session.remove()


@pytest.fixture(autouse=True)
def _clean_database():
    """The module shares one seeded demo (the suite's per-test wipe would drop it)."""
    yield


@pytest.mark.parametrize("employee_no", list(ACCOUNTS))
def test_every_link_shown_opens(app, demo_data, employee_no):
    client = app.test_client()
    _login(client, employee_no)
    start = client.get("/").headers["Location"]
    queue, seen_shapes, problems, visited = deque([(start, "/")]), set(), [], 0
    while queue and visited < PAGES_PER_ACCOUNT:
        path, found_on = queue.popleft()
        if _shape(path) in seen_shapes:
            continue
        seen_shapes.add(_shape(path))
        response = client.get(path)
        visited += 1
        if response.status_code == 403 or response.status_code >= 500:
            problems.append(f"{employee_no}: {path} (linked from {found_on}) answers "
                            f"{response.status_code}")
            continue
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        for href in _Links(response.get_data(as_text=True)).hrefs:
            target = _same_site(path, href)
            if target and _shape(target) not in seen_shapes:
                queue.append((target, path))
    assert visited >= 3, f"{employee_no} reached only {visited} pages"
    assert not problems, "\n".join(problems)
