"""A branch store's whole job in a real Chromium (issue 4): the store rep opens a ticket from
the branch queue, records reception and survey, the appearance inspection and an estimate of
two price-list lines that the customer approves; the supervisor dispatches it to a technician
with a parts requisition checked against live stock; the technician sees it in My jobs,
records 1.5 hours and finishes it. A rep of another branch neither sees nor opens it.
"""

import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import (
    Dispatch,
    Estimate,
    EstimateStatus,
    Inspection,
    PriceItem,
    Requisition,
    RequisitionStatus,
    Ticket,
    TicketStatus,
    WorkLog,
)
from portal.models.base import utcnow
from portal.services.core import uow
from portal.services.tickets.lifecycle import transition
from portal.timeutil import to_local
from tests import factories
from tests.browser.test_foundation_browser import sign_in, sign_out
from tests.test_warehouse_factories import part, stock_in

pytestmark = pytest.mark.browser

PRICE_CODES = ("AZ-001", "PJ-001")


def _local(day_offset: int, hour: int) -> datetime:
    """A wall-clock time in China `day_offset` days from today: fixed, not "now + n hours"."""
    return datetime.combine(to_local(utcnow()).date() + timedelta(days=day_offset), time(hour))


def _datetime_local(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def _set_up(app, category: str = "装饰玻璃") -> dict:
    """Through the services: a 上海 customer with a product, its ticket (→ S4001), and a part
    in the catalogue with 10 in stock in W01; plus the ids the page's forms carry.
    """
    with app.app_context(), uow.transaction():
        customer = factories.customer(name="顾晓雯", phone_mobile="13817726655")
        product = factories.product(customer, serial="SN-ST-20261125", model="YH-G12",
                                    category=category)
        ticket = factories.ticket(owner=customer, product=product,
                                  short_text="玻璃隔断门地弹簧失灵",
                                  long_text="客户反映：会议室玻璃隔断门关不上，地弹簧漏油。")
        spare = part(part_no="PJ-777", name="重型地弹簧", unit="个")
        stock_in(spare, 10)
        prices = {item.code: (item.id, item.unit_price, item.standard_hours)
                  for item in db.session.scalars(sa.select(PriceItem).where(
                      PriceItem.code.in_(PRICE_CODES)))}
        result = {"number": ticket.number, "id": ticket.id, "customer": customer.name,
                  "branch": ticket.branch.code, "prices": prices,
                  "technician": factories.employee("30003").id,
                  "technician_name": factories.employee("30003").name}
    return result


def _ticket_state(app, ticket_id: int) -> dict:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        estimate = db.session.scalar(sa.select(Estimate).where(Estimate.ticket_id == ticket_id))
        inspections = list(db.session.scalars(sa.select(Inspection).where(
            Inspection.ticket_id == ticket_id)))
        requisitions = list(db.session.scalars(sa.select(Requisition).where(
            Requisition.ticket_id == ticket_id)))
        dispatches = list(db.session.scalars(sa.select(Dispatch).where(
            Dispatch.ticket_id == ticket_id)))
        logs = list(db.session.scalars(sa.select(WorkLog).join(Dispatch).where(
            Dispatch.ticket_id == ticket_id)))
        state = {
            "status": ticket.status,
            "estimate": (estimate.status, estimate.total, estimate.approved_by_customer)
            if estimate else None,
            "inspections": [(i.customer_name, sorted((line.position.value, line.ok)
                                                     for line in i.lines))
                            for i in inspections],
            "requisitions": [(r.status, [(line.part.part_no, line.quantity) for line in r.lines])
                             for r in requisitions],
            "dispatches": [(d.number, [a.employee_id for a in d.assignments],
                            to_local(d.planned_date).replace(tzinfo=None),
                            d.started_at is not None, d.finished_at is not None)
                           for d in dispatches],
            "hours": [log.hours for log in logs],
        }
        db.session.remove()
        return state


def _signed_in(page: Page, employee_no: str, password: str) -> None:
    sign_in(page, employee_no, password)
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_store_job_from_queue_to_quality_check_and_other_branch_cannot_see_it(app, page: Page):
    job = _set_up(app)
    number, password = job["number"], app.config["DEMO_PASSWORD"]
    workspace_url = re.compile(rf"/stores/tickets/{number}(#\w+)?$")
    ticket = page.locator("[data-testid=ticket]")

    # --- 30001 (store rep, S4001) finds the ticket in the branch queue and opens it.
    _signed_in(page, "30001", password)
    page.goto("/stores/")
    queued = page.locator("[data-testid=branch-queue] tbody tr").filter(has_text=number)
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text(job["customer"])
    queued.locator("a", has_text=number).click()
    expect(page).to_have_url(workspace_url)
    expect(ticket).to_have_attribute("data-status", TicketStatus.TZJL.value)

    # --- Reception: the customer's request (prefilled from the ticket), in warranty, and the
    # survey done in the same save: the ticket moves on to KCJS.
    reception = page.locator("[data-testid=reception-form]")
    expect(reception.locator("textarea[name=reception-request]")).to_have_value(
        "客户反映：会议室玻璃隔断门关不上，地弹簧漏油。")
    reception.locator("select[name=reception-warranty]").select_option("in")
    reception.locator("input[name=reception-survey_done]").check()
    reception.locator("button[type=submit]").click()
    expect(page).to_have_url(workspace_url)
    expect(ticket).to_have_attribute("data-status", TicketStatus.KCJS.value)
    expect(page.locator("[data-testid=warranty]")).to_have_attribute("data-warranty", "in")

    # --- Appearance inspection: every position OK but corner 3, scratched, with a description;
    # the two spare rows for added items stay empty. Then the customer confirms it.
    page.locator("[data-testid=new-inspection]").click()
    expect(page).to_have_url(re.compile(rf"/stores/tickets/{number}/inspections/new$"))
    form = page.locator("[data-testid=inspection-form]")
    rows = form.locator("tbody tr")
    expect(rows).to_have_count(8)  # six fixed positions, two spare rows
    for i in range(6):
        row = rows.nth(i)
        position = row.locator("input[type=hidden][name$=-position]").input_value()
        if position == "corner_3":
            row.locator("input[type=radio][value=ng]").check()
            row.locator("input[type=checkbox][value=scratched]").check()
            row.locator("input[name$=-description]").fill("左下角玻璃边缘划痕约2厘米")
        else:
            row.locator("input[type=radio][value=ok]").check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/stores/tickets/{number}/inspections/\d+$"))
    confirm = page.locator("[data-testid=confirm-form]")
    confirm.locator("input[name=confirm-customer_name]").fill(job["customer"])
    confirm.locator("button[type=submit]").click()
    expect(page).to_have_url(workspace_url)
    report = page.locator("[data-testid=inspection]")
    expect(report).to_have_count(1)
    expect(report).to_have_attribute("data-confirmed", "yes")
    expect(report.locator("[data-testid=inspection-confirmed]")).to_contain_text(job["customer"])
    expect(report.locator("tr[data-result=ng]")).to_have_count(1)
    expect(report.locator("tr[data-result=ng]")).to_have_attribute("data-position", "corner_3")
    expect(report.locator("tr[data-result=ok]")).to_have_count(5)

    # --- Estimate: two price-list lines, the promise and the payment method; the customer
    # approves. Every amount comes from the server.
    page.locator("[data-testid=start-estimate]").click()
    expect(page).to_have_url(re.compile(rf"/stores/tickets/{number}/estimates/1$"))
    estimate = page.locator("[data-testid=estimate]")
    expect(estimate).to_have_attribute("data-status", "draft")
    for code, quantity in (("AZ-001", "2"), ("PJ-001", "1")):
        price_form = page.locator("[data-testid=price-line-form]")
        price_form.locator("select[name=price-price_item_id]").select_option(
            str(job["prices"][code][0]))
        price_form.locator("input[name=price-quantity]").fill(quantity)
        price_form.locator("button[type=submit]").click()
        expect(page.locator("[data-testid=estimate-line]").filter(has_text=code)).to_have_count(1)
    # portal/demo.py: AZ-001 is 1.5 h at ¥80 per unit, so ¥120.00; PJ-001 is ¥420.00.
    _, az_price, az_hours = job["prices"]["AZ-001"]
    _, pj_price, _ = job["prices"]["PJ-001"]
    assert (az_hours, az_price, pj_price) == (1.5, 120, 420), "the seeded price list changed"
    labour = az_price * 2
    lines = page.locator("[data-testid=estimate-line]")
    expect(lines).to_have_count(2)
    expect(lines.filter(has_text="AZ-001")).to_have_attribute("data-kind", "labour")
    expect(lines.filter(has_text="AZ-001").locator("[data-amount]")).to_have_text(
        f"¥{labour:,.2f}")
    expect(lines.filter(has_text="PJ-001")).to_have_attribute("data-kind", "part")
    expect(lines.filter(has_text="PJ-001").locator("[data-amount]")).to_have_text(
        f"¥{pj_price:,.2f}")
    totals = page.locator("#lines [data-testid=estimate-totals]")
    expect(totals.locator("[data-total=labour]")).to_have_text("¥240.00")
    expect(totals.locator("[data-total=parts]")).to_have_text("¥420.00")
    expect(totals.locator("[data-total=total]")).to_have_text("¥660.00")

    header = page.locator("[data-testid=estimate-header-form]")
    header.locator("input[name=header-promised_at]").fill(_datetime_local(_local(3, 18)))
    header.locator("select[name=header-payment_method]").select_option("mobile")
    header.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/stores/tickets/{number}/estimates/1#estimate$"))
    expect(page.locator("[data-testid=estimate-header-form] select[name=header-payment_method]")
           ).to_have_value("mobile")

    approve = page.locator("[data-testid=approve-form]")
    approve.locator("input[name=approve-customer_name]").fill(job["customer"])
    approve.locator("button[type=submit]").click()
    expect(estimate).to_have_attribute("data-status", "approved")
    expect(page.locator("[data-testid=approved-by]")).to_contain_text(job["customer"])
    expect(page.locator("[data-testid=service-order]")).to_be_visible()
    expect(page.locator("[data-testid=approve-form]")).to_have_count(0)  # locked now

    page.goto(f"/stores/tickets/{number}")
    section = page.locator("[data-testid=estimate-section]")
    expect(section.locator("[data-testid=estimate-status]")).to_have_attribute(
        "data-status", "approved")
    expect(section.locator("[data-total=total]")).to_have_text("¥660.00")
    state = _ticket_state(app, job["id"])
    assert state["status"] == TicketStatus.KCJS
    assert state["estimate"] == (EstimateStatus.APPROVED, 660, job["customer"])
    assert state["inspections"] == [(job["customer"], sorted(
        [("glass_front", True), ("glass_back", True), ("corner_1", True), ("corner_2", True),
         ("corner_3", False), ("corner_4", True)]))]
    sign_out(page)

    # --- 30002 (supervisor) dispatches it to 赵师傅 for tomorrow 10:00 with two PJ-777.
    _signed_in(page, "30002", password)
    page.goto(f"/stores/tickets/{number}")
    dispatch_form = page.locator("[data-testid=dispatch-form]")
    expect(dispatch_form).to_be_visible()
    # Empty planned hours would mean the estimate's; the form shows them: 1.5 h × 2.
    expect(dispatch_form.locator("input[name=planned_hours]")).to_have_value(re.compile(
        r"^3(\.0+)?$"))
    dispatch_form.locator("select[name=category]").select_option("1")
    dispatch_form.locator("input[name=planned_date]").fill(_datetime_local(_local(1, 10)))
    dispatch_form.locator(f"input[name=technician_ids][value='{job['technician']}']").check()
    stock_check = page.locator("[data-testid=stock-check]")
    dispatch_form.locator("textarea[name=requisition]").fill("PJ-777 × 2")
    stock_row = stock_check.locator("tbody tr")
    expect(stock_row).to_have_count(1)
    expect(stock_row).to_contain_text("PJ-777")
    cells = stock_row.locator("td")
    expect(cells.nth(2)).to_have_text(re.compile(r"^10(\.0+)?$"))  # on hand in W01
    expect(cells.nth(3).locator(".badge.ok")).to_have_text(re.compile(r"^10(\.0+)?$"))
    dispatch_form.locator("[data-testid=dispatch-submit]").click()

    expect(ticket).to_have_attribute("data-status", TicketStatus.DISPATCHED.value)
    expect(page).to_have_url(workspace_url)
    requisitions = page.locator("[data-testid=requisitions] li")
    expect(requisitions).to_have_count(1)
    expect(requisitions).to_contain_text(re.compile(r"PJ-777 重型地弹簧 × 2(\.0+)?"))
    expect(page.locator("[data-testid=dispatch-form]")).to_have_count(0)
    state = _ticket_state(app, job["id"])
    assert state["status"] == TicketStatus.DISPATCHED
    assert state["requisitions"] == [(RequisitionStatus.APPROVED, [("PJ-777", 2)])]
    [(dispatch_number, assigned, planned, started, finished)] = state["dispatches"]
    assert (assigned, planned, started, finished) == ([job["technician"]], _local(1, 10),
                                                      False, False)
    expect(page.locator(f"[data-testid=dispatch-{dispatch_number}]")).to_contain_text(
        job["technician_name"])
    sign_out(page)

    # --- 30003 (technician): tomorrow's job is under Upcoming; start, 1.5 h, finish.
    _signed_in(page, "30003", password)
    page.goto("/stores/my-jobs")
    card = page.locator(f"[data-testid=job-{number}]")
    expect(card).to_have_count(1)
    today_jobs, upcoming_jobs = (page.locator("main h2 + .card-grid").nth(i) for i in (0, 1))
    expect(upcoming_jobs.locator(f"[data-testid=job-{number}]")).to_have_count(1)
    expect(today_jobs.locator("[data-testid^=job-]")).to_have_count(0)
    card.locator("[data-testid=start-job]").click()
    expect(card.locator("[data-testid=log-form]")).to_be_visible()
    card.locator("[data-testid=log-form] input[name=hours]").fill("1.5")
    card.locator("[data-testid=log-form] input[name=parts_used]").fill("PJ-777 × 2")
    card.locator("[data-testid=log-hours]").click()
    expect(card.locator("p.small")).to_contain_text(re.compile(r"(^|\D)1\.50?\D"))
    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.once("dialog", accept)
    card.locator("[data-testid=finish-job]").click()
    expect(page.locator(f"[data-testid=job-{number}]")).to_have_count(0)  # finished: gone
    assert dialogs == ["confirm"]
    state = _ticket_state(app, job["id"])
    assert state["status"] == TicketStatus.QA_PENDING
    assert state["hours"] == [1.5]
    assert state["dispatches"][0][3:] == (True, True)
    page.goto(f"/stores/tickets/{number}")
    expect(ticket).to_have_attribute("data-status", TicketStatus.QA_PENDING.value)
    sign_out(page)

    # --- 31001 (store rep, S4002): not in the queue, and the ticket page is not found.
    _signed_in(page, "31001", password)
    page.goto("/stores/")
    expect(page.locator("[data-testid=branch-queue]")).to_be_visible()
    expect(page.locator("[data-testid=branch-queue] tbody")).not_to_contain_text(number)
    response = page.goto(f"/stores/tickets/{number}")
    assert response is not None and response.status in (403, 404), response
    expect(page.locator("[data-testid=ticket]")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(job["customer"])


def test_glass_installer_is_dispatched_to_a_decorative_glass_job_without_a_skill_warning(
        app, page: Page):
    job = _set_up(app, category="装饰玻璃")  # as the demo's products (portal/demo.py PRODUCTS)
    with app.app_context(), uow.transaction():
        transition(db.session.get(Ticket, job["id"]), "survey_done", factories.employee("30001"))
    number = job["number"]

    _signed_in(page, "30002", app.config["DEMO_PASSWORD"])
    page.goto(f"/stores/tickets/{number}")
    form = page.locator("[data-testid=dispatch-form]")
    form.locator("input[name=planned_date]").fill(_datetime_local(_local(1, 10)))
    form.locator("input[name=planned_hours]").fill("2")
    form.locator(f"input[name=technician_ids][value='{job['technician']}']").check()
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith(f"/tickets/{number}/dispatch")) as answer:
        form.locator("[data-testid=dispatch-submit]").click()
    page.wait_for_load_state()
    warnings = page.locator("[data-testid=dispatch-warnings]")
    assert warnings.count() == 0, warnings.inner_text()
    assert answer.value.status == 302
    expect(page.locator("[data-testid=ticket]")).to_have_attribute(
        "data-status", TicketStatus.DISPATCHED.value)
