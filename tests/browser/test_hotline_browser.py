"""The hotline as an agent and a branch store see it in a real Chromium: the caller lookup,
the caller card, a call that continues to its ticket without leaving the card, and the
ticket arriving in the branch store's queue.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import Ticket, TicketStatus
from tests import factories
from tests.browser.test_foundation_browser import sign_in, sign_out

pytestmark = pytest.mark.browser

TICKET_NUMBER = re.compile(r"BX\d{4}-\d{6}")


def _demo_customer(app, phone: str) -> dict:
    """A customer in 上海市 (served by S4001) with one product, as plain values."""
    with app.app_context():
        customer = factories.customer(name="周慧敏", phone_mobile=phone)
        product = factories.product(customer, serial="SN-HB-20240517", model="YH-G20")
        branch = factories.org_unit("S4001")
        return {"id": customer.id, "name": customer.name, "serial": product.serial,
                "branch_id": branch.id, "branch_name": branch.name}


def _tickets(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.execute(sa.select(Ticket.number, Ticket.status, Ticket.short_text)
                                  .order_by(Ticket.id)).all()
        db.session.remove()
        return [(number, status.value, text) for number, status, text in rows]


def test_agent_logs_an_install_call_and_creates_its_ticket_on_the_card_for_the_branch(
        app, page: Page):
    customer = _demo_customer(app, "13957108642")
    password = app.config["DEMO_PASSWORD"]

    # --- 20001 finds the caller by the last six digits of the phone (active search).
    sign_in(page, "20001", password)
    expect(page).to_have_url(re.compile(r"/hotline/$"))
    lookup = page.locator("[data-testid=lookup]")
    expect(lookup).to_be_focused()  # autofocus: the agent types as soon as the phone rings
    page.keyboard.type("108642", delay=40)
    results = page.locator("[data-testid=lookup-results]")
    expect(results).to_be_visible()
    entry = results.locator("li").filter(has_text=customer["name"])
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("13957108642")
    expect(entry).to_contain_text(customer["serial"])
    expect(page).to_have_url(re.compile(r"[?&]q=108642"))

    entry.locator("a.result-name").click()
    card_url = re.compile(rf"/hotline/customers/{customer['id']}$")
    expect(page).to_have_url(card_url)
    card = page.locator("[data-testid=caller-card]")
    expect(card).to_have_attribute("data-customer-id", str(customer["id"]))
    expect(card.locator("h1")).to_contain_text(customer["name"])
    expect(card).to_contain_text(customer["serial"])

    # From here on the agent never leaves the card: no document load, no main-frame navigation.
    navigations: list[str] = []
    documents: list[str] = []
    page.on("framenavigated",
            lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    page.on("request",
            lambda r: documents.append(r.url) if r.resource_type == "document" else None)
    page.evaluate("window.__sameCard = true")

    # --- The call: 安装电话, with the fault symptom and what the caller said.
    call_form = card.locator("#work [data-testid=call-form]")
    expect(call_form).to_be_visible()
    call_form.locator("select[name=category]").select_option("install")
    # The only product of the customer is already chosen.
    expect(call_form.locator("select[name=product_id] option:checked")).to_contain_text(
        customer["serial"])
    call_form.locator("input[name=fault_symptom]").fill("淋浴房玻璃门合页松动")
    call_form.locator("textarea[name=content]").fill("客户来电：上周安装的淋浴房门关不严，要求上门检修。")
    call_form.locator("[data-testid=save-call]").click()

    # --- The ticket form replaces the call form in the card's work area, prefilled.
    ticket_form = card.locator("#work [data-testid=ticket-form]")
    expect(ticket_form).to_be_visible()
    expect(card.locator("#work [data-testid=call-form]")).to_have_count(0)
    expect(ticket_form.locator("input[name=short_text]")).to_have_value("淋浴房玻璃门合页松动")
    expect(ticket_form.locator("textarea[name=long_text]")).to_have_value(
        "客户来电：上周安装的淋浴房门关不严，要求上门检修。")
    expect(ticket_form.locator("input[name=call_record_id]")).to_have_value(re.compile(r"^\d+$"))
    expect(ticket_form.locator("select[name=product_id] option:checked")).to_contain_text(
        customer["serial"])
    branch = ticket_form.locator("select[name=branch_id]")
    expect(branch).to_have_value(str(customer["branch_id"]))
    expect(branch.locator("option:checked")).to_contain_text(customer["branch_name"])
    expect(page).to_have_url(card_url)
    assert _tickets(app) == [], "a ticket exists before the agent pressed Create"

    ticket_form.locator("[data-testid=create-ticket]").click()

    # --- The card is refreshed in place and lists the new ticket as open.
    expect(card.locator("#work [data-testid=call-form]")).to_be_visible()  # ready for the next
    open_tickets = card.locator("[data-testid=open-tickets]")
    expect(open_tickets.locator("a", has_text=TICKET_NUMBER)).to_have_count(1)
    created = _tickets(app)
    assert len(created) == 1
    number, status, short_text = created[0]
    assert TICKET_NUMBER.fullmatch(number)
    assert (status, short_text) == (TicketStatus.TZJL.value, "淋浴房玻璃门合页松动")
    expect(open_tickets.locator("a", has_text=TICKET_NUMBER)).to_have_text(number)
    expect(open_tickets).to_contain_text(customer["branch_name"])
    expect(page.locator("#card .flash-success")).to_contain_text(number)
    expect(card.locator("[data-testid=last-calls] tbody tr")).to_have_count(1)

    expect(page).to_have_url(card_url)
    assert page.evaluate("window.__sameCard") is True, "the page was reloaded"
    assert navigations == [], f"the main frame navigated: {navigations}"
    assert documents == [], f"a whole page was loaded: {documents}"

    # --- 我的待销单: the agent's open list.
    page.goto("/hotline/tickets?view=mine")
    mine = page.locator("[data-testid=tickets] tbody tr").filter(has_text=number)
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(customer["name"])
    expect(mine).to_contain_text(customer["branch_name"])

    # --- 30001, store rep of S4001, finds it in the branch queue and records the survey.
    sign_out(page)
    sign_in(page, "30001", password)
    store_rep = page.locator(".topbar .user-name").inner_text()
    page.goto("/stores/")
    queued = page.locator("[data-testid=branch-queue] tbody tr").filter(has_text=number)
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text(customer["name"])
    expect(queued).to_contain_text("淋浴房玻璃门合页松动")

    # The queue links to the ticket (the store's workspace for it), which shows its status.
    link = queued.locator("a", has_text=number)
    ticket_path = link.get_attribute("href")
    assert ticket_path and ticket_path.endswith(f"/tickets/{number}"), ticket_path
    link.click()
    ticket_url = re.compile(re.escape(ticket_path) + "$")
    expect(page).to_have_url(ticket_url)
    ticket = page.locator("[data-testid=ticket]")
    expect(ticket).to_have_attribute("data-status", TicketStatus.TZJL.value)
    timeline = page.locator("[data-testid=timeline] li:not([data-action=call])")
    expect(timeline).to_have_count(1)
    survey = page.locator("button[data-action=survey_done]")
    expect(survey).to_be_visible()

    with page.expect_navigation():
        survey.click()
    expect(ticket).to_have_attribute("data-status", TicketStatus.KCJS.value)
    expect(page).to_have_url(ticket_url)  # back on the page the store rep worked on
    expect(timeline).to_have_count(2)
    expect(timeline.last).to_contain_text(store_rep)
    expect(page.locator("button[data-action=survey_done]")).to_have_count(0)
    assert _tickets(app)[0][1] == TicketStatus.KCJS.value


def test_two_calls_in_a_row_on_the_card_without_a_page_load(app, page: Page):
    """A saved call answers with only what changed: the last calls grow, the form is fresh
    for the next call, and the rest of the card stays as it was."""
    customer = _demo_customer(app, "13957100001")
    sign_in(page, "20001", app.config["DEMO_PASSWORD"])
    page.goto(f"/hotline/customers/{customer['id']}")
    page.evaluate("window.__sameCard = true")
    card = page.locator("[data-testid=caller-card]")
    last_calls = card.locator("[data-testid=last-calls] tbody tr")
    for n, text in enumerate(("咨询保养价格", "询问延保条款"), start=1):
        form = card.locator("#work [data-testid=call-form]")
        form.locator("select[name=category]").select_option("business")
        form.locator("textarea[name=content]").fill(text)
        form.locator("[data-testid=save-call]").click()
        expect(last_calls).to_have_count(n)
        expect(last_calls.first).to_contain_text(text)
        expect(page.locator("#card-flashes .flash-success")).to_be_visible()
        expect(card.locator("#work textarea[name=content]")).to_have_value("")
    expect(card.locator("h1")).to_contain_text(customer["name"])
    assert page.evaluate("window.__sameCard") is True, "the page was reloaded"


def test_keyboard_only_lookup_with_a_formatted_phone_and_enter(app, page: Page):
    customer = _demo_customer(app, "13912345678")
    with app.app_context():
        factories.customer(name="王建华", phone_mobile="13812345678")  # same last 8 digits

    sign_in(page, "20001", app.config["DEMO_PASSWORD"])
    expect(page).to_have_url(re.compile(r"/hotline/$"))
    expect(page.locator("[data-testid=lookup]")).to_be_focused()

    page.keyboard.type("139 1234-5678", delay=20)
    # Enter sends the search form itself, as it would without JavaScript: a whole page load.
    with page.expect_response(lambda r: r.request.resource_type == "document"
                              and "/hotline/?q=" in r.url) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"/hotline/\?q="))
    assert parse_qs(urlsplit(page.url).query)["q"] == ["139 1234-5678"]
    results = page.locator("[data-testid=lookup-results] li")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(customer["name"])
    expect(page.locator("[data-testid=lookup]")).to_have_value("139 1234-5678")

    # The new page puts the keyboard back in the search box; Tab reaches the first result.
    expect(page.locator("[data-testid=lookup]")).to_be_focused()
    first = results.first.locator("a.result-name")
    for _ in range(6):
        page.keyboard.press("Tab")
        if first.evaluate("el => el === document.activeElement"):
            break
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/hotline/customers/{customer['id']}$"))
    expect(page.locator("[data-testid=caller-card]")).to_contain_text(customer["serial"])


def _proposed_serious_complaint(app) -> str:
    """A serious complaint whose handler (30002) has sent the solution for approval."""
    from portal.models import ComplaintCategory, ComplaintChannel
    from portal.services.core import uow
    from portal.services.hotline import complaints

    with app.app_context(), uow.transaction():
        complaint = complaints.register(complaints.ComplaintDraft(
            content="安装师傅迟到三小时", channel=ComplaintChannel.PHONE,
            category=ComplaintCategory.ATTITUDE, complainant="王女士", serious=True),
            factories.employee("20001"))
        complaints.act(complaint, "assign", factories.employee("20001"),
                       complaints.StepInput(handler_no="30002"))
        complaints.act(complaint, "propose", factories.employee("30002"), complaints.StepInput(
            investigation="电话核实", cause="排班冲突", proposals="道歉\n免上门费",
            chosen_solution="免上门费"))
        return complaint.number


def test_the_service_manager_approves_a_serious_complaint_the_agent_only_reads(
        app, page: Page):
    number = _proposed_serious_complaint(app)
    password = app.config["DEMO_PASSWORD"]

    # The agent registered it, but the decision is not theirs: no approval buttons.
    sign_in(page, "20001", password)
    page.goto(f"/hotline/complaints/{number}")
    complaint = page.locator("[data-testid=complaint]")
    expect(complaint).to_have_attribute("data-status", "proposed")
    expect(page.locator("button[data-action=approve]")).to_have_count(0)
    expect(page.locator("[data-testid=serious-complaints]")).to_have_count(0)
    sign_out(page)

    # The service manager finds it on the hotline page's serious panel and approves it.
    sign_in(page, "60001", password)
    expect(page).to_have_url(re.compile(r"/hotline/$"))
    panel = page.locator("[data-testid=serious-complaints]")
    panel.locator("a", has_text=number).click()
    expect(page).to_have_url(re.compile(rf"/hotline/complaints/{number}$"))
    expect(page.locator("button[data-action=send_back]")).to_be_visible()
    with page.expect_navigation():
        page.locator("button[data-action=approve]").click()
    expect(complaint).to_have_attribute("data-status", "approved")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("黄总 (60001)")
    expect(page.locator("button[data-action]")).to_have_count(0)  # confirming is the agents'
