"""Warehouse KPIs (衡量指标), weekly, and the daily issue report (每日发货报告).

Weeks run Monday 00:00 to Monday 00:00 China time. Definitions:
- inventory record accuracy % = count lines without a variance / count lines counted, over
  the counts approved in the week;
- service level % = requisition lines issued in full within 24 hours of their approval /
  requisition lines approved in the week (cancelled ones left out; lines whose 24 hours have
  not run out yet are not judged yet);
- days of inventory = value of good stock at the end of the week / (value issued in the
  week / 7), at catalogue prices;
- manual adjustment rate % = count-adjustment ledger rows / all ledger rows of the week.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    CountStatus,
    MovementKind,
    Part,
    Requisition,
    RequisitionLine,
    RequisitionStatus,
    StockBalance,
    StockCondition,
    StockCount,
    StockCountLine,
    StockMovement,
)
from portal.models.base import utcnow
from portal.timeutil import local_day_end_utc, local_day_start_utc, to_local

SERVICE_WINDOW = timedelta(days=1)
HUNDRED = Decimal(100)


def _percent(part: int, whole: int) -> Decimal | None:
    return (HUNDRED * part / whole).quantize(Decimal("0.1")) if whole else None


@dataclass
class WeekKpis:
    start: date
    counted_lines: int = 0
    accurate_lines: int = 0
    requisition_lines: int = 0
    in_time_lines: int = 0
    closing_value: Decimal = Decimal(0)
    issue_value: Decimal = Decimal(0)
    movements: int = 0
    adjustments: int = 0

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def accuracy(self) -> Decimal | None:
        return _percent(self.accurate_lines, self.counted_lines)

    @property
    def service_level(self) -> Decimal | None:
        return _percent(self.in_time_lines, self.requisition_lines)

    @property
    def days_of_inventory(self) -> Decimal | None:
        if not self.issue_value:
            return None
        return (self.closing_value / (self.issue_value / 7)).quantize(Decimal("0.1"))

    @property
    def manual_adjustment_rate(self) -> Decimal | None:
        return _percent(self.adjustments, self.movements)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_kpis(warehouse_id: int, start: date, now: datetime | None = None) -> WeekKpis:
    """The four KPIs of the week starting on Monday `start`."""
    now = now or utcnow()
    begin, end = local_day_start_utc(start), local_day_start_utc(start + timedelta(days=7))
    kpis = WeekKpis(start)

    counted, accurate = db.session.execute(
        sa.select(sa.func.count(StockCountLine.counted),
                  sa.func.coalesce(sa.func.sum(sa.case((StockCountLine.variance == 0, 1),
                                                       else_=0)), 0))
        .join(StockCount, StockCount.id == StockCountLine.count_id)
        .where(StockCount.warehouse_id == warehouse_id,
               StockCount.status == CountStatus.APPROVED,
               StockCount.decided_at >= begin, StockCount.decided_at < end)).one()
    kpis.counted_lines, kpis.accurate_lines = int(counted or 0), int(accurate or 0)

    lines = sa.select(sa.func.count()).where(
        RequisitionLine.requisition_id == Requisition.id).scalar_subquery()
    for approved_at, issued_at, n in db.session.execute(
            sa.select(Requisition.approved_at, Requisition.issued_at, lines)
            .where(Requisition.warehouse_id == warehouse_id,
                   Requisition.approved_at >= begin, Requisition.approved_at < end,
                   Requisition.status != RequisitionStatus.CANCELLED)):
        due = approved_at + SERVICE_WINDOW
        if issued_at is None and due > now:
            continue  # still within its day: neither kept nor broken yet
        kpis.requisition_lines += n
        if issued_at is not None and issued_at <= due:
            kpis.in_time_lines += n

    good = (StockBalance.warehouse_id == warehouse_id,
            StockBalance.condition == StockCondition.GOOD)
    value_now = db.session.scalar(sa.select(sa.func.sum(StockBalance.on_hand * Part.price))
                                  .select_from(StockBalance)
                                  .join(Part, Part.id == StockBalance.part_id).where(*good))
    moved_since = db.session.scalar(
        sa.select(sa.func.sum(StockMovement.quantity * Part.price)).select_from(StockMovement)
        .join(Part, Part.id == StockMovement.part_id)
        .where(StockMovement.warehouse_id == warehouse_id,
               StockMovement.condition == StockCondition.GOOD, StockMovement.at >= end))
    kpis.closing_value = Decimal(value_now or 0) - Decimal(moved_since or 0)

    in_week = (StockMovement.warehouse_id == warehouse_id, StockMovement.at >= begin,
               StockMovement.at < end)
    issued = db.session.scalar(
        sa.select(sa.func.sum(-StockMovement.quantity * Part.price)).select_from(StockMovement)
        .join(Part, Part.id == StockMovement.part_id)
        .where(*in_week, StockMovement.kind == MovementKind.ISSUE))
    kpis.issue_value = Decimal(issued or 0)
    total, adjustments = db.session.execute(
        sa.select(sa.func.count(),
                  sa.func.coalesce(sa.func.sum(sa.case(
                      (StockMovement.kind == MovementKind.ADJUSTMENT, 1), else_=0)), 0))
        .where(*in_week)).one()
    kpis.movements, kpis.adjustments = int(total or 0), int(adjustments or 0)
    return kpis


def overview(warehouse_id: int) -> dict[str, int]:
    """The landing page's figures: the work waiting in each queue of the warehouse."""
    from portal.models import DamageReport, DamageStatus, ReturnReport, ReturnStatus
    from portal.services.warehouse.stock import below_minimum_count

    def count(model, *conditions) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
            model.warehouse_id == warehouse_id, *conditions)) or 0

    return {
        "to_issue": count(Requisition, Requisition.status == RequisitionStatus.APPROVED),
        "waiting": count(Requisition, Requisition.status == RequisitionStatus.WAITING),
        "counting": count(StockCount, StockCount.status == CountStatus.OPEN),
        "counts_to_approve": count(StockCount, StockCount.status == CountStatus.SUBMITTED),
        "returns_to_decide": count(ReturnReport, ReturnReport.status == ReturnStatus.REPORTED),
        "returns_to_book": count(ReturnReport, ReturnReport.status == ReturnStatus.APPROVED),
        "damage_to_decide": count(DamageReport, DamageReport.status == DamageStatus.REPORTED),
        "below_minimum": below_minimum_count(warehouse_id),
    }


def recent_weeks(warehouse_id: int, weeks: int = 4, today: date | None = None) -> list[WeekKpis]:
    """The KPI tracking table (重要衡量指标跟踪表): this week and the ones before, oldest first."""
    today = today or to_local(utcnow()).date()
    first = week_start(today) - timedelta(weeks=weeks - 1)
    return [week_kpis(warehouse_id, first + timedelta(weeks=i)) for i in range(weeks)]


@dataclass
class DailyIssues:
    day: date
    rows: list = field(default_factory=list)  # (movement, requisition or None)
    by_part: list = field(default_factory=list)  # (part, quantity, value)

    @property
    def total_value(self) -> Decimal:
        return sum((value for _, _, value in self.by_part), Decimal(0))


def daily_issues(warehouse_id: int, day: date) -> DailyIssues:
    """每日发货报告: what left the warehouse on `day`, against which requisition."""
    movements = list(db.session.scalars(
        sa.select(StockMovement)
        .where(StockMovement.warehouse_id == warehouse_id,
               StockMovement.kind == MovementKind.ISSUE,
               StockMovement.at >= local_day_start_utc(day),
               StockMovement.at < local_day_end_utc(day))
        .order_by(StockMovement.id)))
    numbers = {m.reference for m in movements}
    requisitions = {r.issue_number: r for r in db.session.scalars(
        sa.select(Requisition).where(Requisition.issue_number.in_(numbers or [""])))}
    report = DailyIssues(day, [(m, requisitions.get(m.reference)) for m in movements])
    totals: dict[int, list] = {}
    for m in movements:
        entry = totals.setdefault(m.part_id, [m.part, Decimal(0), Decimal(0)])
        entry[1] += -m.quantity
        entry[2] += (-m.quantity * m.part.price).quantize(Decimal("0.01"))
    report.by_part = sorted((tuple(v) for v in totals.values()), key=lambda v: v[0].part_no)
    return report
