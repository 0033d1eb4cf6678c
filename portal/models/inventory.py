"""Warehouse (仓库): parts catalogue, stock ledger by condition, requisitions, receipts,
returns, damage and stock counts.

Stock is kept per warehouse × part × condition (正品 / 残品 / 赠品). Every change is a
`StockMovement`; `StockBalance` is the running sum of those movements, written in the same
transaction as each movement (services.stock) and checked against the ledger by the tests.
"""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import (
    Audited,
    Deactivatable,
    Timestamps,
    enum_column,
    search_string,
    utcnow,
)
from portal.models.labels import LabelledEnum
from portal.models.org import OrgUnit
from portal.models.tickets import Ticket
from portal.models.users import Employee

# Quantities allow three decimals (metres of seal strip, kilograms of refrigerant); a part
# counted in pieces is held to whole numbers by services.stock.check_quantity.
QTY = sa.Numeric(14, 3)
MONEY = sa.Numeric(12, 2)


class StockCondition(LabelledEnum):
    """Kept apart on the shelf and in the books (正品, 残品, 赠品分开记录)."""

    GOOD = ("good", _l("Good"))
    DAMAGED = ("damaged", _l("Damaged"))
    GIVEAWAY = ("giveaway", _l("Giveaway"))


class MovementKind(LabelledEnum):
    RECEIPT = ("receipt", _l("Receipt"))
    ISSUE = ("issue", _l("Issue"))
    RETURN = ("return", _l("Return"))
    DAMAGE = ("damage", _l("Damage"))
    ADJUSTMENT = ("adjustment", _l("Count adjustment"))
    TRANSFER = ("transfer", _l("Transfer"))


class RequisitionStatus(LabelledEnum):
    SUBMITTED = ("submitted", _l("Submitted"))
    APPROVED = ("approved", _l("Approved"))
    WAITING = ("waiting", _l("Waiting for stock"))
    ISSUED = ("issued", _l("Issued"))
    CANCELLED = ("cancelled", _l("Cancelled"))


class ReturnStatus(LabelledEnum):
    REPORTED = ("reported", _l("Reported"))
    APPROVED = ("approved", _l("Approved"))
    RECEIVED = ("received", _l("Goods in"))
    REFUSED = ("refused", _l("Refused"))


class DamageStatus(LabelledEnum):
    REPORTED = ("reported", _l("Reported"))
    APPROVED = ("approved", _l("Approved"))
    REFUSED = ("refused", _l("Refused"))


class DamageProposal(LabelledEnum):
    """处理建议: keep the goods as damaged stock, or write them off."""

    TO_DAMAGED = ("to_damaged", _l("Move to damaged stock"))
    WRITE_OFF = ("write_off", _l("Write off"))


class CountStatus(LabelledEnum):
    OPEN = ("open", _l("Counting"))
    SUBMITTED = ("submitted", _l("Awaiting approval"))
    APPROVED = ("approved", _l("Approved and posted"))
    CANCELLED = ("cancelled", _l("Cancelled"))


class Part(Audited, Deactivatable, Timestamps, db.Model):
    """配件: one catalogue entry, shared by every warehouse."""

    __tablename__ = "parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_no: Mapped[str] = mapped_column(search_string(30), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    spec: Mapped[str | None] = mapped_column(sa.String(100))
    unit: Mapped[str] = mapped_column(sa.String(10))
    category: Mapped[str] = mapped_column(sa.String(40), index=True)
    price: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    barcode: Mapped[str | None] = mapped_column(search_string(40), unique=True)
    min_stock: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    piece_counted: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return f"{self.part_no} {self.name}"


class StockBalance(db.Model):
    """On hand per warehouse × part × condition: the ledger's running sum, never negative.

    Not audited on its own: every change to it is a `StockMovement`, which is.
    """

    __tablename__ = "stock_balances"
    __table_args__ = (
        sa.UniqueConstraint("warehouse_id", "part_id", "condition", name="uq_stock_balances_key"),
        sa.CheckConstraint("on_hand >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"), index=True)
    condition: Mapped[StockCondition] = mapped_column(enum_column(StockCondition))
    on_hand: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))

    warehouse: Mapped[OrgUnit] = relationship()
    part: Mapped[Part] = relationship()


class StockMovement(Audited, db.Model):
    """One line of the stock ledger: + in, − out, with who, when, document and reason."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        sa.Index("ix_stock_movements_key", "warehouse_id", "part_id", "condition", "id"),
        sa.Index("ix_stock_movements_warehouse_at", "warehouse_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"))
    condition: Mapped[StockCondition] = mapped_column(enum_column(StockCondition))
    kind: Mapped[MovementKind] = mapped_column(enum_column(MovementKind))
    quantity: Mapped[Decimal] = mapped_column(QTY)
    balance_after: Mapped[Decimal] = mapped_column(QTY)
    reference: Mapped[str] = mapped_column(sa.String(20), index=True)  # RK / CK / TZ … number
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))

    warehouse: Mapped[OrgUnit] = relationship()
    part: Mapped[Part] = relationship()
    actor: Mapped[Employee] = relationship()


class StockReceipt(Audited, db.Model):
    """入库单: goods received, booked the moment it is saved."""

    __tablename__ = "stock_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(search_string(20), unique=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    supplier: Mapped[str | None] = mapped_column(sa.String(100))
    delivery_note: Mapped[str | None] = mapped_column(sa.String(40))  # 签收单号
    remark: Mapped[str | None] = mapped_column(sa.String(300))
    received_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The form's one-time token: a double-clicked "book" finds the first receipt.
    submit_token: Mapped[str | None] = mapped_column(sa.String(40), unique=True)

    warehouse: Mapped[OrgUnit] = relationship()
    received_by: Mapped[Employee] = relationship()
    lines: Mapped[list["StockReceiptLine"]] = relationship(
        back_populates="receipt", cascade="all, delete-orphan", order_by="StockReceiptLine.id")


class StockReceiptLine(Audited, db.Model):
    __tablename__ = "stock_receipt_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("stock_receipts.id", ondelete="CASCADE"), index=True)
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"))
    condition: Mapped[StockCondition] = mapped_column(enum_column(StockCondition))
    quantity: Mapped[Decimal] = mapped_column(QTY)

    receipt: Mapped[StockReceipt] = relationship(back_populates="lines")
    part: Mapped[Part] = relationship()


class Requisition(Audited, Timestamps, db.Model):
    """领料单: a branch asks a warehouse for parts, usually for one ticket."""

    __tablename__ = "requisitions"
    __table_args__ = (
        sa.Index("ix_requisitions_warehouse_status", "warehouse_id", "status"),
        sa.Index("ix_requisitions_branch_status", "branch_id", "status"),
    )
    __audit_exclude__ = ("version",)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(search_string(20), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    status: Mapped[RequisitionStatus] = mapped_column(enum_column(RequisitionStatus),
                                                      default=RequisitionStatus.SUBMITTED)
    remark: Mapped[str | None] = mapped_column(sa.String(300))
    raised_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    approved_at: Mapped[datetime | None]
    waiting_since: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    issued_at: Mapped[datetime | None] = mapped_column(index=True)
    issue_number: Mapped[str | None] = mapped_column(sa.String(20))  # 出库单 CK…
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    ticket: Mapped[Ticket | None] = relationship()
    branch: Mapped[OrgUnit] = relationship(foreign_keys=[branch_id])
    warehouse: Mapped[OrgUnit] = relationship(foreign_keys=[warehouse_id])
    raised_by: Mapped[Employee] = relationship(foreign_keys=[raised_by_id])
    approved_by: Mapped[Employee | None] = relationship(foreign_keys=[approved_by_id])
    issued_by: Mapped[Employee | None] = relationship(foreign_keys=[issued_by_id])
    lines: Mapped[list["RequisitionLine"]] = relationship(
        back_populates="requisition", cascade="all, delete-orphan",
        order_by="RequisitionLine.id")

    def __str__(self) -> str:
        return self.number


class RequisitionLine(Audited, db.Model):
    __tablename__ = "requisition_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("requisitions.id", ondelete="CASCADE"), index=True)
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"), index=True)
    # Giveaway orders are issued from giveaway stock (赠品订单由赠品仓开出).
    condition: Mapped[StockCondition] = mapped_column(enum_column(StockCondition),
                                                      default=StockCondition.GOOD)
    quantity: Mapped[Decimal] = mapped_column(QTY)

    requisition: Mapped[Requisition] = relationship(back_populates="lines")
    part: Mapped[Part] = relationship()


class ReturnReport(Audited, Timestamps, db.Model):
    """退货报告 → manager approval → goods in → return note (退货单), same number throughout."""

    __tablename__ = "stock_returns"
    __table_args__ = (sa.Index("ix_stock_returns_warehouse_status", "warehouse_id", "status"),)
    __audit_exclude__ = ("version",)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(search_string(20), unique=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(QTY)
    value: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(sa.String(300))
    returned_by: Mapped[str] = mapped_column(sa.String(50))  # 业务员 (or the customer)
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))
    status: Mapped[ReturnStatus] = mapped_column(enum_column(ReturnStatus),
                                                 default=ReturnStatus.REPORTED)
    reported_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    decided_at: Mapped[datetime | None]
    refusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    received_at: Mapped[datetime | None]
    received_quantity: Mapped[Decimal | None] = mapped_column(QTY)
    received_condition: Mapped[StockCondition | None] = mapped_column(
        enum_column(StockCondition))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    warehouse: Mapped[OrgUnit] = relationship(foreign_keys=[warehouse_id])
    branch: Mapped[OrgUnit | None] = relationship(foreign_keys=[branch_id])
    part: Mapped[Part] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
    reported_by: Mapped[Employee] = relationship(foreign_keys=[reported_by_id])
    decided_by: Mapped[Employee | None] = relationship(foreign_keys=[decided_by_id])
    received_by: Mapped[Employee | None] = relationship(foreign_keys=[received_by_id])

    def __str__(self) -> str:
        return self.number


class DamageReport(Audited, Timestamps, db.Model):
    """残损: part, quantity, value, cause and proposal; the manager's approval moves the stock."""

    __tablename__ = "damage_reports"
    __table_args__ = (sa.Index("ix_damage_reports_warehouse_status", "warehouse_id", "status"),)
    __audit_exclude__ = ("version",)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(search_string(20), unique=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"), index=True)
    condition: Mapped[StockCondition] = mapped_column(enum_column(StockCondition),
                                                      default=StockCondition.GOOD)
    quantity: Mapped[Decimal] = mapped_column(QTY)
    value: Mapped[Decimal] = mapped_column(MONEY)
    cause: Mapped[str] = mapped_column(sa.String(300))
    proposal: Mapped[DamageProposal] = mapped_column(enum_column(DamageProposal))
    status: Mapped[DamageStatus] = mapped_column(enum_column(DamageStatus),
                                                 default=DamageStatus.REPORTED)
    reported_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    decided_at: Mapped[datetime | None]
    refusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    warehouse: Mapped[OrgUnit] = relationship()
    part: Mapped[Part] = relationship()
    reported_by: Mapped[Employee] = relationship(foreign_keys=[reported_by_id])
    decided_by: Mapped[Employee | None] = relationship(foreign_keys=[decided_by_id])

    def __str__(self) -> str:
        return self.number


class StockCount(Audited, Timestamps, db.Model):
    """盘点: expected quantities snapshotted at opening, counted blind, adjusted on approval."""

    __tablename__ = "stock_counts"
    __table_args__ = (sa.Index("ix_stock_counts_warehouse_status", "warehouse_id", "status"),)
    __audit_exclude__ = ("version",)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(search_string(20), unique=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    condition: Mapped[StockCondition] = mapped_column(enum_column(StockCondition),
                                                      default=StockCondition.GOOD)
    status: Mapped[CountStatus] = mapped_column(enum_column(CountStatus),
                                                default=CountStatus.OPEN)
    category: Mapped[str | None] = mapped_column(sa.String(40))  # filter: one category
    part_prefix: Mapped[str | None] = mapped_column(sa.String(30))  # filter: part no. prefix
    ask_quantity: Mapped[bool] = mapped_column(default=False)  # a scan asks, not adds one
    # The last ledger row the snapshot includes: later rows are "movements since opening".
    watermark: Mapped[int] = mapped_column(default=0)
    line_count: Mapped[int] = mapped_column(default=0)
    opened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    submitted_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    decided_at: Mapped[datetime | None] = mapped_column(index=True)
    adjustment_number: Mapped[str | None] = mapped_column(sa.String(20))  # 库存调整表 TZ…
    remark: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    warehouse: Mapped[OrgUnit] = relationship()
    opened_by: Mapped[Employee] = relationship(foreign_keys=[opened_by_id])
    submitted_by: Mapped[Employee | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[Employee | None] = relationship(foreign_keys=[decided_by_id])

    def __str__(self) -> str:
        return self.number


class StockCountLine(Audited, db.Model):
    """One part on the count sheet. `expected` is never shown to the counter (blind count)."""

    __tablename__ = "stock_count_lines"
    __table_args__ = (sa.UniqueConstraint("count_id", "part_id", name="uq_stock_count_lines_part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_counts.id", ondelete="CASCADE"))
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"))
    expected: Mapped[Decimal] = mapped_column(QTY)
    counted: Mapped[Decimal | None] = mapped_column(QTY)
    counted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    counted_at: Mapped[datetime | None]
    # Ledger position when the line was last counted: movements up to here happened before
    # the goods on the shelf were counted, later ones after.
    counted_watermark: Mapped[int | None]
    movements: Mapped[Decimal | None] = mapped_column(QTY)  # since opening, frozen at submit
    variance: Mapped[Decimal | None] = mapped_column(QTY)  # frozen at submit
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    recount: Mapped[bool] = mapped_column(default=False)

    count: Mapped[StockCount] = relationship()
    part: Mapped[Part] = relationship()
    counted_by: Mapped[Employee | None] = relationship()
