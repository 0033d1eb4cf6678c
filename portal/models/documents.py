"""Documents that exist only as letters: the contact letter (售后服务联络函)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Audited, Timestamps, search_string
from portal.models.customers import Customer
from portal.models.users import Employee


class ContactLetter(Audited, Timestamps, db.Model):
    """售后服务联络函: a formal letter between the service company and a customer or unit."""

    __tablename__ = "contact_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(search_string(20), unique=True)
    subject: Mapped[str] = mapped_column(sa.String(200))  # 关于
    to_unit: Mapped[str] = mapped_column(sa.String(100))
    to_person: Mapped[str | None] = mapped_column(sa.String(50))
    cc: Mapped[str | None] = mapped_column(sa.String(200))
    from_unit: Mapped[str] = mapped_column(sa.String(100))
    from_person: Mapped[str | None] = mapped_column(sa.String(50))
    sent_at: Mapped[datetime | None]
    pages: Mapped[int] = mapped_column(default=1)
    content: Mapped[str] = mapped_column(sa.Text)
    feedback: Mapped[str | None] = mapped_column(sa.Text)
    sender_confirmed_at: Mapped[datetime | None]
    receiver_confirmed_at: Mapped[datetime | None]
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))

    customer: Mapped[Customer | None] = relationship()
    ticket = relationship("Ticket")
    complaint = relationship("Complaint")
    created_by: Mapped[Employee] = relationship()
