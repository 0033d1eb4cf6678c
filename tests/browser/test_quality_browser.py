"""Quality in a real Chromium: after the stores flow the inspector fails one item, the job is
back first on the supervisor's dispatch board as rework, the technician finishes it again,
the inspector passes it and the customer's acceptance closes the ticket with a callback due
in three days in the hotline worklist.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.demo_quality import seed_checklists
from portal.extensions import db
from portal.models import Callback, CallbackKind, DispatchCategory, Ticket, TicketStatus
from portal.models.base import utcnow
from portal.services.stores import dispatch
from portal.services.tickets.lifecycle import transition
from tests import factories
from tests.browser.test_foundation_browser import sign_in, sign_out

pytestmark = pytest.mark.browser


def _finished_by_the_store(app) -> dict:
    """Set up through the services: surveyed by 30001, dispatched by 30002 to 30003 (with
    50001 as the QA inspector), started, hours logged and finished by 30003."""
    with app.app_context():
        seed_checklists()
        customer = factories.customer(name="吴雅琴", phone_mobile="13816605588")
        product = factories.product(customer, serial="SN-QA-20261125", category="装饰玻璃")
        ticket = factories.ticket(owner=customer, product=product, short_text="钢化玻璃隔断安装")
        transition(ticket, "survey_done", factories.employee("30001"))
        tech = factories.employee("30003")
        job = dispatch.create_dispatch(ticket, dispatch.DispatchDraft(
            category=DispatchCategory.FIRST_INSTALL, planned_date=utcnow() + timedelta(hours=1),
            technician_ids=[tech.id], planned_hours=Decimal("3"),
            qa_inspector_id=factories.employee("50001").id, confirm_warnings=True),
            factories.employee("30002"))
        dispatch.start_job(job, tech)
        dispatch.log_work(job, tech, Decimal("3"), "玻璃夹 4 个", "隔断安装")
        dispatch.finish_job(job, tech, "安装完成")
        assert ticket.status == TicketStatus.QA_PENDING
        result = {"number": ticket.number, "id": ticket.id, "dispatch": job.number,
                  "tech_id": tech.id}
        db.session.commit()  # services flush; the set-up stands for the browser to see
        db.session.remove()
        return result


def _status(app, ticket_id: int) -> TicketStatus:
    with app.app_context():
        status = db.session.get(Ticket, ticket_id).status
        db.session.remove()
        return status


def _answer_all(page: Page, fail: dict[str, str] | None = None) -> None:
    """Tick every item of the check form: pass, or fail with a note; level measured 1 mm."""
    fail = fail or {}
    rows = page.locator("[data-testid=check-form] tbody tr")
    for i in range(rows.count()):
        row = rows.nth(i)
        label = row.get_attribute("data-item")
        row.locator(f"input[type=radio][value={'fail' if label in fail else 'pass'}]").check()
        measured = row.locator("input[name$=-measured]")
        if measured.count():
            measured.fill("1")
        if label in fail:
            row.locator("input[name$=-note]").fill(fail[label])


def test_fail_rework_pass_and_acceptance_close_the_ticket(app, page: Page):
    job = _finished_by_the_store(app)
    number, password = job["number"], app.config["DEMO_PASSWORD"]
    page.on("dialog", lambda dialog: dialog.accept())  # the technician's "finish?" question

    # --- 50001 finds the finished job in the QA queue, with its dispatch and technician.
    sign_in(page, "50001", password)
    expect(page).to_have_url(re.compile(r"/qa/$"))
    row = page.locator(f"[data-testid=qa-queue] tr[data-ticket='{number}']")
    expect(row).to_contain_text(job["dispatch"])
    expect(row).to_contain_text("赵师傅")
    row.locator("[data-testid=inspect]").click()
    expect(page).to_have_url(re.compile(rf"/qa/tickets/{number}$"))
    ticket = page.locator("[data-testid=qa-ticket]")
    expect(ticket).to_have_attribute("data-status", "QA_PENDING")

    # --- One item fails: the check is signed and locked, the ticket goes to rework.
    _answer_all(page, fail={"固定牢固": "玻璃夹螺丝未拧紧"})
    page.locator("[data-testid=sign-check]").click()
    expect(ticket).to_have_attribute("data-status", "REWORK")
    failed_check = page.locator("[data-testid^=check-ZJ][data-verdict=failed]")
    expect(failed_check).to_have_count(1)
    expect(failed_check).to_contain_text("郑检")
    expect(page.locator("[data-testid=check-form]")).to_have_count(0)  # locked
    expect(page.locator("[data-testid=timeline] li[data-action=qa_fail]")).to_contain_text(
        "固定牢固: 玻璃夹螺丝未拧紧")
    assert _status(app, job["id"]) == TicketStatus.REWORK

    # --- 30002 sees it first on the dispatch board, with the failed item, and re-dispatches.
    sign_out(page)
    sign_in(page, "30002", password)
    page.goto("/stores/dispatch")
    waiting = page.locator("[data-testid=waiting] li[data-ticket]")
    expect(waiting.first).to_have_attribute("data-ticket", number)
    expect(waiting.first).to_have_attribute("data-rework", "1")
    expect(waiting.first.locator("[data-testid=failed-items]")).to_contain_text(
        "固定牢固: 玻璃夹螺丝未拧紧")
    waiting.first.locator("a", has_text=number).click()
    form = page.locator("[data-testid=dispatch-form]")
    form.locator(f"input[name=technician_ids][value='{job['tech_id']}']").check()
    form.locator("input[name=planned_hours]").fill("1")
    form.locator("[data-testid=dispatch-submit]").click()
    if page.locator("[data-testid=dispatch-warnings]").count():  # skill / load warnings
        form.locator(f"input[name=technician_ids][value='{job['tech_id']}']").check()
        form.locator("[data-testid=dispatch-submit]").click()
    expect(page.locator("[data-testid=ticket]")).to_have_attribute("data-status", "DISPATCHED")
    with app.app_context():  # the label in the working language, as the page shows it
        reinstall = str(DispatchCategory.REINSTALL.label)
    expect(page.locator("[data-testid=dispatch-section]")).to_contain_text(reinstall)

    # --- 30003 does the re-installation from "my jobs" and finishes it.
    sign_out(page)
    sign_in(page, "30003", password)
    page.goto("/stores/my-jobs")
    card = page.locator(f"[data-testid=job-{number}]")
    card.locator("[data-testid=start-job]").click()
    card = page.locator(f"[data-testid=job-{number}]")
    card.locator("input[name=hours]").fill("1")
    card.locator("[data-testid=log-hours]").click()
    page.locator(f"[data-testid=job-{number}] [data-testid=finish-job]").click()
    expect(page.locator(f"[data-testid=job-{number}]")).to_have_count(0)
    assert _status(app, job["id"]) == TicketStatus.QA_PENDING

    # --- 50001 checks the rework: everything passes and is signed.
    sign_out(page)
    sign_in(page, "50001", password)
    row = page.locator(f"[data-testid=qa-queue] tr[data-ticket='{number}']")
    expect(row).to_have_attribute("data-rework", "1")
    row.locator("[data-testid=inspect]").click()
    _answer_all(page)
    page.locator("[data-testid=sign-check]").click()
    expect(ticket).to_have_attribute("data-status", "HANDOVER_READY")
    expect(page.locator("[data-testid^=check-ZJ][data-verdict=passed]")).to_have_count(1)
    expect(page.locator("[data-testid^=check-ZJ][data-verdict=failed]")).to_have_count(1)

    # --- The handover: the customer confirms and signs; the work is closed (销单).
    acceptance = page.locator("[data-testid=acceptance-form]")
    acceptance.locator("input[name=work_complete][value=yes]").check()
    acceptance.locator("input[name=system_works][value=yes]").check()
    acceptance.locator("input[name=accessories][value=yes]").check()
    acceptance.locator("input[name=satisfaction][value=very_satisfied]").check()
    acceptance.locator("input[name=customer_name]").fill("吴雅琴")
    acceptance.locator("[data-testid=accept-handover]").click()
    expect(ticket).to_have_attribute("data-status", "CLOSED")
    expect(page.locator("[data-testid=acceptance]")).to_contain_text("吴雅琴")
    assert _status(app, job["id"]) == TicketStatus.CLOSED

    # --- A callback is due within 3 days (SPEC §9), in the hotline worklist of 20001.
    with app.app_context():
        callback = db.session.scalars(sa.select(Callback).where(
            Callback.ticket_id == job["id"])).one()
        assert callback.kind == CallbackKind.AFTER_SERVICE
        assert abs((callback.due_at - (utcnow() + timedelta(days=3))).total_seconds()) < 120
        db.session.remove()
    sign_out(page)
    sign_in(page, "20001", password)
    page.goto("/hotline/callbacks")
    expect(page.locator("[data-testid=callbacks]")).to_contain_text(number)
