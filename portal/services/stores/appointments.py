"""Appointments (预约): book a slot, reschedule, no-show → a follow-up task for the branch."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Appointment, AppointmentStatus, Employee, StoreTask, Ticket
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.workflow import TransitionRefused, flush
from portal.services.stores.workflow import APPOINTMENT, OUTCOMES, require
from portal.timeutil import local_day_end_utc, local_day_start_utc


def _check_slot(ticket: Ticket, starts_at: datetime, ends_at: datetime,
                technician: Employee | None, ignore_id: int | None = None) -> None:
    if starts_at < utcnow() - timedelta(minutes=5):
        raise DomainError(_("The appointment is in the past."), field="starts_at")
    if ends_at <= starts_at:
        raise DomainError(_("The appointment must end after it starts."), field="ends_at")
    if ends_at - starts_at > timedelta(hours=12):
        raise DomainError(_("An appointment lasts at most 12 hours."), field="ends_at")
    if technician is None:
        return
    if technician.org_unit_id != ticket.branch_id or not technician.active:
        raise DomainError(_("The technician must be active staff of this branch."),
                          field="technician_id")
    clash = db.session.scalar(
        sa.select(Appointment).where(
            Appointment.technician_id == technician.id,
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.starts_at < ends_at, Appointment.ends_at > starts_at,
            Appointment.id != (ignore_id or 0)).limit(1))
    if clash is not None:
        raise DomainError(_("%(name)s already has an appointment then (%(number)s).",
                            name=technician.name, number=clash.ticket.number),
                          field="starts_at")


def book(ticket: Ticket, starts_at: datetime, ends_at: datetime, technician: Employee | None,
         note: str | None, by: Employee) -> Appointment:
    require(by, "appointment.book")
    if not ticket.is_open:
        raise TransitionRefused(_("Appointments are only for open tickets."))
    _check_slot(ticket, starts_at, ends_at, technician)
    appointment = Appointment(ticket_id=ticket.id, branch_id=ticket.branch_id,
                              technician_id=technician.id if technician else None,
                              starts_at=starts_at, ends_at=ends_at, note=note, booked_by_id=by.id)
    db.session.add(appointment)
    flush()
    return appointment


def reschedule(appointment: Appointment, starts_at: datetime, ends_at: datetime,
               technician: Employee | None, *, by: Employee,
               expected_version: int | None = None) -> None:
    """Move a booked slot; the same clash checks as booking, not counting itself."""
    why = APPOINTMENT.refusal(appointment, "reschedule", by, via="reschedule")
    if why:
        raise TransitionRefused(why)
    _check_slot(appointment.ticket, starts_at, ends_at, technician, ignore_id=appointment.id)
    APPOINTMENT.apply(appointment, "reschedule", by, expected_version=expected_version,
                      via="reschedule", starts_at=starts_at, ends_at=ends_at,
                      technician=technician)


def mark(appointment: Appointment, outcome: AppointmentStatus, by: Employee) -> None:
    """Done, cancelled, or no-show; a no-show leaves a follow-up task for the branch."""
    action = OUTCOMES.get(outcome)
    if action is None:
        raise DomainError(_("Choose what happened to the appointment."), field="outcome")
    APPOINTMENT.apply(appointment, action, by)


def week(branch_id: int, monday: date) -> list[Appointment]:
    """The branch's calendar for the week starting `monday` (China time)."""
    return list(db.session.scalars(
        sa.select(Appointment).where(
            Appointment.branch_id == branch_id,
            Appointment.starts_at >= local_day_start_utc(monday),
            Appointment.starts_at < local_day_end_utc(monday + timedelta(days=6)))
        .options(selectinload(Appointment.technician))
        .order_by(Appointment.starts_at)))


def open_tasks(branch_id: int) -> list[StoreTask]:
    return list(db.session.scalars(
        sa.select(StoreTask).where(StoreTask.branch_id == branch_id,
                                   StoreTask.done_at.is_(None))
        .order_by(StoreTask.due_at)))


def complete_task(task: StoreTask, by: Employee) -> None:
    """A follow-up (call back, rebook) is done by whoever books the branch's appointments."""
    require(by, "appointment.book")
    if task.done_at is not None:
        raise TransitionRefused(_("This task is already done."))
    task.done_at = utcnow()
    task.done_by_id = by.id
    flush()
