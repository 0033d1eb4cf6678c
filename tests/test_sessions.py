"""Sessions the server can end: sign-out, password change, deactivation, idle and lifetime."""

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Employee
from portal.web import sessions
from tests import factories

DEMO_PASSWORD = "demo1234"


def _token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _sign_in(app, employee_no="20001"):
    client = app.test_client()
    response = client.post("/login", data={"employee_no": employee_no, "password": DEMO_PASSWORD,
                                           "csrf_token": _token(client)})
    assert response.status_code == 302
    return client


def _copy(app, client):
    """Another browser holding the same cookie (stolen, or a second tab of another device)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _reads(client) -> bool:
    return client.get("/hotline/").status_code == 200


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(app):
    client = _sign_in(app)
    copy = _copy(app, client)
    second_device = _sign_in(app)
    assert _reads(copy) and _reads(second_device)
    client.post("/logout", data={"csrf_token": _token(client, "/account/password")})
    assert not _reads(copy)
    assert not _reads(second_device)  # signing out ends every session of that employee
    assert copy.get("/hotline/").headers["Location"].startswith("/login")


def test_a_password_change_ends_other_sessions_and_keeps_this_one(app):
    client, other = _sign_in(app), _sign_in(app)
    response = client.post("/account/password", data={
        "current_password": DEMO_PASSWORD, "new_password": "晨光-换班-2026",
        "confirm": "晨光-换班-2026", "csrf_token": _token(client, "/account/password")})
    assert response.status_code == 302
    assert _reads(client)
    assert not _reads(other)


def test_the_current_password_is_required_to_change_it(app):
    client = _sign_in(app)
    with app.app_context():
        before = factories.employee("20001").password_hash
    for data in ({}, {"current_password": ""}, {"current_password": "wrong-password"}):
        response = client.post("/account/password", data=data | {
            "new_password": "晨光-换班-2026", "confirm": "晨光-换班-2026",
            "csrf_token": _token(client, "/account/password")})
        assert response.status_code == 400, data
    with app.app_context():
        assert factories.employee("20001").password_hash == before


@pytest.mark.parametrize("password, why", [
    ("short-pw1", "at least 10"), ("x20001-long-pass", "employee number"),
    ("password123", "common")])
def test_password_policy(app, password, why):
    client = _sign_in(app)
    response = client.post("/account/password", data={
        "current_password": DEMO_PASSWORD, "new_password": password, "confirm": password,
        "csrf_token": _token(client, "/account/password")})
    assert response.status_code == 400, why
    assert 'id="new_password-err"' in response.get_data(as_text=True), why
    assert _reads(client)  # refused, and the password is still the old one
    assert _sign_in(app)


def test_deactivation_and_an_admin_reset_end_the_employees_sessions(app):
    from portal.services.core import masterdata
    from portal.services.core.audit import acting_as
    from portal.services.core.uow import transaction

    agent = _sign_in(app)
    with app.app_context(), acting_as(None, "test-admin"), transaction():
        masterdata.set_active(factories.employee("20001"), False, by=factories.employee("10001"))
    assert not _reads(agent)
    with app.app_context(), acting_as(None, "test-admin"), transaction():
        masterdata.set_active(factories.employee("20001"), True, by=factories.employee("10001"))
    agent = _sign_in(app)
    with app.app_context(), acting_as(None, "test-admin"), transaction():
        employee = factories.employee("20001")
        masterdata.save_employee(employee, {}, [g.id for g in employee.groups], "Reset-Pass-77")
    assert not _reads(agent)


def test_idle_timeout_and_absolute_lifetime(app, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(sessions.time, "time", lambda: now[0])
    idle, absolute = app.config["SESSION_IDLE_SECONDS"], app.config["SESSION_ABSOLUTE_SECONDS"]
    client = _sign_in(app)
    now[0] += idle - 60
    assert _reads(client)  # active within the idle window: the clock restarts
    now[0] += idle - 60
    assert _reads(client)
    now[0] += idle + 1
    assert not _reads(client)  # left alone too long
    client = _sign_in(app)
    for _ in range(absolute // (idle - 60) + 1):
        now[0] += idle - 60
        _reads(client)
    assert not _reads(client)  # active all along, but past the absolute lifetime


def test_sessions_from_before_the_epoch_column_are_refused(app):
    client = _sign_in(app)
    with client.session_transaction() as session:
        session.pop("epoch")
    assert not _reads(client)
    with app.app_context():
        assert db.session.scalar(sa.select(Employee.session_epoch).where(
            Employee.employee_no == "20001")) == 0
