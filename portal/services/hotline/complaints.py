"""Customer complaints (客户投诉 / 客诉): register, judge, assign, handle, approve, confirm,
follow up, close; the list, the classification statistics and the serious-complaint panel.

Every change of status is a step of `workflow.COMPLAINT` taken through `act`; the audit hook
records who changed what, and `timeline` reads the steps back from that trail. Nothing here
commits: the request (or `uow.transaction()`) does.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    Customer,
    Employee,
    Product,
    Ticket,
)
from portal.models.base import utcnow
from portal.services.core.audit import history
from portal.services.core.numbering import next_number
from portal.services.core.workflow import TransitionRefused, flush
from portal.services.hotline.workflow import (
    CAN_OPEN,
    CLOCK_SLACK,
    COMPLAINT,
    OPEN,
    InvalidInput,
    StepInput,
    handler_only,
)
from portal.timeutil import local_day_end_utc, local_day_start_utc

__all__ = ["CAN_OPEN", "ComplaintDraft", "StepInput", "act", "register"]

# The same complaint saved twice this quickly by the same agent is a double submit, not two.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=60)


# --------------------------------------------------------------------------- registration


@dataclass
class ComplaintDraft:
    """What the agent enters for a new complaint (顾客投诉登记); plain values."""

    content: str
    channel: ComplaintChannel
    category: ComplaintCategory
    complainant: str | None = None
    phone: str | None = None
    received_at: datetime | None = None  # naive UTC; None means now
    customer: Customer | None = None
    ticket_number: str | None = None
    product_serial: str | None = None
    serious: bool = False


def find_ticket(number: str | None) -> Ticket | None:
    number = (number or "").strip().upper()
    return db.session.scalar(sa.select(Ticket).where(Ticket.number == number)) if number else None


def find_product(serial: str | None) -> Product | None:
    serial = (serial or "").strip().upper()
    return db.session.scalar(sa.select(Product).where(Product.serial == serial)) if serial else None


def registration_defaults(customer: Customer | None = None, ticket_number: str | None = None,
                          channel: str | None = None, content: str | None = None) -> dict:
    """Form values for a complaint opened from elsewhere (caller card, ticket, callback).

    A known ticket brings its customer and product; the customer brings the complainant's
    name and phone. Unknown values are kept as typed so that saving shows what is wrong.
    """
    ticket = find_ticket(ticket_number)
    if customer is None and ticket is not None:
        customer = ticket.customer
    values: dict = {"customer": customer, "ticket_number": (ticket_number or "").strip()[:20]
                    or None, "content": (content or "").strip()[:4000] or None}
    if ticket is not None:
        values["ticket_number"] = ticket.number
        if ticket.product is not None:
            values["product_serial"] = ticket.product.serial
    if customer is not None:
        values["complainant"] = customer.contact_person or customer.name
        values["phone"] = next(iter(customer.phones), None)
        products = [p for p in customer.products if p.active]
        if "product_serial" not in values and len(products) == 1:
            values["product_serial"] = products[0].serial
    try:
        values["channel"] = ComplaintChannel(channel) if channel else None
    except ValueError:
        values["channel"] = None
    return values


def register(draft: ComplaintDraft, by: Employee) -> Complaint:
    """Register a complaint in REGISTERED with the next TS number; linked records must exist."""
    content = (draft.content or "").strip()
    if not content:
        raise InvalidInput(_("Please describe the complaint."), field="content")
    now = utcnow()
    received_at = draft.received_at or now
    if received_at > now + CLOCK_SLACK:
        raise InvalidInput(_("The complaint time is in the future."), field="received_at")
    customer = draft.customer
    ticket = None
    if draft.ticket_number:
        ticket = find_ticket(draft.ticket_number)
        if ticket is None:
            raise InvalidInput(_("No ticket has the number %(number)s.",
                                 number=draft.ticket_number), field="ticket_number")
        if customer is not None and ticket.customer_id != customer.id:
            raise InvalidInput(_("Ticket %(number)s belongs to another customer.",
                                 number=ticket.number), field="ticket_number")
        customer = customer or ticket.customer
    product = None
    if draft.product_serial:
        product = find_product(draft.product_serial)
        if product is None:
            raise InvalidInput(_("No product has the serial number %(serial)s.",
                                 serial=draft.product_serial), field="product_serial")
        if customer is not None and product.customer_id not in (None, customer.id):
            raise InvalidInput(_("This product belongs to another customer."),
                               field="product_serial")
        customer = customer or product.customer
    elif ticket is not None:
        product = ticket.product
    complainant = (draft.complainant or "").strip() or (
        (customer.contact_person or customer.name) if customer else "")
    if not complainant:
        raise InvalidInput(_("Please give the complainant's name."), field="complainant")
    phone = draft.phone or (next(iter(customer.phones), None) if customer else None)

    duplicate = _double_submit(by, complainant, content, now)
    if duplicate is not None:
        return duplicate
    complaint = Complaint(
        number=next_number("TS"), status=ComplaintStatus.REGISTERED, customer=customer,
        complainant=complainant, phone=phone, received_at=received_at, channel=draft.channel,
        category=draft.category, content=content, ticket=ticket, product=product,
        serious=bool(draft.serious), registered_by=by,
    )
    db.session.add(complaint)
    flush()
    return complaint


def _double_submit(by: Employee, complainant: str, content: str, now: datetime):
    # The model has no submit token; an identical complaint by the same agent a moment ago
    # is the same form sent twice (double click, resend after a slow answer).
    return db.session.scalar(
        sa.select(Complaint).where(Complaint.registered_by_id == by.id,
                                   Complaint.complainant == complainant,
                                   Complaint.content == content,
                                   Complaint.created_at >= now - DOUBLE_SUBMIT_WINDOW)
        .order_by(Complaint.id.desc()).limit(1))


# --------------------------------------------------------------------------- the workflow


def act(complaint: Complaint, action: str, by: Employee, data: StepInput | None = None,
        expected_version: int | None = None) -> Complaint:
    """Take one step of the complaint's table with its input, or refuse with the reason.

    Flushes only: a refused step is rolled back with the request that asked for it.
    """
    data = data or StepInput()
    try:
        COMPLAINT.apply(complaint, action, by, data.remark, expected_version=expected_version,
                        data=data)
    except TransitionRefused as exc:
        step = COMPLAINT.find(complaint, action)
        if step is not None and handler_only(step) and not COMPLAINT.may(step, complaint, by):
            raise TransitionRefused(_(
                "Only the assigned handler (%(handler)s) may write the handling of complaint "
                "%(number)s; you can read it.", handler=complaint.handler or "—",
                number=complaint.number)) from exc
        raise
    return complaint


def available_actions(complaint: Complaint, user: Employee) -> list:
    """The steps this user may take on the complaint now (the forms on its page)."""
    return COMPLAINT.available(complaint, user)


def may_write_handling(complaint: Complaint, user: Employee) -> bool:
    return any(t.action == "save_handling" for t in available_actions(complaint, user))


# --------------------------------------------------------------------------- who sees what


def can_see(complaint: Complaint, user: Employee) -> bool:
    """Hotline and HQ see every complaint; a store employee only those assigned to them."""
    return user.can("hotline.view") or complaint.handler_id == user.id


def visible_to(stmt, user: Employee):
    return stmt if user.can("hotline.view") else stmt.where(Complaint.handler_id == user.id)


def load_for(number: str, user: Employee) -> Complaint | None:
    """The complaint with this number if the user may see it (None: answer 404)."""
    stmt = sa.select(Complaint).where(Complaint.number == (number or "").strip().upper())
    return db.session.scalar(visible_to(stmt, user))


@dataclass
class TimelineEntry:
    at: datetime
    who: str
    from_status: ComplaintStatus | None = None
    to_status: ComplaintStatus | None = None
    handler: str | None = None
    remark: str | None = None

    @property
    def sent_back(self) -> bool:
        return (self.from_status, self.to_status) == (ComplaintStatus.PROPOSED,
                                                      ComplaintStatus.ASSIGNED)


def timeline(complaint: Complaint) -> list[TimelineEntry]:
    """The complaint's steps, oldest first, read from its audit trail (who, when, remark)."""
    events = list(reversed(history(complaint, limit=500)))
    handler_ids = {int(e.changes["handler_id"][1]) for e in events
                   if (e.changes.get("handler_id") or [None, None])[1]}
    names = {e.id: str(e) for e in db.session.scalars(
        sa.select(Employee).where(Employee.id.in_(handler_ids)))} if handler_ids else {}
    entries: list[TimelineEntry] = []
    for event in events:
        changes = event.changes or {}
        status = changes.get("status")
        handler = changes.get("handler_id")
        if status or handler:
            entries.append(TimelineEntry(
                at=event.at, who=event.actor_label,
                from_status=ComplaintStatus(status[0]) if status and status[0] else None,
                to_status=ComplaintStatus(status[1]) if status and status[1] else None,
                handler=names.get(int(handler[1])) if handler and handler[1] else None))
        if "remark" in changes:
            last = entries[-1] if entries else None
            if last is not None and last.who == event.actor_label and last.remark is None:
                last.remark = changes["remark"][1]
            else:
                entries.append(TimelineEntry(at=event.at, who=event.actor_label,
                                             remark=changes["remark"][1]))
    return entries


# --------------------------------------------------------------------------- lists


@dataclass
class ComplaintFilters:
    """The list's filters, all optional; they live in the URL so lists are bookmarkable."""

    status: ComplaintStatus | None = None
    category: ComplaintCategory | None = None
    serious: bool = False
    open_only: bool = False
    mine: bool = False  # assigned to me
    text: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def search_statement(filters: ComplaintFilters, user: Employee):
    """The filtered complaint list, newest first, limited to what the user may see."""
    from portal.services.core.customers import prefix

    stmt = visible_to(sa.select(Complaint), user).options(
        selectinload(Complaint.customer), selectinload(Complaint.handler))
    if filters.status:
        stmt = stmt.where(Complaint.status == filters.status)
    if filters.category:
        stmt = stmt.where(Complaint.category == filters.category)
    if filters.serious:
        stmt = stmt.where(Complaint.serious)
    if filters.open_only:
        stmt = stmt.where(Complaint.status.in_(list(OPEN)))
    if filters.mine:
        stmt = stmt.where(Complaint.handler_id == user.id)
    if filters.date_from:
        stmt = stmt.where(Complaint.received_at >= local_day_start_utc(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(Complaint.received_at < local_day_end_utc(filters.date_to))
    if filters.text:
        text = filters.text.strip()
        # Complaint columns have the database's collation, where a LIKE prefix is the safe
        # form; customer names are "C"-collated for the index range of `prefix`.
        stmt = stmt.where(sa.or_(
            Complaint.number.startswith(text.upper(), autoescape=True),
            Complaint.complainant.startswith(text, autoescape=True),
            Complaint.phone.startswith(text, autoescape=True),
            Complaint.customer_id.in_(sa.select(Customer.id).where(prefix(Customer.name, text))),
            Complaint.ticket_id.in_(sa.select(Ticket.id).where(Ticket.number == text.upper())),
        ))
    return stmt.order_by(Complaint.received_at.desc(), Complaint.id.desc())


def open_serious(user: Employee, limit: int = 20) -> list[Complaint]:
    """Open serious complaints, escalated at once to whoever approves complaint solutions."""
    if not user.can("complaint.approve"):
        return []
    return list(db.session.scalars(
        sa.select(Complaint).where(Complaint.serious,
                                   Complaint.status.in_(list(OPEN)))
        .options(selectinload(Complaint.handler))
        .order_by(Complaint.received_at.desc(), Complaint.id.desc()).limit(limit)))


@dataclass
class CategoryStatistics:
    """顾客投诉分类统计表: complaints received in a period, per category × status."""

    date_from: date
    date_to: date
    counts: dict = field(default_factory=dict)  # (category, status) → count
    categories: tuple = tuple(ComplaintCategory)
    statuses: tuple = tuple(ComplaintStatus)

    def count(self, category: ComplaintCategory, status: ComplaintStatus) -> int:
        return self.counts.get((category, status), 0)

    def row_total(self, category: ComplaintCategory) -> int:
        return sum(n for (c, _s), n in self.counts.items() if c == category)

    def column_total(self, status: ComplaintStatus) -> int:
        return sum(n for (_c, s), n in self.counts.items() if s == status)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def category_statistics(date_from: date, date_to: date,
                        serious_only: bool = False) -> CategoryStatistics:
    """Count the complaints received from `date_from` to `date_to` (China days, inclusive)."""
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    stmt = (sa.select(Complaint.category, Complaint.status, sa.func.count(Complaint.id))
            .where(Complaint.received_at >= local_day_start_utc(date_from),
                   Complaint.received_at < local_day_end_utc(date_to))
            .group_by(Complaint.category, Complaint.status))
    if serious_only:
        stmt = stmt.where(Complaint.serious)
    counts = {(category, status): n for category, status, n in db.session.execute(stmt)}
    return CategoryStatistics(date_from=date_from, date_to=date_to, counts=counts)
