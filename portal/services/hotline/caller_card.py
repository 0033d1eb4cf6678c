"""Everything an agent needs on one caller's card (来电弹屏), loaded in a few queries."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    OPEN_STATUSES,
    Callback,
    CallbackStatus,
    CallRecord,
    Complaint,
    ComplaintStatus,
    Customer,
    Employee,
    OrgUnit,
    Product,
    Ticket,
)


@dataclass
class CallerCard:
    """The card's lists are rows of the columns it shows: loading 30 Ticket objects (and
    the calls' agents) through the ORM was a third of the card's CPU."""

    customer: Customer
    products: list[Product]
    open_tickets: list
    recent_tickets: list
    calls: list
    complaints: list
    callbacks: list
    today: date


_TICKETS = (
    sa.select(Ticket.number, Ticket.status, Ticket.urgent, Ticket.short_text, Ticket.created_at,
              OrgUnit.name.label("branch_name"))
    .join(OrgUnit, OrgUnit.id == Ticket.branch_id)
    .where(Ticket.customer_id == sa.bindparam("cid")).order_by(Ticket.id.desc()).limit(30))
_CALLS = (
    sa.select(CallRecord.called_at, CallRecord.category, CallRecord.content,
              Employee.name.label("agent_name"))
    .join(Employee, Employee.id == CallRecord.agent_id)
    .where(CallRecord.customer_id == sa.bindparam("cid"))
    .order_by(CallRecord.called_at.desc()).limit(10))
_COMPLAINTS = (
    sa.select(Complaint.number, Complaint.status, Complaint.content)
    .where(Complaint.customer_id == sa.bindparam("cid"),
           Complaint.status.not_in([ComplaintStatus.CLOSED, ComplaintStatus.INVALID]))
    .order_by(Complaint.id.desc()).limit(10))
_CALLBACKS = (
    sa.select(Callback.id, Callback.kind, Callback.due_at)
    .where(Callback.customer_id == sa.bindparam("cid"), Callback.status == CallbackStatus.DUE)
    .order_by(Callback.due_at))


def load(customer: Customer, today: date) -> CallerCard:
    params = {"cid": customer.id}
    tickets = db.session.execute(_TICKETS, params).all()
    return CallerCard(
        customer=customer,
        products=[p for p in customer.products if p.active],
        open_tickets=[t for t in tickets if t.status in OPEN_STATUSES],
        recent_tickets=[t for t in tickets if t.status not in OPEN_STATUSES][:5],
        calls=last_calls(customer.id),
        complaints=db.session.execute(_COMPLAINTS, params).all(),
        callbacks=db.session.execute(_CALLBACKS, params).all(),
        today=today,
    )


def last_calls(customer_id: int) -> list:
    return db.session.execute(_CALLS, {"cid": customer_id}).all()
