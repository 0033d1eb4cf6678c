"""Returns (退货) and damage (残损): reported, decided by the manager, then booked.

Return: 退货报告 → manager approval → goods in as good or damaged stock → return note
(退货单, the report's own TH number). Damage: part, quantity, value, cause and proposal; the
manager's approval moves the goods from good to damaged stock or writes them off. Both keep
their reason for the monthly analysis (by person, part, quantity, value, reason).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    DamageProposal,
    DamageReport,
    DamageStatus,
    Employee,
    MovementKind,
    OrgUnit,
    Part,
    ReturnReport,
    ReturnStatus,
    StockCondition,
    Ticket,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.numbering import next_number
from portal.services.core.workflow import flush
from portal.services.warehouse.stock import Posting, check_quantity, ensure_warehouse, post
from portal.services.warehouse.workflow import (
    DAMAGE,
    RETURN,
    check_version,
    locked,
    refuse_unless_open,
    require_duty,
)
from portal.timeutil import local_day_start_utc

CENT = Decimal("0.01")

DECISIONS = ("approve", "refuse")


def _value(part: Part, quantity: Decimal, value: Decimal | None) -> Decimal:
    if value is None:
        return (part.price * quantity).quantize(CENT)
    if value < 0:
        raise DomainError(_("The value cannot be negative."), field="value")
    return value.quantize(CENT)


# --------------------------------------------------------------------------- returns


@dataclass
class ReturnDraft:
    part: Part
    quantity: Decimal
    reason: str
    returned_by: str  # 业务员, or the customer
    value: Decimal | None = None  # default: quantity × catalogue price
    branch: OrgUnit | None = None
    ticket: Ticket | None = None


def report_return(warehouse: OrgUnit, draft: ReturnDraft, by: Employee) -> ReturnReport:
    """退货报告: waits for the manager; nothing moves in stock yet."""
    require_duty(by, "return.report")
    ensure_warehouse(by, warehouse.id)
    check_quantity(draft.quantity, draft.part)
    if not (draft.reason or "").strip():
        raise DomainError(_("Please give the reason for the return."), field="reason")
    report = ReturnReport(
        number=next_number("TH"), warehouse=warehouse, part=draft.part, quantity=draft.quantity,
        value=_value(draft.part, draft.quantity, draft.value), reason=draft.reason.strip(),
        returned_by=draft.returned_by.strip(), branch=draft.branch, ticket=draft.ticket,
        reported_by=by, status=ReturnStatus.REPORTED)
    db.session.add(report)
    flush()
    return report


def decide_return(report: ReturnReport, by: Employee, action: str, remark: str | None = None,
                  expected_version: int | None = None) -> ReturnReport:
    """A manager who did not report it approves or refuses (with the reason) a return."""
    if action not in DECISIONS:
        raise DomainError(_("Please approve or refuse."))
    ensure_warehouse(by, report.warehouse_id)
    report = locked(report)
    if report.status == ReturnStatus.APPROVED and action == "approve":
        return report  # approved already: a second click changes nothing
    RETURN.apply(report, action, by, remark, expected_version=expected_version)
    return report


def receive_return(report: ReturnReport, by: Employee, condition: StockCondition,
                   quantity: Decimal | None = None,
                   expected_version: int | None = None) -> ReturnReport:
    """Goods in (产品进仓): the clerk confirms the quantity and books it as good or damaged."""
    ensure_warehouse(by, report.warehouse_id)
    report = locked(report)
    if report.status == ReturnStatus.RECEIVED:
        return report  # booked already: a second click books nothing
    check_version(report, expected_version)
    refuse_unless_open(RETURN, report, "receive", by, via="receive")
    quantity = report.quantity if quantity is None else check_quantity(quantity, report.part)
    if quantity > report.quantity:
        raise DomainError(_("More than the %(qty)s reported: raise a new return report for the "
                            "rest.", qty=report.quantity.normalize()), field="quantity")
    if condition not in (StockCondition.GOOD, StockCondition.DAMAGED):
        raise DomainError(_("Returned goods go into good or damaged stock."),
                          field="condition")

    def book(move) -> None:
        post([Posting(report.warehouse_id, report.part, condition, quantity)],
             MovementKind.RETURN, by, report.number, reason=report.reason)
        report.received_by = by
        report.received_at = utcnow()
        report.received_quantity = quantity
        report.received_condition = condition

    RETURN.apply(report, "receive", by, via="receive", write=book)
    return report


# --------------------------------------------------------------------------- damage


@dataclass
class DamageDraft:
    part: Part
    quantity: Decimal
    cause: str
    proposal: DamageProposal
    condition: StockCondition = StockCondition.GOOD
    value: Decimal | None = None


def report_damage(warehouse: OrgUnit, draft: DamageDraft, by: Employee) -> DamageReport:
    """残损报告: recorded now, stock moves only once the manager approves."""
    require_duty(by, "return.report")
    ensure_warehouse(by, warehouse.id)
    check_quantity(draft.quantity, draft.part)
    if not (draft.cause or "").strip():
        raise DomainError(_("Please describe the cause of the damage."), field="cause")
    if (draft.proposal == DamageProposal.TO_DAMAGED
            and draft.condition == StockCondition.DAMAGED):
        raise DomainError(_("This stock is damaged already: propose a write-off."),
                          field="proposal")
    report = DamageReport(
        number=next_number("BS"), warehouse=warehouse, part=draft.part,
        condition=draft.condition, quantity=draft.quantity,
        value=_value(draft.part, draft.quantity, draft.value), cause=draft.cause.strip(),
        proposal=draft.proposal, reported_by=by, status=DamageStatus.REPORTED)
    db.session.add(report)
    flush()
    return report


def decide_damage(report: DamageReport, by: Employee, action: str, remark: str | None = None,
                  expected_version: int | None = None) -> DamageReport:
    """A manager who did not report it decides: approval moves good → damaged (or writes the
    goods off), refusal keeps the reason."""
    if action not in DECISIONS:
        raise DomainError(_("Please approve or refuse."))
    ensure_warehouse(by, report.warehouse_id)
    report = locked(report)
    if report.status == DamageStatus.APPROVED and action == "approve":
        return report  # posted already

    def book(move) -> None:
        postings = [Posting(report.warehouse_id, report.part, report.condition,
                            -report.quantity)]
        if report.proposal == DamageProposal.TO_DAMAGED:
            postings.append(Posting(report.warehouse_id, report.part, StockCondition.DAMAGED,
                                    report.quantity))
        post(postings, MovementKind.DAMAGE, by, report.number, reason=report.cause)

    DAMAGE.apply(report, action, by, remark, expected_version=expected_version,
                 write=book if action == "approve" else None)
    return report


# --------------------------------------------------------------------------- lists


def returns_statement(warehouse_id: int, status: ReturnStatus | None = None):
    stmt = (sa.select(ReturnReport).where(ReturnReport.warehouse_id == warehouse_id)
            .options(selectinload(ReturnReport.part)))
    if status:
        stmt = stmt.where(ReturnReport.status == status)
    return stmt.order_by(ReturnReport.id.desc())


def damage_statement(warehouse_id: int, status: DamageStatus | None = None):
    stmt = (sa.select(DamageReport).where(DamageReport.warehouse_id == warehouse_id)
            .options(selectinload(DamageReport.part)))
    if status:
        stmt = stmt.where(DamageReport.status == status)
    return stmt.order_by(DamageReport.id.desc())


def month_range(day: date) -> tuple:
    first = day.replace(day=1)
    following = (first.replace(year=first.year + 1, month=1) if first.month == 12
                 else first.replace(month=first.month + 1))
    return local_day_start_utc(first), local_day_start_utc(following)


def monthly_returns(warehouse_id: int, month: date) -> list[tuple]:
    """退货分析: approved or booked returns of the month by person, part and reason."""
    start, end = month_range(month)
    return db.session.execute(
        sa.select(ReturnReport.returned_by, Part, ReturnReport.reason,
                  sa.func.sum(ReturnReport.quantity), sa.func.sum(ReturnReport.value))
        .join(Part, Part.id == ReturnReport.part_id)
        .where(ReturnReport.warehouse_id == warehouse_id,
               ReturnReport.status.in_([ReturnStatus.APPROVED, ReturnStatus.RECEIVED]),
               ReturnReport.created_at >= start, ReturnReport.created_at < end)
        .group_by(ReturnReport.returned_by, Part.id, ReturnReport.reason)
        .order_by(sa.func.sum(ReturnReport.value).desc())).all()


def monthly_damage(warehouse_id: int, month: date) -> list[tuple]:
    """残损分析: approved damage of the month by part, cause and proposal."""
    start, end = month_range(month)
    return db.session.execute(
        sa.select(Part, DamageReport.cause, DamageReport.proposal,
                  sa.func.sum(DamageReport.quantity), sa.func.sum(DamageReport.value))
        .join(Part, Part.id == DamageReport.part_id)
        .where(DamageReport.warehouse_id == warehouse_id,
               DamageReport.status == DamageStatus.APPROVED,
               DamageReport.decided_at >= start, DamageReport.decided_at < end)
        .group_by(Part.id, DamageReport.cause, DamageReport.proposal)
        .order_by(sa.func.sum(DamageReport.value).desc())).all()
