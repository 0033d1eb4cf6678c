"""Everything an agent needs on one caller's card (来电弹屏), loaded in a few queries."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import (
    OPEN_STATUSES,
    Callback,
    CallbackStatus,
    CallRecord,
    Complaint,
    ComplaintStatus,
    Customer,
    Product,
    Ticket,
)


@dataclass
class CallerCard:
    customer: Customer
    products: list[Product]
    open_tickets: list[Ticket]
    recent_tickets: list[Ticket]
    calls: list[CallRecord]
    complaints: list[Complaint]
    callbacks: list[Callback]
    today: date


def load(customer: Customer, today: date) -> CallerCard:
    # Many-to-one rows come joined (one statement per list): a separate SELECT … IN per
    # relationship cost more CPU in the ORM than the join costs the database.
    cid = customer.id
    tickets = db.session.scalars(
        sa.select(Ticket).where(Ticket.customer_id == cid)
        .options(joinedload(Ticket.branch), joinedload(Ticket.product))
        .order_by(Ticket.id.desc()).limit(30)).all()
    return CallerCard(
        customer=customer,
        products=[p for p in customer.products if p.active],
        open_tickets=[t for t in tickets if t.status in OPEN_STATUSES],
        recent_tickets=[t for t in tickets if t.status not in OPEN_STATUSES][:5],
        calls=list(db.session.scalars(
            sa.select(CallRecord).where(CallRecord.customer_id == cid)
            .options(joinedload(CallRecord.agent))
            .order_by(CallRecord.called_at.desc()).limit(10))),
        complaints=list(db.session.scalars(
            sa.select(Complaint).where(Complaint.customer_id == cid, Complaint.status.not_in(
                [ComplaintStatus.CLOSED, ComplaintStatus.INVALID]))
            .order_by(Complaint.id.desc()).limit(10))),
        callbacks=list(db.session.scalars(
            sa.select(Callback).where(Callback.customer_id == cid,
                                      Callback.status == CallbackStatus.DUE)
            .order_by(Callback.due_at))),
        today=today,
    )
