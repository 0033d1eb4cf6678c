"""Static files under content-hashed names (portal/web/assets.py): a browser keeps them a year
and still never runs yesterday's script after a deploy."""

import re
import shutil
from pathlib import Path

from portal import create_app
from portal.web.assets import HASHED_NAME

STATIC = Path(__file__).parent.parent / "portal" / "static"
TEMPLATES = Path(__file__).parent.parent / "portal" / "templates"
STATIC_URL = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def _static_urls(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return STATIC_URL.findall(response.get_data(as_text=True))


def test_every_static_file_a_page_names_is_hashed_and_kept_a_year(app, client, auth):
    urls = set(_static_urls(client, "/login"))
    auth.login("40001")  # warehouse clerk: the receipt form also loads the scanner script
    urls |= set(_static_urls(client, "/warehouse/receipts/new"))
    assert {"css/portal", "vendor/htmx-2.0.11.min", "js/portal", "js/scan"} <= {
        HASHED_NAME.match(u.removeprefix("/static/"))["stem"] for u in urls}
    for url in urls:
        match = HASHED_NAME.match(url.removeprefix("/static/"))
        assert match, f"{url} is not content-hashed"
        response = client.get(url)
        assert response.status_code == 200, url
        cache = response.headers["Cache-Control"]
        assert "immutable" in cache and "max-age=31536000" in cache and "public" in cache, url
        assert response.data == (STATIC / (match["stem"] + match["ext"])).read_bytes(), url


def test_a_changed_file_gets_a_new_name_and_the_old_name_is_not_kept(tmp_path):
    static = tmp_path / "static"
    shutil.copytree(STATIC, static)
    portal = create_app({"TESTING": True, "SECRET_KEY": "x",
                         "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.db'}"})
    portal.static_folder = str(static)
    client = portal.test_client()

    def css_url() -> str:
        return next(u for u in _static_urls(client, "/login") if "/css/portal." in u)

    before = css_url()
    (static / "css" / "portal.css").write_text("body { color: #123456 }\n")
    after = css_url()
    assert after != before
    fresh = client.get(after)
    assert fresh.data == b"body { color: #123456 }\n"
    assert "immutable" in fresh.headers["Cache-Control"]
    # An old page's URL still loads (the new content), but no browser may keep it.
    stale = client.get(before)
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]


def test_plain_static_names_still_work_and_are_revalidated(client):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/nothing.css").status_code == 404
    assert client.get("/static/css/nothing.0123456789ab.css").status_code == 404


def test_templates_name_static_files_only_through_static_url():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "url_for('static'" not in text and 'url_for("static"' not in text, path
        assert 'src="/static/' not in text and 'href="/static/' not in text, path


def test_no_static_file_is_named_like_a_hashed_name():
    # nginx strips anything that looks like a hash before it looks for the file.
    for path in STATIC.rglob("*"):
        assert not HASHED_NAME.match(path.name), path
