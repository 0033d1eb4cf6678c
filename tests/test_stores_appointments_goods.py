"""Appointments (clashes, no-show follow-up) and goods taken in (receipt voiding)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from portal.models import AppointmentStatus, StoreTask
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.stores import appointments, goods_in
from tests import factories


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
    appointments.reschedule(first, *_slot(25, 2), tech)
    other = appointments.book(factories.ticket(), *_slot(30, 1), tech, None, rep)
    with pytest.raises(DomainError):
        appointments.reschedule(other, *_slot(26, 1), tech)


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
    goods_in.update_repair_card(receipt, Decimal("1.5"), "地弹簧油封", "更换油封")
    with pytest.raises(DomainError):
        goods_in.hand_back(receipt, "  ", rep)
    goods_in.hand_back(receipt, "王璟燊", rep)
    assert receipt.void and receipt.returned_signature == "王璟燊"
    with pytest.raises(DomainError):
        goods_in.hand_back(receipt, "王璟燊", rep)
    with pytest.raises(DomainError):
        goods_in.update_repair_card(receipt, Decimal("2"), None, None)


def test_goods_pages_are_scoped_to_the_branch(app, client, auth):
    with app.app_context():
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

    with app.app_context():
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
