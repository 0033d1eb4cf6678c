"""Branch store work (门店): reception, inspection, estimates, dispatch, appointments, goods in."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Audited, Timestamps, enum_column, search_string
from portal.models.labels import LabelledEnum
from portal.models.pricing import MONEY, PriceItem
from portal.models.users import Employee

HOURS = sa.Numeric(6, 2)
QUANTITY = sa.Numeric(10, 2)


class Warranty(LabelledEnum):
    """保修范围: decided at reception; 'pending' needs a reason and a later assessment."""

    IN = ("in", _l("In warranty"))
    OUT = ("out", _l("Out of warranty"))
    PENDING = ("pending", _l("Pending assessment"))


class Reception(Audited, Timestamps, db.Model):
    """接待 / 征询: what the customer asked for and the warranty decision."""

    __tablename__ = "receptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), unique=True)
    request: Mapped[str] = mapped_column(sa.Text)
    warranty: Mapped[Warranty] = mapped_column(enum_column(Warranty))
    warranty_reason: Mapped[str | None] = mapped_column(sa.String(300))
    received_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))

    received_by: Mapped[Employee] = relationship()


class InspectionPosition(LabelledEnum):
    GLASS_FRONT = ("glass_front", _l("Glass, front"))
    GLASS_BACK = ("glass_back", _l("Glass, back"))
    CORNER_1 = ("corner_1", _l("Corner 1 (top left)"))
    CORNER_2 = ("corner_2", _l("Corner 2 (top right)"))
    CORNER_3 = ("corner_3", _l("Corner 3 (bottom left)"))
    CORNER_4 = ("corner_4", _l("Corner 4 (bottom right)"))
    ADDED = ("added", _l("Added item"))


class ProblemPoint(LabelledEnum):
    BROKEN = ("broken", _l("Broken"))
    DIRTY = ("dirty", _l("Dirty"))
    SCRATCHED = ("scratched", _l("Scratched"))
    WORN = ("worn", _l("Worn"))
    DEFORMED = ("deformed", _l("Deformed"))


class Inspection(Audited, Timestamps, db.Model):
    """产品外观检查报告: the product's appearance, checked together with the customer."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    customer_name: Mapped[str | None] = mapped_column(sa.String(50))  # 客户确认
    confirmed_at: Mapped[datetime | None]

    inspector: Mapped[Employee] = relationship()
    lines: Mapped[list["InspectionLine"]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan",
        order_by="InspectionLine.id")

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)


class InspectionLine(Audited, db.Model):
    __tablename__ = "inspection_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    position: Mapped[InspectionPosition] = mapped_column(enum_column(InspectionPosition))
    label: Mapped[str | None] = mapped_column(sa.String(60))  # name of an added item
    ok: Mapped[bool] = mapped_column(default=True)
    # ProblemPoint values, comma-separated
    problems: Mapped[str | None] = mapped_column(sa.String(100))
    description: Mapped[str | None] = mapped_column(sa.String(300))

    inspection: Mapped[Inspection] = relationship(back_populates="lines")

    @property
    def problem_points(self) -> list[ProblemPoint]:
        return [ProblemPoint(p) for p in (self.problems or "").split(",") if p]


class PaymentMethod(LabelledEnum):
    CASH = ("cash", _l("Cash"))
    CARD = ("card", _l("Bank card"))
    TRANSFER = ("transfer", _l("Bank transfer"))
    MOBILE = ("mobile", _l("WeChat / Alipay"))
    CONTRACT = ("contract", _l("Under contract (no charge)"))


class EstimateStatus(LabelledEnum):
    DRAFT = ("draft", _l("Draft"))
    APPROVED = ("approved", _l("Approved by customer"))
    SUPERSEDED = ("superseded", _l("Superseded"))


class Estimate(Audited, Timestamps, db.Model):
    """委托安装估价单, one revision. Additional work (追加) is a new revision to approve."""

    __tablename__ = "estimates"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "revision",
                                          name="uq_estimates_ticket_revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    revision: Mapped[int] = mapped_column(default=1)
    status: Mapped[EstimateStatus] = mapped_column(enum_column(EstimateStatus),
                                                   default=EstimateStatus.DRAFT)
    promised_at: Mapped[datetime | None]  # 承诺交工时间
    without_asking: Mapped[str | None] = mapped_column(sa.Text)  # 无需再征询客户即可进行的工作
    payment_method: Mapped[PaymentMethod | None] = mapped_column(enum_column(PaymentMethod))
    note: Mapped[str | None] = mapped_column(sa.Text)
    labour_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    parts_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    other_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    approved_by_customer: Mapped[str | None] = mapped_column(sa.String(50))
    approved_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    created_by: Mapped[Employee] = relationship()
    lines: Mapped[list["EstimateLine"]] = relationship(
        back_populates="estimate", cascade="all, delete-orphan", order_by="EstimateLine.id")

    @property
    def locked(self) -> bool:
        return self.status != EstimateStatus.DRAFT


class LineKind(LabelledEnum):
    LABOUR = ("labour", _l("Labour"))
    PART = ("part", _l("Part"))
    TRANSPORT = ("transport", _l("Transport"))
    OTHER = ("other", _l("Other"))


class EstimateLine(Audited, db.Model):
    """A line keeps its own copy of the price: a later price list change leaves it alone."""

    __tablename__ = "estimate_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    estimate_id: Mapped[int] = mapped_column(sa.ForeignKey("estimates.id", ondelete="CASCADE"),
                                             index=True)
    price_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("price_items.id"))
    kind: Mapped[LineKind] = mapped_column(enum_column(LineKind))
    description: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal(1))
    hours: Mapped[Decimal] = mapped_column(HOURS, default=Decimal(0))  # per unit, labour only
    unit_price: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))

    estimate: Mapped[Estimate] = relationship(back_populates="lines")
    price_item: Mapped[PriceItem | None] = relationship()


class ServiceOrder(Audited, Timestamps, db.Model):
    """服务销售订单 from an approved estimate; later its invoice (服务销售发票)."""

    __tablename__ = "service_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(search_string(20), unique=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    estimate_id: Mapped[int] = mapped_column(sa.ForeignKey("estimates.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    invoice_number: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    invoiced_at: Mapped[datetime | None]
    invoiced_amount: Mapped[Decimal | None] = mapped_column(MONEY)

    estimate: Mapped[Estimate] = relationship()


class DispatchCategory(LabelledEnum):
    FIRST_INSTALL = ("1", _l("1 First installation"))
    MAINTENANCE = ("2", _l("2 Maintenance"))
    REINSTALL = ("3", _l("3 Re-installation"))
    OTHER = ("4", _l("4 Other"))


class Priority(LabelledEnum):
    """The board puts priority work first: recall / campaign, rework, booked returns."""

    RECALL = ("recall", _l("Recall / campaign"))
    REWORK = ("rework", _l("Re-installation (rework)"))
    BOOKED_RETURN = ("booked_return", _l("Booked return"))
    NORMAL = ("normal", _l("Normal"))


PRIORITY_ORDER = {Priority.RECALL: 0, Priority.REWORK: 1, Priority.BOOKED_RETURN: 2,
                  Priority.NORMAL: 3}


class Dispatch(Audited, Timestamps, db.Model):
    """委托安装派工单: who goes, when, and the promised handover."""

    __tablename__ = "dispatches"
    __table_args__ = (sa.Index("ix_dispatches_branch_planned", "branch_id", "planned_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(search_string(20), unique=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    category: Mapped[DispatchCategory] = mapped_column(enum_column(DispatchCategory))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.NORMAL)
    planned_date: Mapped[datetime]  # the day the work is booked on (派工时间)
    planned_hours: Mapped[Decimal] = mapped_column(HOURS, default=Decimal(0))
    promised_handover_at: Mapped[datetime | None]
    revised_handover_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    handed_over_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(sa.Text)
    dispatched_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    active: Mapped[bool] = mapped_column(default=True)  # a rework dispatch replaces the first

    ticket = relationship("Ticket")
    dispatched_by: Mapped[Employee] = relationship(foreign_keys=[dispatched_by_id])
    assignments: Mapped[list["DispatchAssignment"]] = relationship(
        back_populates="dispatch", cascade="all, delete-orphan",
        order_by="DispatchAssignment.id")
    work_logs: Mapped[list["WorkLog"]] = relationship(
        back_populates="dispatch", cascade="all, delete-orphan", order_by="WorkLog.id")


class AssignmentRole(LabelledEnum):
    TECHNICIAN = ("technician", _l("Technician"))
    QA = ("qa", _l("QA inspector"))
    CLEANER = ("cleaner", _l("Cleaner"))


class DispatchAssignment(Audited, db.Model):
    __tablename__ = "dispatch_assignments"
    __table_args__ = (sa.UniqueConstraint("dispatch_id", "employee_id",
                                          name="uq_dispatch_assignments_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(sa.ForeignKey("dispatches.id", ondelete="CASCADE"),
                                             index=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    role: Mapped[AssignmentRole] = mapped_column(enum_column(AssignmentRole))

    dispatch: Mapped[Dispatch] = relationship(back_populates="assignments")
    employee: Mapped[Employee] = relationship()


class WorkLog(Audited, Timestamps, db.Model):
    """What a technician actually did: hours, parts used and notes (修护卡 / 工作日报)."""

    __tablename__ = "work_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(sa.ForeignKey("dispatches.id", ondelete="CASCADE"),
                                             index=True)
    technician_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    work_date: Mapped[datetime]
    hours: Mapped[Decimal] = mapped_column(HOURS)
    parts_used: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)

    dispatch: Mapped[Dispatch] = relationship(back_populates="work_logs")
    technician: Mapped[Employee] = relationship()


class AppointmentStatus(LabelledEnum):
    BOOKED = ("booked", _l("Booked"))
    DONE = ("done", _l("Done"))
    NO_SHOW = ("no_show", _l("No-show"))
    CANCELLED = ("cancelled", _l("Cancelled"))


class Appointment(Audited, Timestamps, db.Model):
    """预约: a slot for a ticket at the branch or on site."""

    __tablename__ = "appointments"
    __table_args__ = (sa.Index("ix_appointments_branch_start", "branch_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[AppointmentStatus] = mapped_column(enum_column(AppointmentStatus),
                                                      default=AppointmentStatus.BOOKED)
    note: Mapped[str | None] = mapped_column(sa.String(300))
    booked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    ticket = relationship("Ticket")
    technician: Mapped[Employee | None] = relationship(foreign_keys=[technician_id])


class StoreTask(Audited, Timestamps, db.Model):
    """A follow-up the branch owes (e.g. call back a customer who did not come)."""

    __tablename__ = "store_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))
    text: Mapped[str] = mapped_column(sa.String(300))
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))

    ticket = relationship("Ticket")


class GoodsReceipt(Audited, Timestamps, db.Model):
    """客户商品领取收据 and its line in the goods in/out register (客户商品进出登记簿)."""

    __tablename__ = "goods_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(search_string(20), unique=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    goods: Mapped[str] = mapped_column(sa.String(300))  # what was taken in, with accessories
    condition: Mapped[str | None] = mapped_column(sa.String(300))
    received_at: Mapped[datetime]
    received_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    repair_hours: Mapped[Decimal] = mapped_column(HOURS, default=Decimal(0))  # 修护卡
    repair_parts: Mapped[str | None] = mapped_column(sa.Text)
    repair_note: Mapped[str | None] = mapped_column(sa.Text)
    returned_at: Mapped[datetime | None]
    returned_signature: Mapped[str | None] = mapped_column(sa.String(50))
    returned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))

    ticket = relationship("Ticket")
    received_by: Mapped[Employee] = relationship(foreign_keys=[received_by_id])

    @property
    def void(self) -> bool:
        """Returned against the customer's signature: the receipt no longer entitles anyone."""
        return self.returned_at is not None
