"""The signed-in employee is cached per process, yet every change reaches the next request,
whichever process (or server) made it."""

import re

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from portal.services.core import uow
from tests import factories

DEMO_PASSWORD = "demo1234"


def _sign_in(app, employee_no="20001"):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"employee_no": employee_no, "password": DEMO_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    return client


@pytest.fixture
def other_server(app):
    """A second app on the same database: another gunicorn worker, or another box."""
    return create_app({k: app.config[k] for k in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SQLALCHEMY_ENGINE_OPTIONS")})


def test_a_duty_taken_from_a_group_elsewhere_is_refused_on_the_next_request(app, other_server):
    agent = _sign_in(app)
    assert agent.get("/hotline/").status_code == 200  # cached in this process now
    with other_server.app_context(), uow.transaction():
        group = factories.group("agent")
        group.permissions = group.permissions - {"hotline.view"}
    assert agent.get("/hotline/").status_code == 403


def test_a_group_taken_from_the_employee_elsewhere_is_refused_on_the_next_request(
        app, other_server):
    agent = _sign_in(app)
    assert agent.get("/hotline/").status_code == 200
    with other_server.app_context(), uow.transaction():
        employee = factories.employee("20001")
        employee.groups = [factories.group("warehouse_clerk")]
    assert agent.get("/hotline/").status_code == 403
    assert agent.get("/warehouse/").status_code == 200


def test_a_deactivation_and_a_rename_elsewhere_reach_the_next_request(app, other_server):
    agent = _sign_in(app)
    assert "张" not in agent.get("/hotline/").get_data(as_text=True).split("user-name")[1][:40]
    with other_server.app_context(), uow.transaction():
        factories.employee("20001").name = "张新名"
    assert "张新名" in agent.get("/hotline/").get_data(as_text=True)
    with other_server.app_context(), uow.transaction():
        factories.employee("20001").active = False
    assert agent.get("/hotline/").status_code == 302  # back to the sign-in page


def test_a_cached_request_reads_one_statement_for_the_employee(app):
    """The price of knowing who is signed in, on a cache hit: one small statement."""
    agent = _sign_in(app)
    agent.get("/account/password")  # warm: the first request after sign-in fills the cache
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        assert agent.get("/account/password").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    employee_reads = [s for s in statements if "FROM employees" in s]
    assert len(employee_reads) == 1, statements
    assert "permission_groups" in employee_reads[0]  # the stamp, not a load of the groups


def test_what_a_request_changes_on_itself_and_rolls_back_stays_out_of_the_cache(app):
    agent = _sign_in(app)
    agent.get("/hotline/")
    with app.test_request_context("/"):
        from portal.web import signed_in

        employee = signed_in.load(factories.employee("20001").id)
        employee.name = "回滚的名字"
        db.session.rollback()
        db.session.remove()
    assert "回滚的名字" not in agent.get("/hotline/").get_data(as_text=True)
