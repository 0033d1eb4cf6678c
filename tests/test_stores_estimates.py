"""Estimates (委托安装估价单): totals, prices kept, approval → service order, revisions, invoice."""

import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AuditEvent,
    Estimate,
    EstimateStatus,
    LineKind,
    PaymentMethod,
    PriceItem,
    ServiceOrder,
    Ticket,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core import uow
from portal.services.core.workflow import StaleRecord, TransitionRefused
from portal.services.stores import estimates as service
from portal.timeutil import to_local
from tests import factories
from tests.conftest import Auth
from tests.webforms import form_fields

D = Decimal


def _item(code: str) -> PriceItem:
    return db.session.scalar(sa.select(PriceItem).where(PriceItem.code == code))


def _rep():
    return factories.employee("30001")


def _draft(ticket: Ticket | None = None) -> Estimate:
    return service.start(ticket or factories.ticket(), _rep())


def _line(estimate: Estimate, code: str, quantity: str) -> None:
    service.add_price_line(estimate, _item(code), D(quantity), by=_rep())


def _ready(estimate: Estimate, days: int = 3) -> Estimate:
    """Promised time and payment method set: what the customer approves besides the lines."""
    return service.update_header(estimate, service.EstimateHeader(
        promised_at=utcnow() + timedelta(days=days), payment_method=PaymentMethod.CASH,
        without_asking="更换密封胶条"), by=_rep())


def _orders() -> list[ServiceOrder]:
    return list(db.session.scalars(sa.select(ServiceOrder).order_by(ServiceOrder.id)))


def _signed_in(app, employee_no: str):
    client = app.test_client()
    Auth(client).login(employee_no)
    return client


def _flash_error(html: str) -> str:
    """The error message shown at the top of the page (in whatever language)."""
    return " ".join(re.findall(r'<p class="flash flash-error">([^<]*)</p>', html))


def _field_error(html: str, field_id: str) -> str:
    return " ".join(re.findall(rf'id="{field_id}-err">([^<]*)<', html))


def _local_input(when) -> str:
    return to_local(when).strftime("%Y-%m-%dT%H:%M")


# --------------------------------------------------------------------------- totals


def test_price_list_lines_are_priced_from_the_list(ctx):
    estimate = _draft()
    # 1.5 h × ¥80 × 2 m²
    labour = service.add_price_line(estimate, _item("AZ-001"), D("2"), by=_rep())
    part = service.add_price_line(estimate, _item("PJ-001"), D("1"), by=_rep())
    service.add_price_line(estimate, _item("YS-001"), D("1"), by=_rep())
    assert (labour.kind, labour.hours, labour.unit_price, labour.amount) == (
        LineKind.LABOUR, D("1.50"), D("120.00"), D("240.00"))
    assert (part.kind, part.amount) == (LineKind.PART, D("420.00"))
    assert (estimate.labour_total, estimate.parts_total, estimate.other_total,
            estimate.total) == (D("240.00"), D("420.00"), D("80.00"), D("740.00"))


def test_free_lines_round_half_up_to_the_cent(ctx):
    estimate = _draft()
    service.add_free_line(estimate, LineKind.OTHER, "高空作业费", D("1.5"), D("33.33"), by=_rep())
    service.add_free_line(estimate, LineKind.LABOUR, "拆除旧隔断", D("2.25"), D("120"),
                          hours=D("1.5"), by=_rep())
    service.add_free_line(estimate, LineKind.PART, "定制玻璃夹", D("3"), D("15"), by=_rep())
    assert [line.amount for line in estimate.lines] == [D("50.00"), D("270.00"), D("45.00")]
    assert estimate.lines[1].hours == D("1.5")
    assert (estimate.labour_total, estimate.parts_total, estimate.other_total,
            estimate.total) == (D("270.00"), D("45.00"), D("50.00"), D("365.00"))


@pytest.mark.parametrize("quantity", [D("0"), D("-1"), D("10000"), D("1.234"), None])
def test_absurd_quantities_are_refused(ctx, quantity):
    estimate = _draft()
    with pytest.raises(DomainError) as refused:
        service.add_price_line(estimate, _item("AZ-001"), quantity, by=_rep())
    assert refused.value.field == "quantity"
    assert estimate.lines == [] and estimate.total == 0


def test_decimal_quantities_are_allowed(ctx):
    estimate = _draft()
    line = service.add_price_line(estimate, _item("AZ-001"), D("2.25"), by=_rep())
    assert line.amount == D("270.00") and estimate.total == D("270.00")


def test_negative_or_absurd_prices_are_refused(ctx):
    estimate = _draft()
    for price in (D("-0.01"), D("1000000"), D("1.001")):
        with pytest.raises(DomainError) as refused:
            service.add_free_line(estimate, LineKind.PART, "配件", D("1"), price, by=_rep())
        assert refused.value.field == "unit_price"
    db.session.expire_all()
    assert db.session.get(Estimate, estimate.id).lines == []


def test_a_price_change_after_drafting_leaves_the_line_alone(ctx):
    estimate = _draft()
    service.add_price_line(estimate, _item("AZ-001"), D("2"), by=_rep())
    _item("AZ-001").hourly_rate = D("100")  # the price list goes up
    _item("PJ-001").price = D("500")
    db.session.commit()
    service.add_price_line(estimate, _item("PJ-001"), D("1"), by=_rep())  # recomputes the totals
    first, second = estimate.lines
    assert (first.unit_price, first.amount) == (D("120.00"), D("240.00"))
    assert second.amount == D("500.00")  # a new line takes today's price
    assert estimate.total == D("740.00")
    # An approved estimate keeps its prices, and so does the revision copied from it.
    _ready(estimate)
    service.approve(estimate, "周先生", None, factories.employee("30001"))
    _item("AZ-001").hourly_rate = D("150")
    db.session.commit()
    revision = service.add_work(estimate, factories.employee("30001"))
    assert [line.amount for line in revision.lines] == [D("240.00"), D("500.00")]


def test_the_form_cannot_post_its_own_totals(app):
    with app.app_context(), uow.transaction():
        number = factories.ticket().number
        estimate = _draft(db.session.scalar(sa.select(Ticket)))
        revision = estimate.revision
    rep = _signed_in(app, "30001")
    page = rep.get(f"/stores/tickets/{number}/estimates/{revision}").get_data(as_text=True)
    form = form_fields(page[page.index('data-testid="price-line-form"'):])
    with app.app_context(), uow.transaction():
        item_id = _item("AZ-001").id
    form.update({"price-price_item_id": str(item_id), "price-quantity": "2",
                 "price-unit_price": "1", "price-amount": "1", "total": "1",
                 "labour_total": "1", "amount": "1"})
    added = rep.post(f"/stores/tickets/{number}/estimates/{revision}/price-lines", data=form)
    assert added.status_code == 302
    page = rep.get(added.headers["Location"]).get_data(as_text=True)
    assert re.search(r'data-total="total"><strong>¥240.00', page)
    with app.app_context(), uow.transaction():
        assert db.session.scalars(sa.select(Estimate)).one().total == D("240.00")


def test_bad_numbers_on_the_screen_get_a_clear_message(app):
    with app.app_context(), uow.transaction():
        number = factories.ticket().number
        _draft(db.session.scalar(sa.select(Ticket)))
    rep = _signed_in(app, "30001")
    page = rep.get(f"/stores/tickets/{number}/estimates/1").get_data(as_text=True)
    form = form_fields(page[page.index('data-testid="free-line-form"'):])
    messages = set()
    for quantity in ("abc", "-2", "99999"):
        form.update({"free-kind": "part", "free-description": "玻璃夹",
                     "free-quantity": quantity, "free-unit_price": "15"})
        refused = rep.post(f"/stores/tickets/{number}/estimates/1/free-lines", data=form)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 400 and 'id="free-quantity-err"' in html
        messages.add(_field_error(html, "free-quantity"))
        assert f'value="{quantity}"' in html  # what was typed stays for correction
    assert len(messages) == 3  # each says what is wrong with this number
    form.update({"free-quantity": "2", "free-unit_price": "-5"})
    refused = rep.post(f"/stores/tickets/{number}/estimates/1/free-lines", data=form)
    assert refused.status_code == 400 and 'id="free-unit_price-err"' in refused.get_data(
        as_text=True)
    with app.app_context(), uow.transaction():
        assert db.session.scalars(sa.select(Estimate)).one().lines == []


# --------------------------------------------------------------------------- approval


def test_approval_locks_the_estimate_and_creates_one_service_order(ctx):
    rep = factories.employee("30001")
    estimate = _draft()
    service.add_price_line(estimate, _item("AZ-001"), D("2"), by=_rep())
    service.add_price_line(estimate, _item("PJ-001"), D("1"), by=_rep())
    _ready(estimate)
    order = service.approve(estimate, "周先生", None, rep)
    assert estimate.status == EstimateStatus.APPROVED and estimate.locked
    assert estimate.approved_by_customer == "周先生" and estimate.approved_at is not None
    assert re.fullmatch(r"DD\d{4}-000001", order.number) and order.amount == D("660.00")
    ticket = db.session.get(Ticket, estimate.ticket_id)
    assert ticket.expected_end == estimate.promised_at  # the promise the queue shows

    with pytest.raises(TransitionRefused) as twice:
        service.approve(estimate, "周先生", None, rep, expected_version=estimate.version)
    assert order.number in twice.value.message and twice.value.status == 409
    for change in (lambda: service.add_price_line(estimate, _item("YS-001"), D("1"), by=_rep()),
                   lambda: service.remove_line(estimate, estimate.lines[0].id, by=_rep()),
                   lambda: _ready(estimate, days=9)):
        with pytest.raises(TransitionRefused):
            change()
    db.session.expire_all()
    assert len(_orders()) == 1 and db.session.get(Estimate, estimate.id).total == D("660.00")
    audited = {e.table_name for e in db.session.scalars(sa.select(AuditEvent))}
    assert {"estimates", "estimate_lines", "service_orders"} <= audited


@pytest.mark.parametrize("missing", ["lines", "promised_at", "payment_method", "name", "past"])
def test_approval_needs_lines_a_future_promise_a_payment_method_and_a_name(ctx, missing):
    estimate = _draft()
    if missing != "lines":
        service.add_price_line(estimate, _item("AZ-002"), D("1"), by=_rep())
    service.update_header(estimate, service.EstimateHeader(
        promised_at=None if missing == "promised_at" else utcnow() + timedelta(hours=2),
        payment_method=None if missing == "payment_method" else PaymentMethod.MOBILE),
        by=_rep())
    with pytest.raises(DomainError):
        service.approve(estimate, "" if missing == "name" else "周先生", None,
                        factories.employee("30001"),
                        now=utcnow() + timedelta(hours=3) if missing == "past" else None)
    db.session.expire_all()
    assert db.session.get(Estimate, estimate.id).status == EstimateStatus.DRAFT
    assert _orders() == []


def test_the_promised_time_must_be_in_the_future(ctx):
    estimate = _draft()
    with pytest.raises(DomainError) as refused:
        service.update_header(estimate, service.EstimateHeader(
            promised_at=utcnow() - timedelta(minutes=1)), by=_rep())
    assert refused.value.field == "promised_at"


def test_a_stale_form_is_refused_with_a_clear_message(app):
    with app.app_context(), uow.transaction():
        number = factories.ticket().number
        _draft(db.session.scalar(sa.select(Ticket)))
    rep, colleague = _signed_in(app, "30001"), _signed_in(app, "30002")
    page = rep.get(f"/stores/tickets/{number}/estimates/1").get_data(as_text=True)
    header = form_fields(page[page.index('data-testid="estimate-header-form"'):])
    theirs = colleague.get(f"/stores/tickets/{number}/estimates/1").get_data(as_text=True)
    other = form_fields(theirs[theirs.index('data-testid="price-line-form"'):])
    with app.app_context(), uow.transaction():
        other.update({"price-price_item_id": str(_item("PJ-002").id), "price-quantity": "4"})
    assert colleague.post(f"/stores/tickets/{number}/estimates/1/price-lines",
                          data=other).status_code == 302
    header.update({"header-promised_at": _local_input(utcnow() + timedelta(days=2)),
                   "header-payment_method": "cash"})
    stale = rep.post(f"/stores/tickets/{number}/estimates/1/header", data=header)
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409 and _flash_error(html)
    assert "不锈钢合页" in html  # the page shows the estimate as it is now
    with app.app_context(), uow.transaction():
        assert db.session.scalars(sa.select(Estimate)).one().promised_at is None


def test_approving_twice_on_the_screen_makes_one_order(app):
    with app.app_context(), uow.transaction():
        number = factories.ticket().number
        estimate = _draft(db.session.scalar(sa.select(Ticket)))
        service.add_price_line(estimate, _item("AZ-003"), D("1"), by=_rep())
        _ready(estimate)
    rep = _signed_in(app, "30001")
    page = rep.get(f"/stores/tickets/{number}/estimates/1").get_data(as_text=True)
    form = form_fields(page[page.index('data-testid="approve-form"'):])
    form["approve-customer_name"] = "李女士"
    first = rep.post(f"/stores/tickets/{number}/estimates/1/approve", data=form)
    second = rep.post(f"/stores/tickets/{number}/estimates/1/approve", data=form)
    assert first.status_code == 302
    html = second.get_data(as_text=True)
    assert second.status_code == 409 and "李女士" in _flash_error(html)
    with app.app_context(), uow.transaction():
        (order,) = _orders()
        assert order.amount == D("240.00") and order.number in _flash_error(html)
    page = rep.get(f"/stores/tickets/{number}").get_data(as_text=True)
    assert 'data-testid="estimate-status" data-status="approved"' in page
    assert 'data-testid="add-work"' in page and 'data-testid="approve-form"' not in page


# --------------------------------------------------------------------------- revisions


def test_additional_work_is_a_revision_the_customer_approves_again(ctx):
    rep = factories.employee("30001")
    first = _draft()
    service.add_price_line(first, _item("AZ-001"), D("2"), by=_rep())
    first_promise = _ready(first).promised_at
    service.approve(first, "周先生", None, rep)

    second = service.add_work(first, rep, expected_version=first.version)
    assert service.add_work(first, rep, expected_version=first.version) is second  # 2nd click
    assert (second.revision, second.status, second.promised_at) == (2, EstimateStatus.DRAFT,
                                                                     None)
    assert second.payment_method == PaymentMethod.CASH and second.total == D("240.00")
    assert first.status == EstimateStatus.APPROVED  # still the one the work goes by
    ticket = db.session.get(Ticket, first.ticket_id)
    assert service.awaiting_customer(ticket) is second
    with pytest.raises(TransitionRefused):
        service.add_work(second, rep)  # only from an approved revision

    service.add_price_line(second, _item("PJ-001"), D("1"), by=_rep())
    with pytest.raises(DomainError):  # additional work revises the promised time
        service.approve(second, "周先生", None, rep)
    _ready(second, days=5)
    order = service.approve(second, "周先生", None, rep)
    assert (first.status, second.status) == (EstimateStatus.SUPERSEDED, EstimateStatus.APPROVED)
    assert order.amount == D("420.00")  # what the additional work adds
    assert sum(o.amount for o in _orders()) == second.total == D("660.00")
    assert ticket.expected_end == second.promised_at != first_promise
    assert service.awaiting_customer(ticket) is None
    assert [e.revision for e in service.revisions(ticket)] == [2, 1]


def test_the_history_of_revisions_stays_visible(app):
    with app.app_context(), uow.transaction():
        rep = factories.employee("30001")
        number = factories.ticket().number
        first = _draft(db.session.scalar(sa.select(Ticket)))
        service.add_price_line(first, _item("AZ-002"), D("1"), by=_rep())
        service.approve(_ready(first), "周先生", None, rep)
        second = service.add_work(first, rep)
        service.add_free_line(second, LineKind.OTHER, "夜间施工费", D("1"), D("100"), by=_rep())
    client = _signed_in(app, "30001")
    page = client.get(f"/stores/tickets/{number}").get_data(as_text=True)
    assert 'data-testid="work-waits"' in page
    assert re.search(r'data-revision="2" data-status="draft"', page)
    assert re.search(r'data-revision="1" data-status="approved"', page)
    with app.app_context(), uow.transaction():
        second = db.session.scalar(sa.select(Estimate).where(Estimate.revision == 2))
        service.approve(_ready(second), "周先生", None, _rep())
    history = client.get(f"/stores/tickets/{number}/estimates/1").get_data(as_text=True)
    assert 'data-testid="estimate" data-revision="1" data-status="superseded"' in history
    assert re.search(r'data-revision="2" data-status="approved"', history)
    assert "¥260.00" in history and "¥160.00" in history and history.count("周先生") >= 2
    assert 'data-testid="price-line-form"' not in history


def test_add_work_from_the_workspace_opens_the_draft_revision(app):
    with app.app_context(), uow.transaction():
        number = factories.ticket().number
        first = _draft(db.session.scalar(sa.select(Ticket)))
        service.add_price_line(first, _item("AZ-002"), D("1"), by=_rep())
        service.approve(_ready(first), "周先生", None, factories.employee("30001"))
    rep = _signed_in(app, "30001")
    page = rep.get(f"/stores/tickets/{number}").get_data(as_text=True)
    form = form_fields(page[page.index('data-testid="estimate-section"'):])
    opened = rep.post(f"/stores/tickets/{number}/estimates/1/add-work", data=form)
    again = rep.post(f"/stores/tickets/{number}/estimates/1/add-work", data=form)
    assert opened.status_code == again.status_code == 302
    assert opened.headers["Location"].endswith(f"/stores/tickets/{number}/estimates/2#estimate")
    with app.app_context(), uow.transaction():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Estimate)) == 2


# --------------------------------------------------------------------------- invoice


def test_invoice_number_is_recorded_once(ctx):
    rep = factories.employee("30001")
    orders = []
    for _ in range(2):
        estimate = _draft()
        service.add_price_line(estimate, _item("PJ-002"), D("2"), by=_rep())
        orders.append(service.approve(_ready(estimate), "客户", None, rep))
    first, second = orders
    service.record_invoice(first, "FP-2026-0001", D("73.00"), None, by=_rep())
    assert (first.invoice_number, first.invoiced_amount) == ("FP-2026-0001", D("73.00"))
    with pytest.raises(DomainError) as taken:
        service.record_invoice(second, "FP-2026-0001", D("73.00"), None, by=_rep())
    assert taken.value.field == "invoice_number" and first.number in taken.value.message
    with pytest.raises(TransitionRefused):
        service.record_invoice(first, "FP-2026-0002", D("73.00"), None, by=_rep())
    with pytest.raises(DomainError) as too_much:
        service.record_invoice(second, "FP-2026-0003", D("73.01"), None, by=_rep())
    assert too_much.value.field == "invoiced_amount"
    db.session.expire_all()
    assert db.session.get(ServiceOrder, second.id).invoice_number is None


def test_invoice_through_the_screen(app):
    with app.app_context(), uow.transaction():
        number = factories.ticket().number
        estimate = _draft(db.session.scalar(sa.select(Ticket)))
        service.add_price_line(estimate, _item("PJ-003"), D("3"), by=_rep())
        service.approve(_ready(estimate), "客户", None, factories.employee("30001"))
    rep = _signed_in(app, "30001")
    page = rep.get(f"/stores/tickets/{number}/estimates/1").get_data(as_text=True)
    form = form_fields(page[page.index('data-testid="invoice-form"'):])
    assert form["invoice-invoiced_amount"] == "84.00"
    form["invoice-invoice_number"] = "No.00012345"
    with app.app_context(), uow.transaction():
        order_id = _orders()[0].id
    done = rep.post(f"/stores/tickets/{number}/orders/{order_id}/invoice", data=form)
    assert done.status_code == 302 and done.headers["Location"].endswith("#order")
    page = rep.get(done.headers["Location"]).get_data(as_text=True)
    assert "No.00012345" in page and 'data-testid="invoice-form"' not in page


# --------------------------------------------------------------------------- scope


def test_another_branch_cannot_see_or_change_the_estimate(app):
    with app.app_context(), uow.transaction():
        number = factories.ticket().number
        _draft(db.session.scalar(sa.select(Ticket)))
    other = _signed_in(app, "31001")
    assert other.get(f"/stores/tickets/{number}/estimates/1").status_code == 404
    token = Auth(other).csrf_token("/stores/")
    for path in ("estimates", "estimates/1/approve", "estimates/1/add-work"):
        answer = other.post(f"/stores/tickets/{number}/{path}",
                            data={"csrf_token": token, "approve-customer_name": "x"})
        assert answer.status_code == 404
    hotline_agent = _signed_in(app, "20001")  # no stores.view
    assert hotline_agent.get(f"/stores/tickets/{number}/estimates/1").status_code == 403


def test_two_screens_approving_at_once_make_one_order(app):
    """Optimistic locking on PostgreSQL: the second concurrent approval is refused with 409."""
    with app.app_context(), uow.transaction():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("true concurrency needs PostgreSQL")
        number = factories.ticket().number
        estimate = _draft(db.session.scalar(sa.select(Ticket)))
        service.add_price_line(estimate, _item("AZ-004"), D("2"), by=_rep())
        version = _ready(estimate).version
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        clients = [_signed_in(app, no) for no in ("30001", "30002")]
        barrier = threading.Barrier(2)
        statuses = []

        def post(client):
            barrier.wait()
            statuses.append(client.post(
                f"/stores/tickets/{number}/estimates/1/approve",
                data={"approve-version": str(version), "approve-customer_name": "周先生"},
            ).status_code)

        threads = [threading.Thread(target=post, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert sorted(statuses) == [302, 409]
    with app.app_context(), uow.transaction():
        (order,) = _orders()
        assert order.amount == D("120.00") and order.number.endswith("-000001")


# --------------------------------------------------------------------------- duties


@pytest.mark.parametrize("employee_no", ["30003", "60001"])  # technician, service manager
def test_only_the_store_desk_opens_and_approves_estimates(ctx, employee_no):
    outsider = factories.employee(employee_no)
    ticket = factories.ticket()
    with pytest.raises(TransitionRefused):
        service.start(ticket, outsider)
    estimate = _draft(ticket)
    for change in (lambda: service.add_price_line(estimate, _item("AZ-001"), D("1"),
                                                  by=outsider),
                   lambda: service.update_header(estimate, service.EstimateHeader(
                       promised_at=utcnow() + timedelta(days=2)), by=outsider)):
        with pytest.raises(TransitionRefused):
            change()
    _line(estimate, "AZ-001", "1")
    _ready(estimate)
    with pytest.raises(TransitionRefused):
        service.approve(estimate, "周先生", None, outsider)
    assert estimate.status == EstimateStatus.DRAFT and _orders() == []
    order = service.approve(estimate, "周先生", None, _rep())
    with pytest.raises(TransitionRefused):
        service.add_work(estimate, outsider)
    with pytest.raises(TransitionRefused):
        service.record_invoice(order, "FP-1", D("1"), None, by=outsider)
    assert order.invoice_number is None


def test_a_stale_version_is_refused_by_the_engine(ctx):
    estimate = _draft()
    seen = estimate.version
    _line(estimate, "AZ-001", "1")
    with pytest.raises(StaleRecord):
        service.add_price_line(estimate, _item("PJ-001"), D("1"), by=_rep(),
                               expected_version=seen)
    assert len(estimate.lines) == 1


@pytest.mark.parametrize("employee_no", ["30003", "60001"])
def test_the_screen_shows_no_estimate_buttons_without_the_duty(app, employee_no):
    with app.app_context(), uow.transaction():
        ticket = factories.ticket()
        number = ticket.number
        bare = factories.ticket(owner=ticket.customer).number
        estimate = _draft(ticket)
        _line(estimate, "AZ-001", "1")
        _ready(estimate)
    client = _signed_in(app, employee_no)
    workspace = client.get(f"/stores/tickets/{bare}").get_data(as_text=True)
    assert 'data-testid="start-estimate"' not in workspace
    page = client.get(f"/stores/tickets/{number}/estimates/1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="estimate-line"' in html  # reads it
    for form in ("price-line-form", "free-line-form", "estimate-header-form", "approve-form"):
        assert f'data-testid="{form}"' not in html
    token = Auth(client).csrf_token("/stores/")
    for path in (f"{bare}/estimates", f"{number}/estimates/1/approve",
                 f"{number}/estimates/1/header", f"{number}/estimates/1/price-lines"):
        answer = client.post(f"/stores/tickets/{path}", data={
            "csrf_token": token, "approve-customer_name": "周先生"})
        assert answer.status_code == 403, path
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Estimate)) == 1
        assert db.session.scalars(sa.select(Estimate)).one().status == EstimateStatus.DRAFT
