"""The portal foundation as a user sees it in a real Chromium: sign-in, menu, language,
active search, change history and the confirm dialog of a destructive action.
"""

import re
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import Employee
from tests import factories

pytestmark = pytest.mark.browser

ZH_CATALOGUE = (Path(__file__).resolve().parents[2] / "portal" / "translations" / "zh_Hans_CN"
                / "LC_MESSAGES" / "messages.po")


@cache
def _zh_catalogue() -> dict[str, str]:
    with ZH_CATALOGUE.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if isinstance(m.id, str) and m.string}


def zh(msgid: str) -> str:
    """The Chinese for an English msgid, as the translators wrote it in the zh catalogue.

    Fails while the msgstr is still empty, rather than comparing English with English. The
    page shows the compiled catalogue (`make translations`), so a stale .mo fails too.
    """
    text = _zh_catalogue().get(msgid)
    assert text, f"the zh catalogue has no translation yet for {msgid!r}"
    return text


def sign_in(page: Page, employee_no: str, password: str) -> None:
    page.goto("/login")
    page.locator("input[name=employee_no]").fill(employee_no)
    page.locator("input[name=password]").fill(password)
    # The password check is deliberately slow (scrypt); on a busy CI box the navigation
    # after it took longer than the 5 s the other steps get.
    page.locator("form:has(input[name=employee_no]) button[type=submit]").click(timeout=15_000)


def sign_out(page: Page) -> None:
    page.locator("[data-testid=logout]").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def employee(app, employee_no: str) -> Employee:
    with app.app_context():
        record = factories.employee(employee_no)
        db.session.expunge(record)
        return record


def test_agent_sees_only_the_hotline_in_chinese_and_keeps_english_once_chosen(app, page):
    password = app.config["DEMO_PASSWORD"]
    response = page.goto("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    sign_in(page, "20001", password)
    expect(page).to_have_url(re.compile(r"/hotline/$"))
    menu = page.locator("nav.sidebar a")
    expect(menu).to_have_count(1)
    expect(menu).to_have_attribute("data-area", "hotline")
    expect(menu).to_have_text(zh("Hotline"))
    # Chinese by default although the browser asks for English (context locale en-US).
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("[data-testid=logout]")).to_have_text(zh("Sign out"))

    page.locator("[data-testid=lang-en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/hotline/$"))
    expect(page.locator("[data-testid=logout]")).to_have_text("Sign out")
    expect(menu).to_have_text("Hotline")
    expect(page.locator("[data-testid=lang-zh]")).to_be_visible()
    assert employee(app, "20001").locale == "en"

    # The choice belongs to the user, not to the browser session: it survives signing out.
    sign_out(page)
    sign_in(page, "20001", password)
    expect(page).to_have_url(re.compile(r"/hotline/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-testid=logout]")).to_have_text("Sign out")

    sign_out(page)
    expect(page.locator("input[name=employee_no]")).to_be_visible()
    page.goto("/hotline/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fhotline%2F$"))
    expect(page.locator("input[name=password]")).to_be_visible()
    expect(page.locator("nav.sidebar")).to_have_count(0)


def test_wrong_password_shows_the_error_and_keeps_the_employee_number(page):
    sign_in(page, "20001", "not-the-password")
    expect(page.locator("[data-testid=login-error]")).to_have_text(
        zh("Wrong employee number or password."))
    expect(page.locator("input[name=employee_no]")).to_have_value("20001")
    expect(page.locator("input[name=password]")).to_have_value("")
    expect(page.locator("nav.sidebar")).to_have_count(0)


def test_admin_finds_a_customer_with_active_search_without_reloading(app, page):
    with app.app_context():
        for _ in range(29):
            factories.customer()
        factories.customer(name="王璟燊")  # the newest code: on page 2 of the unfiltered list
    sign_in(page, "10001", app.config["DEMO_PASSWORD"])
    page.goto("/admin/customers/")
    rows = page.locator("[data-testid=records] tbody tr")
    expect(rows).to_have_count(20)
    expect(rows.filter(has_text="王璟燊")).to_have_count(0)

    page.locator("a[rel=next]").click()
    expect(page).to_have_url(re.compile(r"[?&]page=2"))
    expect(rows).to_have_count(10)
    expect(rows.filter(has_text="王璟燊")).to_have_count(1)
    expect(page.locator("a[rel=prev]")).to_be_visible()
    expect(page.locator("a[rel=next]")).to_have_count(0)

    page.goto("/admin/customers/")
    documents, fragments = [], []

    def on_request(request):
        if request.resource_type == "document":
            documents.append(request.url)
        elif request.headers.get("hx-request") == "true":
            fragments.append(request.url)

    page.on("request", on_request)
    page.evaluate("window.__samePage = true")
    page.locator("input#q").press_sequentially("璟燊", delay=30)

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("王璟燊")
    expect(page).to_have_url(re.compile(r"[?&]q="))
    assert parse_qs(urlsplit(page.url).query)["q"] == ["璟燊"]
    assert documents == [], "the search reloaded the whole page"
    assert page.evaluate("window.__samePage") is True
    assert len(fragments) >= 1
    expect(page.locator("a[rel=next]")).to_have_count(0)
    expect(page.locator("input#q")).to_have_value("璟燊")


def test_admin_changes_a_mobile_number_and_sees_it_in_the_change_history(app, page):
    with app.app_context():
        record_id = factories.customer(name="李秀英", phone_mobile="13800138000").id
    sign_in(page, "10001", app.config["DEMO_PASSWORD"])
    page.goto(f"/admin/customers/{record_id}")
    page.locator("input[name=phone_mobile]").fill("13912345678")
    page.locator("button.primary").click()

    expect(page.locator(".flash-success")).to_have_text(zh("Saved."))
    expect(page).to_have_url(re.compile(rf"/admin/customers/{record_id}$"))
    expect(page.locator("input[name=phone_mobile]")).to_have_value("13912345678")
    history = page.locator("section.history")
    expect(history.locator("h2")).to_have_text(zh("Change history"))
    change = history.locator("tbody tr").filter(has_text="王建国")
    expect(change).to_have_count(1)
    expect(change.locator("del", has_text="13800138000")).to_have_count(1)
    expect(change.locator("ins", has_text="13912345678")).to_have_count(1)


def test_deactivating_an_employee_asks_first_and_dismissing_keeps_them_active(app, page):
    target = employee(app, "30001")
    sign_in(page, "10001", app.config["DEMO_PASSWORD"])
    page.goto(f"/admin/employees/{target.id}")
    form = page.locator("form[data-confirm]")
    question = form.get_attribute("data-confirm")
    assert question
    badge = page.locator("h1 .badge")
    expect(badge).to_have_count(0)

    posts, dialogs = [], []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    def dismiss(dialog):
        dialogs.append((dialog.type, dialog.message))
        dialog.dismiss()

    page.once("dialog", dismiss)
    form.locator("button[type=submit]").click()
    page.reload()  # events arrive in order: the dialog, and any POST, came before this
    assert dialogs == [("confirm", question)]
    assert posts == [], "the form was sent although the user said no"
    expect(badge).to_have_count(0)
    expect(form.locator("button[type=submit]")).to_have_text(zh("Deactivate"))
    assert employee(app, "30001").active is True

    def accept(dialog):
        dialogs.append((dialog.type, dialog.message))
        dialog.accept()

    page.once("dialog", accept)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert dialogs[-1] == ("confirm", question)
    expect(badge).to_have_text(zh("Deactivated"))
    expect(page.locator(".flash-success")).to_have_text(zh("Deactivated."))
    expect(page.locator("form[data-confirm] button[type=submit]")).to_have_text(zh("Reactivate"))
    assert employee(app, "30001").active is False
