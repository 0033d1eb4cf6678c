"""The hotline screens: call → ticket on the caller card, lists, review, bad input."""

import re
import threading
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import CallCategory, CallRecord, Ticket, TicketStatus
from portal.models.base import utcnow
from portal.services.core import uow
from tests import factories
from tests.test_callbacks import walk_to_closed
from tests.webforms import form_fields


@pytest.fixture
def agent(auth, client):
    auth.login("20001")
    return client


@pytest.fixture
def customer_with_product(app):
    with app.app_context(), uow.transaction():
        owner = factories.customer(name="周璟燊", phone_mobile="13811112222")
        product = factories.product(owner=owner, serial="SNWEB0001")
        return owner.id, product.id


def _call_form(client, customer_id: int) -> dict:
    html = client.get(f"/hotline/customers/{customer_id}").get_data(as_text=True)
    card_form = html[html.index('data-testid="call-form"') - 400:]
    return form_fields(card_form[:card_form.index("</form>")])


def test_install_call_becomes_a_ticket_on_the_card(app, agent, customer_with_product):
    customer_id, product_id = customer_with_product
    data = _call_form(agent, customer_id)
    data.update(category="install", content="客户来电：淋浴房玻璃门关不严",
                fault_symptom="门关不严",
                product_id=str(product_id))
    saved = agent.post("/hotline/calls", data=data, headers={"HX-Request": "true"},
                       follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200 and 'data-testid="ticket-form"' in html
    ticket_data = form_fields(html)
    assert ticket_data["short_text"] == "门关不严"
    assert ticket_data["product_id"] == str(product_id)
    created = agent.post("/hotline/tickets", data=ticket_data, headers={"HX-Request": "true"})
    card = created.get_data(as_text=True)
    assert created.headers["HX-Retarget"] == "#card"
    with app.app_context(), uow.transaction():
        ticket = db.session.scalars(sa.select(Ticket)).one()
        call = db.session.scalars(sa.select(CallRecord)).one()
        assert ticket.call_record_id == call.id and call.category == CallCategory.INSTALL
        assert ticket.branch.code == "S4001" and ticket.reporter.employee_no == "20001"
        number = ticket.number
    assert number in card
    mine = agent.get("/hotline/tickets?view=mine").get_data(as_text=True)
    assert number in mine


def test_general_call_returns_to_the_card(app, agent, customer_with_product):
    customer_id, _ = customer_with_product
    data = _call_form(agent, customer_id)
    data.update(category="general", content="咨询保养价格")
    response = agent.post("/hotline/calls", data=data)
    assert response.status_code == 200
    assert "咨询保养价格" in response.get_data(as_text=True)


def test_a_call_saved_from_the_card_sends_back_only_what_changed(app, agent,
                                                                 customer_with_product):
    """HTMX: a fresh form for the next call, the flash and the last calls (out of band)."""
    customer_id, _ = customer_with_product
    data = _call_form(agent, customer_id)
    data.update(category="general", content="咨询延保价格")
    response = agent.post("/hotline/calls", data=data, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Retarget" not in response.headers
    fresh = form_fields(html[:html.index("</form>")])
    assert fresh["content"] == "" and fresh["submit_token"] not in ("", data["submit_token"])
    assert fresh["customer_id"] == str(customer_id)
    oob = html[html.index('id="last-calls"') - 200:]
    assert 'hx-swap-oob="true"' in oob and "咨询延保价格" in oob
    assert 'id="card-flashes" hx-swap-oob="true"' in html and "flash-success" in html
    assert 'data-testid="open-tickets"' not in html  # the rest of the card is not resent


def test_double_submitted_call_is_saved_once(app, agent, customer_with_product):
    customer_id, _ = customer_with_product
    data = _call_form(agent, customer_id)
    data.update(category="general", content="重复提交")
    agent.post("/hotline/calls", data=data)
    agent.post("/hotline/calls", data=data)
    with app.app_context(), uow.transaction():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallRecord)) == 1


def test_call_with_bad_input_keeps_what_was_typed(app, agent, customer_with_product):
    customer_id, _ = customer_with_product
    data = _call_form(agent, customer_id)
    data.update(category="business", content="预约上门", fault_symptom="x" * 301,
                requested_visit_at="2020-01-01T09:00")
    response = agent.post("/hotline/calls", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "预约上门" in html and 'id="fault_symptom-err"' in html
    data.update(fault_symptom="")
    response = agent.post("/hotline/calls", data=data)
    assert response.status_code == 400 and 'id="requested_visit_at-err"' in response.get_data(
        as_text=True)


def test_unknown_caller_needs_name_or_phone(app, agent):
    form = form_fields(agent.get("/hotline/calls/new").get_data(as_text=True))
    form.update(category="general", content="打错电话", phone="abc")
    response = agent.post("/hotline/calls", data=form)
    assert response.status_code == 400 and 'id="phone-err"' in response.get_data(as_text=True)
    form.update(phone="")
    response = agent.post("/hotline/calls", data=form)
    assert response.status_code == 400 and 'id="caller_name-err"' in response.get_data(
        as_text=True)


def _ticket_form(client, customer_id: int) -> dict:
    return form_fields(client.get(f"/hotline/tickets/new?customer={customer_id}")
                       .get_data(as_text=True))


def test_ticket_form_validates_dates_and_lengths(app, agent, customer_with_product):
    customer_id, _ = customer_with_product
    data = _ticket_form(agent, customer_id)
    data.update(short_text="安装", requested_start="2026-12-05T09:00",
                expected_end="2026-12-04T09:00", reason_code="R" * 21)
    response = agent.post("/hotline/tickets", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="expected_end-err"' in html and 'id="reason_code-err"' in html
    assert 'value="安装"' in html
    with app.app_context(), uow.transaction():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_duplicate_warning_then_link_or_create(app, agent, customer_with_product):
    customer_id, product_id = customer_with_product
    first = _ticket_form(agent, customer_id)
    first.update(short_text="第一次报修", product_id=str(product_id))
    agent.post("/hotline/tickets", data=first)
    second = _ticket_form(agent, customer_id)
    second.update(short_text="又坏了", product_id=str(product_id))
    warned = agent.post("/hotline/tickets", data=second)
    html = warned.get_data(as_text=True)
    assert warned.status_code == 409 and 'data-testid="duplicate-warning"' in html
    number = re.search(r'name="reference_number" value="([^"]+)"', html).group(1)
    linked = agent.post("/hotline/tickets", data=dict(second, reference_number=number))
    assert linked.status_code == 302
    with app.app_context(), uow.transaction():
        newest = db.session.scalars(sa.select(Ticket).order_by(Ticket.id.desc())).first()
        assert newest.reference.number == number and newest.short_text == "又坏了"


def test_double_submitted_ticket_is_created_once(app, agent, customer_with_product):
    customer_id, _ = customer_with_product
    data = _ticket_form(agent, customer_id)
    data.update(short_text="双击提交")
    assert agent.post("/hotline/tickets", data=data).status_code == 302
    assert agent.post("/hotline/tickets", data=data).status_code == 302
    with app.app_context(), uow.transaction():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_stale_transition_form_is_told_what_changed(app, client, auth, customer_with_product):
    with app.app_context(), uow.transaction():
        number = factories.ticket(owner=db.session.get(
            __import__("portal.models", fromlist=["Customer"]).Customer,
            customer_with_product[0])).number
    auth.login("20001")
    page = client.get(f"/hotline/tickets/{number}").get_data(as_text=True)
    stale = form_fields(page)
    with app.app_context(), uow.transaction():  # meanwhile the store surveys it
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        from portal.services.tickets.lifecycle import transition

        transition(ticket, "survey_done", factories.employee("30001"))
    response = client.post(f"/hotline/tickets/{number}/transition",
                           data=dict(stale, action="cancel", remark="客户取消"))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert number in html and "客户取消" in html  # the remark typed is not lost
    with app.app_context(), uow.transaction():
        assert db.session.scalar(sa.select(Ticket.status).where(
            Ticket.number == number)) == TicketStatus.KCJS


def test_unknown_ticket_number_is_404(agent):
    assert agent.get("/hotline/tickets/BX2026-999999").status_code == 404


def test_ticket_list_filters_are_in_the_url(app, agent):
    with app.app_context(), uow.transaction():
        urgent = factories.ticket(urgent=True, short_text="紧急漏水")
        factories.ticket(short_text="普通保养")
        hz = factories.ticket(owner=factories.customer(province="浙江省", city="杭州市"),
                              short_text="杭州报修")
        urgent_no, hz_branch = urgent.number, hz.branch_id
    html = agent.get("/hotline/tickets?urgent=1").get_data(as_text=True)
    assert urgent_no in html and "普通保养" not in html
    html = agent.get(f"/hotline/tickets?branch={hz_branch}").get_data(as_text=True)
    assert "杭州报修" in html and "紧急漏水" not in html
    html = agent.get(f"/hotline/tickets?q={urgent_no}").get_data(as_text=True)
    assert "紧急漏水" in html and "杭州报修" not in html
    html = agent.get("/hotline/tickets?status=KCJS").get_data(as_text=True)
    assert "紧急漏水" not in html
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert "紧急漏水" not in agent.get(f"/hotline/tickets?from={tomorrow}").get_data(as_text=True)
    assert agent.get("/hotline/tickets?status=BOGUS&from=notadate").status_code == 200


def test_ticket_list_paginates(app, agent):
    with app.app_context(), uow.transaction():
        owner = factories.customer()
        for i in range(23):
            factories.ticket(owner=owner, short_text=f"批量{i:02d}")
    first = agent.get("/hotline/tickets?sort=oldest").get_data(as_text=True)
    assert "批量00" in first and "批量22" not in first and "page=2" in first
    assert "批量22" in agent.get("/hotline/tickets?sort=oldest&page=2").get_data(as_text=True)


def test_serial_anomaly_and_overdue_lists(app, agent):
    with app.app_context(), uow.transaction():
        factories.ticket(serial_text="SN-GHOST-1", short_text="未知序列号")
        late = factories.ticket(urgent=True, short_text="昨天的紧急单")
        late.created_at = utcnow() - timedelta(days=2)
        db.session.commit()
    assert "未知序列号" in agent.get("/hotline/tickets?view=serial").get_data(as_text=True)
    overdue = agent.get("/hotline/tickets?view=overdue").get_data(as_text=True)
    assert "昨天的紧急单" in overdue and "未知序列号" not in overdue


def test_repeat_repairs_list(app, agent):
    with app.app_context(), uow.transaction():
        owner = factories.customer()
        twice = factories.product(owner=owner, serial="SN-TWICE")
        once = factories.product(owner=owner, serial="SN-ONCE")
        for _ in range(2):
            factories.ticket(owner=owner, product=twice)
        factories.ticket(owner=owner, product=once)
    html = agent.get("/hotline/tickets/repeat").get_data(as_text=True)
    assert "SN-TWICE" in html and "SN-ONCE" not in html


def test_team_lead_reviews_calls(app, client, auth):
    with app.app_context(), uow.transaction():
        from portal.services.hotline.calls import CallDraft, save_call

        record, _ = save_call(CallDraft(content="周报抽查", category=CallCategory.GENERAL,
                                        caller_name="匿名"), factories.employee("20001"))
        record_id = record.id
    auth.login("20001")
    assert client.get("/hotline/calls/review").status_code == 403
    auth.logout()
    auth.login("20002")
    html = client.get("/hotline/calls/review").get_data(as_text=True)
    assert "周报抽查" in html
    token = auth.csrf_token("/hotline/calls/review")
    row = client.post(f"/hotline/calls/{record_id}/review", data={"remark": "记录完整",
                                                                  "csrf_token": token},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "记录完整" in row and "<html" not in row
    with app.app_context(), uow.transaction():
        reviewed = db.session.get(CallRecord, record_id)
        assert reviewed.reviewed_by.employee_no == "20002"


def test_concurrent_double_submit_saves_one_call(app, customer_with_product):
    """Two requests with the same form token at the same instant: one record (PostgreSQL)."""
    with app.app_context(), uow.transaction():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("true concurrency needs PostgreSQL")
    customer_id, _ = customer_with_product
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        clients = []
        for _ in range(2):
            c = app.test_client()
            c.post("/login", data={"employee_no": "20001", "password": "demo1234"})
            clients.append(c)
        data = {"customer_id": str(customer_id), "category": "general", "content": "并发",
                "submit_token": "same-token-1"}
        barrier = threading.Barrier(2)
        statuses = []

        def post(c):
            barrier.wait()
            statuses.append(c.post("/hotline/calls", data=data).status_code)

        threads = [threading.Thread(target=post, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert sorted(statuses) == [200, 200]
    with app.app_context(), uow.transaction():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallRecord)) == 1


def test_two_agents_moving_one_ticket_at_once_one_wins(app):
    """Optimistic locking on PostgreSQL: the second concurrent save is refused with 409."""
    with app.app_context(), uow.transaction():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("true concurrency needs PostgreSQL")
        number = factories.ticket().number
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        clients = []
        for no in ("30001", "30002"):
            c = app.test_client()
            c.post("/login", data={"employee_no": no, "password": "demo1234"})
            clients.append(c)
        barrier = threading.Barrier(2)
        statuses = []

        def post(c):
            barrier.wait()
            statuses.append(c.post(f"/hotline/tickets/{number}/transition",
                                   data={"action": "survey_done"}).status_code)

        threads = [threading.Thread(target=post, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert sorted(statuses) == [302, 409]
    with app.app_context(), uow.transaction():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert [e.action for e in ticket.events] == ["create", "survey_done"]


def test_branch_queue_shows_only_the_branch_tickets(app, client, auth):
    with app.app_context(), uow.transaction():
        sh = factories.ticket(short_text="上海的单", urgent=True)
        hz = factories.ticket(owner=factories.customer(province="浙江省", city="杭州市"),
                              short_text="杭州的单")
        sh_no, hz_no = sh.number, hz.number
    auth.login("30001")  # store rep, 上海徐汇 (S4001)
    queue = client.get("/stores/").get_data(as_text=True)
    assert "上海的单" in queue and "杭州的单" not in queue
    assert client.get(f"/hotline/tickets/{sh_no}").status_code == 200
    assert client.get(f"/stores/tickets/{sh_no}").status_code == 200
    assert client.get(f"/hotline/tickets/{hz_no}").status_code == 404  # another branch's
    assert client.get(f"/stores/tickets/{hz_no}").status_code == 404
    assert client.get("/hotline/tickets").status_code == 403


def test_callback_steps_are_not_bare_buttons(app, client, auth):
    """callback_done needs the survey: the ticket page links to it and refuses the shortcut."""
    with app.app_context(), uow.transaction():
        number = walk_to_closed(factories.ticket()).number
    auth.login("20001")
    page = client.get(f"/hotline/tickets/{number}").get_data(as_text=True)
    assert 'data-action="callback_done"' not in page and 'data-testid="callback-link"' in page
    token = auth.csrf_token(f"/hotline/tickets/{number}")
    response = client.post(f"/hotline/tickets/{number}/transition",
                           data={"csrf_token": token, "action": "callback_done"})
    assert response.status_code == 409
    with app.app_context(), uow.transaction():
        assert db.session.scalar(sa.select(Ticket.status).where(
            Ticket.number == number)) == TicketStatus.CLOSED


def test_ticket_timeline_starts_with_the_call(app, agent, customer_with_product):
    customer_id, product_id = customer_with_product
    data = _call_form(agent, customer_id)
    data.update(category="install", content="来电：门关不严需上门", fault_symptom="门关不严",
                product_id=str(product_id))
    ticket_form = form_fields(agent.post("/hotline/calls", data=data,
                                         follow_redirects=True).get_data(as_text=True))
    created = agent.post("/hotline/tickets", data=ticket_form)
    page = agent.get(created.location).get_data(as_text=True)
    timeline = page[page.index('data-testid="timeline"'):]
    assert timeline.index('data-action="call"') < timeline.index("来电：门关不严需上门") \
        < timeline.index("</ol>")


# --------------------------------------------------------------------------- duties on links


HOTLINE_PAGES = ("/hotline/", "/hotline/callbacks", "/hotline/complaints", "/hotline/feedback",
                 "/hotline/calls/review", "/documents/letters")
ACCOUNTS = ("20001", "20002", "30001", "30002", "30003", "40001", "50001", "60001")


def _hotline_records(app) -> dict:
    """One of each hotline record, linked the way work links them, committed."""
    from portal.models import Callback, ComplaintCategory, ComplaintChannel
    from portal.services.hotline import callbacks, calls, complaints, contact_letters

    with app.app_context(), uow.transaction():
        owner = factories.customer(name="链接检查")
        product = factories.product(owner=owner)
        agent = factories.employee("20001")
        calls.save_call(calls.CallDraft(content="链接检查来电", category=CallCategory.GENERAL,
                                        customer=owner, product=product), agent)
        done = walk_to_closed(factories.ticket(owner=owner, product=product))
        awaiting = walk_to_closed(factories.ticket(owner=owner, product=product))
        for ticket, engineer in ((done, None), (awaiting, "30003")):
            callback = db.session.scalar(sa.select(Callback).where(
                Callback.ticket_id == ticket.id))
            callbacks.record_survey(callback, callbacks.SurveyAnswers(
                overall=callbacks.Satisfaction.AVERAGE, engineer_no=engineer), agent)
        walk_to_closed(factories.ticket(owner=owner, product=product))  # its callback is due
        complaint = complaints.register(complaints.ComplaintDraft(
            content="链接检查投诉", channel=ComplaintChannel.PHONE,
            category=ComplaintCategory.ATTITUDE, customer=owner, ticket_number=done.number,
            serious=True), agent)
        complaints.act(complaint, "assign", agent, complaints.StepInput(handler_no="30002"))
        contact_letters.create_letter(contact_letters.LetterDraft(
            subject="链接检查", to_unit=owner.name, from_unit="400", content="内容",
            ticket_number=done.number), agent)
        return {"customer": owner.id, "complaint": complaint.number}


def _links_and_forms(html: str) -> tuple[list[str], list[str]]:
    hrefs = re.findall(r'<a\b[^>]*\bhref="(/[^"]*)"', html)
    actions = re.findall(r'<form\b[^>]*\bmethod="post"[^>]*\baction="(/[^"]*)"', html)
    return [unescape(h) for h in hrefs], [unescape(a) for a in actions]


def _required(app, url: str, method: str) -> tuple | None:
    adapter = app.url_map.bind("localhost")
    endpoint, _args = adapter.match(urlsplit(url).path, method=method)
    return getattr(app.view_functions[endpoint], "required_permissions", None)


@pytest.mark.parametrize("employee_no", ACCOUNTS)
def test_hotline_pages_show_only_links_and_forms_the_user_may_use(app, client, auth,
                                                                 employee_no):
    """A user is never shown a link that answers 403 (or 404), nor a form whose route would
    refuse them: every hotline page an account opens is crawled and each target checked."""
    records = _hotline_records(app)
    auth.login(employee_no)
    with app.app_context():
        duties = factories.employee(employee_no).permissions
    queue = [p for p in HOTLINE_PAGES if client.get(p).status_code == 200]
    queue += [f"/hotline/customers/{records['customer']}",
              f"/hotline/complaints/{records['complaint']}"]
    seen, problems = set(), []
    while queue and len(seen) < 60:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if url.startswith(("/hotline/customers/", "/hotline/complaints/TS")) \
                and response.status_code in (403, 404):
            continue  # opened by hand above: not a link this account was shown
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
            continue
        hrefs, actions = _links_and_forms(response.get_data(as_text=True))
        for action in actions:
            required = _required(app, action, "POST")
            if required and not set(required) & duties:
                problems.append(f"{url} shows a form to {action} (needs {required})")
        for href in hrefs:
            required = _required(app, href, "GET")
            if required and not set(required) & duties:
                problems.append(f"{url} links to {href} (needs {required})")
            elif href.startswith(("/hotline/", "/documents/letters")) \
                    and not href.endswith(".pdf") and "/tickets" not in href:
                queue.append(href)
    assert not problems, "\n".join(problems)


def test_reading_the_card_is_not_recording_calls(app, client, auth, customer_with_product):
    """The service manager reads the caller card (hotline.view) but records no calls:
    no call form, no new ticket button, and a posted call is refused and not saved."""
    customer_id, _ = customer_with_product
    auth.login("60001")
    card = client.get(f"/hotline/customers/{customer_id}").get_data(as_text=True)
    assert 'data-testid="call-form"' not in card and "/hotline/tickets/new" not in card
    assert 'href="/hotline/customers/new"' not in client.get("/hotline/").get_data(
        as_text=True)
    assert client.get("/hotline/?phone=13000000009").status_code == 200  # no form to 403
    token = auth.csrf_token("/hotline/")
    response = client.post("/hotline/calls", data={
        "csrf_token": token, "customer_id": str(customer_id), "category": "general",
        "content": "越权记录"})
    assert response.status_code == 403
    assert client.get("/hotline/calls/new").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallRecord)) == 0


def test_store_staff_without_the_letter_duty_read_letters_but_do_not_write(app, client, auth):
    auth.login("30003")  # technician: reads the branch's letters, writes none
    listing = client.get("/documents/letters")
    assert listing.status_code == 200
    assert 'data-testid="new-letter"' not in listing.get_data(as_text=True)
    assert client.get("/documents/letters/new").status_code == 403
    token = auth.csrf_token("/documents/letters")
    response = client.post("/documents/letters", data={
        "csrf_token": token, "subject": "关于", "to_unit": "某单位", "from_unit": "门店",
        "content": "越权"})
    assert response.status_code == 403
    with app.app_context():
        from portal.models import ContactLetter

        assert db.session.scalar(sa.select(sa.func.count(ContactLetter.id))) == 0
