"""Dispatch board, the technician's day and the work reports."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from markupsafe import escape

from portal.extensions import db
from portal.models import (
    Dispatch,
    DispatchCategory,
    Employee,
    PermissionGroup,
    Priority,
    Requisition,
    ServiceItem,
    Ticket,
    TicketStatus,
    Warranty,
    WorkLog,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core import uow
from portal.services.core.workflow import TransitionRefused
from portal.services.stores import dispatch, estimates, reception, work_reports
from portal.services.tickets.lifecycle import transition
from portal.timeutil import to_local
from tests import factories


def _surveyed(**fields) -> Ticket:
    ticket = factories.ticket(**fields)
    transition(ticket, "survey_done", factories.employee("30001"))
    return ticket


def _technician(no: str, name: str, branch: str = "S4001", skills: str = "玻璃安装") -> Employee:
    tech = Employee(employee_no=no, name=name, org_unit=factories.org_unit(branch),
                    password_hash="x", must_change_password=False, skills=skills)
    tech.groups = [db.session.scalar(sa.select(PermissionGroup).where(
        PermissionGroup.code == "technician"))]
    db.session.add(tech)
    db.session.commit()
    return tech


def tomorrow_at(hour: int):
    """A UTC instant tomorrow at `hour` China time: tests must not depend on the clock."""
    from datetime import datetime, time

    from portal.timeutil import local_to_utc

    day = to_local(utcnow()).date() + timedelta(days=1)
    return local_to_utc(datetime.combine(day, time(hour)))


def _dispatches(ticket: Ticket) -> list[Dispatch]:
    return list(db.session.scalars(sa.select(Dispatch).where(Dispatch.ticket_id == ticket.id)))


def _draft(techs, hours="2", when=None, **kw) -> dispatch.DispatchDraft:
    return dispatch.DispatchDraft(category=DispatchCategory.MAINTENANCE,
                                  planned_date=when or utcnow() + timedelta(hours=1),
                                  technician_ids=[t.id for t in techs],
                                  planned_hours=Decimal(hours), **kw)


def test_dispatch_moves_ticket_and_books_hours(ctx):
    ticket = _surveyed()
    tech = factories.employee("30003")
    booked = dispatch.create_dispatch(ticket, _draft([tech], "3"), factories.employee("30002"))
    assert ticket.status == TicketStatus.DISPATCHED
    assert booked.number.startswith("PG")
    day = to_local(booked.planned_date).date()
    assert dispatch.booked_hours([tech.id], day)[tech.id] == Decimal("3")
    assert ticket.events[-1].action == "dispatch"


def test_over_booking_warns_and_needs_confirmation(ctx):
    tech = factories.employee("30003")
    boss = factories.employee("30002")
    when = tomorrow_at(9)
    dispatch.create_dispatch(_surveyed(), _draft([tech], "6", when), boss)
    second = _surveyed()
    with pytest.raises(dispatch.DispatchWarnings) as exc:
        dispatch.create_dispatch(second, _draft([tech], "3", when), boss)
    assert "9" in exc.value.message
    assert second.status == TicketStatus.KCJS  # nothing half-written
    assert _dispatches(second) == []
    dispatch.create_dispatch(second, _draft([tech], "3", when, confirm_warnings=True), boss)
    assert second.status == TicketStatus.DISPATCHED


def test_missing_skill_warns(ctx):
    owner = factories.customer()
    product = factories.product(owner=owner, category="家电")
    ticket = _surveyed(owner=owner, product=product)
    tech = _technician("30009", "钱师傅", skills="玻璃安装")
    with pytest.raises(dispatch.DispatchWarnings) as exc:
        dispatch.create_dispatch(ticket, _draft([tech]), factories.employee("30002"))
    assert "家电" in exc.value.message


def test_technician_of_another_branch_is_refused(ctx):
    ticket = _surveyed()
    outsider = _technician("31009", "孙师傅", branch="S4002")
    with pytest.raises(DomainError) as exc:
        dispatch.create_dispatch(ticket, _draft([outsider]), factories.employee("30002"))
    assert exc.value.field == "technician_ids"


def test_dispatch_in_the_past_is_refused(ctx):
    ticket = _surveyed()
    with pytest.raises(DomainError) as exc:
        dispatch.create_dispatch(ticket, _draft([factories.employee("30003")],
                                                when=utcnow() - timedelta(days=1)),
                                 factories.employee("30002"))
    assert exc.value.field == "planned_date"


@pytest.mark.parametrize("employee_no", ["30001", "30003", "60001"])
def test_only_a_supervisor_dispatches(ctx, employee_no):
    """Store rep, technician and the service manager (who reads everything) lack the duty."""
    ticket = _surveyed()
    with pytest.raises(TransitionRefused):
        dispatch.create_dispatch(ticket, _draft([factories.employee("30003")]),
                                 factories.employee(employee_no))
    assert ticket.status == TicketStatus.KCJS and _dispatches(ticket) == []


def test_waiting_list_skips_tickets_needing_approval_and_puts_urgent_first(ctx):
    from portal.models import ServiceItem

    normal = _surveyed(short_text="普通")
    urgent = _surveyed(short_text="紧急", urgent=True)
    _surveyed(short_text="待批", service_item=ServiceItem.RELOCATE)
    waiting = dispatch.waiting_tickets(factories.org_unit("S4001").id)
    assert [t.id for t in waiting] == [urgent.id, normal.id]


def test_board_orders_priority_work_first(ctx):
    tech = factories.employee("30003")
    boss = factories.employee("30002")
    when = tomorrow_at(9)
    later = tomorrow_at(14)
    normal = dispatch.create_dispatch(_surveyed(), _draft([tech], "1", when), boss)
    recall = dispatch.create_dispatch(_surveyed(), _draft([tech], "1", later,
                                                          priority=Priority.RECALL), boss)
    rows = dispatch.board(factories.org_unit("S4001").id, to_local(when).date())
    row = next(r for r in rows if r.technician.id == tech.id)
    assert [d.id for d in row.dispatches][:2] == [recall.id, normal.id]
    assert row.hours == Decimal("2")


def test_technician_day_start_log_finish(ctx):
    tech = factories.employee("30003")
    ticket = _surveyed()
    job = dispatch.create_dispatch(ticket, _draft([tech]), factories.employee("30002"))
    today, upcoming = dispatch.my_jobs(tech, to_local(utcnow()).date())
    assert job in today or job in upcoming
    with pytest.raises(DomainError):  # no hours yet
        dispatch.finish_job(job, tech)
    dispatch.start_job(job, tech)
    assert ticket.status == TicketStatus.IN_WORK
    with pytest.raises(DomainError) as exc:
        dispatch.log_work(job, tech, Decimal("1.3"), None, None)
    assert exc.value.field == "hours"
    dispatch.log_work(job, tech, Decimal("1.5"), "硅酮密封胶 1 支", "更换胶条")
    dispatch.finish_job(job, tech, "完工")
    assert ticket.status == TicketStatus.QA_PENDING  # on to the quality check (待质检)
    with pytest.raises(DomainError):
        dispatch.log_work(job, tech, Decimal("1"), None, None)


def test_someone_else_cannot_work_my_job(ctx):
    """Only the assigned technician starts, logs and finishes: another technician of the
    branch, the store rep and the supervisor who dispatched it are all refused."""
    tech = factories.employee("30003")
    ticket = _surveyed()
    job = dispatch.create_dispatch(ticket, _draft([tech]), factories.employee("30002"))
    others = [_technician("30008", "吴师傅"), factories.employee("30001"),
              factories.employee("30002")]
    for other in others:
        with pytest.raises(TransitionRefused):
            dispatch.start_job(job, other)
    assert ticket.status == TicketStatus.DISPATCHED and job.started_at is None
    dispatch.start_job(job, tech)
    dispatch.log_work(job, tech, Decimal("1"), None, None)
    for other in others:
        with pytest.raises(TransitionRefused):
            dispatch.log_work(job, other, Decimal("1"), None, None)
        with pytest.raises(TransitionRefused):
            dispatch.finish_job(job, other)
    assert ticket.status == TicketStatus.IN_WORK and job.finished_at is None
    assert [log.technician_id for log in job.work_logs] == [tech.id]


def test_daily_and_weekly_reports_sum_hours(ctx):
    tech = factories.employee("30003")
    job = dispatch.create_dispatch(_surveyed(), _draft([tech]), factories.employee("30002"))
    dispatch.start_job(job, tech)
    dispatch.log_work(job, tech, Decimal("1.5"), None, "上午")
    dispatch.log_work(job, tech, Decimal("2"), None, "下午")
    today = to_local(utcnow()).date()
    branch = factories.org_unit("S4001").id
    lines = work_reports.daily(branch, today)
    assert [(line.technician.employee_no, line.hours) for line in lines] == [
        ("30003", Decimal("3.5"))]
    summary = work_reports.weekly(branch, today - timedelta(days=today.weekday()))
    assert summary.grand_total == Decimal("3.5")
    assert db.session.scalar(sa.select(sa.func.sum(WorkLog.hours))) == Decimal("3.5")


def test_dispatch_form_and_board_pages(app, client, auth):
    with app.app_context(), uow.transaction():
        number = _surveyed(short_text="网页派工").number
        tech_id = factories.employee("30003").id
    auth.login("30002")
    page = client.get(f"/stores/tickets/{number}").get_data(as_text=True)
    assert 'data-testid="dispatch-form"' in page
    token = auth.csrf_token(f"/stores/tickets/{number}")
    planned = tomorrow_at(10)
    when = to_local(planned).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/stores/tickets/{number}/dispatch", data={
        "csrf_token": token, "category": "2", "priority": "normal", "planned_date": when,
        "technician_ids": str(tech_id), "planned_hours": "1.5"})
    assert response.status_code == 302
    board = client.get(f"/stores/dispatch?day={to_local(planned).date().isoformat()}").get_data(
        as_text=True)
    assert 'data-technician="30003"' in board and number in board
    log = client.get(f"/stores/dispatch/log?day={to_local(planned).date().isoformat()}"
                     ).get_data(as_text=True)
    assert number in log
    auth.logout()
    auth.login("30001")
    assert client.get("/stores/dispatch").status_code == 403
    auth.logout()
    auth.login("30003")
    jobs = client.get("/stores/my-jobs").get_data(as_text=True)
    assert f'data-testid="job-{number}"' in jobs


def test_work_waits_while_additional_work_awaits_the_customer(ctx, monkeypatch):
    tech = factories.employee("30003")
    ticket = _surveyed()
    job = dispatch.create_dispatch(ticket, _draft([tech]), factories.employee("30002"))
    pending = type("Revision", (), {"revision": 2})()
    monkeypatch.setattr(dispatch.estimates, "awaiting_customer", lambda t: pending)
    with pytest.raises(DomainError):
        dispatch.start_job(job, tech)
    assert ticket.status == TicketStatus.DISPATCHED
    monkeypatch.setattr(dispatch.estimates, "awaiting_customer", lambda t: None)
    dispatch.start_job(job, tech)
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.IN_WORK


def test_dispatch_with_a_parts_requisition(ctx):
    from portal.models import Requisition, RequisitionStatus
    from tests import test_warehouse_factories as wf

    spring = wf.part(part_no="PJ-901", name="玻璃门地弹簧")
    wf.stock_in(spring, 5)
    ticket = _surveyed()
    boss = factories.employee("30002")
    with pytest.raises(DomainError) as exc:
        dispatch.requisition_lines("PJ-999 × 1")
    assert exc.value.field == "requisition"
    with pytest.raises(DomainError):
        dispatch.requisition_lines("PJ-901 × 1.5")  # counted in whole pieces
    draft = _draft([factories.employee("30003")], parts=dispatch.requisition_lines(
        "pj-901 × 2\n\n"))
    booked = dispatch.create_dispatch(ticket, draft, boss)
    requisition = db.session.scalars(sa.select(Requisition)).one()
    assert requisition.ticket_id == ticket.id and requisition.warehouse.code == "W01"
    assert requisition.status == RequisitionStatus.APPROVED  # straight into the clerk's queue
    assert requisition.remark == booked.number
    assert [(line.part.part_no, line.quantity) for line in requisition.lines] == [
        ("PJ-901", Decimal(2))]


@pytest.mark.parametrize("skills, category, fits", [
    ("玻璃安装,门窗安装,家具安装", "装饰玻璃", True),
    ("玻璃安装、家具安装", "办公家具", True),
    ("玻璃安装", "家电", False),
    ("家电维修；空调移机", "家电", True),
    ("", "装饰玻璃", False),
])
def test_skill_matching_reads_free_text_skills(skills, category, fits):
    assert dispatch.has_skill(Employee(skills=skills), category) is fits


# --------------------------------------------------------------------------- bypasses (issue 10)


def _item(code: str):
    from portal.models import PriceItem

    return db.session.scalar(sa.select(PriceItem).where(PriceItem.code == code))


def _approved_estimate(ticket: Ticket, days: int = 3):
    from portal.models import PaymentMethod

    rep = factories.employee("30001")
    estimate = estimates.start(ticket, rep)
    estimates.add_price_line(estimate, _item("AZ-001"), Decimal("1"), by=rep)
    estimates.update_header(estimate, estimates.EstimateHeader(
        promised_at=utcnow() + timedelta(days=days), payment_method=PaymentMethod.CASH), by=rep)
    estimates.approve(estimate, "周先生", None, rep)
    return estimate


def _form_data(number: str, token: str, tech_id: int) -> dict:
    return {"csrf_token": token, "category": "2", "priority": "normal",
            "planned_date": to_local(tomorrow_at(10)).strftime("%Y-%m-%dT%H:%M"),
            "technician_ids": str(tech_id), "planned_hours": "1.5"}


def test_the_generic_step_form_cannot_dispatch_but_the_dispatch_form_does(app, client, auth):
    """派工 via /hotline/.../transition moved a ticket with no dispatch and no technician."""
    with app.app_context(), uow.transaction():
        ticket = _surveyed(short_text="绕过派工")
        number, version, tech_id = ticket.number, ticket.version, factories.employee("30003").id
    auth.login("30002")
    page = client.get(f"/stores/tickets/{number}").get_data(as_text=True)
    assert 'data-action="dispatch"' not in page  # no generic button next to the real form
    token = auth.csrf_token(f"/stores/tickets/{number}")
    generic = client.post(f"/hotline/tickets/{number}/transition", data={
        "csrf_token": token, "action": "dispatch", "version": str(version), "remark": ""})
    assert generic.status_code == 409
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert ticket.status == TicketStatus.KCJS and _dispatches(ticket) == []
        assert [e.action for e in ticket.events] == ["create", "survey_done"]
    booked = client.post(f"/stores/tickets/{number}/dispatch",
                         data=_form_data(number, token, tech_id))
    assert booked.status_code == 302
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        (job,) = _dispatches(ticket)
        assert ticket.status == TicketStatus.DISPATCHED and ticket.events[-1].action == "dispatch"
        assert [(a.employee_id, a.role.value) for a in job.assignments] == [
            (tech_id, "technician")]


def test_the_generic_step_form_cannot_start_or_finish_the_work(app, client, auth):
    """start_work / finish_work belong to the assigned technician's My jobs page."""
    with app.app_context(), uow.transaction():
        ticket = _surveyed()
        tech = factories.employee("30003")
        job = dispatch.create_dispatch(ticket, _draft([tech]), factories.employee("30002"))
        number, job_id = ticket.number, job.id
    auth.login("30001")
    token = auth.csrf_token(f"/stores/tickets/{number}")
    with app.app_context():
        version = db.session.scalar(sa.select(Ticket.version).where(Ticket.number == number))
    for action in ("start_work", "finish_work"):
        answer = client.post(f"/hotline/tickets/{number}/transition", data={
            "csrf_token": token, "action": action, "version": str(version), "remark": ""})
        assert answer.status_code == 409, action
    assert client.post(f"/stores/jobs/{job_id}/start",
                       data={"csrf_token": token}).status_code == 403  # no job.work
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert ticket.status == TicketStatus.DISPATCHED
        assert db.session.get(Dispatch, job_id).started_at is None
        assert [e.action for e in ticket.events][-1] == "dispatch"


def test_approval_items_answered_by_hq_are_not_dispatched_unapproved(ctx):
    """新机安装 went request_hq → department_reply → ZBHF and was dispatched unapproved."""
    from portal.services.stores import approvals
    from tests import test_warehouse_factories as wf

    spring = wf.part(part_no="PJ-902", name="玻璃门地弹簧")
    wf.stock_in(spring, 5)
    boss = factories.employee("30002")
    ticket = _surveyed(service_item=ServiceItem.NEW_INSTALL)
    approvals.decide(ticket, "request_hq", boss, "需总部确认")
    transition(ticket, "department_reply", factories.employee("20001"), "同意")
    assert ticket.status == TicketStatus.ZBHF
    events = len(ticket.events)
    with pytest.raises(TransitionRefused) as refused:
        dispatch.create_dispatch(ticket, _draft([factories.employee("30003")],
                                                parts=[(spring, Decimal(1))]), boss)
    assert refused.value.status == 409
    assert refused.value.message == dispatch.dispatch_refusal(ticket, boss)
    assert ticket.status == TicketStatus.ZBHF and len(ticket.events) == events
    assert _dispatches(ticket) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Requisition)) == 0

    # The same path with the supervisor's approval first dispatches.
    approved = _surveyed(service_item=ServiceItem.NEW_INSTALL)
    approvals.decide(approved, "approve", boss, None)
    approvals.decide(approved, "request_hq", boss, "需总部确认")
    transition(approved, "department_reply", factories.employee("20001"), "同意")
    dispatch.create_dispatch(approved, _draft([factories.employee("30003")]), boss)
    assert approved.status == TicketStatus.DISPATCHED


def test_paid_work_is_not_dispatched_before_the_customer_approves_the_estimate(ctx):
    rep, boss = factories.employee("30001"), factories.employee("30002")
    ticket = factories.ticket()
    reception.record_reception(ticket, reception.ReceptionInput("更换地弹簧", Warranty.OUT), rep,
                               survey_done=True)
    with pytest.raises(TransitionRefused) as refused:
        dispatch.create_dispatch(ticket, _draft([factories.employee("30003")]), boss)
    assert refused.value.message == dispatch.dispatch_refusal(ticket, boss)
    assert ticket.status == TicketStatus.KCJS and _dispatches(ticket) == []
    _approved_estimate(ticket)
    assert dispatch.dispatch_refusal(ticket, boss) is None
    dispatch.create_dispatch(ticket, _draft([factories.employee("30003")]), boss)
    assert ticket.status == TicketStatus.DISPATCHED


def test_the_dispatch_form_tells_the_supervisor_why_not(app, client, auth):
    with app.app_context(), uow.transaction():
        ticket = factories.ticket()
        reception.record_reception(ticket, reception.ReceptionInput("更换地弹簧", Warranty.OUT),
                                   factories.employee("30001"), survey_done=True)
        number, tech_id = ticket.number, factories.employee("30003").id
        why = dispatch.dispatch_refusal(ticket, factories.employee("30002"))
    auth.login("30002")
    page = client.get(f"/stores/tickets/{number}").get_data(as_text=True)
    assert 'data-testid="dispatch-refusal"' in page and 'data-testid="dispatch-form"' not in page
    token = auth.csrf_token(f"/stores/tickets/{number}")
    answer = client.post(f"/stores/tickets/{number}/dispatch",
                         data=_form_data(number, token, tech_id))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409 and 'data-testid="dispatch-form"' in html
    assert 'id="note-err"' in html and str(escape(why)) in html
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert ticket.status == TicketStatus.KCJS and _dispatches(ticket) == []


def test_finish_waits_while_additional_work_awaits_the_customer(ctx):
    """追加: the technician cannot hand over to QA what the customer has not approved."""
    rep, tech = factories.employee("30001"), factories.employee("30003")
    ticket = factories.ticket()
    reception.record_reception(ticket, reception.ReceptionInput("更换地弹簧", Warranty.OUT), rep,
                               survey_done=True)
    first = _approved_estimate(ticket)
    job = dispatch.create_dispatch(ticket, _draft([tech]), factories.employee("30002"))
    dispatch.start_job(job, tech)
    dispatch.log_work(job, tech, Decimal("2"), None, "发现门框变形")
    second = estimates.add_work(first, rep)
    estimates.add_free_line(second, estimates.LineKind.LABOUR, "校正门框", Decimal(1),
                            Decimal(80), by=rep)
    with pytest.raises(TransitionRefused) as refused:
        dispatch.finish_job(job, tech, "完工")
    assert "2" in refused.value.message
    assert ticket.status == TicketStatus.IN_WORK and job.finished_at is None
    estimates.update_header(second, estimates.EstimateHeader(
        promised_at=utcnow() + timedelta(days=5), payment_method=first.payment_method), by=rep)
    estimates.approve(second, "周先生", None, rep)
    dispatch.finish_job(job, tech, "完工")
    assert ticket.status == TicketStatus.QA_PENDING and job.finished_at is not None
