"""Parts requisitions (领料单): raised by a branch, approved by its supervisor, issued by the
warehouse in full or not at all (仓库禁止不完全发货).

The stores work calls `raise_requisition`, `approve_requisition`, `cancel_requisition` and
reads `stock_status` / `shortages`; the warehouse calls `issue_requisition`.
"""

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    Employee,
    MovementKind,
    OrgKind,
    OrgUnit,
    Part,
    Requisition,
    RequisitionLine,
    RequisitionStatus,
    StockBalance,
    StockCondition,
    Ticket,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.duties import visible_org_ids
from portal.services.core.numbering import next_number
from portal.services.core.workflow import flush
from portal.services.warehouse.stock import (
    LineInput,
    Posting,
    check_quantity,
    ensure_warehouse,
    merge_lines,
    on_hand,
    post,
)
from portal.services.warehouse.workflow import (
    REQUISITION,
    check_version,
    locked,
    refuse_unless_open,
)

# Requisitions whose parts are promised but not yet issued: they hold stock for the store.
OPEN_FOR_ISSUE = (RequisitionStatus.APPROVED, RequisitionStatus.WAITING)


@dataclass(frozen=True)
class StockStatus:
    """What a store sees for a part in a warehouse: on hand, promised, free to request."""

    on_hand: Decimal
    promised: Decimal  # approved requisitions not yet issued
    min_stock: Decimal

    @property
    def available(self) -> Decimal:
        return max(self.on_hand - self.promised, Decimal(0))

    @property
    def below_minimum(self) -> bool:
        return self.on_hand < self.min_stock


@dataclass(frozen=True)
class Shortage:
    part: Part
    condition: StockCondition
    wanted: Decimal
    on_hand: Decimal

    @property
    def missing(self) -> Decimal:
        return self.wanted - self.on_hand


@dataclass(frozen=True)
class IssueResult:
    requisition: Requisition
    issued: bool
    shortages: tuple[Shortage, ...] = ()
    already: bool = False  # it had been issued before (a second click)


def _can_act_for(user: Employee, org_unit_id: int) -> bool:
    ids = visible_org_ids(user)
    return ids is None or org_unit_id in ids


def raise_requisition(ticket: Ticket | None, branch: OrgUnit, warehouse: OrgUnit,
                      lines: list, by: Employee, remark: str | None = None) -> Requisition:
    """A branch's 领料单 with the next LLD number, waiting for its supervisor's approval.

    `lines`: `LineInput(part, quantity, condition)` or plain `(part, quantity)` pairs.
    """
    requisition = build_requisition(ticket, branch, warehouse, lines, by, remark)
    flush()
    return requisition


def build_requisition(ticket: Ticket | None, branch: OrgUnit, warehouse: OrgUnit,
                      lines: list, by: Employee, remark: str | None = None,
                      approved: bool = False) -> Requisition:
    """The requisition added to the session: part of a larger action (dispatch).

    `approved`: raised by the branch's supervisor while dispatching, who approves it at once
    (the approve step's duty and guard apply).
    """
    lines = [line if isinstance(line, LineInput) else LineInput(line[0], Decimal(str(line[1])))
             for line in lines]
    if branch.kind != OrgKind.BRANCH or not branch.active:
        raise DomainError(_("Please choose an active branch store."), field="branch_id")
    if warehouse.kind != OrgKind.WAREHOUSE or not warehouse.active:
        raise DomainError(_("Please choose an active warehouse."), field="warehouse_id")
    if not _can_act_for(by, branch.id):
        raise DomainError(_("You cannot raise requisitions for %(branch)s.", branch=branch.name),
                          field="branch_id")
    if ticket is not None and ticket.branch_id != branch.id:
        raise DomainError(_("Ticket %(number)s belongs to another branch.", number=ticket.number),
                          field="ticket_id")
    lines = merge_lines(lines)
    if not lines:
        raise DomainError(_("A requisition needs at least one part."), field="lines")
    for line in lines:
        if not line.part.active:
            raise DomainError(_("%(part)s is no longer in the catalogue.", part=line.part),
                              field="lines")
        check_quantity(line.quantity, line.part)
    requisition = Requisition(number=next_number("LLD"), ticket=ticket, branch=branch,
                              warehouse=warehouse, raised_by=by, remark=remark,
                              status=RequisitionStatus.SUBMITTED)
    for line in lines:
        requisition.lines.append(RequisitionLine(part=line.part, quantity=line.quantity,
                                                 condition=line.condition))
    db.session.add(requisition)
    if approved:
        REQUISITION.apply(requisition, "approve", by)
    return requisition


def approve_requisition(requisition: Requisition, by: Employee,
                        expected_version: int | None = None) -> Requisition:
    """The branch supervisor's approval (dispatch.assign) puts it in the warehouse queue."""
    REQUISITION.apply(requisition, "approve", by, expected_version=expected_version)
    return requisition


def cancel_requisition(requisition: Requisition, by: Employee, reason: str | None,
                       expected_version: int | None = None) -> Requisition:
    """The branch (requisition.cancel: its supervisor) withdraws it, giving the reason."""
    REQUISITION.apply(requisition, "cancel", by, reason, expected_version=expected_version)
    return requisition


def shortages(requisition: Requisition) -> list[Shortage]:
    """What is missing to issue the whole requisition now, line by line."""
    out = []
    for line in requisition.lines:
        have = on_hand(requisition.warehouse_id, line.part_id, line.condition)
        if have < line.quantity:
            out.append(Shortage(line.part, line.condition, line.quantity, have))
    return out


def issue_requisition(requisition: Requisition, by: Employee,
                      expected_version: int | None = None) -> IssueResult:
    """出库: issue every line at once, or none (the requisition then waits, showing what is
    missing). Issuing an issued requisition again does nothing.
    """
    ensure_warehouse(by, requisition.warehouse_id)
    requisition = locked(requisition)
    if requisition.status == RequisitionStatus.ISSUED:
        return IssueResult(requisition, issued=True, already=True)
    check_version(requisition, expected_version)
    refuse_unless_open(REQUISITION, requisition, "issue", by, via="issue")
    missing = shortages(requisition)
    if missing:
        if requisition.status == RequisitionStatus.APPROVED:
            REQUISITION.apply(requisition, "wait", by, via="issue")
        return IssueResult(requisition, issued=False, shortages=tuple(missing))

    def book(move) -> None:
        number = next_number("CK")
        # Stock read as sufficient a moment ago may still be taken by a parallel issue: then
        # `post` raises NotEnoughStock and the request's rollback undoes every line.
        post([Posting(requisition.warehouse_id, line.part, line.condition, -line.quantity)
              for line in requisition.lines], MovementKind.ISSUE, by, number,
             reason=requisition.number)
        requisition.issue_number = number
        requisition.issued_by = by
        requisition.issued_at = utcnow()

    REQUISITION.apply(requisition, "issue", by, via="issue", write=book)
    return IssueResult(requisition, issued=True)


def stock_status(part: Part, warehouse: OrgUnit,
                 condition: StockCondition = StockCondition.GOOD) -> StockStatus:
    """Live stock of a part for the store raising a requisition (库存状况)."""
    promised = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(RequisitionLine.quantity), 0))
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(Requisition.warehouse_id == warehouse.id,
               Requisition.status.in_(OPEN_FOR_ISSUE),
               RequisitionLine.part_id == part.id, RequisitionLine.condition == condition))
    return StockStatus(on_hand(warehouse.id, part.id, condition), Decimal(promised or 0),
                       Decimal(part.min_stock or 0))


def queue_statement(warehouse_id: int, statuses=OPEN_FOR_ISSUE):
    """The clerk's queue: approved and waiting requisitions, oldest approval first."""
    return (sa.select(Requisition)
            .where(Requisition.warehouse_id == warehouse_id, Requisition.status.in_(statuses))
            .options(selectinload(Requisition.branch), selectinload(Requisition.ticket),
                     selectinload(Requisition.lines).selectinload(RequisitionLine.part))
            .order_by(Requisition.approved_at.asc().nulls_last(), Requisition.id))


def branch_statement(branch_id: int):
    """A branch's requisitions, newest first (the store sees their status)."""
    return (sa.select(Requisition).where(Requisition.branch_id == branch_id)
            .options(selectinload(Requisition.warehouse))
            .order_by(Requisition.id.desc()))


def available_now(requisitions: list[Requisition]) -> dict[int, bool]:
    """For each requisition: could it be issued in full right now? One query for the queue."""
    keys = {(r.warehouse_id, line.part_id, line.condition) for r in requisitions
            for line in r.lines}
    if not keys:
        return {}
    rows = db.session.execute(sa.select(
        StockBalance.warehouse_id, StockBalance.part_id, StockBalance.condition,
        StockBalance.on_hand).where(
        StockBalance.part_id.in_({k[1] for k in keys}),
        StockBalance.warehouse_id.in_({k[0] for k in keys})))
    have = {(w, p, c): Decimal(q) for w, p, c, q in rows}
    return {r.id: all(have.get((r.warehouse_id, line.part_id, line.condition), 0)
                      >= line.quantity for line in r.lines) for r in requisitions}


def visible_to(requisition: Requisition, user: Employee) -> bool:
    """The warehouse that issues it and the branch that asked for it both see it."""
    ids = visible_org_ids(user)
    return ids is None or requisition.warehouse_id in ids or requisition.branch_id in ids
