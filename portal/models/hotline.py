"""Hotline records: calls (电话记录), complaints (客户投诉) and callbacks (回访)."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Audited, Timestamps, enum_column
from portal.models.customers import Customer, Product
from portal.models.labels import LabelledEnum
from portal.models.org import Department
from portal.models.users import Employee


class CallCategory(LabelledEnum):
    """来电类别."""

    GENERAL = ("general", _l("General call"))
    BUSINESS = ("business", _l("Business call (enquiry, booking)"))
    INSTALL = ("install", _l("Installation / repair call"))
    COMPLAINT = ("complaint", _l("Complaint call"))


class CallRecord(Audited, db.Model):
    """One call, the digital 电话记录本."""

    __tablename__ = "call_records"
    __table_args__ = (sa.Index("ix_call_records_customer_at", "customer_id", "called_at"),
                      sa.Index("ix_call_records_agent_at", "agent_id", "called_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"))
    caller_name: Mapped[str | None] = mapped_column(sa.String(100))  # unknown caller
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    called_at: Mapped[datetime] = mapped_column(index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id"))
    product_no: Mapped[str | None] = mapped_column(sa.String(40))
    model: Mapped[str | None] = mapped_column(sa.String(50))
    spec: Mapped[str | None] = mapped_column(sa.String(100))
    category: Mapped[CallCategory] = mapped_column(enum_column(CallCategory))
    fault_symptom: Mapped[str | None] = mapped_column(sa.String(300))  # 故障现象
    requested_visit_at: Mapped[datetime | None]  # 要求上门时间
    content: Mapped[str] = mapped_column(sa.Text)  # 电话记录内容
    handling_opinion: Mapped[str | None] = mapped_column(sa.Text)  # 处理意见
    result: Mapped[str | None] = mapped_column(sa.Text)  # 处理结果
    resolver: Mapped[str | None] = mapped_column(sa.String(50))
    done_at: Mapped[datetime | None]
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    # Token of the form that saved it: a double-clicked submit finds the first save.
    submit_token: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    review_remark: Mapped[str | None] = mapped_column(sa.String(300))

    customer: Mapped[Customer | None] = relationship()
    product: Mapped[Product | None] = relationship()
    agent: Mapped[Employee] = relationship(foreign_keys=[agent_id])
    reviewed_by: Mapped[Employee | None] = relationship(foreign_keys=[reviewed_by_id])


class ComplaintCategory(LabelledEnum):
    PRODUCT_QUALITY = ("product_quality", _l("Product quality"))
    INSTALL_QUALITY = ("install_quality", _l("Installation quality"))
    ATTITUDE = ("attitude", _l("Service attitude"))
    PRICE = ("price", _l("Price"))
    DELIVERY = ("delivery", _l("Delivery"))
    OTHER = ("other", _l("Other"))


class ComplaintChannel(LabelledEnum):
    PHONE = ("phone", _l("Phone"))
    STORE = ("store", _l("In store"))
    EMAIL = ("email", _l("Email / letter"))
    CALLBACK = ("callback", _l("Callback"))
    OTHER = ("other", _l("Other"))


class ComplaintStatus(LabelledEnum):
    REGISTERED = ("registered", _l("Registered"))
    INVALID = ("invalid", _l("Not valid, replied"))
    ASSIGNED = ("assigned", _l("Assigned"))
    PROPOSED = ("proposed", _l("Solution proposed"))
    APPROVED = ("approved", _l("Solution approved"))
    CONFIRMED = ("confirmed", _l("Customer confirmed"))
    FOLLOWED_UP = ("followed_up", _l("Followed up"))
    CLOSED = ("closed", _l("Closed"))


class Complaint(Audited, Timestamps, db.Model):
    """客户投诉: register, judge, assign, investigate, propose, approve, confirm, follow up."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    status: Mapped[ComplaintStatus] = mapped_column(enum_column(ComplaintStatus),
                                                    default=ComplaintStatus.REGISTERED,
                                                    index=True)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    complainant: Mapped[str] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    received_at: Mapped[datetime]
    channel: Mapped[ComplaintChannel] = mapped_column(enum_column(ComplaintChannel))
    category: Mapped[ComplaintCategory] = mapped_column(enum_column(ComplaintCategory))
    content: Mapped[str] = mapped_column(sa.Text)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id"))
    serious: Mapped[bool] = mapped_column(default=False, index=True)
    valid: Mapped[bool | None]
    judgement: Mapped[str | None] = mapped_column(sa.Text)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    handler_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    investigation: Mapped[str | None] = mapped_column(sa.Text)
    cause: Mapped[str | None] = mapped_column(sa.Text)
    proposals: Mapped[str | None] = mapped_column(sa.Text)  # one proposal per line
    chosen_solution: Mapped[str | None] = mapped_column(sa.Text)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    approved_at: Mapped[datetime | None]
    customer_confirmation: Mapped[str | None] = mapped_column(sa.String(200))
    confirmed_at: Mapped[datetime | None]
    follow_up: Mapped[str | None] = mapped_column(sa.Text)
    followed_up_at: Mapped[datetime | None]
    summary: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None]
    registered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    customer: Mapped[Customer | None] = relationship()
    product: Mapped[Product | None] = relationship()
    ticket = relationship("Ticket")
    department: Mapped[Department | None] = relationship()
    handler: Mapped[Employee | None] = relationship(foreign_keys=[handler_id])
    approved_by: Mapped[Employee | None] = relationship(foreign_keys=[approved_by_id])
    registered_by: Mapped[Employee] = relationship(foreign_keys=[registered_by_id])


class CallbackKind(LabelledEnum):
    AFTER_SERVICE = ("after_service", _l("After-service callback"))
    FEEDBACK_FOLLOW_UP = ("feedback_follow_up", _l("Follow-up after engineer feedback"))
    CONTRACT_EXPIRY = ("contract_expiry", _l("Maintenance contract expiry"))


class Satisfaction(LabelledEnum):
    VERY_SATISFIED = ("very_satisfied", _l("Very satisfied"))
    SATISFIED = ("satisfied", _l("Satisfied"))
    AVERAGE = ("average", _l("Average"))
    DISSATISFIED = ("dissatisfied", _l("Dissatisfied"))


class CallbackStatus(LabelledEnum):
    DUE = ("due", _l("Due"))
    DONE = ("done", _l("Done"))
    CANCELLED = ("cancelled", _l("Cancelled"))


class Callback(Audited, Timestamps, db.Model):
    """回访: one survey call due for a ticket (or a contract about to expire)."""

    __tablename__ = "callbacks"
    __table_args__ = (sa.Index("ix_callbacks_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CallbackKind] = mapped_column(enum_column(CallbackKind))
    status: Mapped[CallbackStatus] = mapped_column(enum_column(CallbackStatus),
                                                   default=CallbackStatus.DUE)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    due_at: Mapped[datetime]
    contract_end: Mapped[date | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None]
    overall: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction))
    reasons: Mapped[str | None] = mapped_column(sa.String(100))  # comma-separated codes
    rating_attitude: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction))
    rating_skill: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction))
    rating_arrival: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction))
    rating_promise: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction))
    suggestions: Mapped[str | None] = mapped_column(sa.Text)
    engineer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    feedback: Mapped[str | None] = mapped_column(sa.Text)
    feedback_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    ticket = relationship("Ticket")
    customer: Mapped[Customer] = relationship()
    engineer: Mapped[Employee | None] = relationship(foreign_keys=[engineer_id])
    agent: Mapped[Employee | None] = relationship(foreign_keys=[agent_id])
