"""Chinese first, English second; the zh catalogue is complete and actually loaded."""

import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).parent.parent / "portal/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_pages_render_chinese_by_default(client, auth):
    login = client.get("/login").get_data(as_text=True)
    assert "工号" in login and "密码" in login and "Employee no." not in login
    auth.login("20001")
    page = client.get("/hotline/").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "退出登录" in page and ">热线<" in page


def test_switching_to_english_is_remembered_for_the_user(app, client, auth):
    auth.login("20001")
    token = auth.csrf_token("/hotline/")
    client.post("/language", data={"locale": "en", "csrf_token": token},
                headers={"Referer": "http://localhost/hotline/"})
    page = client.get("/hotline/").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign out" in page
    auth.logout()
    client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
    auth.login("20001")
    assert "Sign out" in client.get("/hotline/").get_data(as_text=True)


def test_unknown_language_is_ignored(client, auth):
    auth.login("20001")
    token = auth.csrf_token("/hotline/")
    client.post("/language", data={"locale": "xx", "csrf_token": token})
    assert 'lang="zh-CN"' in client.get("/hotline/").get_data(as_text=True)


def test_zh_catalogue_is_complete_and_keeps_placeholders():
    with CATALOGUE.open("rb") as fh:
        catalogue = read_po(fh)
    missing = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert missing == []
    placeholder = re.compile(r"%\(\w+\)\w")
    broken = [m.id for m in catalogue if m.id and
              set(placeholder.findall(m.id)) != set(placeholder.findall(m.string))]
    assert broken == []


def test_every_template_string_is_in_the_catalogue():
    """A string added to a template without `make i18n-update` would show in English."""
    with CATALOGUE.open("rb") as fh:
        known = {m.id for m in read_po(fh) if m.id}
    templates = Path(__file__).parent.parent / "portal/templates"
    used = set()
    for path in templates.rglob("*.html"):
        used |= set(re.findall(r"_\('((?:[^'\\]|\\.)*)'", path.read_text(encoding="utf-8")))
    assert sorted(used - known) == []


def test_reports_landing_lists_only_reports_the_user_may_open(auth, client):
    auth.login("20002")  # team lead: hotline and reports, not stores or warehouse
    html = client.get("/reports/").get_data(as_text=True)
    assert "/hotline/complaints/stats" in html and "/warehouse/kpis" not in html
    auth.logout()
    auth.login("40002")  # warehouse manager
    html = client.get("/reports/").get_data(as_text=True)
    assert "/warehouse/kpis" in html and "/hotline/complaints/stats" not in html
