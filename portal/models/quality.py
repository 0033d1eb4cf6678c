"""Quality (质检): installation checklists, the inspector's checks, and the customer's acceptance.

Checklists are versioned: a saved change is a new version and versions never change, so a
check keeps exactly the items it was made against (安装质量控制). A check is signed once
(name + time) and is locked from then on.
"""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Audited, Timestamps, enum_column, search_string
from portal.models.hotline import Satisfaction
from portal.models.labels import LabelledEnum
from portal.models.users import Employee

LIMIT = sa.Numeric(10, 2)


class Checklist(Audited, Timestamps, db.Model):
    """安装质量检查表: one version of the checklist for a product category (产品大类)."""

    __tablename__ = "qa_checklists"
    __table_args__ = (sa.UniqueConstraint("category", "version",
                                          name="uq_qa_checklists_category_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(40), index=True)
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(sa.String(100))
    note: Mapped[str | None] = mapped_column(sa.String(300))
    # The version new checks use; older versions stay for the checks made with them.
    current: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))

    created_by: Mapped[Employee | None] = relationship()
    items: Mapped[list["ChecklistItem"]] = relationship(
        back_populates="checklist", cascade="all, delete-orphan",
        order_by="ChecklistItem.position")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ChecklistItem(Audited, db.Model):
    """One point to check; a measured item has a unit and limits (e.g. level, mm, ±2)."""

    __tablename__ = "qa_checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qa_checklists.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(sa.String(100))
    hint: Mapped[str | None] = mapped_column(sa.String(300))
    measured: Mapped[bool] = mapped_column(default=False)
    unit: Mapped[str | None] = mapped_column(sa.String(10))
    lower_limit: Mapped[Decimal | None] = mapped_column(LIMIT)
    upper_limit: Mapped[Decimal | None] = mapped_column(LIMIT)

    checklist: Mapped[Checklist] = relationship(back_populates="items")

    def within_limits(self, value: Decimal) -> bool:
        return not ((self.lower_limit is not None and value < self.lower_limit)
                    or (self.upper_limit is not None and value > self.upper_limit))

    @property
    def limits_text(self) -> str:
        unit = self.unit or ""
        low, high = self.lower_limit, self.upper_limit
        if low is not None and high is not None and low == -high:
            return f"±{_num(high)} {unit}".strip()
        if low is not None and high is not None:
            return f"{_num(low)} … {_num(high)} {unit}".strip()
        if high is not None:
            return f"≤ {_num(high)} {unit}".strip()
        if low is not None:
            return f"≥ {_num(low)} {unit}".strip()
        return unit

    def __str__(self) -> str:
        return self.label


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


class ItemOutcome(LabelledEnum):
    PASS = ("pass", _l("Pass"))
    FAIL = ("fail", _l("Fail"))
    NOT_APPLICABLE = ("na", _l("Not applicable"))


class CheckVerdict(LabelledEnum):
    PASSED = ("passed", _l("Passed"))
    FAILED = ("failed", _l("Failed (rework)"))


class QualityCheck(Audited, Timestamps, db.Model):
    """安装质量检查记录: the inspection of one finished job against one checklist version.

    `attempt` counts the technician's finishes on the ticket: 1 is the first installation,
    2 and more follow a rework; only a passed attempt 1 is a first-time pass.
    """

    __tablename__ = "qa_checks"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "attempt",
                                          name="uq_qa_checks_ticket_attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(search_string(20), unique=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    dispatch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dispatches.id"), index=True)
    checklist_id: Mapped[int] = mapped_column(sa.ForeignKey("qa_checklists.id"), index=True)
    attempt: Mapped[int] = mapped_column(default=1)
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    verdict: Mapped[CheckVerdict | None] = mapped_column(enum_column(CheckVerdict))
    # The inspector's signature (签字): name and time; a signed check is locked.
    signed_name: Mapped[str | None] = mapped_column(sa.String(50))
    signed_at: Mapped[datetime | None] = mapped_column(index=True)
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    ticket = relationship("Ticket")
    dispatch = relationship("Dispatch")
    checklist: Mapped[Checklist] = relationship()
    inspector: Mapped[Employee] = relationship(foreign_keys=[inspector_id])
    signed_by: Mapped[Employee | None] = relationship(foreign_keys=[signed_by_id])
    results: Mapped[list["CheckResult"]] = relationship(
        back_populates="check", cascade="all, delete-orphan", order_by="CheckResult.id")

    @property
    def locked(self) -> bool:
        return self.signed_at is not None

    @property
    def failed_results(self) -> list["CheckResult"]:
        return [r for r in self.results if r.outcome == ItemOutcome.FAIL]

    def __str__(self) -> str:
        return self.number


class CheckResult(Audited, db.Model):
    """The answer to one checklist item: pass / fail / n.a., a note, and the measured value."""

    __tablename__ = "qa_check_results"
    __table_args__ = (sa.UniqueConstraint("check_id", "item_id",
                                          name="uq_qa_check_results_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(sa.ForeignKey("qa_checks.id", ondelete="CASCADE"),
                                          index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("qa_checklist_items.id"), index=True)
    outcome: Mapped[ItemOutcome | None] = mapped_column(enum_column(ItemOutcome))
    note: Mapped[str | None] = mapped_column(sa.String(300))
    measured_value: Mapped[Decimal | None] = mapped_column(LIMIT)

    check: Mapped[QualityCheck] = relationship(back_populates="results")
    item: Mapped[ChecklistItem] = relationship()

    @property
    def out_of_limits(self) -> bool:
        return (self.item.measured and self.measured_value is not None
                and not self.item.within_limits(self.measured_value))


class Accessories(LabelledEnum):
    """附件: handed over, not handed over, or the product has none (无附件)."""

    YES = ("yes", _l("Handed over"))
    NO = ("no", _l("Not handed over"))
    NONE = ("none", _l("No accessories"))


class Acceptance(Audited, Timestamps, db.Model):
    """安装后交工 / 客户服务验收: the customer's acceptance that closes the work (销单)."""

    __tablename__ = "qa_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), unique=True)
    dispatch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dispatches.id"))
    work_complete: Mapped[bool]
    system_works: Mapped[bool]
    accessories: Mapped[Accessories] = mapped_column(enum_column(Accessories))
    satisfaction: Mapped[Satisfaction] = mapped_column(enum_column(Satisfaction))
    customer_name: Mapped[str] = mapped_column(sa.String(50))  # the customer's signature
    accepted_at: Mapped[datetime]
    remark: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))

    ticket = relationship("Ticket")
    recorded_by: Mapped[Employee] = relationship()
