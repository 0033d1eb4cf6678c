"""Quality review (质量审查): first-time pass rate, failed items, rework and repeat repairs.

Definitions, so that every figure can be recomputed by hand:

- A ticket is *inspected* in the period when its first signed quality check (the lowest
  attempt) was signed in the period; it is a *first-time pass* when that check passed.
  First-time pass rate = first-time passes / inspected. A re-installation after a failed
  check never counts as a first-time pass, whatever its own result.
- *Rework* = failed checks signed in the period (each one sent a job back to dispatch).
- A check belongs to the ticket's branch, to the product category of the ticket's product
  ("—" when it has none), and to each technician of the dispatch that was checked.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import (
    AssignmentRole,
    ChecklistItem,
    CheckResult,
    CheckVerdict,
    DispatchAssignment,
    Employee,
    ItemOutcome,
    OrgUnit,
    Product,
    QualityCheck,
    Ticket,
)
from portal.models.base import utcnow
from portal.services.core.duties import scope_to_org
from portal.services.tickets.lifecycle import repeat_repairs_statement
from portal.timeutil import local_day_end_utc, local_day_start_utc, to_local

NO_CATEGORY = "—"


@dataclass
class PassRate:
    """One line of the review: a branch, a technician, a product category, or the total."""

    label: str
    inspected: int = 0
    first_pass: int = 0
    reworks: int = 0

    @property
    def rate(self) -> float | None:
        return self.first_pass / self.inspected if self.inspected else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)


@dataclass
class Review:
    start: date
    end: date
    total: PassRate
    by_branch: list[PassRate]
    by_technician: list[PassRate]
    by_category: list[PassRate]
    top_failed: list[tuple[str, int]]
    repeat_repairs: list = field(default_factory=list)  # (product, tickets, latest)

    @property
    def rework_count(self) -> int:
        return self.total.reworks


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last 30 days, today included (China time)."""
    today = today or to_local(utcnow()).date()
    return today - timedelta(days=29), today


def _signed_in(start: date, end: date):
    return sa.and_(QualityCheck.signed_at >= local_day_start_utc(start),
                   QualityCheck.signed_at < local_day_end_utc(end))


def review(user: Employee, start: date, end: date, top: int = 10) -> Review:
    """The figures for the checks signed from `start` to `end` (China days, inclusive),
    limited to the user's region."""
    earlier = aliased(QualityCheck)
    first_attempt = (sa.select(sa.func.min(earlier.attempt))
                     .where(earlier.ticket_id == QualityCheck.ticket_id,
                            earlier.signed_at.is_not(None))
                     .scalar_subquery())
    stmt = (sa.select(QualityCheck.id, QualityCheck.dispatch_id, QualityCheck.verdict,
                      (QualityCheck.attempt == first_attempt).label("first"),
                      OrgUnit.name, Product.category)
            .join(Ticket, Ticket.id == QualityCheck.ticket_id)
            .join(OrgUnit, OrgUnit.id == Ticket.branch_id)
            .outerjoin(Product, Product.id == Ticket.product_id)
            .where(_signed_in(start, end), QualityCheck.verdict.is_not(None)))
    rows = db.session.execute(scope_to_org(stmt, Ticket.branch_id, user)).all()

    technicians = defaultdict(list)
    dispatch_ids = {r.dispatch_id for r in rows if r.dispatch_id}
    if dispatch_ids:
        for dispatch_id, name in db.session.execute(
                sa.select(DispatchAssignment.dispatch_id, Employee.name)
                .join(Employee, Employee.id == DispatchAssignment.employee_id)
                .where(DispatchAssignment.dispatch_id.in_(dispatch_ids),
                       DispatchAssignment.role == AssignmentRole.TECHNICIAN)
                .order_by(Employee.employee_no)):
            technicians[dispatch_id].append(name)

    total = PassRate("")
    groups: dict[str, dict[str, PassRate]] = {"branch": {}, "technician": {}, "category": {}}
    for row in rows:
        keys = {"branch": [row.name], "category": [row.category or NO_CATEGORY],
                "technician": technicians.get(row.dispatch_id) or [NO_CATEGORY]}
        lines = [total] + [groups[g].setdefault(k, PassRate(k))
                           for g, names in keys.items() for k in names]
        for line in lines:
            if row.first:
                line.inspected += 1
                line.first_pass += row.verdict == CheckVerdict.PASSED
            line.reworks += row.verdict == CheckVerdict.FAILED

    def ordered(lines: dict[str, PassRate]) -> list[PassRate]:
        return sorted(lines.values(), key=lambda p: (-p.inspected, p.label))

    return Review(start=start, end=end, total=total, by_branch=ordered(groups["branch"]),
                  by_technician=ordered(groups["technician"]),
                  by_category=ordered(groups["category"]),
                  top_failed=top_failed_items(user, start, end, top),
                  repeat_repairs=repeat_repairs(user, start))


def top_failed_items(user: Employee, start: date, end: date, top: int = 10
                     ) -> list[tuple[str, int]]:
    """Rework reasons: the checklist items failed most often in the period."""
    stmt = (sa.select(ChecklistItem.label, sa.func.count(CheckResult.id))
            .join(CheckResult, CheckResult.item_id == ChecklistItem.id)
            .join(QualityCheck, QualityCheck.id == CheckResult.check_id)
            .join(Ticket, Ticket.id == QualityCheck.ticket_id)
            .where(_signed_in(start, end), CheckResult.outcome == ItemOutcome.FAIL)
            .group_by(ChecklistItem.label))
    counts = Counter(dict(db.session.execute(scope_to_org(stmt, Ticket.branch_id, user)).all()))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def repeat_repairs(user: Employee, start: date, limit: int = 20) -> list:
    """多次维护: products of the region with two or more tickets since the period began."""
    days = max((to_local(utcnow()).date() - start).days + 1, 1)
    mine = scope_to_org(sa.select(Ticket.product_id).where(Ticket.product_id.is_not(None)),
                        Ticket.branch_id, user)
    stmt = repeat_repairs_statement(days).where(Product.id.in_(mine)).limit(limit)
    return list(db.session.execute(stmt).all())
