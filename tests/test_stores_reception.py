"""Reception (接待 / 征询), the appearance inspection report and the walk-in counter."""

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AuditEvent,
    Customer,
    Inspection,
    InspectionPosition,
    ProblemPoint,
    Reception,
    Ticket,
    TicketKind,
    TicketStatus,
    Warranty,
)
from portal.services import DomainError
from portal.services.core import uow
from portal.services.core.workflow import StaleRecord, TransitionRefused
from portal.services.stores import reception as service
from portal.services.stores.reception import InspectionLineInput, ReceptionInput
from tests import factories
from tests.conftest import Auth
from tests.webforms import form_fields


def _signed_in(app, employee_no: str):
    client = app.test_client()
    Auth(client).login(employee_no)
    return client


@pytest.fixture
def number(app) -> str:
    """A new ticket at branch S4001 (上海), as its number."""
    with app.app_context(), uow.transaction():
        return factories.ticket(long_text="淋浴房玻璃门关不严，合页松动").number


def _ticket(number: str) -> Ticket:
    return db.session.scalar(sa.select(Ticket).where(Ticket.number == number))


def _inspection_form(html: str) -> dict:
    """The report form as a browser sends it: no radio button is ticked yet."""
    form = form_fields(html[html.index('data-testid="inspection-form"'):])
    return {k: v for k, v in form.items() if not k.endswith("-result")}


def _receptions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Reception))


# --------------------------------------------------------------------------- reception


def test_pending_warranty_needs_a_reason(ctx):
    ticket = factories.ticket()
    rep = factories.employee("30001")
    with pytest.raises(DomainError) as refused:
        service.record_reception(ticket, ReceptionInput("门关不严", Warranty.PENDING, "  "), rep)
    assert refused.value.field == "warranty_reason"
    assert _receptions() == 0

    saved = service.record_reception(
        ticket, ReceptionInput("门关不严", Warranty.PENDING, "需厂家鉴定玻璃自爆原因"), rep)
    assert (saved.warranty, saved.warranty_reason) == (Warranty.PENDING, "需厂家鉴定玻璃自爆原因")
    assert ticket.status == TicketStatus.TZJL  # recording alone does not move the ticket


def test_reception_with_survey_done_moves_the_ticket_to_kcjs(ctx):
    ticket = factories.ticket()
    rep = factories.employee("30001")
    service.record_reception(ticket, ReceptionInput("更换地弹簧", Warranty.IN), rep,
                             survey_done=True, expected_version=ticket.version)
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == TicketStatus.KCJS
    assert ticket.events[-1].action == "survey_done" and ticket.events[-1].actor_id == rep.id
    assert service.reception_for(ticket).request == "更换地弹簧"


@pytest.mark.parametrize("setup", ["already_surveyed", "delivery_exception", "stale_form"])
def test_reception_with_survey_done_writes_both_or_nothing(ctx, setup):
    ticket = factories.ticket(kind=TicketKind.Z2 if setup == "delivery_exception"
                              else TicketKind.Z1)
    rep = factories.employee("30001")
    version = ticket.version
    if setup == "already_surveyed":
        ticket.status = TicketStatus.KCJS
        db.session.commit()
        version = ticket.version
    if setup == "stale_form":
        version -= 1
    before = ticket.status
    with pytest.raises((TransitionRefused, StaleRecord)):
        service.record_reception(ticket, ReceptionInput("新的诉求", Warranty.OUT), rep,
                                 survey_done=True, expected_version=version)
    db.session.expire_all()
    assert _receptions() == 0
    assert db.session.get(Ticket, ticket.id).status == before


def test_a_failed_survey_leaves_the_earlier_reception_as_it_was(ctx):
    ticket = factories.ticket()
    rep = factories.employee("30001")
    service.record_reception(ticket, ReceptionInput("原诉求", Warranty.IN), rep)
    with pytest.raises(StaleRecord):
        service.record_reception(ticket, ReceptionInput("改过的诉求", Warranty.OUT), rep,
                                 survey_done=True, expected_version=ticket.version + 5)
    db.session.expire_all()
    kept = service.reception_for(db.session.get(Ticket, ticket.id))
    assert (kept.request, kept.warranty) == ("原诉求", Warranty.IN)


def test_reception_can_be_corrected_until_the_ticket_is_closed(ctx):
    ticket = factories.ticket()
    rep = factories.employee("30001")
    service.record_reception(ticket, ReceptionInput("玻璃门异响", Warranty.PENDING, "待检查"), rep)
    service.record_reception(ticket, ReceptionInput("玻璃门异响", Warranty.OUT, None), rep)
    assert service.reception_for(ticket).warranty == Warranty.OUT
    changes = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.table_name == "receptions", AuditEvent.action == "update")).all()
    assert any(e.changes.get("warranty") == ["pending", "out"] for e in changes)

    ticket.status = TicketStatus.CLOSED
    db.session.commit()
    with pytest.raises(TransitionRefused):
        service.record_reception(ticket, ReceptionInput("再改", Warranty.IN), rep)


def test_the_workspace_records_the_reception_and_the_survey(app, number):
    rep = _signed_in(app, "30001")
    page = rep.get(f"/stores/tickets/{number}").get_data(as_text=True)
    assert 'data-testid="reception-section"' in page and "淋浴房玻璃门关不严" in page
    form = form_fields(page[page.index('data-testid="reception-form"') - 300:])
    form.update({"reception-warranty": "in", "reception-survey_done": "y"})
    saved = rep.post(f"/stores/tickets/{number}/reception", data=form)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(
        f"/stores/tickets/{number}#reception")
    page = rep.get(f"/stores/tickets/{number}").get_data(as_text=True)
    assert 'data-warranty="in"' in page and 'data-status="KCJS"' in page
    with app.app_context():
        assert _ticket(number).status == TicketStatus.KCJS


def test_the_reception_form_shows_why_it_was_refused(app, number):
    rep = _signed_in(app, "30001")
    page = rep.get(f"/stores/tickets/{number}/reception").get_data(as_text=True)
    form = form_fields(page)
    form.update({"reception-warranty": "pending", "reception-warranty_reason": "",
                 "reception-survey_done": "y"})
    refused = rep.post(f"/stores/tickets/{number}/reception", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="reception-warranty_reason-err"' in html
    with app.app_context():
        assert _receptions() == 0 and _ticket(number).status == TicketStatus.TZJL


def test_another_branch_cannot_open_or_write_the_reception(app, number):
    other = _signed_in(app, "31001")  # store rep of S4002
    assert other.get(f"/stores/tickets/{number}/reception").status_code == 404
    token = Auth(other).csrf_token("/stores/")
    answer = other.post(f"/stores/tickets/{number}/reception",
                        data={"csrf_token": token, "reception-request": "x",
                              "reception-warranty": "in"})
    assert answer.status_code == 404
    with app.app_context():
        assert _receptions() == 0


# --------------------------------------------------------------------------- inspection


def _lines(**overrides) -> list[InspectionLineInput]:
    lines = [InspectionLineInput(position=p, ok=True) for p in service.FIXED_POSITIONS]
    for index, line in overrides.items():
        lines[int(index[1:])] = line
    return lines


def test_ng_needs_problem_points_and_a_description(ctx):
    ticket = factories.ticket()
    rep = factories.employee("30001")
    front = InspectionPosition.GLASS_FRONT
    cases = [
        (InspectionLineInput(front, ok=False, description="左下角"), "lines-0-problems"),
        (InspectionLineInput(front, ok=False, problems=(ProblemPoint.SCRATCHED,)),
         "lines-0-description"),
        (InspectionLineInput(front, ok=True, problems=(ProblemPoint.DIRTY,)),
         "lines-0-problems"),
        (InspectionLineInput(front, ok=None), "lines-0-result"),
    ]
    for line, field in cases:
        with pytest.raises(DomainError) as refused:
            service.save_inspection(ticket, _lines(l0=line), rep)
        assert refused.value.field == field
    added = InspectionLineInput(InspectionPosition.ADDED, ok=True, label="")
    with pytest.raises(DomainError) as refused:
        service.save_inspection(ticket, _lines() + [added], rep)
    assert refused.value.field == "lines-6-label"
    with pytest.raises(DomainError):  # a corner left out
        service.save_inspection(ticket, _lines()[:5], rep)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 0


def test_confirmed_report_is_read_only(ctx):
    ticket = factories.ticket()
    rep = factories.employee("30001")
    scratched = InspectionLineInput(InspectionPosition.CORNER_2, ok=False,
                                    problems=(ProblemPoint.SCRATCHED, ProblemPoint.WORN),
                                    description="右上角划痕约2cm")
    handle = InspectionLineInput(InspectionPosition.ADDED, ok=True, label="拉手")
    report = service.save_inspection(ticket, _lines(l3=scratched) + [handle], rep)
    assert not report.ok and report.lines[3].problem_points == [ProblemPoint.SCRATCHED,
                                                               ProblemPoint.WORN]
    with pytest.raises(TransitionRefused):  # one unconfirmed report at a time
        service.save_inspection(ticket, _lines(), rep)

    service.confirm_inspection(report, "周先生", by=rep)
    assert report.customer_name == "周先生" and report.confirmed_at is not None
    with pytest.raises(TransitionRefused):
        service.save_inspection(ticket, _lines(), rep, report)
    with pytest.raises(TransitionRefused):
        service.confirm_inspection(report, "别人", by=rep)
    db.session.expire_all()
    assert db.session.get(Inspection, report.id).customer_name == "周先生"
    # After confirmation a new report may be started (e.g. when the goods come back).
    assert service.save_inspection(ticket, _lines(), rep).id != report.id


def test_inspection_report_through_the_screens(app, number):
    rep = _signed_in(app, "30001")
    form = _inspection_form(rep.get(f"/stores/tickets/{number}/inspections/new")
                            .get_data(as_text=True))
    for i in range(6):
        form[f"lines-{i}-result"] = "ok"
    form.update({"lines-1-result": "ng", "lines-1-problems": ["dirty", "scratched"],
                 "lines-1-description": "背面中部污渍",
                 "lines-6-label": "门把手", "lines-6-result": "ok"})
    saved = rep.post(f"/stores/tickets/{number}/inspections/new", data=form)
    assert saved.status_code == 302
    report_url = saved.headers["Location"]
    page = rep.get(report_url).get_data(as_text=True)
    assert "背面中部污渍" in page and 'data-testid="confirm-form"' in page

    workspace = rep.get(f"/stores/tickets/{number}").get_data(as_text=True)
    assert 'data-confirmed="no"' in workspace and "门把手" in workspace
    confirm = form_fields(workspace[workspace.index('data-testid="confirm-form"') - 400:])
    confirm["confirm-customer_name"] = ""
    refused = rep.post(f"{report_url}/confirm", data=confirm)
    assert refused.status_code == 400 and 'id="confirm-customer_name-err"' in refused.get_data(
        as_text=True)
    confirm["confirm-customer_name"] = "王女士"
    done = rep.post(f"{report_url}/confirm", data=confirm)
    assert done.status_code == 302 and "#inspection" in done.headers["Location"]
    workspace = rep.get(f"/stores/tickets/{number}").get_data(as_text=True)
    assert 'data-confirmed="yes"' in workspace and "王女士" in workspace

    form["lines-1-description"] = "改写"
    locked = rep.post(report_url, data=form)
    assert locked.status_code == 409 and "王女士" in locked.get_data(as_text=True)
    with app.app_context():
        line = db.session.scalars(sa.select(Inspection)).one().lines[1]
        assert line.description == "背面中部污渍" and line.problems == "dirty,scratched"


def test_ng_without_description_is_shown_on_its_row(app, number):
    rep = _signed_in(app, "30001")
    form = _inspection_form(rep.get(f"/stores/tickets/{number}/inspections/new")
                            .get_data(as_text=True))
    for i in range(6):
        form[f"lines-{i}-result"] = "ok"
    form.update({"lines-4-result": "ng", "lines-4-problems": ["broken"]})
    refused = rep.post(f"/stores/tickets/{number}/inspections/new", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="lines-4-description-err"' in html
    # What was ticked stays ticked.
    assert re.search(r'<input checked[^>]*name="lines-4-problems"[^>]*value="broken"', html)


# --------------------------------------------------------------------------- walk-in


def test_walk_in_customer_gets_a_ticket_at_the_users_own_branch(app):
    rep = _signed_in(app, "31001")  # 杭州西湖 S4002
    page = rep.get("/stores/reception/new?q=13700001111").get_data(as_text=True)
    assert "13700001111" in page
    form = form_fields(page[page.index('data-testid="walk-in-customer-form"'):])
    # An address in 上海 would route a hotline ticket to S4001; at the counter it stays here.
    form.update(name="林先生", phone_mobile="13700001111", province="上海市", city="上海市")
    created = rep.post("/stores/reception/new/customer", data=form)
    assert created.status_code == 302
    page = rep.get(created.headers["Location"]).get_data(as_text=True)
    ticket_form = form_fields(page[page.index('data-testid="walk-in-ticket-form"'):])
    ticket_form.update(short_text="办公桌抽屉锁坏")
    opened = rep.post("/stores/reception/new/ticket", data=ticket_form)
    again = rep.post("/stores/reception/new/ticket", data=ticket_form)  # double click
    assert opened.status_code == again.status_code == 302
    assert opened.headers["Location"] == again.headers["Location"]
    with app.app_context():
        ticket = db.session.scalars(sa.select(Ticket)).one()
        assert ticket.branch.code == "S4002" and ticket.reporter.employee_no == "31001"
        assert ticket.customer.name == "林先生" and ticket.status == TicketStatus.TZJL
        assert opened.headers["Location"].endswith(f"/stores/tickets/{ticket.number}#reception")
    assert rep.get(opened.headers["Location"]).status_code == 200


def test_walk_in_finds_the_customer_and_shows_their_open_tickets(app, number):
    with app.app_context():
        ticket = _ticket(number)
        customer_id, phone = ticket.customer_id, ticket.customer.phone_mobile
    rep = _signed_in(app, "30001")
    found = rep.get(f"/stores/reception/new?q={phone}", headers={"HX-Request": "true"})
    html = found.get_data(as_text=True)
    assert 'data-testid="walk-in-results"' in html and "<html" not in html
    assert f"/stores/reception/new?customer={customer_id}" in html
    chosen = rep.get(f"/stores/reception/new?customer={customer_id}").get_data(as_text=True)
    assert 'data-testid="open-tickets"' in chosen and number in chosen
    # A customer of branch S4001 has no open ticket that S4002 may see.
    other = _signed_in(app, "31001").get(f"/stores/reception/new?customer={customer_id}")
    assert number not in other.get_data(as_text=True)


def test_walk_in_ticket_needs_a_short_description(app):
    with app.app_context(), uow.transaction():
        customer_id = factories.customer(name="孙女士").id
    rep = _signed_in(app, "30001")
    page = rep.get(f"/stores/reception/new?customer={customer_id}").get_data(as_text=True)
    form = form_fields(page[page.index('data-testid="walk-in-ticket-form"'):])
    refused = rep.post("/stores/reception/new/ticket", data=form)
    assert refused.status_code == 400 and 'id="short_text-err"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0
        assert db.session.get(Customer, customer_id) is not None


# --------------------------------------------------------------------------- duties


@pytest.mark.parametrize("employee_no", ["30003", "60001"])  # technician, service manager
def test_reception_and_inspection_need_the_reception_duty(ctx, employee_no):
    outsider = factories.employee(employee_no)
    ticket = factories.ticket()
    with pytest.raises(TransitionRefused):
        service.record_reception(ticket, ReceptionInput("门关不严", Warranty.IN), outsider,
                                 survey_done=True)
    with pytest.raises(TransitionRefused):
        service.save_inspection(ticket, _lines(), outsider)
    report = service.save_inspection(ticket, _lines(), factories.employee("30001"))
    with pytest.raises(TransitionRefused):
        service.confirm_inspection(report, "周先生", by=outsider)
    assert ticket.status == TicketStatus.TZJL and _receptions() == 0
    assert report.confirmed_at is None


@pytest.mark.parametrize("employee_no", ["30003", "60001"])
def test_the_workspace_offers_no_reception_forms_without_the_duty(app, number, employee_no):
    client = _signed_in(app, employee_no)
    page = client.get(f"/stores/tickets/{number}").get_data(as_text=True)
    assert 'data-testid="reception-section"' in page  # the facts are there to read
    assert 'data-testid="reception-form"' not in page
    assert 'data-testid="new-inspection"' not in page
    assert 'href="/stores/reception/new"' not in page  # the walk-in counter's menu link
    assert client.get(f"/stores/tickets/{number}/reception").status_code == 403
    assert client.get("/stores/reception/new").status_code == 403
    token = Auth(client).csrf_token("/stores/")
    answer = client.post(f"/stores/tickets/{number}/reception", data={
        "csrf_token": token, "reception-request": "x", "reception-warranty": "in",
        "reception-survey_done": "y"})
    assert answer.status_code == 403
    with app.app_context():
        assert _receptions() == 0 and _ticket(number).status == TicketStatus.TZJL
