"""Service tickets (报修单 / 客户服务通知单) with their timeline and item lines."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Audited, Timestamps, enum_column, search_string, utcnow
from portal.models.customers import Customer, Product
from portal.models.labels import LabelledEnum
from portal.models.org import OrgUnit
from portal.models.users import Employee


class TicketKind(LabelledEnum):
    Z1 = ("Z1", _l("Z1 Customer service notice"))
    Z2 = ("Z2", _l("Z2 Delivery exception"))


class TicketTiming(LabelledEnum):
    """事前 (a booking before the visit, 报备) or 事后 (a repair report, 报修)."""

    BEFORE = ("before", _l("Before the visit (booking)"))
    AFTER = ("after", _l("After the fact (repair report)"))


class ServiceClass(LabelledEnum):
    A = ("A", _l("A Paid service"))
    B = ("B", _l("B Contract service"))
    C = ("C", _l("C Free (in warranty)"))
    D = ("D", _l("D Internal administrative work"))


class ServiceItem(LabelledEnum):
    """服务项目. The last six need a supervisor's approval before any work (设备更新信息审核)."""

    REPAIR = ("repair", _l("Repair"))
    MAINTENANCE = ("maintenance", _l("Maintenance"))
    INSTALLATION = ("installation", _l("Installation"))
    INSPECTION = ("inspection", _l("Inspection / consultation"))
    UPGRADE = ("upgrade", _l("Version upgrade"))
    STORE_MACHINE = ("store_machine", _l("Stop and store in warehouse"))
    REENABLE = ("reenable", _l("Re-enable stopped machine"))
    ACTIVATE_NEW = ("activate_new", _l("Activate new machine"))
    NEW_INSTALL = ("new_install", _l("New machine installation"))
    RELOCATE = ("relocate", _l("Relocation"))

    @property
    def needs_approval(self) -> bool:
        return self in APPROVAL_ITEMS


APPROVAL_ITEMS = frozenset({ServiceItem.UPGRADE, ServiceItem.STORE_MACHINE,
                            ServiceItem.REENABLE, ServiceItem.ACTIVATE_NEW,
                            ServiceItem.NEW_INSTALL, ServiceItem.RELOCATE})


class TicketStatus(LabelledEnum):
    """User status (用户状态), SAP codes kept as the stored values."""

    TZJL = ("TZJL", _l("TZJL Created"))
    KCJS = ("KCJS", _l("KCJS Survey done"))
    ZGPZ = ("ZGPZ", _l("ZGPZ Supervisor approved"))
    BPZ = ("BPZ", _l("BPZ Supervisor refused"))
    ZBHF = ("ZBHF", _l("ZBHF Department replied"))
    DISPATCHED = ("DISPATCHED", _l("Dispatched"))
    IN_WORK = ("IN_WORK", _l("In work"))
    QA_PENDING = ("QA_PENDING", _l("Waiting for quality check"))  # 待质检
    REWORK = ("REWORK", _l("Rework"))  # 返工: failed the check, back to dispatch
    HANDOVER_READY = ("HANDOVER_READY", _l("Ready for handover"))
    CLOSED = ("CLOSED", _l("Closed"))
    AWAITING_FEEDBACK = ("AWAITING_FEEDBACK", _l("Awaiting feedback"))
    FEEDBACK_GIVEN = ("FEEDBACK_GIVEN", _l("Feedback given"))
    CALLED_BACK = ("CALLED_BACK", _l("Called back"))
    HFYY = ("HFYY", _l("HFYY Replied to sales"))
    DDKH = ("DDKH", _l("DDKH Goods delivered to customer"))
    THCS = ("THCS", _l("THCS Goods returned to manufacturer"))
    CANCELLED = ("CANCELLED", _l("Cancelled"))


OPEN_STATUSES = frozenset(set(TicketStatus) - {
    TicketStatus.CLOSED, TicketStatus.AWAITING_FEEDBACK, TicketStatus.FEEDBACK_GIVEN,
    TicketStatus.CALLED_BACK, TicketStatus.CANCELLED})


class Ticket(Audited, Timestamps, db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        sa.Index("ix_tickets_branch_status", "branch_id", "status"),
        sa.Index("ix_tickets_status_created", "status", "created_at"),
        sa.Index("ix_tickets_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(search_string(20), unique=True)
    kind: Mapped[TicketKind] = mapped_column(enum_column(TicketKind), default=TicketKind.Z1)
    timing: Mapped[TicketTiming] = mapped_column(enum_column(TicketTiming),
                                                 default=TicketTiming.AFTER)
    status: Mapped[TicketStatus] = mapped_column(enum_column(TicketStatus),
                                                 default=TicketStatus.TZJL)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id"), index=True)
    serial_text: Mapped[str | None] = mapped_column(search_string(40), index=True)
    serial_anomaly: Mapped[bool] = mapped_column(default=False, index=True)  # 序列号异常
    service_item: Mapped[ServiceItem] = mapped_column(enum_column(ServiceItem),
                                                      default=ServiceItem.REPAIR)
    service_class: Mapped[ServiceClass] = mapped_column(enum_column(ServiceClass),
                                                        default=ServiceClass.C)
    reason_code: Mapped[str | None] = mapped_column(sa.String(20))
    urgent: Mapped[bool] = mapped_column(default=False)
    short_text: Mapped[str] = mapped_column(sa.String(120))  # 通知单描述
    long_text: Mapped[str | None] = mapped_column(sa.Text)
    requested_start: Mapped[datetime | None]
    expected_end: Mapped[datetime | None]
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    responsible_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)  # 接报人
    reference_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))
    call_record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("call_records.id"))
    po_number: Mapped[str | None] = mapped_column(sa.String(40))
    needs_approval: Mapped[bool] = mapped_column(default=False)
    hq_requested: Mapped[bool] = mapped_column(default=False)
    feedback_engineer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"),
                                                             index=True)
    closed_at: Mapped[datetime | None]
    # Token of the form that created it: a double-clicked submit finds the first ticket.
    submit_token: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    customer: Mapped[Customer] = relationship()
    product: Mapped[Product | None] = relationship()
    branch: Mapped[OrgUnit] = relationship()
    responsible: Mapped[Employee | None] = relationship(foreign_keys=[responsible_id])
    reporter: Mapped[Employee] = relationship(foreign_keys=[reporter_id])
    feedback_engineer: Mapped[Employee | None] = relationship(foreign_keys=[feedback_engineer_id])
    reference: Mapped["Ticket | None"] = relationship(remote_side=[id])
    call_record = relationship("CallRecord", foreign_keys=[call_record_id])
    items: Mapped[list["TicketItem"]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketItem.id")
    events: Mapped[list["TicketEvent"]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketEvent.id")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __str__(self) -> str:
        return self.number


class TicketItem(Audited, db.Model):
    """Item line: product type, colour code, material and quantity (产品类型 / 色码 / 物料)."""

    __tablename__ = "ticket_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    product_type: Mapped[str | None] = mapped_column(sa.String(40))
    colour_code: Mapped[str | None] = mapped_column(sa.String(20))
    material: Mapped[str | None] = mapped_column(sa.String(60))
    quantity: Mapped[int] = mapped_column(default=1)

    ticket: Mapped[Ticket] = relationship(back_populates="items")


class TicketEvent(db.Model):
    """One line of the ticket's timeline: a transition (who, when, from → to, remark)."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    action: Mapped[str] = mapped_column(sa.String(30))
    from_status: Mapped[TicketStatus | None] = mapped_column(enum_column(TicketStatus))
    to_status: Mapped[TicketStatus] = mapped_column(enum_column(TicketStatus))
    remark: Mapped[str | None] = mapped_column(sa.Text)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[Employee | None] = relationship()
