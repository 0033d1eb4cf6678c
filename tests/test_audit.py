"""Audit trail (变更痕迹): every business write records who, when, field, old → new."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent
from portal.services.core.audit import acting_as, history
from tests import factories
from tests.webforms import form_fields


def test_editing_a_customer_phone_shows_in_its_history(app, auth, client):
    with app.app_context():
        customer_id = factories.customer(name="钱璟", phone_mobile="13900001111").id
    auth.login("10001")
    page = client.get(f"/admin/customers/{customer_id}").get_data(as_text=True)
    data = form_fields(page)
    data.update(phone_mobile="13900002222", name="钱璟")
    response = client.post(f"/admin/customers/{customer_id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    page = client.get(f"/admin/customers/{customer_id}").get_data(as_text=True)
    history_html = page[page.index('class="history"'):]
    assert "13900001111" in history_html and "13900002222" in history_html
    assert "王建国 (10001)" in history_html
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.table_name == "customers",
                                        AuditEvent.action == "update")).one()
        assert event.changes == {"phone_mobile": ["13900001111", "13900002222"]}
        assert event.actor_id == factories.employee("10001").id


def test_create_and_delete_are_recorded_with_values(ctx):
    with acting_as(None, "import"):
        customer = factories.customer(name="孙堃")
        record_id = str(customer.id)
        db.session.delete(customer)
        db.session.commit()
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.record_id == record_id,
                                    AuditEvent.table_name == "customers")
        .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["create", "delete"]
    assert events[0].changes["name"] == [None, "孙堃"]
    assert events[1].changes["name"] == ["孙堃", None]
    assert {e.actor_label for e in events} == {"import"}


def test_an_unchanged_save_writes_no_audit_row(ctx):
    customer = factories.customer()
    before = len(history(customer))
    customer.name = customer.name  # same value
    db.session.commit()
    assert len(history(customer)) == before


def test_group_membership_changes_are_audited(ctx):
    employee = factories.employee("20001")
    employee.groups.append(factories.group("agent_lead"))
    db.session.commit()
    latest = history(employee)[0]
    assert "groups" in latest.changes
    old, new = latest.changes["groups"]
    assert "坐席班长" not in old and "坐席班长" in new


def test_admin_searches_the_trail_by_record_and_text(app, auth, client):
    with app.app_context():
        c = factories.customer(name="冯燊")
        c.phone_home = "021-66668888"
        db.session.commit()
        customer_id = c.id
    auth.login("10001")
    page = client.get(f"/admin/audit?table=customers&record={customer_id}&text=66668888")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "021-66668888" in html
    assert html.count("<tr>") - 1 == 1  # only the phone change, not the creation


def test_audit_search_is_for_admins_only(auth, client):
    auth.login("60001")
    assert client.get("/admin/audit").status_code == 403

