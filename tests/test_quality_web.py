"""QA pages through the test client: queue, check form, rework on the board, handover,
another region's inspector, and the admin's checklist screens."""

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Callback, Checklist, Ticket, TicketStatus
from portal.services.core import uow
from portal.services.core.auth import hash_password
from portal.services.quality import checks as quality
from tests import factories
from tests.test_quality import answers, finished_ticket, south_inspector
from tests.webforms import csrf, form_fields


def _finished(app, **kw) -> str:
    with app.app_context():
        return finished_ticket(**kw).number


def _status(app, number: str) -> TicketStatus:
    with app.app_context():
        status = db.session.scalar(sa.select(Ticket.status).where(Ticket.number == number))
        db.session.remove()
        return status


def _check_data(html: str, outcomes: dict[str, str], measured: str = "1",
                action: str = "sign") -> dict:
    """What the browser would post: `outcomes` maps an item's label to pass / fail / na;
    items not named stay unanswered."""
    data = {"csrf_token": csrf(html), "action": action}
    for name in ("checklist_id", "version"):
        match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
        data[name] = match.group(1) if match else ""
    rows = re.findall(r'<tr data-item="([^"]*)".*?name="(items-\d+)-item_id"[^>]*value="(\d+)"',
                      html, re.S)
    assert rows, "no checklist rows in the form"
    for label, prefix, item_id in rows:
        data[f"{prefix}-item_id"] = item_id
        if label in outcomes:
            data[f"{prefix}-outcome"] = outcomes[label]
        if f'name="{prefix}-measured"' in html:
            data[f"{prefix}-measured"] = measured
    return data


ALL_PASS = {label: "pass" for label in ("玻璃完好", "密封与缝隙", "固定牢固", "水平垂直度",
                                        "现场清洁", "附件移交")}


def test_queue_shows_finished_work_with_dispatch_and_technician(app, client, auth):
    number = _finished(app)
    auth.login("50001")
    page = client.get("/qa/").get_data(as_text=True)
    row = re.search(rf'<tr data-ticket="{number}".*?</tr>', page, re.S).group(0)
    assert "赵师傅" in row and re.search(r"PG\d{4}-\d{6}", row)
    fragment = client.get("/qa/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and number in fragment  # the queue polls its fragment
    auth.logout()
    auth.login("30001")
    assert client.get("/qa/").status_code == 403


def test_failing_an_item_sends_the_ticket_to_the_top_of_the_dispatch_board(app, client, auth):
    with app.app_context(), uow.transaction():
        urgent = factories.ticket(urgent=True, short_text="紧急报修")
        from portal.services.tickets.lifecycle import transition

        transition(urgent, "survey_done", factories.employee("30001"))
        urgent_number = urgent.number
    number = _finished(app)
    auth.login("50001")
    page = client.get(f"/qa/tickets/{number}").get_data(as_text=True)
    assert 'data-testid="check-form"' in page and "±2 mm" in page
    outcomes = ALL_PASS | {"固定牢固": "fail"}
    data = _check_data(page, outcomes)
    note_field = next(k for k in data if k.endswith("-item_id") and data[k]
                      and re.search(rf'data-item="固定牢固".*?name="{k}"', page, re.S))
    data[note_field.replace("item_id", "note")] = "合页螺丝松动"
    response = client.post(f"/qa/tickets/{number}/check", data=data)
    assert response.status_code == 302
    assert _status(app, number) == TicketStatus.REWORK
    detail = client.get(f"/qa/tickets/{number}").get_data(as_text=True)
    assert 'data-verdict="failed"' in detail and "合页螺丝松动" in detail
    assert 'data-testid="check-form"' not in detail  # locked: no form any more
    auth.logout()

    auth.login("30002")
    board = client.get("/stores/dispatch").get_data(as_text=True)
    waiting = re.search(r'data-testid="waiting".*?</ul>', board, re.S).group(0)
    tickets = re.findall(r'<li data-ticket="([^"]+)"', waiting)
    assert tickets == [number, urgent_number]
    assert "固定牢固: 合页螺丝松动" in waiting


def test_signing_with_an_unanswered_item_keeps_the_answers_and_marks_the_row(app, client, auth):
    number = _finished(app)
    auth.login("50001")
    page = client.get(f"/qa/tickets/{number}").get_data(as_text=True)
    outcomes = {k: v for k, v in ALL_PASS.items() if k != "附件移交"}
    response = client.post(f"/qa/tickets/{number}/check", data=_check_data(page, outcomes))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'<tr data-item="附件移交" class="urgent" data-marked="1">', html)
    assert len(re.findall(r'<input checked [^>]*value="pass"', html)) == 5  # answers kept
    assert _status(app, number) == TicketStatus.QA_PENDING
    # The refusal is in the ticket's change history.
    with app.app_context():
        from portal.display import audit_action_label

        label = audit_action_label("refused")
    assert label in client.get(f"/qa/tickets/{number}").get_data(as_text=True)


def test_a_draft_then_the_signature(app, client, auth):
    number = _finished(app)
    auth.login("50001")
    page = client.get(f"/qa/tickets/{number}").get_data(as_text=True)
    response = client.post(f"/qa/tickets/{number}/check",
                           data=_check_data(page, {"玻璃完好": "pass"}, action="save"))
    assert response.status_code == 302
    page = client.get(f"/qa/tickets/{number}").get_data(as_text=True)
    assert re.search(r'<input checked [^>]*value="pass"', page)
    assert re.search(r'name="version" type="hidden" value="\d+"', page)
    response = client.post(f"/qa/tickets/{number}/check", data=_check_data(page, ALL_PASS))
    assert response.status_code == 302
    assert _status(app, number) == TicketStatus.HANDOVER_READY
    again = client.post(f"/qa/tickets/{number}/check", data=_check_data(page, ALL_PASS))
    assert again.status_code == 409  # signing twice


def test_another_regions_inspector_gets_not_found(app, client, auth):
    number = _finished(app)
    with app.app_context():
        stranger = south_inspector()
        stranger.password_hash = hash_password("south-pass-1")
        db.session.commit()
    auth.login("50009", "south-pass-1")
    assert client.get("/qa/").status_code == 200
    assert number not in client.get("/qa/").get_data(as_text=True)
    assert client.get(f"/qa/tickets/{number}").status_code == 404
    token = auth.csrf_token("/qa/")
    response = client.post(f"/qa/tickets/{number}/check",
                           data={"csrf_token": token, "action": "sign"})
    assert response.status_code == 404
    assert _status(app, number) == TicketStatus.QA_PENDING


def test_the_store_rep_records_the_customers_acceptance(app, client, auth):
    with app.app_context(), uow.transaction():
        ticket = finished_ticket()
        quality.sign_check(ticket, answers(ticket), factories.employee("50001"))
        number = ticket.number
    auth.login("30001")
    page = client.get(f"/qa/tickets/{number}").get_data(as_text=True)
    assert 'data-testid="acceptance-form"' in page and 'data-testid="check-form"' not in page
    form = {"csrf_token": csrf(page), "work_complete": "yes", "system_works": "no",
            "accessories": "yes", "satisfaction": "satisfied", "customer_name": "王先生"}
    refused = client.post(f"/qa/tickets/{number}/handover", data=form)
    assert refused.status_code == 409 and _status(app, number) == TicketStatus.HANDOVER_READY
    response = client.post(f"/qa/tickets/{number}/handover", data=form | {"system_works": "yes"})
    assert response.status_code == 302
    assert _status(app, number) == TicketStatus.CLOSED
    with app.app_context():
        ticket_id = db.session.scalar(sa.select(Ticket.id).where(Ticket.number == number))
        assert db.session.scalar(sa.select(sa.func.count(Callback.id))
                                 .where(Callback.ticket_id == ticket_id)) == 1
    assert client.post(f"/qa/tickets/{number}/check",
                       data={"csrf_token": csrf(page)}).status_code == 403


def test_admin_edits_a_checklist_into_a_new_version(app, client, auth):
    with app.app_context(), uow.transaction():
        from portal.demo_quality import seed_checklists

        seed_checklists()
        v1 = quality.current_checklist("装饰玻璃").id
    auth.login("10001")
    listing = client.get("/admin/checklists/").get_data(as_text=True)
    assert 'data-category="装饰玻璃"' in listing
    page = client.get(f"/admin/checklists/{v1}").get_data(as_text=True)
    assert 'data-testid="checklist-form"' in page and "readonly" in page
    fields = form_fields(page)
    assert fields["items-3-measured"] == ["y"] and fields["items-3-upper_limit"] == "2.00"
    fields["items-0-label"] = "玻璃完好无崩边"
    fields["items-3-measured"] = "y"
    fields["items-6-label"] = "合页调整"
    fields["csrf_token"] = csrf(page)
    response = client.post(f"/admin/checklists/{v1}", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    v2 = int(response.headers["Location"].rsplit("/", 1)[1])
    assert v2 != v1
    with app.app_context():
        new, old = db.session.get(Checklist, v2), db.session.get(Checklist, v1)
        assert (new.version, new.current, old.current) == (2, True, False)
        assert [i.label for i in new.items][0] == "玻璃完好无崩边" and len(new.items) == 7
        assert [i.label for i in old.items][0] == "玻璃完好"
        assert new.items[3].measured and new.items[3].upper_limit == 2
    old_page = client.get(f"/admin/checklists/{v1}").get_data(as_text=True)
    assert 'data-testid="checklist-form"' not in old_page and 'data-testid="versions"' in old_page
    assert client.post(f"/admin/checklists/{v1}", data=fields).status_code == 409
    auth.logout()
    auth.login("50001")
    assert client.get("/admin/checklists/").status_code == 403


def test_admin_creates_a_checklist_for_a_new_category(app, client, auth):
    auth.login("10001")
    page = client.get("/admin/checklists/new").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "category": "地板", "name": "地板安装检查表",
            "items-0-label": "铺贴平整", "items-1-label": "高低差", "items-1-measured": "y",
            "items-1-unit": "mm", "items-1-upper_limit": "0.5", "items-2-label": ""}
    response = client.post("/admin/checklists/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        checklist = quality.current_checklist("地板")
        assert [(i.label, i.measured, i.upper_limit) for i in checklist.items] == [
            ("铺贴平整", False, None), ("高低差", True, 0.5)]
    missing = client.post("/admin/checklists/new", data=data | {
        "category": "吊顶", "items-1-upper_limit": ""})
    assert missing.status_code == 400 and "高低差" in missing.get_data(as_text=True)
