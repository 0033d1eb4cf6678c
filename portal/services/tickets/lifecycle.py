"""Service tickets (报修单): creation, the state machine, and the lists agents work from."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, selectinload

from portal.extensions import db
from portal.models import (
    OPEN_STATUSES,
    BranchArea,
    Callback,
    CallbackStatus,
    Customer,
    Employee,
    OrgKind,
    OrgUnit,
    Product,
    ServiceClass,
    ServiceItem,
    Ticket,
    TicketEvent,
    TicketItem,
    TicketKind,
    TicketStatus,
    TicketTiming,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.numbering import next_number
from portal.services.core.workflow import flush
from portal.services.tickets.workflow import TICKET
from portal.timeutil import local_day_end_utc, local_day_start_utc, to_local


@dataclass
class TicketDraft:
    """What an agent enters for a new ticket; plain values, validated by the form."""

    customer: Customer
    short_text: str
    branch_id: int | None = None
    product: Product | None = None
    serial_text: str | None = None
    kind: TicketKind = TicketKind.Z1
    timing: TicketTiming = TicketTiming.AFTER
    service_item: ServiceItem = ServiceItem.REPAIR
    service_class: ServiceClass = ServiceClass.C
    reason_code: str | None = None
    urgent: bool = False
    long_text: str | None = None
    requested_start: datetime | None = None
    expected_end: datetime | None = None
    responsible_id: int | None = None
    reference: Ticket | None = None
    call_record_id: int | None = None
    po_number: str | None = None
    items: tuple = ()  # (product_type, colour_code, material, quantity)
    submit_token: str | None = None  # the form's one-time token (double-submit guard)


def branch_for(customer: Customer) -> OrgUnit | None:
    """The branch store that serves the customer's service site (功能位置) or address.

    Most specific mapping first: district, then city, then province.
    """
    province = customer.service_province or customer.province
    city = customer.service_city or customer.city if province else None
    district = customer.service_district or customer.district if city else None
    if not province:
        return None
    candidates = db.session.scalars(
        sa.select(BranchArea).where(BranchArea.province == province, BranchArea.active)
        .options(selectinload(BranchArea.branch))
    ).all()
    for want_city, want_district in ((city, district), (city, ""), ("", "")):
        for area in candidates:
            if (area.city == (want_city or "") and area.district == (want_district or "")
                    and area.branch.active):
                return area.branch
    return None


def open_tickets_for_product(product: Product | None, serial: str | None) -> list[Ticket]:
    """Open tickets on the same product: the duplicate warning before creating another."""
    conditions = []
    if product is not None:
        conditions.append(Ticket.product_id == product.id)
    if serial:
        conditions.append(Ticket.serial_text == serial)
    if not conditions:
        return []
    return list(db.session.scalars(
        sa.select(Ticket).where(sa.or_(*conditions), Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id)))


def create_ticket(draft: TicketDraft, by: Employee) -> Ticket:
    """Open a ticket in TZJL with the next BX number; an unknown serial is flagged, not refused."""
    branch_id = draft.branch_id
    if branch_id is None:
        branch = branch_for(draft.customer)
        if branch is None:
            raise DomainError(_("No branch store serves this address. Please choose one."),
                              field="branch_id")
        branch_id = branch.id
    branch = db.session.get(OrgUnit, branch_id)
    if branch is None or branch.kind != OrgKind.BRANCH or not branch.active:
        raise DomainError(_("Please choose an active branch store."), field="branch_id")
    if (draft.requested_start and draft.expected_end
            and draft.expected_end < draft.requested_start):
        raise DomainError(_("The expected end is before the requested start."),
                          field="expected_end")
    product = draft.product
    serial = (draft.serial_text or "").strip().upper() or None
    if product is None and serial:
        product = db.session.scalar(sa.select(Product).where(Product.serial == serial))
    ticket = Ticket(
        number=next_number("BX"), customer=draft.customer, product=product,
        serial_text=serial or (product.serial if product else None),
        serial_anomaly=bool(serial) and product is None,
        kind=draft.kind, short_text=draft.short_text, long_text=draft.long_text,
        urgent=draft.urgent, reason_code=draft.reason_code, branch_id=branch_id,
        requested_start=draft.requested_start, expected_end=draft.expected_end,
        responsible_id=draft.responsible_id, reporter=by, reference=draft.reference,
        call_record_id=draft.call_record_id, po_number=draft.po_number,
        submit_token=draft.submit_token, status=TicketStatus.TZJL, timing=draft.timing,
        service_item=draft.service_item,
        service_class=draft.service_class, needs_approval=draft.service_item.needs_approval,
    )
    for product_type, colour, material, quantity in draft.items:
        ticket.items.append(TicketItem(product_type=product_type, colour_code=colour,
                                       material=material, quantity=quantity))
    ticket.events.append(TicketEvent(actor=by, action="create", from_status=None,
                                     to_status=TicketStatus.TZJL))
    db.session.add(ticket)
    flush()
    return ticket


def transition(ticket: Ticket, action: str, by: Employee, remark: str | None = None,
               expected_version: int | None = None, engineer: Employee | None = None,
               via: str | None = None) -> Ticket:
    """Take one step of the ticket's table, or refuse with the reason (409 / 400)."""
    TICKET.apply(ticket, action, by, remark, expected_version=expected_version, via=via,
                 engineer=engineer)
    return ticket


def available_actions(ticket: Ticket, user: Employee) -> list:
    """The buttons this user sees on the ticket: generic steps their duties allow."""
    return TICKET.available(ticket, user)


def due_callbacks(ticket: Ticket) -> list[Callback]:
    return list(db.session.scalars(
        sa.select(Callback).where(Callback.ticket_id == ticket.id,
                                  Callback.status == CallbackStatus.DUE)
        .order_by(Callback.due_at)))


def overdue_reason(ticket: Ticket, now: datetime | None = None) -> str | None:
    """Why the ticket breaks a promise of SPEC §9 (五个安心), or None."""
    now = now or utcnow()
    undispatched = {TicketStatus.TZJL, TicketStatus.KCJS, TicketStatus.ZGPZ, TicketStatus.ZBHF}
    if (ticket.urgent and ticket.status in undispatched
            and now >= local_day_end_utc(to_local(ticket.created_at).date())):
        return _("Urgent, not dispatched on the day it was reported")
    if ticket.expected_end and ticket.is_open and now > ticket.expected_end:
        return _("Past the expected end")
    return None


def overdue_condition(now: datetime):
    """SQL form of `overdue_reason` for lists: urgent undispatched past its day, or late."""
    undispatched = [TicketStatus.TZJL, TicketStatus.KCJS, TicketStatus.ZGPZ, TicketStatus.ZBHF]
    # An urgent ticket is late once its day in China has ended; created_at is UTC, so a
    # ticket from before today's local midnight is from an earlier day.
    today_start = local_day_start_utc(to_local(now).date())
    return sa.or_(
        sa.and_(Ticket.urgent, Ticket.status.in_(undispatched), Ticket.created_at < today_start),
        sa.and_(Ticket.expected_end.is_not(None), Ticket.expected_end < now,
                Ticket.status.in_(list(OPEN_STATUSES))),
    )


def repeat_repairs_statement(days: int = 90, min_tickets: int = 2):
    """多次维护查询: products with at least `min_tickets` tickets in the last `days` days."""
    since = utcnow() - timedelta(days=days)
    counts = (
        sa.select(Ticket.product_id, sa.func.count(Ticket.id).label("tickets"),
                  sa.func.max(Ticket.created_at).label("latest"))
        .where(Ticket.product_id.is_not(None), Ticket.created_at >= since,
               Ticket.status != TicketStatus.CANCELLED)
        .group_by(Ticket.product_id)
        .having(sa.func.count(Ticket.id) >= min_tickets)
        .subquery()
    )
    return (sa.select(Product, counts.c.tickets, counts.c.latest)
            .join(counts, counts.c.product_id == Product.id)
            .order_by(counts.c.tickets.desc(), counts.c.latest.desc()))


def product_history(product: Product) -> list[Ticket]:
    """安装/维修历史: every ticket on the product, newest first, with its timeline."""
    return list(db.session.scalars(
        sa.select(Ticket).where(Ticket.product_id == product.id)
        .options(selectinload(Ticket.events), selectinload(Ticket.branch))
        .order_by(Ticket.id.desc())))


@dataclass
class TicketFilters:
    """The ticket list's filters, all optional; they live in the URL so lists are bookmarkable."""

    status: TicketStatus | None = None
    branch_id: int | None = None
    kind: TicketKind | None = None
    service_class: object = None
    urgent: bool = False
    date_from: object = None
    date_to: object = None
    text: str | None = None
    open_only: bool = False
    reporter_id: int | None = None
    serial_anomaly: bool = False
    overdue: bool = False
    sort: str = "newest"


# By creation time (with id as tie-break): the date-range filter and the order then use one
# index, where sorting by id made PostgreSQL walk the whole primary key backwards (bench/).
SORTS = {
    "newest": (Ticket.created_at.desc(), Ticket.id.desc()),
    "oldest": (Ticket.created_at.asc(), Ticket.id.asc()),
    "urgent": (Ticket.urgent.desc(), Ticket.id.asc()),
    "expected_end": (Ticket.expected_end.asc(), Ticket.id.asc()),
}


def list_rows(filters: TicketFilters, user: Employee, page: int, per_page: int
              ) -> tuple[list, int]:
    """One page of the ticket list as rows of the columns it shows, and the total.

    Twenty Ticket objects with their customers and branches were most of the list's CPU:
    the rows come in one joined statement, and the count counts tickets, without joins."""
    columns = sa.select(
        Ticket.id, Ticket.number, Ticket.status, Ticket.urgent, Ticket.serial_anomaly,
        Ticket.short_text, Ticket.created_at, Ticket.expected_end,
        Customer.name.label("customer_name"), OrgUnit.name.label("branch_name"),
    ).join(Customer, Customer.id == Ticket.customer_id).join(
        OrgUnit, OrgUnit.id == Ticket.branch_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        search_statement(filters, user, sa.select(Ticket.id)).order_by(None).subquery()))
    rows = db.session.execute(search_statement(filters, user, columns)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total or 0


def search_statement(filters: TicketFilters, user: Employee, stmt=None):
    """The filtered ticket list, limited to the org units the user may see: Ticket objects,
    or the columns of `stmt` (a select from tickets) with the same filters and order."""
    from portal.services.core.customers import prefix
    from portal.services.core.duties import scope_to_org
    from portal.timeutil import local_day_end_utc, local_day_start_utc

    if stmt is None:
        stmt = sa.select(Ticket).options(selectinload(Ticket.customer),
                                         selectinload(Ticket.branch))
    stmt = scope_to_org(stmt, Ticket.branch_id, user)
    if filters.status:
        stmt = stmt.where(Ticket.status == filters.status)
    if filters.open_only:
        stmt = stmt.where(Ticket.status.in_(list(OPEN_STATUSES)))
    if filters.branch_id:
        stmt = stmt.where(Ticket.branch_id == filters.branch_id)
    if filters.kind:
        stmt = stmt.where(Ticket.kind == filters.kind)
    if filters.service_class:
        stmt = stmt.where(Ticket.service_class == filters.service_class)
    if filters.urgent:
        stmt = stmt.where(Ticket.urgent)
    if filters.reporter_id:
        stmt = stmt.where(Ticket.reporter_id == filters.reporter_id)
    if filters.serial_anomaly:
        stmt = stmt.where(Ticket.serial_anomaly)
    if filters.overdue:
        stmt = stmt.where(overdue_condition(utcnow()))
    if filters.date_from:
        stmt = stmt.where(Ticket.created_at >= local_day_start_utc(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(Ticket.created_at < local_day_end_utc(filters.date_to))
    if filters.text:
        # A UNION of id sets, not an OR: each arm is an index range scan on both databases,
        # where PostgreSQL turned the OR into a backwards walk of the whole table (bench/).
        text = filters.text.strip()
        t = aliased(Ticket)  # not Ticket itself, which would be correlated away
        stmt = stmt.where(Ticket.id.in_(sa.union(
            sa.select(t.id).where(prefix(t.number, text.upper())),
            sa.select(t.id).where(prefix(t.serial_text, text.upper())),
            sa.select(t.id).join(Customer, Customer.id == t.customer_id)
            .where(prefix(Customer.name, text)),
        )))
    return stmt.order_by(*SORTS.get(filters.sort, SORTS["newest"]))
