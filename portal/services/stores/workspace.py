"""Everything the branch has recorded on one ticket, loaded once for its workspace page."""

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Appointment,
    Dispatch,
    Estimate,
    GoodsReceipt,
    Inspection,
    Reception,
    Requisition,
    ServiceOrder,
    Ticket,
)


@dataclass
class StoreWork:
    reception: Reception | None
    inspections: list[Inspection]
    estimates: list[Estimate]  # newest revision first
    orders: list[ServiceOrder]
    dispatches: list[Dispatch]  # newest first
    appointments: list[Appointment]
    goods: list[GoodsReceipt]
    requisitions: list[Requisition]  # 领料单 raised for the ticket, with the warehouse's status

    @property
    def current_estimate(self) -> Estimate | None:
        return self.estimates[0] if self.estimates else None

    @property
    def current_dispatch(self) -> Dispatch | None:
        return next((d for d in self.dispatches if d.active), None)


def load(ticket: Ticket) -> StoreWork:
    def rows(model, order):
        return list(db.session.scalars(
            sa.select(model).where(model.ticket_id == ticket.id).order_by(order)))

    return StoreWork(
        reception=db.session.scalar(sa.select(Reception).where(Reception.ticket_id == ticket.id)),
        inspections=rows(Inspection, Inspection.id.desc()),
        estimates=rows(Estimate, Estimate.revision.desc()),
        orders=rows(ServiceOrder, ServiceOrder.id),
        dispatches=rows(Dispatch, Dispatch.id.desc()),
        appointments=rows(Appointment, Appointment.starts_at),
        goods=rows(GoodsReceipt, GoodsReceipt.id),
        requisitions=rows(Requisition, Requisition.id),
    )
