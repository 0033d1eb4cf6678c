"""Customer complaints (客户投诉): registration, the transition table, who may do what."""

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.extensions import db
from portal.models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
)
from portal.models.base import utcnow
from portal.services.core import uow
from portal.services.core.audit import history
from portal.services.core.numbering import next_number
from portal.services.core.workflow import StaleRecord, TransitionRefused
from portal.services.hotline import complaints
from portal.services.hotline.complaints import StepInput
from portal.services.hotline.workflow import COMPLAINT, COMPLAINT_ACTIONS
from portal.services.tickets.lifecycle import TicketDraft, create_ticket
from portal.timeutil import to_local
from tests import factories
from tests.conftest import Auth
from tests.webforms import csrf, form_fields

S = ComplaintStatus
ORDER = [S.REGISTERED, S.ASSIGNED, S.PROPOSED, S.APPROVED, S.CONFIRMED, S.FOLLOWED_UP, S.CLOSED]


# --------------------------------------------------------------------------- helpers


def make_complaint(status: ComplaintStatus = S.REGISTERED, handler_no: str = "30002",
                   **fields) -> Complaint:
    """A committed complaint as it would stand in `status` after the usual steps."""
    values = dict(number=next_number("TS"), status=status, complainant="王女士",
                  phone="13900001111", received_at=utcnow() - timedelta(hours=2),
                  channel=ComplaintChannel.PHONE, category=ComplaintCategory.INSTALL_QUALITY,
                  content="安装后玻璃门关不严，师傅态度也不好", serious=False,
                  registered_by=factories.employee("20001"))
    if status == S.INVALID:
        values.update(valid=False, judgement="您好，经核实不属于质量问题。", closed_at=utcnow())
    reached = ORDER.index(status) if status in ORDER else 0
    if reached >= ORDER.index(S.ASSIGNED):
        handler = factories.employee(handler_no)
        values.update(valid=True, handler=handler, department=handler.department)
    if reached >= ORDER.index(S.PROPOSED):
        values.update(investigation="上门查看，门铰链未调整", cause="安装时未调试",
                      proposals="免费上门调试\n更换铰链", chosen_solution="免费上门调试")
    if reached >= ORDER.index(S.APPROVED):
        values.update(approved_by=factories.employee("60001"), approved_at=utcnow())
    if reached >= ORDER.index(S.CONFIRMED):
        values.update(customer_confirmation="王女士本人确认", confirmed_at=utcnow())
    if reached >= ORDER.index(S.FOLLOWED_UP):
        values.update(follow_up="回访：门已正常", followed_up_at=utcnow())
    if status == S.CLOSED:
        values.update(summary="安装调试不到位", closed_at=utcnow())
    values.update(fields)
    complaint = Complaint(**values)
    db.session.add(complaint)
    db.session.commit()
    return complaint


# The input each step needs, and who may (and may not) take it.
GOOD_INPUT = {
    "assign": StepInput(handler_no="30002"),
    "judge_invalid": StepInput(judgement="您好，经核实不属于投诉范围，感谢您的反馈。"),
    "reassign": StepInput(handler_no="30003", remark="刘海涛休假"),
    "save_handling": StepInput(investigation="已电话了解情况"),
    "propose": StepInput(investigation="上门查看", cause="铰链未调", proposals="调试\n更换",
                         chosen_solution="调试"),
    "approve": StepInput(),
    "send_back": StepInput(remark="请先确认是否在保修期内"),
    "confirm": StepInput(confirmation="王女士本人确认"),
    "follow_up": StepInput(follow_up="三天后回访，门已正常"),
    "close": StepInput(summary="安装调试不到位，已整改"),
}
RIGHT_PEOPLE = {
    "assign": ["20001"], "judge_invalid": ["20001"], "reassign": ["20002", "60001"],
    "save_handling": ["30002"], "propose": ["30002"], "approve": ["60001"],
    "send_back": ["60001"], "confirm": ["20001", "30002"], "follow_up": ["20001", "30002"],
    "close": ["20001"],
}
WRONG_PEOPLE = {
    "assign": ["30001"], "judge_invalid": ["30001"], "reassign": ["20001", "30002"],
    "save_handling": ["20001", "20002", "60001"], "propose": ["20001", "60001"],
    "approve": ["20001", "30002"], "send_back": ["20001", "30002"], "confirm": ["30001"],
    "follow_up": ["30001"], "close": ["30002"],
}


def test_the_step_tables_of_these_tests_cover_every_action():
    assert set(GOOD_INPUT) == set(RIGHT_PEOPLE) == set(WRONG_PEOPLE) == set(COMPLAINT_ACTIONS)


def signed_in(app, employee_no: str):
    """A client signed in as the demo employee, in English so messages can be asserted."""
    client = app.test_client()
    auth = Auth(client)
    response = auth.login(employee_no)
    assert response.status_code == 302, f"{employee_no} could not sign in"
    token = auth.csrf_token("/hotline/complaints")
    client.post("/language", data={"locale": "en", "csrf_token": token})
    return client


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def act(client, number: str, action: str, version: int | None = None, **fields):
    """Press a step's button on the complaint page, with the version the page showed."""
    html = client.get(f"/hotline/complaints/{number}").get_data(as_text=True)
    if version is None:
        match = re.search(r'data-version="(\d+)"', html)
        version = int(match.group(1)) if match else 1
    token = csrf(html) if 'name="csrf_token"' in html else Auth(client).csrf_token("/hotline/")
    data = {"csrf_token": token, "action": action, "version": str(version), **fields}
    return client.post(f"/hotline/complaints/{number}/transition", data=data)


def status_of(app, number: str) -> ComplaintStatus:
    with app.app_context():
        return db.session.scalar(sa.select(Complaint.status).where(Complaint.number == number))


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


# --------------------------------------------------------------------------- registration


def register(client, **fields):
    html = page(client, "/hotline/complaints/new")
    data = form_fields(html)
    data.update(complainant="王女士", phone="13900001111", channel="phone",
                category="install_quality", content="安装后玻璃门关不严")
    data.update(fields)
    return client.post("/hotline/complaints/new", data=data)


def test_registering_a_complaint_gives_it_the_next_ts_number(app):
    agent = signed_in(app, "20001")
    response = register(agent)
    number = f"TS{utcnow().year}-000001"
    assert response.status_code == 302
    assert response.headers["Location"] == f"/hotline/complaints/{number}"
    html = page(agent, response.headers["Location"])
    assert number in html and "安装后玻璃门关不严" in html
    assert 'data-status="registered"' in html
    assert register(agent, content="另一件投诉").headers["Location"].endswith("-000002")
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        assert complaint.registered_by.employee_no == "20001"
        assert complaint.category == ComplaintCategory.INSTALL_QUALITY
        assert complaint.received_at <= utcnow()


def test_a_double_submitted_registration_makes_one_complaint(app):
    agent = signed_in(app, "20001")
    first = register(agent)
    second = register(agent)
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 1


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"content": ""}, "content", "This field is required."),
    ({"category": ""}, "category", "Please choose the category."),
    ({"ticket_number": "BX2026-999999"}, "ticket_number",
     "No ticket has the number BX2026-999999."),
    ({"product_serial": "NO-SUCH-SN"}, "product_serial",
     "No product has the serial number NO-SUCH-SN."),
    ({"complainant": "王" * 101}, "complainant", "At most 100 characters."),
    ({"content": "长" * 4001}, "content", "At most 4000 characters."),
    ({"phone": "call me"}, "phone", "A phone number has digits, spaces and -."),
    ({"received_at": "2099-01-01T10:00"}, "received_at", "The complaint time is in the future."),
])
def test_bad_registration_input_is_explained_and_kept(app, fields, field, message):
    agent = signed_in(app, "20001")
    response = register(agent, **{"complainant": "赵先生", **fields})
    body = text_of(response)
    assert response.status_code == 400
    assert message in body
    assert re.search(rf'<small class="error" id="{field}-err">', body), field
    assert "Traceback" not in body
    if field != "complainant":
        assert form_fields(response.get_data(as_text=True))["complainant"] == "赵先生"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0


def test_registration_is_prefilled_from_a_callback_link(app):
    with app.app_context(), uow.transaction():
        customer = factories.customer(name="钱璟", phone_mobile="13900002222")
        product = factories.product(customer)
        ticket = create_ticket(TicketDraft(customer=customer, short_text="玻璃门异响",
                                           product=product), factories.employee("20001"))
        customer_id, serial, ticket_number = customer.id, product.serial, ticket.number
    agent = signed_in(app, "20001")
    url = (f"/hotline/complaints/new?customer={customer_id}&ticket={ticket_number}"
           "&channel=callback&content=回访不满意：师傅迟到两小时")
    html = page(agent, url)
    fields = form_fields(html)
    assert fields["customer_id"] == str(customer_id)
    assert fields["complainant"] == "钱璟" and fields["phone"] == "13900002222"
    assert fields["ticket_number"] == ticket_number
    assert fields["product_serial"] == serial
    assert fields["channel"] == "callback"
    assert fields["content"] == "回访不满意：师傅迟到两小时"
    assert fields["received_at"]  # defaults to now

    fields["category"] = "attitude"
    response = agent.post("/hotline/complaints/new", data=fields)
    assert response.status_code == 302
    with app.app_context():
        complaint = db.session.scalars(sa.select(Complaint)).one()
        assert complaint.customer_id == customer_id
        assert complaint.ticket.number == ticket_number
        assert complaint.product.serial == serial
        assert complaint.channel == ComplaintChannel.CALLBACK


def test_registering_needs_the_hotline(app):
    store = signed_in(app, "30002")
    assert store.get("/hotline/complaints/new").status_code == 403


# --------------------------------------------------------------------------- the workflow


def test_an_invalid_complaint_is_answered_politely_and_closed(app):
    with app.app_context():
        number = make_complaint().number
    agent = signed_in(app, "20001")
    missing = act(agent, number, "judge_invalid")
    assert missing.status_code == 400
    assert status_of(app, number) == S.REGISTERED

    reply = "您好，经核实该产品已过保修期，我们可提供有偿维修，感谢您的理解。"
    response = act(agent, number, "judge_invalid", judgement=reply)
    assert response.status_code == 302
    html = page(agent, f"/hotline/complaints/{number}")
    assert 'data-status="invalid"' in html and reply in html
    assert 'data-action="' not in html  # nothing more to do
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        assert complaint.valid is False and complaint.closed_at is not None
    assert act(agent, number, "assign", handler_no="30002").status_code == 409


def test_a_valid_complaint_goes_to_closed_by_the_right_people(app):
    agent, store, manager = (signed_in(app, no) for no in ("20001", "30002", "60001"))
    number = register(agent, serious="y").headers["Location"].rsplit("/", 1)[1]

    assert act(agent, number, "assign", handler_no="30002", judgement="属实").status_code == 302
    html = page(store, f"/hotline/complaints/{number}")
    assert "刘海涛 (30002)" in html and 'data-action="propose"' in html
    assert act(store, number, "save_handling", investigation="电话了解情况").status_code == 302
    assert act(store, number, "propose", investigation="上门查看", cause="铰链未调",
               proposals="免费上门调试\n\n更换铰链 ", chosen_solution="免费上门调试"
               ).status_code == 302
    assert act(manager, number, "approve").status_code == 302
    assert act(agent, number, "confirm", confirmation="王女士本人电话确认").status_code == 302
    assert act(store, number, "follow_up", follow_up="上门回访，门已正常").status_code == 302
    assert act(agent, number, "close", summary="安装调试不到位", category="install_quality"
               ).status_code == 302

    html = page(agent, f"/hotline/complaints/{number}")
    assert 'data-status="closed"' in html
    timeline = html[html.index('data-testid="timeline"'):]
    for who in ("李晓梅 (20001)", "刘海涛 (30002)", "黄总 (60001)"):
        assert who in timeline
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        assert complaint.status == S.CLOSED and complaint.valid is True
        assert complaint.proposals == "免费上门调试\n更换铰链"
        assert complaint.approved_by.employee_no == "60001"
        assert complaint.closed_at and complaint.confirmed_at and complaint.followed_up_at
        statuses = [e.changes["status"][1] for e in reversed(history(complaint))
                    if "status" in e.changes]
        assert statuses == [s.value for s in ORDER]


@pytest.mark.parametrize("step", COMPLAINT.rows, ids=lambda t: t.action)
def test_each_step_is_taken_by_its_people(ctx, step):
    for employee_no in RIGHT_PEOPLE[step.action]:
        complaint = make_complaint(step.source)
        complaints.act(complaint, step.action, factories.employee(employee_no),
                       GOOD_INPUT[step.action], expected_version=complaint.version)
        assert complaint.status == step.target, (step.action, employee_no)


@pytest.mark.parametrize("step", COMPLAINT.rows, ids=lambda t: t.action)
def test_each_step_refuses_other_people(ctx, step):
    for employee_no in WRONG_PEOPLE[step.action]:
        complaint = make_complaint(step.source)
        before = complaint.version
        with pytest.raises(TransitionRefused) as refused:
            complaints.act(complaint, step.action, factories.employee(employee_no),
                           GOOD_INPUT[step.action])
        assert refused.value.status == 409
        assert (complaint.status, complaint.version) == (step.source, before)
        assert not db.session.dirty  # refused before the step's input was written


@pytest.mark.parametrize("action", COMPLAINT_ACTIONS)
def test_each_step_refuses_a_complaint_in_another_status(ctx, action):
    someone = {no: factories.employee(no) for no in ("20001", "30002", "60001")}
    wrong = [s for s in ComplaintStatus
             if not any(r.source == s and r.action == action for r in COMPLAINT.rows)]
    assert wrong
    for status in wrong:
        complaint = make_complaint(status)
        for employee in someone.values():
            with pytest.raises(TransitionRefused) as refused:
                complaints.act(complaint, action, employee, GOOD_INPUT[action])
            assert refused.value.status == 409
            assert complaint.number in refused.value.message
            assert complaint.status == status


def test_a_step_out_of_turn_answers_409_with_the_reason(app):
    with app.app_context():
        number = make_complaint().number
    manager = signed_in(app, "60001")
    response = act(manager, number, "approve")
    assert response.status_code == 409
    assert f"Complaint {number} is Registered: this action is not possible now." in \
        text_of(response)
    assert act(manager, number, "no_such_step").status_code == 400


def test_a_solution_goes_for_approval_only_when_complete(ctx):
    complaint = make_complaint(S.ASSIGNED)
    with force_locale("en"), pytest.raises(TransitionRefused, match="chosen solution"):
        complaints.act(complaint, "propose", factories.employee("30002"),
                       StepInput(investigation="上门查看", cause="铰链未调", proposals="调试"))
    assert complaint.status == S.ASSIGNED and complaint.investigation is None


def test_only_the_assigned_handler_writes_the_handling(app):
    with app.app_context():
        number = make_complaint(S.ASSIGNED, handler_no="30002").number
    for employee_no in ("20001", "60001"):
        other = signed_in(app, employee_no)
        html = page(other, f"/hotline/complaints/{number}")
        assert 'name="investigation"' not in html
        assert "Only the assigned handler (刘海涛 (30002)) may write the handling" in \
            unescape(html)
        response = act(other, number, "save_handling", investigation="我来写")
        assert response.status_code == 409
        assert "Only the assigned handler" in text_of(response)
        assert act(other, number, "propose", **vars(GOOD_INPUT["propose"])).status_code == 409
    handler = signed_in(app, "30002")
    assert 'name="investigation"' in page(handler, f"/hotline/complaints/{number}")
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        assert complaint.investigation is None and complaint.status == S.ASSIGNED


def test_a_store_handler_sees_only_the_complaints_assigned_to_them(app):
    with app.app_context():
        mine = make_complaint(S.ASSIGNED, handler_no="30002").number
        theirs = make_complaint(S.ASSIGNED, handler_no="20002").number
        unassigned = make_complaint().number
    store = signed_in(app, "30002")
    assert mine in page(store, f"/hotline/complaints/{mine}")
    for number in (theirs, unassigned):
        assert store.get(f"/hotline/complaints/{number}").status_code == 404
        assert act(store, number, "save_handling", investigation="x").status_code == 404
    listed = page(store, "/hotline/complaints")
    assert mine in listed and theirs not in listed and unassigned not in listed
    colleague = signed_in(app, "30001")  # same branch, but not the handler
    assert colleague.get(f"/hotline/complaints/{mine}").status_code == 404


def test_assignment_explains_an_unknown_or_unsuitable_handler(app):
    with app.app_context():
        number = make_complaint().number
    agent = signed_in(app, "20001")
    response = act(agent, number, "assign", handler_no="99999", judgement="属实")
    assert response.status_code == 400
    assert "No active employee has the number 99999." in text_of(response)
    assert form_fields(response.get_data(as_text=True))["judgement"] == "属实"
    response = act(agent, number, "assign", handler_no="40001")  # a warehouse clerk
    assert response.status_code == 400
    assert "cannot open complaints" in text_of(response)
    assert status_of(app, number) == S.REGISTERED


def test_the_manager_sends_a_solution_back_with_a_remark(app):
    with app.app_context():
        number = make_complaint(S.PROPOSED).number
    manager = signed_in(app, "60001")
    assert act(manager, number, "send_back").status_code == 400
    assert status_of(app, number) == S.PROPOSED
    assert act(manager, number, "send_back", remark="请先确认保修期").status_code == 302
    assert status_of(app, number) == S.ASSIGNED
    html = page(signed_in(app, "30002"), f"/hotline/complaints/{number}")
    assert 'data-testid="sent-back"' in html and "请先确认保修期" in html
    assert "免费上门调试" in html  # the handler revises their own text


def test_a_stale_form_is_refused(app):
    with app.app_context():
        number = make_complaint(S.ASSIGNED).number
    handler = signed_in(app, "30002")
    html = page(handler, f"/hotline/complaints/{number}")
    seen = int(re.search(r'data-version="(\d+)"', html).group(1))
    assert act(handler, number, "save_handling", version=seen, investigation="第一稿"
               ).status_code == 302
    response = act(handler, number, "propose", version=seen, **vars(GOOD_INPUT["propose"]))
    assert response.status_code == 409
    assert "was changed by someone else since you opened it" in text_of(response)
    assert status_of(app, number) == S.ASSIGNED


def test_a_concurrent_save_is_refused_not_lost(ctx):
    complaint = make_complaint(S.ASSIGNED)
    seen = complaint.version
    # Another request saves the same complaint between this one's read and its write.
    table = Complaint.__table__
    db.session.execute(sa.update(table).where(table.c.id == complaint.id)
                       .values(version=table.c.version + 1, cause="别人写的"))
    with pytest.raises(StaleRecord):
        complaints.act(complaint, "save_handling", factories.employee("30002"),
                       StepInput(investigation="我写的"), expected_version=seen)


def test_a_manager_reassigns_and_the_timeline_says_why(app):
    with app.app_context():
        number = make_complaint(S.ASSIGNED, handler_no="30002").number
    manager = signed_in(app, "60001")
    assert act(manager, number, "reassign", handler_no="30002").status_code == 400
    assert act(manager, number, "reassign", handler_no="30003", remark="刘海涛休假"
               ).status_code == 302
    html = page(manager, f"/hotline/complaints/{number}")
    timeline = html[html.index('data-testid="timeline"'):]
    assert "赵师傅 (30003)" in timeline and "刘海涛休假" in timeline


# --------------------------------------------------------------------------- serious, lists


def test_a_serious_complaint_appears_on_the_service_managers_hotline_page(app):
    with app.app_context():
        serious = make_complaint(serious=True).number
        ordinary = make_complaint().number
        closed = make_complaint(S.CLOSED, serious=True).number
    manager = signed_in(app, "60001")
    html = page(manager, "/hotline/")
    panel = html[html.index('data-testid="serious-complaints"'):]
    assert serious in panel and ordinary not in panel and closed not in panel
    assert serious in page(manager, "/hotline/complaints/serious")

    agent = signed_in(app, "20001")
    html = page(agent, "/hotline/")
    assert 'data-testid="serious-complaints"' not in html and serious not in html
    assert agent.get("/hotline/complaints/serious").status_code == 403


def test_a_complaint_registered_as_serious_escalates_at_once(app):
    agent = signed_in(app, "20001")
    number = register(agent, serious="y").headers["Location"].rsplit("/", 1)[1]
    html = page(signed_in(app, "60001"), "/hotline/")
    assert number in html[html.index('data-testid="serious-complaints"'):]


def test_the_list_filters_in_the_url_newest_first_with_pages(app):
    now = utcnow()
    with app.app_context():
        for i in range(22):
            make_complaint(received_at=now - timedelta(days=i, hours=1), complainant=f"客户{i:02d}")
        price = make_complaint(category=ComplaintCategory.PRICE, complainant="价格先生",
                               serious=True, received_at=now - timedelta(days=40))
        price_number = price.number
    agent = signed_in(app, "20001")
    first = page(agent, "/hotline/complaints")
    rows = re.findall(r'data-number="(TS[\d-]+)"', first)
    assert len(rows) == 20 and "客户00" in first and "价格先生" not in first
    assert first.index("客户00") < first.index("客户01")  # newest first
    second = page(agent, "/hotline/complaints?page=2")
    assert len(re.findall(r'data-number="', second)) == 3 and "价格先生" in second

    for query in ("category=price", "serious=1", "q=价格", f"q={price_number}",
                  f"to={to_local(now - timedelta(days=30)).date().isoformat()}"):
        listed = page(agent, f"/hotline/complaints?{query}")
        assert re.findall(r'data-number="(TS[\d-]+)"', listed) == [price_number], query
    assert "价格先生" not in page(agent, "/hotline/complaints?status=assigned")
    fragment = agent.get("/hotline/complaints?category=price", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert price_number in fragment.get_data(as_text=True)


def test_classification_statistics_count_per_category_and_status(app):
    now = utcnow()
    with app.app_context():
        make_complaint(category=ComplaintCategory.PRICE)
        make_complaint(category=ComplaintCategory.PRICE)
        make_complaint(S.CLOSED, category=ComplaintCategory.PRICE)
        make_complaint(S.ASSIGNED, category=ComplaintCategory.ATTITUDE, serious=True)
        make_complaint(category=ComplaintCategory.PRICE, received_at=now - timedelta(days=70))
        today = to_local(now).date()
        start = today - timedelta(days=7)
        stats = complaints.category_statistics(start, today)
        assert stats.count(ComplaintCategory.PRICE, S.REGISTERED) == 2
        assert stats.count(ComplaintCategory.PRICE, S.CLOSED) == 1
        assert stats.row_total(ComplaintCategory.PRICE) == 3
        assert stats.column_total(S.REGISTERED) == 2
        assert stats.total == 4
        assert complaints.category_statistics(start, today, serious_only=True).total == 1

    html = page(signed_in(app, "20001"),
                f"/hotline/complaints/stats?from={start.isoformat()}&to={today.isoformat()}")

    def cell(category, status):
        row = re.search(rf'<tr data-category="{category}">(.*?)</tr>', html, re.S).group(1)
        value = re.search(rf'<td data-status="{status}">(.*?)</td>', row, re.S).group(1)
        return int(re.sub(r"<[^>]+>", "", value))

    assert cell("price", "registered") == 2 and cell("price", "closed") == 1
    assert cell("price", "total") == 3 and cell("attitude", "assigned") == 1
    assert cell("total", "total") == 4 and cell("delivery", "total") == 0


def test_over_long_step_input_is_explained_and_nothing_changes(app):
    with app.app_context():
        number = make_complaint(S.APPROVED).number
    agent = signed_in(app, "20001")
    response = act(agent, number, "confirm", confirmation="确" * 201)
    assert response.status_code == 400
    assert "At most 200 characters." in text_of(response)
    assert form_fields(response.get_data(as_text=True))["confirmation"] == "确" * 201
    assert status_of(app, number) == S.APPROVED


# --------------------------------------------------------------------------- duties


def test_the_service_manager_reads_complaints_but_does_not_register_them(app):
    manager = signed_in(app, "60001")
    listed = page(manager, "/hotline/complaints")
    assert 'data-testid="new-complaint"' not in listed
    assert manager.get("/hotline/complaints/new").status_code == 403
    token = Auth(manager).csrf_token("/hotline/complaints")
    response = manager.post("/hotline/complaints/new", data={
        "csrf_token": token, "complainant": "王女士", "channel": "phone",
        "category": "attitude", "content": "绕过登记"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0


def test_an_agent_cannot_reassign_the_handler(app):
    """Reassigning is the team lead's and the manager's duty: no form, and a posted one is
    refused with the reason while the handler stays."""
    with app.app_context():
        number = make_complaint(S.ASSIGNED, handler_no="30002").number
    agent = signed_in(app, "20001")
    assert 'data-action="reassign"' not in page(agent, f"/hotline/complaints/{number}")
    response = act(agent, number, "reassign", handler_no="30003", remark="换人")
    assert response.status_code == 409
    assert "Your duties do not include this action." in text_of(response)
    lead = signed_in(app, "20002")
    assert 'data-action="reassign"' in page(lead, f"/hotline/complaints/{number}")
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        assert complaint.handler.employee_no == "30002"


def test_a_refused_step_writes_nothing_not_even_its_remark(app):
    """The handler's incomplete solution is refused: the status, the text typed into the
    handling and the audit trail all stay as they were."""
    with app.app_context():
        number = make_complaint(S.ASSIGNED, handler_no="30002").number
        complaint = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        trail = len(history(complaint))
    handler = signed_in(app, "30002")
    response = act(handler, number, "propose", investigation="上门查看", cause="铰链未调")
    assert response.status_code == 409
    assert "please fill in: proposals, chosen solution" in text_of(response)
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        assert (complaint.status, complaint.investigation) == (S.ASSIGNED, None)
        assert len(history(complaint)) == trail
