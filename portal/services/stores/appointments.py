"""Appointments (预约): book a slot, reschedule, no-show → a follow-up task for the branch."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Appointment, AppointmentStatus, Employee, StoreTask, Ticket
from portal.models.base import utcnow
from portal.services import DomainError
from portal.timeutil import local_day_end_utc, local_day_start_utc

FOLLOW_UP_AFTER_NO_SHOW = timedelta(hours=4)


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
    if not ticket.is_open:
        raise DomainError(_("Appointments are only for open tickets."))
    _check_slot(ticket, starts_at, ends_at, technician)
    appointment = Appointment(ticket_id=ticket.id, branch_id=ticket.branch_id,
                              technician_id=technician.id if technician else None,
                              starts_at=starts_at, ends_at=ends_at, note=note, booked_by_id=by.id)
    db.session.add(appointment)
    db.session.commit()
    return appointment


def _booked(appointment: Appointment) -> None:
    if appointment.status != AppointmentStatus.BOOKED:
        raise DomainError(_("This appointment is already %(status)s.",
                            status=appointment.status.label))


def reschedule(appointment: Appointment, starts_at: datetime, ends_at: datetime,
               technician: Employee | None, expected_version: int | None = None) -> None:
    _booked(appointment)
    if expected_version is not None and expected_version != appointment.version:
        raise DomainError(_("The appointment was changed by someone else. Reload and retry."))
    _check_slot(appointment.ticket, starts_at, ends_at, technician, ignore_id=appointment.id)
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    appointment.technician_id = technician.id if technician else None
    db.session.commit()


def mark(appointment: Appointment, outcome: AppointmentStatus, by: Employee) -> None:
    """Done, cancelled, or no-show; a no-show leaves a follow-up task for the branch."""
    _booked(appointment)
    if outcome == AppointmentStatus.BOOKED:
        raise DomainError(_("Choose what happened to the appointment."))
    appointment.status = outcome
    if outcome == AppointmentStatus.NO_SHOW:
        db.session.add(StoreTask(
            branch_id=appointment.branch_id, ticket_id=appointment.ticket_id,
            text=_("Customer did not come to the appointment of %(when)s: call and rebook.",
                   when=appointment.starts_at.strftime("%Y-%m-%d %H:%M")),
            due_at=utcnow() + FOLLOW_UP_AFTER_NO_SHOW))
    db.session.commit()


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
    if task.done_at is not None:
        raise DomainError(_("This task is already done."))
    task.done_at = utcnow()
    task.done_by_id = by.id
    db.session.commit()
