"""Callbacks (回访): worklist, survey, retries, engineer feedback (待反馈 → 已反馈), expiry."""

import re
import threading
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.extensions import db
from portal.models import (
    Callback,
    CallbackKind,
    CallbackStatus,
    CustomerAttribute,
    Satisfaction,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from portal.models.base import utcnow
from portal.services.core import uow
from portal.services.core.workflow import TransitionRefused
from portal.services.hotline import callbacks
from portal.services.tickets import lifecycle as tickets
from portal.services.tickets.workflow import TICKET
from tests import factories
from tests.conftest import DEMO_PASSWORD
from tests.webforms import csrf


def snapshot(record) -> SimpleNamespace:
    """The record's columns as plain values, readable after its app context is gone."""
    if record is None:
        return None
    values = {c.key: getattr(record, c.key) for c in sa.inspect(record).mapper.column_attrs}
    return SimpleNamespace(**values)


def walk_to_closed(ticket: Ticket) -> Ticket:
    """Take `ticket` along factories.CLOSE_PATH to 已销单, each step on the ticket's table as
    the verb it belongs to fires it: the callbacks need the ticket closed by the customer's
    acceptance, which schedules the 3-day callback, not the store's or QA's records."""
    for action, who in factories.CLOSE_PATH:
        tickets.transition(ticket, action, factories.employee(who),
                           via=TICKET.find(ticket, action).by_verb)
    return ticket


def closed_ticket(app, **customer_fields) -> SimpleNamespace:
    """A ticket taken through the store's work, QA and the customer's acceptance (已销单)."""
    with app.app_context(), uow.transaction():
        customer = factories.customer(**customer_fields)
        ticket = tickets.create_ticket(
            tickets.TicketDraft(customer=customer, short_text="玻璃门异响"),
            by=factories.employee("20001"))
        walk_to_closed(ticket)
        result = snapshot(ticket)
        result.phone = customer.phone_mobile
        return result


def ticket_now(app, ticket) -> SimpleNamespace:
    with app.app_context():
        return snapshot(db.session.get(Ticket, ticket.id))


def callback_of(app, ticket, kind=CallbackKind.AFTER_SERVICE) -> SimpleNamespace:
    with app.app_context():
        return snapshot(db.session.scalar(sa.select(Callback).where(
            Callback.ticket_id == ticket.id, Callback.kind == kind)))


def callback_now(app, callback) -> SimpleNamespace:
    with app.app_context():
        return snapshot(db.session.get(Callback, callback.id))


def count(app, stmt) -> int:
    with app.app_context():
        return db.session.scalar(stmt)


def signed_in(app, employee_no: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"employee_no": employee_no, "password": DEMO_PASSWORD,
                                           "csrf_token": csrf(page)})
    assert response.status_code == 302
    # English, so the messages asserted below stay readable whatever the catalogue holds.
    fresh = client.get("/account/password").get_data(as_text=True)  # sign-in renews the token
    client.post("/language", data={"locale": "en", "csrf_token": csrf(fresh)})
    return client


def survey(client, callback, version: int | None = None, **answers):
    page = client.get(f"/hotline/callbacks/{callback.id}").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "version": version or callback.version}
    data.update(answers)
    return client.post(f"/hotline/callbacks/{callback.id}/survey", data=data)


def answer_feedback(client, ticket, text: str, version: int):
    page = client.get(f"/hotline/feedback/{ticket.number}").get_data(as_text=True)
    return client.post(f"/hotline/feedback/{ticket.number}",
                       data={"csrf_token": csrf(page), "version": version, "answer": text})


@pytest.fixture
def agent(app):
    return signed_in(app, "20001")


# --------------------------------------------------------------------------- worklist


def ids_in(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-callback="(\d+)"', page)]


def test_closing_a_ticket_puts_a_callback_due_in_3_days_on_the_worklist(app, agent):
    ticket = closed_ticket(app)
    callback = callback_of(app, ticket)
    assert callback.status == CallbackStatus.DUE
    assert abs(callback.due_at - (ticket.closed_at + timedelta(days=3))) < timedelta(minutes=1)

    page = agent.get("/hotline/callbacks").get_data(as_text=True)
    assert ids_in(page) == [callback.id]
    assert ticket.number in page and ticket.phone in page


def test_worklist_shows_overdue_callbacks_first_and_marks_them(app, agent):
    now = utcnow()
    with app.app_context():
        customer = factories.customer(vip=True)
        made = [Callback(kind=kind, customer=customer, due_at=now + delta) for kind, delta in (
            (CallbackKind.AFTER_SERVICE, timedelta(days=2)),
            (CallbackKind.AFTER_SERVICE, -timedelta(days=1)),
            (CallbackKind.FEEDBACK_FOLLOW_UP, -timedelta(hours=3)))]
        db.session.add_all(made)
        db.session.commit()
        later, oldest, recent = (c.id for c in made)

    page = agent.get("/hotline/callbacks").get_data(as_text=True)
    assert ids_in(page) == [oldest, recent, later]
    marked = re.findall(r'data-callback="(\d+)" class="urgent" data-overdue', page)
    assert [int(i) for i in marked] == [oldest, recent]
    assert "VIP" in page

    assert ids_in(agent.get("/hotline/callbacks?overdue=1").get_data(as_text=True)) == [
        oldest, recent]
    follow_ups = agent.get("/hotline/callbacks?kind=feedback_follow_up").get_data(as_text=True)
    assert ids_in(follow_ups) == [recent]


def test_worklist_is_paged(app, agent):
    size = app.config["PAGE_SIZE"]
    with app.app_context():
        customer = factories.customer()
        db.session.add_all([Callback(kind=CallbackKind.AFTER_SERVICE, customer=customer,
                                     due_at=utcnow() + timedelta(hours=i))
                            for i in range(size + 3)])
        db.session.commit()
    assert len(ids_in(agent.get("/hotline/callbacks").get_data(as_text=True))) == size
    assert len(ids_in(agent.get("/hotline/callbacks?page=2").get_data(as_text=True))) == 3


# --------------------------------------------------------------------------- survey


def test_satisfied_survey_closes_the_loop(app, agent):
    ticket = closed_ticket(app)
    callback = callback_of(app, ticket)

    response = survey(agent, callback, overall="very_satisfied", rating_attitude="very_satisfied",
                      rating_skill="satisfied", rating_arrival="satisfied",
                      rating_promise="very_satisfied", suggestions="师傅很专业")
    assert response.status_code == 302

    assert ticket_now(app, ticket).status == TicketStatus.CALLED_BACK
    callback = callback_now(app, callback)
    assert callback.status == CallbackStatus.DONE and callback.engineer_id is None
    assert callback.overall == Satisfaction.VERY_SATISFIED
    assert callback.rating_skill == Satisfaction.SATISFIED
    assert callback.suggestions == "师傅很专业"
    assert ticket.number not in agent.get("/hotline/callbacks").get_data(as_text=True)


def tickets_in(page: str) -> list[str]:
    return re.findall(r'data-ticket="([^"]+)"', page)


def test_engineer_feedback_loop_from_callback_to_called_back(app, agent):
    ticket = closed_ticket(app)
    response = survey(agent, callback_of(app, ticket), overall="dissatisfied",
                      reasons=["response"], suggestions="等了三天才上门", engineer_no="30003")
    assert response.status_code == 302

    ticket = ticket_now(app, ticket)
    assert ticket.status == TicketStatus.AWAITING_FEEDBACK
    with app.app_context():
        assert ticket.feedback_engineer_id == factories.employee("30003").id

    technician = signed_in(app, "30003")
    mine = technician.get("/hotline/feedback").get_data(as_text=True)
    assert tickets_in(mine) == [ticket.number] and "等了三天才上门" in mine
    store_rep = signed_in(app, "30001")
    assert tickets_in(store_rep.get("/hotline/feedback").get_data(as_text=True)) == []
    assert store_rep.get(f"/hotline/feedback/{ticket.number}").status_code == 404

    response = answer_feedback(technician, ticket, "已致电客户道歉，下次优先安排", ticket.version)
    assert response.status_code == 302
    assert ticket_now(app, ticket).status == TicketStatus.FEEDBACK_GIVEN
    assert callback_of(app, ticket).feedback == "已致电客户道歉，下次优先安排"
    assert tickets_in(technician.get("/hotline/feedback").get_data(as_text=True)) == []

    follow_up = callback_of(app, ticket, CallbackKind.FEEDBACK_FOLLOW_UP)
    assert follow_up.status == CallbackStatus.DUE
    page = agent.get(f"/hotline/callbacks/{follow_up.id}").get_data(as_text=True)
    assert "已致电客户道歉" in page  # the agent sees what the engineer answered
    assert survey(agent, follow_up, overall="satisfied").status_code == 302
    assert ticket_now(app, ticket).status == TicketStatus.CALLED_BACK


def test_engineer_answer_twice_is_refused(app, agent):
    ticket = closed_ticket(app)
    survey(agent, callback_of(app, ticket), overall="average", engineer_no="30003")
    version = ticket_now(app, ticket).version
    technician = signed_in(app, "30003")
    page = technician.get(f"/hotline/feedback/{ticket.number}").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "version": version, "answer": "已处理"}
    assert technician.post(f"/hotline/feedback/{ticket.number}", data=data).status_code == 302
    again = technician.post(f"/hotline/feedback/{ticket.number}", data=data)
    assert again.status_code == 409
    assert "already given" in again.get_data(as_text=True)
    assert count(app, sa.select(sa.func.count(Callback.id)).where(
        Callback.ticket_id == ticket.id, Callback.kind == CallbackKind.FEEDBACK_FOLLOW_UP)) == 1


def test_dissatisfied_without_reason_is_refused_and_input_kept(app, agent):
    ticket = closed_ticket(app)
    callback = callback_of(app, ticket)
    response = survey(agent, callback, overall="dissatisfied", suggestions="太慢了")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Please say why the customer is dissatisfied." in page
    assert "太慢了" in page
    assert callback_now(app, callback).status == CallbackStatus.DUE
    assert ticket_now(app, ticket).status == TicketStatus.CLOSED


def test_unknown_engineer_is_refused_and_nothing_is_written(app, agent):
    ticket = closed_ticket(app)
    callback = callback_of(app, ticket)
    response = survey(agent, callback, overall="average", engineer_no="99999")
    assert response.status_code == 400
    assert "No active employee has the number 99999." in response.get_data(as_text=True)
    assert callback_now(app, callback).status == CallbackStatus.DUE
    assert ticket_now(app, ticket).status == TicketStatus.CLOSED


def test_an_engineer_without_store_access_cannot_be_named(app, agent):
    ticket = closed_ticket(app)
    response = survey(agent, callback_of(app, ticket), overall="average", engineer_no="40001")
    assert response.status_code == 400
    assert ticket_now(app, ticket).status == TicketStatus.CLOSED


def test_double_submit_is_refused_and_written_once(app, agent):
    ticket = closed_ticket(app)
    callback = callback_of(app, ticket)
    page = agent.get(f"/hotline/callbacks/{callback.id}").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "version": callback.version, "overall": "satisfied"}
    assert agent.post(f"/hotline/callbacks/{callback.id}/survey", data=data).status_code == 302
    again = agent.post(f"/hotline/callbacks/{callback.id}/survey", data=data)
    assert again.status_code == 409
    assert "already recorded" in again.get_data(as_text=True)
    assert count(app, sa.select(sa.func.count(TicketEvent.id)).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.action == "callback_done")) == 1


def test_two_agents_saving_one_callback_at_once_one_wins(app):
    """Optimistic locking under true concurrency (PostgreSQL): one survey, one ticket move."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("true concurrency needs PostgreSQL")
    ticket = closed_ticket(app)
    callback = callback_of(app, ticket)
    clients = [signed_in(app, no) for no in ("20001", "20002")]
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        barrier = threading.Barrier(2)
        statuses = []

        def post(client):
            barrier.wait()
            statuses.append(client.post(f"/hotline/callbacks/{callback.id}/survey", data={
                "version": callback.version, "overall": "satisfied"}).status_code)

        threads = [threading.Thread(target=post, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert sorted(statuses) == [302, 409]
    assert ticket_now(app, ticket).status == TicketStatus.CALLED_BACK
    assert count(app, sa.select(sa.func.count(TicketEvent.id)).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.action == "callback_done")) == 1


def test_stale_survey_form_is_refused_with_input_kept(app, agent):
    ticket = closed_ticket(app)
    callback = callback_of(app, ticket)
    colleague = signed_in(app, "20002")
    page = colleague.get(f"/hotline/callbacks/{callback.id}").get_data(as_text=True)
    colleague.post(f"/hotline/callbacks/{callback.id}/unreachable",
                   data={"csrf_token": csrf(page), "version": callback.version})

    response = survey(agent, callback, version=callback.version, overall="satisfied",
                      suggestions="下次提前电话")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "changed by someone else" in page and "下次提前电话" in page
    assert callback_now(app, callback).status == CallbackStatus.DUE
    assert ticket_now(app, ticket).status == TicketStatus.CLOSED


def test_a_refused_ticket_move_leaves_the_callback_due(app, agent):
    """A follow-up cannot ask for feedback again: the ticket refuses, the survey is not kept."""
    ticket = closed_ticket(app)
    survey(agent, callback_of(app, ticket), overall="average", engineer_no="30003")
    with app.app_context(), uow.transaction():
        tickets.transition(db.session.get(Ticket, ticket.id), "give_feedback",
                           factories.employee("30003"), remark="已处理", via="feedback")
    follow_up = callback_of(app, ticket, CallbackKind.FEEDBACK_FOLLOW_UP)
    response = survey(agent, follow_up, overall="average", engineer_no="30003")
    assert response.status_code == 409
    follow_up = callback_now(app, follow_up)
    assert follow_up.status == CallbackStatus.DUE and follow_up.overall is None
    assert ticket_now(app, ticket).status == TicketStatus.FEEDBACK_GIVEN


def test_unreachable_customer_counts_the_attempt_and_retries_later(app, agent):
    callback = callback_of(app, closed_ticket(app))
    page = agent.get(f"/hotline/callbacks/{callback.id}").get_data(as_text=True)
    response = agent.post(f"/hotline/callbacks/{callback.id}/unreachable",
                          data={"csrf_token": csrf(page), "version": callback.version})
    assert response.status_code == 302

    callback = callback_now(app, callback)
    assert callback.attempts == 1 and callback.status == CallbackStatus.DUE
    assert callback.due_at - callback.last_attempt_at == callbacks.RETRY_AFTER
    page = agent.get("/hotline/callbacks").get_data(as_text=True)
    assert re.search(r'data-testid="attempts">1\b', page)


def test_dissatisfied_callback_opens_a_complaint_in_one_click(app, agent):
    ticket = closed_ticket(app)
    callback = callback_of(app, ticket)
    response = survey(agent, callback, overall="dissatisfied", reasons=["attitude", "skill"],
                      suggestions="师傅态度差")
    assert response.headers["Location"].endswith(f"/hotline/callbacks/{callback.id}")
    page = agent.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="([^"]+)"[^>]*data-testid="open-complaint"', page).group(1)
    url = urlsplit(link.replace("&amp;", "&"))
    assert url.path == "/hotline/complaints/new"
    query = parse_qs(url.query)
    assert query["customer"] == [str(ticket.customer_id)]
    assert query["ticket"] == [ticket.number] and query["channel"] == ["callback"]
    assert "师傅态度差" in query["content"][0]
    complaint_form = agent.get(link.replace("&amp;", "&"))
    assert complaint_form.status_code == 200
    assert "师傅态度差" in complaint_form.get_data(as_text=True)


# --------------------------------------------------------------------------- contract expiry


def test_contract_expiry_creates_one_callback_per_customer_and_is_idempotent(ctx):
    today = callbacks.local_today()
    due = factories.customer(attribute=CustomerAttribute.ANNUAL_CONTRACT)
    factories.product(due, warranty_end=today + timedelta(days=10))
    factories.product(due, warranty_end=today + timedelta(days=20))
    covered_longer = factories.customer(attribute=CustomerAttribute.ANNUAL_CONTRACT)
    factories.product(covered_longer, warranty_end=today + timedelta(days=20))
    factories.product(covered_longer, warranty_end=today + timedelta(days=200))
    no_contract = factories.customer(attribute=CustomerAttribute.IN_WARRANTY)
    factories.product(no_contract, warranty_end=today + timedelta(days=10))
    later = factories.customer(attribute=CustomerAttribute.ANNUAL_CONTRACT)
    factories.product(later, warranty_end=today + timedelta(days=45))

    created = callbacks.schedule_contract_expiry_callbacks(today)
    assert [(c.customer_id, c.contract_end) for c in created] == [
        (due.id, today + timedelta(days=20))]
    assert created[0].ticket_id is None and created[0].kind == CallbackKind.CONTRACT_EXPIRY
    assert callbacks.schedule_contract_expiry_callbacks(today) == []
    assert db.session.scalar(sa.select(sa.func.count(Callback.id))) == 1


def expiring_customer(app, days: int) -> SimpleNamespace:
    with app.app_context():
        customer = factories.customer(attribute=CustomerAttribute.ANNUAL_CONTRACT)
        factories.product(customer, warranty_end=callbacks.local_today() + timedelta(days=days))
        return snapshot(customer)


def test_schedule_callbacks_command_creates_the_notices(app, agent):
    customer = expiring_customer(app, 5)
    result = app.test_cli_runner().invoke(args=["hotline", "schedule-callbacks"])
    assert result.exit_code == 0 and "+1" in result.output
    page = agent.get("/hotline/callbacks?kind=contract_expiry").get_data(as_text=True)
    assert customer.name in page
    assert count(app, sa.select(sa.func.count(Callback.id))) == 1


def test_opening_the_worklist_schedules_expiry_notices_once(app, agent):
    customer = expiring_customer(app, 30)
    assert customer.name in agent.get("/hotline/callbacks").get_data(as_text=True)
    assert customer.name in agent.get("/hotline/callbacks").get_data(as_text=True)
    assert count(app, sa.select(sa.func.count(Callback.id))) == 1


def test_renewal_call_records_the_outcome(app, agent):
    expiring_customer(app, 7)
    with app.app_context(), uow.transaction():
        callback = snapshot(callbacks.schedule_contract_expiry_callbacks()[0])
    page = agent.get(f"/hotline/callbacks/{callback.id}").get_data(as_text=True)
    assert 'data-testid="renewal-form"' in page and 'data-testid="survey-form"' not in page

    empty = agent.post(f"/hotline/callbacks/{callback.id}/renewal",
                       data={"csrf_token": csrf(page), "version": callback.version})
    assert empty.status_code == 400
    response = agent.post(f"/hotline/callbacks/{callback.id}/renewal",
                          data={"csrf_token": csrf(page), "version": callback.version,
                                "outcome": "客户同意续签一年"})
    assert response.status_code == 302
    callback = callback_now(app, callback)
    assert callback.status == CallbackStatus.DONE and callback.suggestions == "客户同意续签一年"


# --------------------------------------------------------------------------- access


def test_technician_reaches_his_feedback_list_but_not_the_worklist(app):
    technician = signed_in(app, "30003")
    assert technician.get("/hotline/feedback").status_code == 200
    assert technician.get("/hotline/callbacks").status_code == 403


# --------------------------------------------------------------------------- duties


def test_only_callback_surveyors_record_a_callback(app, agent):
    """The service manager reads the callback but has no survey form; a technician cannot
    even post one: 403, the callback stays due and the ticket closed."""
    ticket = closed_ticket(app)
    callback = callback_of(app, ticket)
    manager = signed_in(app, "60001")
    page = manager.get(f"/hotline/callbacks/{callback.id}").get_data(as_text=True)
    assert 'data-testid="survey-form"' not in page and 'data-testid="unreachable-form"' not in page
    assert 'data-testid="open-complaint"' not in page  # registering is the agents' duty
    for who in ("60001", "30003"):
        client = signed_in(app, who)
        token = csrf(client.get("/account/password").get_data(as_text=True))
        for step in ("survey", "unreachable"):
            response = client.post(f"/hotline/callbacks/{callback.id}/{step}", data={
                "csrf_token": token, "version": callback.version, "overall": "satisfied"})
            assert response.status_code == 403, (who, step)
    after = callback_now(app, callback)
    assert (after.status, after.attempts, after.version) == (
        CallbackStatus.DUE, 0, callback.version)
    assert ticket_now(app, ticket).status == TicketStatus.CLOSED


def test_feedback_is_given_only_by_the_named_engineer(app, agent):
    ticket = closed_ticket(app)
    survey(agent, callback_of(app, ticket), overall="average", engineer_no="30003")
    ticket = ticket_now(app, ticket)
    with app.app_context(), force_locale("en"), \
            pytest.raises(TransitionRefused, match="Only the named engineer"):
        callbacks.give_feedback(db.session.get(Ticket, ticket.id), "我来答",
                                factories.employee("30001"))
    assert ticket_now(app, ticket).status == TicketStatus.AWAITING_FEEDBACK
    assert callback_of(app, ticket).feedback is None
    # The agent who asked for it has no duty to answer it: no page, no link.
    assert agent.get(f"/hotline/feedback/{ticket.number}").status_code == 403
    assert 'href="/hotline/feedback"' not in agent.get("/hotline/callbacks").get_data(
        as_text=True)


def test_the_ticket_page_cannot_answer_feedback_or_name_an_engineer(app, agent):
    """The ticket's feedback steps are fired only by the callback survey and the feedback
    page: the generic transition form refuses them and nothing moves."""
    ticket = closed_ticket(app)
    page = agent.get(f"/hotline/tickets/{ticket.number}").get_data(as_text=True)
    response = agent.post(f"/hotline/tickets/{ticket.number}/transition", data={
        "csrf_token": csrf(page), "action": "request_feedback", "engineer_no": "30003",
        "version": ticket.version})
    assert response.status_code == 409
    assert "recorded on its own form" in response.get_data(as_text=True)
    survey(agent, callback_of(app, ticket), overall="average", engineer_no="30003")
    technician = signed_in(app, "30003")
    page = technician.get(f"/hotline/tickets/{ticket.number}").get_data(as_text=True)
    response = technician.post(f"/hotline/tickets/{ticket.number}/transition", data={
        "csrf_token": csrf(page), "action": "give_feedback", "remark": "绕过反馈页",
        "version": ticket_now(app, ticket).version})
    assert response.status_code == 403  # the generic step form is not the technician's at all
    assert ticket_now(app, ticket).status == TicketStatus.AWAITING_FEEDBACK
    assert count(app, sa.select(sa.func.count(Callback.id)).where(
        Callback.ticket_id == ticket.id, Callback.kind == CallbackKind.FEEDBACK_FOLLOW_UP)) == 0
