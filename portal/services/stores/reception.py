"""Reception / consultation (接待 / 征询) and the appearance inspection report (产品外观检查报告).

Seed 004, 征询服务工作标准: record what the customer asks for, decide whether the work is
inside the warranty (保修范围; when that cannot be decided on the spot, say why and assess
later), and check the product's appearance together with the customer, who signs the
report. A signed report is evidence of the product's state when we took it on: it is never
changed afterwards.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.display import format_dt
from portal.extensions import db
from portal.models import (
    OPEN_STATUSES,
    Customer,
    Employee,
    Inspection,
    InspectionLine,
    InspectionPosition,
    ProblemPoint,
    Reception,
    Ticket,
    Warranty,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.duties import scope_to_org
from portal.services.core.workflow import TransitionRefused, flush
from portal.services.stores.workflow import require
from portal.services.tickets import lifecycle as tickets

# A clock a minute or two apart between PC and server must not make "now" look like the future.
CLOCK_SKEW = timedelta(minutes=5)


def _ensure_open(ticket: Ticket) -> None:
    if not ticket.is_open:
        raise TransitionRefused(_("Ticket %(number)s is %(status)s: its store records can no "
                                  "longer be changed.", number=ticket.number,
                                  status=ticket.status.label))


# --------------------------------------------------------------------------- reception


@dataclass
class ReceptionInput:
    request: str | None
    warranty: Warranty | None
    warranty_reason: str | None = None


def reception_for(ticket: Ticket) -> Reception | None:
    return db.session.scalar(sa.select(Reception).where(Reception.ticket_id == ticket.id))


def suggested_warranty(ticket: Ticket, today: date) -> Warranty | None:
    """What the product register says: inside its warranty end → in, after it → out."""
    product = ticket.product
    if product is None or product.warranty_end is None:
        return None
    return Warranty.IN if product.warranty_end >= today else Warranty.OUT


def record_reception(ticket: Ticket, data: ReceptionInput, by: Employee,
                     survey_done: bool = False,
                     expected_version: int | None = None) -> Reception:
    """Record or correct the customer's request and the warranty decision (until closing).

    "Pending assessment" needs the reason. With `survey_done` the ticket moves to KCJS in the
    same transaction (the ticket's survey_done step): the reception and the status change are
    saved together or not at all.
    """
    require(by, "reception.record")
    _ensure_open(ticket)
    request = (data.request or "").strip()
    if not request:
        raise DomainError(_("Please record what the customer asks for."), field="request")
    if data.warranty is None:
        raise DomainError(_("Please decide whether the work is in warranty."), field="warranty")
    reason = (data.warranty_reason or "").strip() or None
    if data.warranty == Warranty.PENDING and not reason:
        raise DomainError(_("Pending assessment needs a reason: what must still be checked."),
                          field="warranty_reason")
    if survey_done:  # first: a refused step leaves nothing written
        tickets.transition(ticket, "survey_done", by, expected_version=expected_version)
    reception = reception_for(ticket)
    if reception is None:
        reception = Reception(ticket_id=ticket.id, received_by=by)
        db.session.add(reception)
    reception.request = request
    reception.warranty = data.warranty
    reception.warranty_reason = reason
    flush()
    return reception


def open_walk_in_ticket(draft: tickets.TicketDraft, by: Employee) -> Ticket:
    """A customer at the counter gets a ticket at the user's own branch.

    The same form sent twice opens one ticket, not two.
    """
    require(by, "reception.record")
    if draft.submit_token:
        existing = db.session.scalar(sa.select(Ticket).where(
            Ticket.submit_token == draft.submit_token))
        if existing is not None:
            return existing
    if draft.product is not None and draft.product.customer_id != draft.customer.id:
        raise DomainError(_("This product belongs to another customer."), field="product_id")
    draft.branch_id = by.org_unit_id
    return tickets.create_ticket(draft, by)


def open_tickets_of(customer: Customer | None, user: Employee) -> list[Ticket]:
    """The customer's open tickets that the user may see: perhaps one is already for this."""
    if customer is None:
        return []
    stmt = sa.select(Ticket).where(Ticket.customer_id == customer.id,
                                   Ticket.status.in_(list(OPEN_STATUSES))).order_by(Ticket.id)
    return list(db.session.scalars(scope_to_org(stmt, Ticket.branch_id, user)))


# --------------------------------------------------------------------------- inspection

FIXED_POSITIONS = (
    InspectionPosition.GLASS_FRONT, InspectionPosition.GLASS_BACK,
    InspectionPosition.CORNER_1, InspectionPosition.CORNER_2,
    InspectionPosition.CORNER_3, InspectionPosition.CORNER_4,
)
MAX_ADDED_ITEMS = 10


@dataclass
class InspectionLineInput:
    """One row of the report. `ok` None means nobody ticked OK or NG yet."""

    position: InspectionPosition
    ok: bool | None
    problems: tuple[ProblemPoint, ...] = ()
    description: str | None = None
    label: str | None = None  # the name of an added item


def inspections_for(ticket: Ticket) -> list[Inspection]:
    return list(db.session.scalars(
        sa.select(Inspection).where(Inspection.ticket_id == ticket.id)
        .order_by(Inspection.id.desc())))


def open_inspection(ticket: Ticket) -> Inspection | None:
    """The report still waiting for the customer's confirmation, if any."""
    return next((i for i in inspections_for(ticket) if i.confirmed_at is None), None)


def blank_lines() -> list[InspectionLineInput]:
    return [InspectionLineInput(position=p, ok=None) for p in FIXED_POSITIONS]


def save_inspection(ticket: Ticket, lines: list[InspectionLineInput], by: Employee,
                    inspection: Inspection | None = None) -> Inspection:
    """Save the report: every fixed position and each added item is OK or NG.

    NG needs at least one problem point and a description of the damaged part. A report the
    customer has confirmed is read-only; a ticket has at most one unconfirmed report.
    """
    require(by, "reception.record")
    _ensure_open(ticket)
    if inspection is not None:
        _ensure_unconfirmed(inspection)
    elif open_inspection(ticket) is not None:
        raise TransitionRefused(_("An inspection report on this ticket is still waiting for the "
                                 "customer's confirmation: complete that one first."))
    _validate_lines(lines)
    if inspection is None:
        inspection = Inspection(ticket_id=ticket.id, inspector=by)
        db.session.add(inspection)
    # Rows are matched by position in the list (fixed positions first, then added items),
    # so a correction shows in the audit trail as a change, not a delete and a create.
    existing = list(inspection.lines)
    for index, data in enumerate(lines):
        line = existing[index] if index < len(existing) else InspectionLine()
        line.position = data.position
        line.label = (data.label or "").strip() or None
        line.ok = bool(data.ok)
        line.problems = None if data.ok else ",".join(p.value for p in data.problems)
        line.description = (data.description or "").strip() or None
        if index >= len(existing):
            inspection.lines.append(line)
    for extra in existing[len(lines):]:
        inspection.lines.remove(extra)
    flush()
    return inspection


def _validate_lines(lines: list[InspectionLineInput]) -> None:
    fixed, added = lines[:len(FIXED_POSITIONS)], lines[len(FIXED_POSITIONS):]
    if [line.position for line in fixed] != list(FIXED_POSITIONS) or any(
            line.position != InspectionPosition.ADDED for line in added):
        raise DomainError(_("The report covers glass front, glass back and the four corners, "
                            "each once, then any added items."))
    if len(added) > MAX_ADDED_ITEMS:
        raise DomainError(_("At most %(max)s added items.", max=MAX_ADDED_ITEMS))
    for index, line in enumerate(lines):
        problem = _line_problem(line)
        if problem:
            message, attr = problem
            raise DomainError(message, field=f"lines-{index}-{attr}")


def _line_problem(line: InspectionLineInput) -> tuple[str, str] | None:
    """What is wrong with one row, and which of its fields shows it; None when it is fine."""
    label = (line.label or "").strip()
    description = (line.description or "").strip()
    if line.position == InspectionPosition.ADDED and not label:
        return _("Name the added item."), "label"
    if len(label) > 60:
        return _("At most %(max)d characters.", max=60), "label"
    if line.ok is None:
        return _("Tick OK or NG."), "result"
    if line.ok and line.problems:
        return _("Marked OK but problem points are ticked: choose NG or untick them."), \
            "problems"
    if not line.ok and not line.problems:
        return _("NG needs at least one problem point."), "problems"
    if not line.ok and not description:
        return _("Describe the damaged part."), "description"
    if len(description) > 300:
        return _("At most %(max)d characters.", max=300), "description"
    return None


def _ensure_unconfirmed(inspection: Inspection) -> None:
    if inspection.confirmed_at is not None:
        raise TransitionRefused(_("This report was confirmed by %(name)s at %(at)s and can no "
                                  "longer be changed.", name=inspection.customer_name,
                                  at=format_dt(inspection.confirmed_at)))


def confirm_inspection(inspection: Inspection, customer_name: str | None,
                       confirmed_at: datetime | None = None, *, by: Employee,
                       now: datetime | None = None) -> Inspection:
    """The customer confirms the report (客户署名): name and time; afterwards it is read-only."""
    now = now or utcnow()
    require(by, "reception.record")
    _ensure_unconfirmed(inspection)
    _ensure_open(db.session.get(Ticket, inspection.ticket_id))
    name = (customer_name or "").strip()
    if not name:
        raise DomainError(_("Please enter the name of the customer who confirms."),
                          field="customer_name")
    if len(name) > 50:
        raise DomainError(_("At most %(max)d characters.", max=50), field="customer_name")
    confirmed_at = confirmed_at or now
    if confirmed_at > now + CLOCK_SKEW:
        raise DomainError(_("The confirmation time cannot be in the future."),
                          field="confirmed_at")
    if not inspection.lines:
        raise DomainError(_("The report has no results to confirm yet."))
    inspection.customer_name = name
    inspection.confirmed_at = confirmed_at
    flush()
    return inspection
