"""The branch queue's extras: what is promised when, and what the day holds."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Appointment, AppointmentStatus, Dispatch, StoreTask
from portal.timeutil import local_day_end_utc, local_day_start_utc


def promises(ticket_ids: list[int]) -> dict[int, datetime]:
    """The handover promised to the customer per ticket (the active dispatch's, revised first)."""
    if not ticket_ids:
        return {}
    rows = db.session.execute(
        sa.select(Dispatch.ticket_id, Dispatch.revised_handover_at, Dispatch.promised_handover_at)
        .where(Dispatch.ticket_id.in_(ticket_ids), Dispatch.active)).all()
    return {tid: revised or promised for tid, revised, promised in rows if revised or promised}


@dataclass
class BranchDay:
    handovers: list[Dispatch]
    appointments: list[Appointment]
    tasks_due: int


def today(branch_id: int, day: date) -> BranchDay:
    start, end = local_day_start_utc(day), local_day_end_utc(day)
    handovers = db.session.scalars(
        sa.select(Dispatch).where(
            Dispatch.branch_id == branch_id, Dispatch.active,
            sa.func.coalesce(Dispatch.revised_handover_at, Dispatch.promised_handover_at) >= start,
            sa.func.coalesce(Dispatch.revised_handover_at, Dispatch.promised_handover_at) < end)
        .options(selectinload(Dispatch.ticket))).all()
    appointments = db.session.scalars(
        sa.select(Appointment).where(Appointment.branch_id == branch_id,
                                     Appointment.status == AppointmentStatus.BOOKED,
                                     Appointment.starts_at >= start, Appointment.starts_at < end)
        .order_by(Appointment.starts_at)).all()
    tasks = db.session.scalar(
        sa.select(sa.func.count()).select_from(StoreTask).where(
            StoreTask.branch_id == branch_id, StoreTask.done_at.is_(None),
            StoreTask.due_at < end))
    return BranchDay(list(handovers), list(appointments), tasks or 0)
