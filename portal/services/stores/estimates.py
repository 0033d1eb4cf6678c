"""Estimates (委托安装估价单), additional work (追加), service orders and their invoices.

Seed 004, 估算安装费用 … 客户确认《委托安装估价单》: the estimate lists labour (standard hours
× hourly rate from the price list), parts at list price and transport, or free lines; it
promises a completion time, says what may be done without asking the customer again and how
the customer pays. The customer's approval (name + time) locks it and turns it into a service
sales order (服务销售订单), later invoiced (服务销售发票).

Additional work found on the job is a new revision: a draft copy of the approved one that
the customer must approve again, with a new promised time. Until then the earlier revision
stays the approved one; afterwards it is marked superseded. Every revision stays on record.

Money is computed here and only here, in Decimal, rounded half-up to the cent: a form may
post any total it likes, it is never read. A line keeps its own copy of the price, so a later
price list change leaves drafted and approved estimates alone.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from portal.display import format_dt
from portal.extensions import db
from portal.models import (
    Employee,
    Estimate,
    EstimateLine,
    EstimateStatus,
    LineKind,
    PaymentMethod,
    PriceItem,
    PriceKind,
    ServiceOrder,
    Ticket,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.workflow import TransitionRefused, flush
from portal.services.stores.workflow import ESTIMATE, approved_revision, require

CENT = Decimal("0.01")
MAX_QUANTITY = Decimal("9999")
MAX_UNIT_PRICE = Decimal("999999.99")
MAX_HOURS = Decimal("999.99")
MAX_TOTAL = Decimal("99999999.99")
MAX_LINES = 100
CLOCK_SKEW = timedelta(minutes=5)

LINE_KIND_OF = {
    PriceKind.INSTALLATION: LineKind.LABOUR,
    PriceKind.MAINTENANCE: LineKind.LABOUR,
    PriceKind.PART: LineKind.PART,
    PriceKind.TRANSPORT: LineKind.TRANSPORT,
}


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- reading


def revisions(ticket: Ticket) -> list[Estimate]:
    """Every revision of the ticket's estimate, newest first (the history stays visible)."""
    return list(db.session.scalars(
        sa.select(Estimate).where(Estimate.ticket_id == ticket.id)
        .order_by(Estimate.revision.desc())))


def latest(ticket_id: int) -> Estimate | None:
    return db.session.scalar(sa.select(Estimate).where(Estimate.ticket_id == ticket_id)
                             .order_by(Estimate.revision.desc()).limit(1))


def approved(ticket: Ticket) -> Estimate | None:
    """The revision the customer approved last: the one the work goes by."""
    return approved_revision(ticket.id)


def awaiting_customer(ticket: Ticket) -> Estimate | None:
    """Additional work drafted but not yet approved: the work waits for the customer."""
    current = latest(ticket.id)
    if current is not None and current.revision > 1 and current.status == EstimateStatus.DRAFT:
        return current
    return None


def orders(ticket: Ticket) -> list[ServiceOrder]:
    return list(db.session.scalars(sa.select(ServiceOrder).where(
        ServiceOrder.ticket_id == ticket.id).order_by(ServiceOrder.id)))


def order_for(estimate: Estimate) -> ServiceOrder | None:
    return db.session.scalar(sa.select(ServiceOrder).where(
        ServiceOrder.estimate_id == estimate.id))


def price_items(today: date) -> list[PriceItem]:
    """The price list in force today (价格公告板), by code."""
    return list(db.session.scalars(
        sa.select(PriceItem).where(
            PriceItem.active, PriceItem.valid_from <= today,
            sa.or_(PriceItem.valid_to.is_(None), PriceItem.valid_to >= today))
        .order_by(PriceItem.code)))


# --------------------------------------------------------------------------- rules


def _locked(estimate: Estimate) -> str | None:
    """Why an approved or superseded revision cannot change, in the customer's terms."""
    if estimate.status == EstimateStatus.APPROVED:
        return _("Revision %(rev)s was approved by %(name)s at %(at)s and is locked. Additional "
                 "work goes into a new revision (Add work).", rev=estimate.revision,
                 name=estimate.approved_by_customer, at=format_dt(estimate.approved_at))
    if estimate.status == EstimateStatus.SUPERSEDED:
        return _("Revision %(rev)s was superseded by a later revision and is locked.",
                 rev=estimate.revision)
    return None


def _edit(estimate: Estimate, by: Employee, expected_version: int | None) -> None:
    """Lock the draft, compare the version the user saw, check the duty and the ticket."""
    why = _locked(estimate)
    if why:
        raise TransitionRefused(why)
    ESTIMATE.apply(estimate, "edit", by, expected_version=expected_version)


def _saved(estimate: Estimate) -> None:
    # Lines live in their own table; bumping the estimate row makes every change to them a
    # new version, so a form opened before the change is recognised as stale.
    estimate.updated_at = utcnow()
    flush()


def _decimal_places_ok(value: Decimal) -> bool:
    return value == value.quantize(CENT)


def _quantity(value: Decimal | None, field: str = "quantity") -> Decimal:
    if value is None:
        raise DomainError(_("Please enter the quantity."), field=field)
    if not value.is_finite() or value <= 0:
        raise DomainError(_("The quantity must be more than 0."), field=field)
    if value > MAX_QUANTITY:
        raise DomainError(_("A quantity over %(max)s is not plausible: please check it.",
                            max=MAX_QUANTITY), field=field)
    if not _decimal_places_ok(value):
        raise DomainError(_("At most two decimal places, e.g. 2.25."), field=field)
    return value


def _unit_price(value: Decimal | None) -> Decimal:
    if value is None:
        raise DomainError(_("Please enter the unit price."), field="unit_price")
    if not value.is_finite() or value < 0:
        raise DomainError(_("The unit price cannot be negative."), field="unit_price")
    if value > MAX_UNIT_PRICE:
        raise DomainError(_("A unit price over %(max)s is not plausible: please check it.",
                            max=MAX_UNIT_PRICE), field="unit_price")
    if not _decimal_places_ok(value):
        raise DomainError(_("Prices have at most two decimal places."), field="unit_price")
    return value


def _hours(value: Decimal | None) -> Decimal:
    if value is None:
        return Decimal(0)
    if not value.is_finite() or value < 0:
        raise DomainError(_("Hours cannot be negative."), field="hours")
    if value > MAX_HOURS or not _decimal_places_ok(value):
        raise DomainError(_("Hours per unit: at most %(max)s, two decimal places.",
                            max=MAX_HOURS), field="hours")
    return value


def recompute(estimate: Estimate) -> None:
    """Line amounts and the four totals, from each line's own quantity and unit price."""
    totals = dict.fromkeys(LineKind, Decimal(0))
    for line in estimate.lines:
        line.amount = money(line.unit_price * line.quantity)
        totals[line.kind] += line.amount
    estimate.labour_total = money(totals[LineKind.LABOUR])
    estimate.parts_total = money(totals[LineKind.PART])
    estimate.other_total = money(totals[LineKind.TRANSPORT] + totals[LineKind.OTHER])
    estimate.total = estimate.labour_total + estimate.parts_total + estimate.other_total


def _append(estimate: Estimate, line: EstimateLine) -> None:
    """Refused before anything is written: too many lines, or a total past all plausibility."""
    if len(estimate.lines) >= MAX_LINES:
        raise DomainError(_("An estimate has at most %(max)s lines.", max=MAX_LINES))
    if estimate.total + money(line.unit_price * line.quantity) > MAX_TOTAL:
        raise DomainError(_("The estimate's total would exceed %(max)s: please check the "
                            "quantities and prices.", max=MAX_TOTAL), field="quantity")
    estimate.lines.append(line)
    recompute(estimate)
    _saved(estimate)


def _in_force(item: PriceItem, today: date) -> bool:
    return item.active and item.valid_from <= today and (
        item.valid_to is None or item.valid_to >= today)


def _flush_new_revision(revision: int) -> None:
    try:
        flush()
    except IntegrityError as exc:
        # Two clicks at the same moment: the other one created this revision number.
        raise TransitionRefused(_("Revision %(rev)s was just created by someone else: reload "
                                  "the ticket.", rev=revision)) from exc


# --------------------------------------------------------------------------- writing


def start(ticket: Ticket, by: Employee) -> Estimate:
    """Open revision 1 as a draft; a second click finds the draft already opened."""
    require(by, "estimate.edit")
    if not ticket.is_open:
        raise TransitionRefused(_("Ticket %(number)s is %(status)s: its estimate can no longer "
                                  "be changed.", number=ticket.number,
                                  status=ticket.status.label))
    current = latest(ticket.id)
    if current is not None:
        if current.status == EstimateStatus.DRAFT:
            return current
        raise TransitionRefused(_("The customer already approved an estimate for this ticket: "
                                  "use Add work for a new revision."))
    estimate = Estimate(ticket_id=ticket.id, revision=1, status=EstimateStatus.DRAFT,
                        created_by=by)
    recompute(estimate)
    db.session.add(estimate)
    _flush_new_revision(1)
    return estimate


@dataclass
class EstimateHeader:
    promised_at: datetime | None  # UTC
    without_asking: str | None = None
    payment_method: PaymentMethod | None = None
    note: str | None = None


def update_header(estimate: Estimate, data: EstimateHeader, *, by: Employee,
                  expected_version: int | None = None, now: datetime | None = None) -> Estimate:
    """Promised completion time (in the future), work allowed without asking, payment method."""
    now = now or utcnow()
    _edit(estimate, by, expected_version)
    if data.promised_at is not None and data.promised_at <= now:
        raise DomainError(_("The promised completion time must be in the future."),
                          field="promised_at")
    estimate.promised_at = data.promised_at
    estimate.without_asking = (data.without_asking or "").strip() or None
    estimate.payment_method = data.payment_method
    estimate.note = (data.note or "").strip() or None
    _saved(estimate)
    return estimate


def add_price_line(estimate: Estimate, item: PriceItem | None, quantity: Decimal | None, *,
                   by: Employee, expected_version: int | None = None,
                   today: date | None = None) -> EstimateLine:
    """A line from the price list: labour at standard hours × hourly rate per unit, parts at
    list price, transport; the line copies the price as it is today."""
    today = today or utcnow().date()
    _edit(estimate, by, expected_version)
    if item is None or not _in_force(item, today):
        raise DomainError(_("Please choose an item of the price list in force."),
                          field="price_item_id")
    kind = LINE_KIND_OF[item.kind]
    line = EstimateLine(price_item=item, kind=kind, description=f"{item.code} {item.name}",
                        quantity=_quantity(quantity), unit_price=item.unit_price,
                        hours=item.standard_hours if kind == LineKind.LABOUR else Decimal(0))
    _append(estimate, line)
    return line


def add_free_line(estimate: Estimate, kind: LineKind | None, description: str | None,
                  quantity: Decimal | None, unit_price: Decimal | None,
                  hours: Decimal | None = None, *, by: Employee,
                  expected_version: int | None = None) -> EstimateLine:
    """A line not on the price list: what it is, how many, at what unit price."""
    _edit(estimate, by, expected_version)
    if kind is None:
        raise DomainError(_("Please choose the kind of line."), field="kind")
    description = (description or "").strip()
    if not description:
        raise DomainError(_("Please describe the line."), field="description")
    if len(description) > 200:
        raise DomainError(_("At most %(max)d characters.", max=200), field="description")
    line = EstimateLine(kind=kind, description=description, quantity=_quantity(quantity),
                        unit_price=_unit_price(unit_price),
                        hours=_hours(hours) if kind == LineKind.LABOUR else Decimal(0))
    _append(estimate, line)
    return line


def remove_line(estimate: Estimate, line_id: int, *, by: Employee,
                expected_version: int | None = None) -> None:
    _edit(estimate, by, expected_version)
    line = next((li for li in estimate.lines if li.id == line_id), None)
    if line is None:
        raise DomainError(_("This line is not on the estimate (any more)."))
    estimate.lines.remove(line)
    recompute(estimate)
    _saved(estimate)


def approve(estimate: Estimate, customer_name: str | None, approved_at: datetime | None,
            by: Employee, expected_version: int | None = None,
            now: datetime | None = None) -> ServiceOrder:
    """The customer approves (name + time): the revision locks and becomes a service order.

    Approving again is refused and creates nothing (the step's effect in
    stores/workflow.py writes the order and supersedes the earlier revision).
    """
    now = now or utcnow()
    if estimate.status == EstimateStatus.APPROVED:
        order = order_for(estimate)
        raise TransitionRefused(_(
            "Revision %(rev)s was already approved by %(name)s at %(at)s (service order "
            "%(order)s). Nothing was changed.", rev=estimate.revision,
            name=estimate.approved_by_customer, at=format_dt(estimate.approved_at),
            order=order.number if order else "—"))
    why = _locked(estimate)
    if why:
        raise TransitionRefused(why)
    name = (customer_name or "").strip()
    if not name:
        raise DomainError(_("Please enter the name of the customer who approves."),
                          field="customer_name")
    if len(name) > 50:
        raise DomainError(_("At most %(max)d characters.", max=50), field="customer_name")
    approved_at = approved_at or now
    if approved_at > now + CLOCK_SKEW:
        raise DomainError(_("The approval time cannot be in the future."), field="approved_at")
    if estimate.promised_at is not None and estimate.promised_at <= now:
        raise DomainError(_("The promised completion time has passed: set a new one before the "
                            "customer approves."))
    move = ESTIMATE.apply(estimate, "approve", by, expected_version=expected_version,
                          customer_name=name, approved_at=approved_at)
    return move.extra["order"]


def add_work(estimate: Estimate, by: Employee, expected_version: int | None = None) -> Estimate:
    """Additional work (追加): a draft revision n+1 copying the approved lines and terms.

    The promised time is left empty on purpose: additional work revises it. A second click
    finds the draft already opened.
    """

    def opened() -> Estimate | None:
        current = latest(estimate.ticket_id)
        if (current is not None and current.revision > estimate.revision
                and current.status == EstimateStatus.DRAFT):
            return current
        return None

    if (draft := opened()) is not None:
        return draft
    if estimate.status != EstimateStatus.APPROVED:
        raise TransitionRefused(_("Additional work starts from the revision the customer "
                                  "approved last."))
    ESTIMATE.apply(estimate, "add_work", by, expected_version=expected_version)
    if (draft := opened()) is not None:  # opened by a click that held the lock before us
        return draft
    revision = Estimate(
        ticket_id=estimate.ticket_id, revision=estimate.revision + 1,
        status=EstimateStatus.DRAFT, without_asking=estimate.without_asking,
        payment_method=estimate.payment_method, note=estimate.note, created_by=by)
    for line in estimate.lines:  # the customer approved these prices: they are copied as is
        revision.lines.append(EstimateLine(
            price_item_id=line.price_item_id, kind=line.kind, description=line.description,
            quantity=line.quantity, hours=line.hours, unit_price=line.unit_price))
    recompute(revision)
    db.session.add(revision)
    _flush_new_revision(revision.revision)
    return revision


def record_invoice(order: ServiceOrder, number: str | None, amount: Decimal | None,
                   invoiced_at: datetime | None, *, by: Employee,
                   now: datetime | None = None) -> ServiceOrder:
    """The invoice (服务销售发票) on a service order: a number used once, never more than
    the order's amount."""
    now = now or utcnow()
    require(by, "estimate.approve")
    # Row lock, then read the order as it is now: two screens cannot both invoice it.
    db.session.execute(sa.select(ServiceOrder).where(ServiceOrder.id == order.id)
                       .with_for_update().execution_options(populate_existing=True))
    if order.invoice_number:
        raise TransitionRefused(_("Service order %(order)s is already invoiced (%(invoice)s).",
                                  order=order.number, invoice=order.invoice_number))
    if order.amount <= 0:
        raise TransitionRefused(_("Service order %(order)s has nothing to invoice.",
                                  order=order.number))
    number = (number or "").strip()
    if not number:
        raise DomainError(_("Please enter the invoice number."), field="invoice_number")
    if len(number) > 40:
        raise DomainError(_("At most %(max)d characters.", max=40), field="invoice_number")
    taken = db.session.scalar(sa.select(ServiceOrder).where(
        ServiceOrder.invoice_number == number))
    if taken is not None:
        raise DomainError(_("Invoice number %(invoice)s is already recorded on service order "
                            "%(order)s.", invoice=number, order=taken.number),
                          field="invoice_number")
    if amount is None:
        raise DomainError(_("Please enter the invoiced amount."), field="invoiced_amount")
    if not amount.is_finite() or amount <= 0 or not _decimal_places_ok(amount):
        raise DomainError(_("The invoiced amount must be more than 0, with at most two decimal "
                            "places."), field="invoiced_amount")
    if amount > order.amount:
        raise DomainError(_("The invoiced amount is more than the order's %(amount)s.",
                            amount=order.amount), field="invoiced_amount")
    invoiced_at = invoiced_at or now
    if invoiced_at > now + CLOCK_SKEW:
        raise DomainError(_("The invoice date cannot be in the future."), field="invoiced_at")
    order.invoice_number = number
    order.invoiced_amount = amount
    order.invoiced_at = invoiced_at
    try:
        flush()
    except IntegrityError as exc:
        raise DomainError(_("Invoice number %(invoice)s was just recorded on another order.",
                            invoice=number), field="invoice_number") from exc
    return order
