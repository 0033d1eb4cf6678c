"""The supervisor's approval queue (设备更新信息审核): approve, refuse, ask HQ, then dispatch."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ServiceItem, Ticket, TicketStatus
from portal.services.core import uow
from portal.services.stores import approvals
from portal.services.tickets.lifecycle import transition
from tests import factories
from tests.conftest import Auth

HANGZHOU = dict(province="浙江省", city="杭州市", district="西湖区")  # served by S4002


def _surveyed(service_item=ServiceItem.RELOCATE, age_days: int = 0, **customer) -> Ticket:
    """A ticket whose survey is done (KCJS), created `age_days` ago."""
    ticket = factories.ticket(factories.customer(**customer), service_item=service_item,
                              short_text=f"移机 {service_item.value} {age_days}")
    ticket.created_at -= timedelta(days=age_days)
    db.session.commit()
    store = "31001" if customer.get("city") == "杭州市" else "30001"
    return transition(ticket, "survey_done", factories.employee(store))


def _signed_in(app, employee_no: str):
    client = app.test_client()
    Auth(client).login(employee_no)
    return client


def _rows(html: str, testid: str) -> list[str]:
    table = html[html.index(f'data-testid="{testid}"'):]
    table = table[:table.index("</table>")]
    return re.findall(r'data-testid="approval-row" data-ticket="([^"]+)"', table)


def _decide(client, number: str, action: str, remark: str = "", version: int | None = None,
            **headers):
    token = Auth(client).csrf_token("/stores/approvals")
    if version is None:
        with client.application.app_context():
            version = db.session.scalar(sa.select(Ticket.version).where(Ticket.number == number))
    return client.post(f"/stores/approvals/{number}", headers=headers, data={
        "csrf_token": token, "action": action, "remark": remark, "version": str(version)})


def _status(app, number: str) -> TicketStatus:
    with app.app_context():
        return db.session.scalar(sa.select(Ticket.status).where(Ticket.number == number))


@pytest.fixture
def queue(app):
    """Two S4001 tickets waiting (the older first), one not needing approval, one at S4002."""
    with app.app_context(), uow.transaction():
        newer = _surveyed(ServiceItem.NEW_INSTALL, age_days=1).number
        older = _surveyed(ServiceItem.RELOCATE, age_days=3).number
        plain = _surveyed(ServiceItem.REPAIR).number
        hangzhou = _surveyed(ServiceItem.RELOCATE, age_days=5, **HANGZHOU).number
        return dict(older=older, newer=newer, plain=plain, hangzhou=hangzhou)


def test_the_queue_shows_this_branchs_tickets_needing_approval_oldest_first(app, queue):
    page = _signed_in(app, "30002").get("/stores/approvals")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert _rows(html, "approvals-waiting") == [queue["older"], queue["newer"]]
    assert queue["plain"] not in html and queue["hangzhou"] not in html
    assert re.search(r'<a href="/stores/approvals">', html)  # in the stores menu


def test_another_branchs_supervisor_sees_none_of_them(app, queue):
    with app.app_context():
        zhou = factories.employee("31001")  # made supervisor of S4002 for this test
        zhou.groups.append(factories.group("store_supervisor"))
        db.session.commit()
        assert [t.number for t in approvals.queue(zhou).waiting] == [queue["hangzhou"]]
    client = _signed_in(app, "31001")
    html = client.get("/stores/approvals").get_data(as_text=True)
    assert _rows(html, "approvals-waiting") == [queue["hangzhou"]]
    assert _decide(client, queue["older"], "approve").status_code == 404
    assert _status(app, queue["older"]) == TicketStatus.KCJS


def test_a_store_rep_cannot_open_the_queue_or_decide(app, queue):
    rep = _signed_in(app, "30001")
    assert rep.get("/stores/approvals").status_code == 403
    assert 'href="/stores/approvals"' not in rep.get("/stores/").get_data(as_text=True)
    token = Auth(rep).csrf_token("/stores/")
    answer = rep.post(f"/stores/approvals/{queue['older']}",
                      data={"csrf_token": token, "action": "approve", "remark": ""})
    assert answer.status_code == 403 and _status(app, queue["older"]) == TicketStatus.KCJS


def test_approve_from_the_list_swaps_the_row(app, queue):
    supervisor = _signed_in(app, "30002")
    answer = _decide(supervisor, queue["older"], "approve", **{"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and html.lstrip().startswith("<tr")
    assert f'id="approval-{queue["older"]}"' in html and 'data-status="ZGPZ"' in html
    assert _status(app, queue["older"]) == TicketStatus.ZGPZ
    page = supervisor.get("/stores/approvals").get_data(as_text=True)
    assert _rows(page, "approvals-waiting") == [queue["newer"]]
    assert _rows(page, "approvals-ready") == [queue["older"]]


def test_refusal_needs_a_reason(app, queue):
    supervisor = _signed_in(app, "30002")
    refused = _decide(supervisor, queue["newer"], "refuse", "  ")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'data-testid="approval-error"' in html
    assert _status(app, queue["newer"]) == TicketStatus.KCJS
    # With HTMX the row itself explains it (htmx swaps no 4xx answer).
    row = _decide(supervisor, queue["newer"], "refuse", "", **{"HX-Request": "true"})
    assert row.status_code == 200 and 'data-testid="approval-error"' in row.get_data(
        as_text=True)

    done = _decide(supervisor, queue["newer"], "refuse", "客户地址不在服务范围")
    assert done.status_code == 302 and done.headers["Location"].endswith("/stores/approvals")
    assert _status(app, queue["newer"]) == TicketStatus.BPZ
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == queue["newer"]))
        assert ticket.events[-1].remark == "客户地址不在服务范围"
        assert ticket.events[-1].actor.employee_no == "30002"


def test_request_hq_support_waits_for_the_reply_then_is_ready(app, queue):
    supervisor = _signed_in(app, "30002")
    assert _decide(supervisor, queue["older"], "request_hq", "").status_code == 400
    asked = _decide(supervisor, queue["older"], "request_hq", "需总部确认移机费用")
    assert asked.status_code == 302
    page = supervisor.get("/stores/approvals").get_data(as_text=True)
    assert queue["older"] not in _rows(page, "approvals-waiting")
    assert _rows(page, "approvals-hq") == [queue["older"]]
    assert "需总部确认移机费用" in page
    assert _decide(supervisor, queue["older"], "request_hq", "再问一次").status_code == 409

    with app.app_context(), uow.transaction():  # HQ answers through the hotline (相应部门回复)
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == queue["older"]))
        transition(ticket, "department_reply", factories.employee("20001"), "同意，按标准收费")
    page = supervisor.get("/stores/approvals").get_data(as_text=True)
    assert _rows(page, "approvals-hq") == []
    # HQ answered; the item still needs the supervisor's own approval before dispatch.
    assert _rows(page, "approvals-waiting") == [queue["older"], queue["newer"]]
    assert _status(app, queue["older"]) == TicketStatus.ZBHF
    assert _decide(supervisor, queue["older"], "approve").status_code == 302
    page = supervisor.get("/stores/approvals").get_data(as_text=True)
    assert _rows(page, "approvals-ready") == [queue["older"]]


def test_a_double_clicked_decision_is_refused_harmlessly(app, queue):
    supervisor = _signed_in(app, "30002")
    with app.app_context():
        version = db.session.scalar(sa.select(Ticket.version).where(
            Ticket.number == queue["older"]))
    assert _decide(supervisor, queue["older"], "approve", version=version).status_code == 302
    again = _decide(supervisor, queue["older"], "approve", version=version)
    assert again.status_code == 409 and 'data-testid="approval-error"' in again.get_data(
        as_text=True)
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == queue["older"]))
        assert ticket.status == TicketStatus.ZGPZ
        assert [e.action for e in ticket.events].count("approve") == 1


def test_only_queue_decisions_are_made_here(app, queue):
    supervisor = _signed_in(app, "30002")
    answer = _decide(supervisor, queue["older"], "dispatch")
    assert answer.status_code == 409 and _status(app, queue["older"]) == TicketStatus.KCJS


def test_the_workspace_offers_the_same_decision(app, queue):
    supervisor = _signed_in(app, "30002")
    page = supervisor.get(f"/stores/tickets/{queue['older']}").get_data(as_text=True)
    assert 'data-action="approve"' in page and 'data-action="refuse"' in page
    rep_page = _signed_in(app, "30001").get(f"/stores/tickets/{queue['older']}")
    assert 'data-action="approve"' not in rep_page.get_data(as_text=True)


@pytest.mark.parametrize("employee_no", ["30003", "60001"])  # technician, service manager
def test_only_the_supervisor_decides(app, queue, employee_no):
    client = _signed_in(app, employee_no)
    assert client.get("/stores/approvals").status_code == 403
    assert 'href="/stores/approvals"' not in client.get("/stores/").get_data(as_text=True)
    assert _decide(client, queue["older"], "approve").status_code == 403
    assert _status(app, queue["older"]) == TicketStatus.KCJS
    page = client.get(f"/stores/tickets/{queue['older']}").get_data(as_text=True)
    assert 'data-action="approve"' not in page


def test_an_hq_reply_is_no_approval(app, queue):
    """The supervisor asked HQ and HQ replied before the supervisor approved: the ticket is
    back in the waiting list, and the workspace refuses dispatch with the reason."""
    supervisor = _signed_in(app, "30002")
    assert _decide(supervisor, queue["older"], "request_hq", "需总部确认").status_code == 302
    with app.app_context(), uow.transaction():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == queue["older"]))
        transition(ticket, "department_reply", factories.employee("20001"), "同意")
    page = supervisor.get("/stores/approvals").get_data(as_text=True)
    assert queue["older"] in _rows(page, "approvals-waiting")
    assert queue["older"] not in _rows(page, "approvals-ready")
    workspace = supervisor.get(f"/stores/tickets/{queue['older']}").get_data(as_text=True)
    assert 'data-testid="dispatch-refusal"' in workspace
    assert 'data-testid="dispatch-form"' not in workspace
