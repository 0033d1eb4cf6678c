"""Appointments (clashes, no-show follow-up) and goods taken in (receipt voiding)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Appointment, AppointmentStatus, GoodsReceipt, StoreTask
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core import uow
from portal.services.core.workflow import StaleRecord, TransitionRefused
from portal.services.stores import appointments, goods_in
from tests import factories
from tests.conftest import Auth


def _slot(hours_from_now: float, length: float = 1):
    start = utcnow() + timedelta(hours=hours_from_now)
    return start, start + timedelta(hours=length)


def test_booking_in_the_past_is_refused(ctx):
    ticket = factories.ticket()
    with pytest.raises(DomainError) as exc:
        appointments.book(ticket, *_slot(-3), None, None, factories.employee("30001"))
    assert exc.value.field == "starts_at"


def test_double_booking_a_technician_is_refused(ctx):
    tech = factories.employee("30003")
    rep = factories.employee("30001")
    appointments.book(factories.ticket(), *_slot(24, 2), tech, None, rep)
    with pytest.raises(DomainError) as exc:
        appointments.book(factories.ticket(), *_slot(25, 2), tech, None, rep)
    assert exc.value.field == "starts_at"
    appointments.book(factories.ticket(), *_slot(26, 1), tech, None, rep)  # back to back: fine


def test_reschedule_checks_clashes_but_not_with_itself(ctx):
    tech = factories.employee("30003")
    rep = factories.employee("30001")
    first = appointments.book(factories.ticket(), *_slot(24, 2), tech, None, rep)
    appointments.reschedule(first, *_slot(25, 2), tech, by=rep)
    other = appointments.book(factories.ticket(), *_slot(30, 1), tech, None, rep)
    with pytest.raises(DomainError):
        appointments.reschedule(other, *_slot(26, 1), tech, by=rep)
    with pytest.raises(StaleRecord):  # a form opened before the first move
        appointments.reschedule(first, *_slot(40, 1), tech, by=rep, expected_version=1)
    appointments.mark(other, AppointmentStatus.CANCELLED, rep)
    with pytest.raises(TransitionRefused) as refused:  # a cancelled slot is not moved
        appointments.reschedule(other, *_slot(50, 1), tech, by=rep)
    assert "Cancelled" in refused.value.message or "已取消" in refused.value.message


def test_no_show_creates_a_follow_up_task(ctx):
    rep = factories.employee("30001")
    appointment = appointments.book(factories.ticket(), *_slot(2), None, None, rep)
    appointments.mark(appointment, AppointmentStatus.NO_SHOW, rep)
    tasks = appointments.open_tasks(appointment.branch_id)
    assert len(tasks) == 1 and tasks[0].ticket_id == appointment.ticket_id
    with pytest.raises(DomainError):
        appointments.mark(appointment, AppointmentStatus.DONE, rep)
    appointments.complete_task(tasks[0], rep)
    assert appointments.open_tasks(appointment.branch_id) == []
    assert isinstance(tasks[0], StoreTask) and tasks[0].done_by_id == rep.id


def test_goods_receipt_is_void_after_return(ctx):
    rep = factories.employee("30001")
    receipt = goods_in.take_in(factories.ticket(), "玻璃门地弹簧一个（含盖板）", "漏油", rep)
    assert receipt.number.startswith("SJ") and not receipt.void
    goods_in.update_repair_card(receipt, Decimal("1.5"), "地弹簧油封", "更换油封", by=rep)
    with pytest.raises(DomainError):
        goods_in.hand_back(receipt, "  ", rep)
    goods_in.hand_back(receipt, "王璟燊", rep)
    assert receipt.void and receipt.returned_signature == "王璟燊"
    with pytest.raises(DomainError):
        goods_in.hand_back(receipt, "王璟燊", rep)
    with pytest.raises(DomainError):
        goods_in.update_repair_card(receipt, Decimal("2"), None, None, by=rep)


def test_goods_pages_are_scoped_to_the_branch(app, client, auth):
    with app.app_context(), uow.transaction():
        receipt = goods_in.take_in(factories.ticket(), "淋浴房拉手", None,
                                   factories.employee("30001"))
        receipt_id, number = receipt.id, receipt.number
    auth.login("31001")  # another branch
    assert client.get(f"/stores/goods/{receipt_id}").status_code == 404
    assert number not in client.get("/stores/goods").get_data(as_text=True)
    auth.logout()
    auth.login("30001")
    assert number in client.get("/stores/goods?in=1").get_data(as_text=True)
    token = auth.csrf_token(f"/stores/goods/{receipt_id}")
    response = client.post(f"/stores/goods/{receipt_id}/return",
                           data={"csrf_token": token, "signature": "客户本人", "confirm": "y"})
    assert response.status_code == 302
    page = client.get(f"/stores/goods/{receipt_id}").get_data(as_text=True)
    assert 'data-testid="void"' in page
    assert number not in client.get("/stores/goods?in=1").get_data(as_text=True)


def test_appointment_booking_page(app, client, auth):
    from portal.timeutil import to_local

    with app.app_context(), uow.transaction():
        number = factories.ticket().number
    auth.login("30001")
    token = auth.csrf_token(f"/stores/tickets/{number}")
    start = to_local(utcnow() + timedelta(days=1))
    fmt = "%Y-%m-%dT%H:%M"
    bad = client.post(f"/stores/tickets/{number}/appointments", data={
        "csrf_token": token, "starts_at": start.strftime(fmt),
        "ends_at": (start - timedelta(hours=1)).strftime(fmt)})
    assert bad.status_code == 400 and 'id="ends_at-err"' in bad.get_data(as_text=True)
    good = client.post(f"/stores/tickets/{number}/appointments", data={
        "csrf_token": token, "starts_at": start.strftime(fmt),
        "ends_at": (start + timedelta(hours=1)).strftime(fmt), "note": "客户下午在家"})
    assert good.status_code == 302
    week = client.get(f"/stores/appointments?week={start.date().isoformat()}")
    assert number in week.get_data(as_text=True)


# --------------------------------------------------------------------------- duties


@pytest.mark.parametrize("employee_no", ["30003", "60001"])  # technician, service manager
def test_only_the_store_desk_books_appointments_and_takes_goods_in(ctx, employee_no):
    outsider = factories.employee(employee_no)
    ticket = factories.ticket()
    with pytest.raises(TransitionRefused):
        appointments.book(ticket, *_slot(24), None, None, outsider)
    with pytest.raises(TransitionRefused):
        goods_in.take_in(ticket, "拉手", None, outsider)
    rep = factories.employee("30001")
    booked = appointments.book(ticket, *_slot(24), None, None, rep)
    receipt = goods_in.take_in(ticket, "拉手", None, rep)
    for verb in (lambda: appointments.mark(booked, AppointmentStatus.NO_SHOW, outsider),
                 lambda: appointments.reschedule(booked, *_slot(30), None, by=outsider),
                 lambda: goods_in.update_repair_card(receipt, Decimal(1), None, None,
                                                     by=outsider),
                 lambda: goods_in.hand_back(receipt, "客户", outsider)):
        with pytest.raises(TransitionRefused):
            verb()
    assert booked.status == AppointmentStatus.BOOKED and not receipt.void
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoreTask)) == 0


def test_the_service_manager_reads_but_cannot_book_or_take_goods_in(app):
    with app.app_context(), uow.transaction():
        ticket = factories.ticket()
        number = ticket.number
        receipt_id = goods_in.take_in(ticket, "淋浴房拉手", None, factories.employee("30001")).id
        appointment_id = appointments.book(ticket, *_slot(24), None, None,
                                           factories.employee("30001")).id
    client = app.test_client()
    manager = Auth(client)
    manager.login("60001")
    page = client.get(f"/stores/tickets/{number}").get_data(as_text=True)
    assert page and 'data-testid="appointment-form"' not in page
    assert f"/stores/tickets/{number}/goods" not in page
    assert f"/appointments/{appointment_id}/outcome" not in page
    receipt_page = client.get(f"/stores/goods/{receipt_id}").get_data(as_text=True)
    assert 'data-testid="return-form"' not in receipt_page
    token = manager.csrf_token("/stores/")
    for path, data in ((f"/stores/tickets/{number}/goods", {"goods": "x"}),
                       (f"/stores/goods/{receipt_id}/return",
                        {"signature": "x", "confirm": "y"}),
                       (f"/stores/goods/{receipt_id}/repair-card", {"repair_hours": "1"}),
                       (f"/stores/appointments/{appointment_id}/outcome",
                        {"outcome": "no_show"})):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GoodsReceipt)) == 1
        assert db.session.get(Appointment, appointment_id).status == AppointmentStatus.BOOKED
        assert db.session.get(GoodsReceipt, receipt_id).returned_at is None
