"""Appointments (预约): week calendar, book, reschedule, outcome; follow-up tasks."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.blueprints.stores import NAV_LINKS, bp
from portal.blueprints.stores.common import (
    branch_choices,
    chosen_day,
    current_branch,
    show_error,
    week_start,
)
from portal.blueprints.stores.forms_work import AppointmentForm, AppointmentOutcomeForm
from portal.blueprints.stores.workspace import load_ticket, render_workspace, workspace_context
from portal.extensions import db
from portal.models import Appointment, Employee, StoreTask, Ticket
from portal.services import DomainError
from portal.services.stores import appointments, dispatch
from portal.timeutil import local_to_utc
from portal.web.args import version_of
from portal.web.guards import permission_required
from portal.web.loaders import scoped_or_404
from portal.web.rendering import render

NAV_LINKS.append(("stores.calendar", _l("Appointments")))


def appointment_form(ticket: Ticket, formdata=None) -> AppointmentForm:
    form = AppointmentForm(formdata=formdata) if formdata is not None else AppointmentForm(
        formdata=None)
    form.technician_id.choices = [SelectChoice(None, "—")] + [
        SelectChoice(t.id, t.name) for t in dispatch.technicians_of(ticket.branch_id)]
    return form


@workspace_context
def _appointment_section(ticket, work):
    if not current_user.can("appointment.book"):
        return {}
    return {"appointment_form": appointment_form(ticket),
            "outcome_form": AppointmentOutcomeForm(formdata=None)}


def _technician(form: AppointmentForm) -> Employee | None:
    return db.session.get(Employee, form.technician_id.data) if form.technician_id.data \
        else None


def _form_page(ticket: Ticket, form: AppointmentForm, status: int = 400):
    return render_workspace(ticket, status, appointment_form=form,
                            outcome_form=AppointmentOutcomeForm(formdata=None))


@bp.post("/tickets/<number>/appointments")
@permission_required("appointment.book")
def book_appointment(number: str):
    ticket = load_ticket(number)
    form = appointment_form(ticket, request.form)
    if not form.validate_on_submit():
        return _form_page(ticket, form)
    try:
        appointments.book(ticket, local_to_utc(form.starts_at.data),
                          local_to_utc(form.ends_at.data), _technician(form), form.note.data,
                          current_user)
    except DomainError as exc:
        return _form_page(ticket, form, show_error(form, exc, fallback="note"))
    flash(_("Appointment booked."), "success")
    return redirect(url_for("stores.ticket_workspace", number=ticket.number))


@bp.post("/appointments/<int:appointment_id>/reschedule")
@permission_required("appointment.book")
def reschedule_appointment(appointment_id: int):
    appointment = scoped_or_404(Appointment, appointment_id)
    ticket = appointment.ticket
    form = appointment_form(ticket, request.form)
    if not form.validate_on_submit():
        return _form_page(ticket, form)
    try:
        appointments.reschedule(appointment, local_to_utc(form.starts_at.data),
                                local_to_utc(form.ends_at.data), _technician(form),
                                by=current_user, expected_version=version_of(form.version.data))
    except DomainError as exc:
        return _form_page(ticket, form, show_error(form, exc, fallback="note"))
    flash(_("Appointment moved."), "success")
    return redirect(url_for("stores.ticket_workspace", number=ticket.number))


@bp.post("/appointments/<int:appointment_id>/outcome")
@permission_required("appointment.book")
def appointment_outcome(appointment_id: int):
    appointment = scoped_or_404(Appointment, appointment_id)
    number = appointment.ticket.number
    form = AppointmentOutcomeForm()
    if form.validate_on_submit():
        try:
            appointments.mark(appointment, form.outcome.data, current_user)
        except DomainError as exc:
            show_error(None, exc)  # a redirect after a refusal commits nothing
        else:
            flash(_("Appointment: %(status)s.", status=appointment.status.label), "success")
    return redirect(url_for("stores.ticket_workspace", number=number))


@bp.get("/appointments")
@permission_required("stores.view")
def calendar():
    monday, branch = week_start(chosen_day("week")), current_branch()
    booked = appointments.week(branch.id, monday) if branch else []
    tasks = appointments.open_tasks(branch.id) if branch else []
    return render("stores/calendar.html", monday=monday, branch=branch,
                  branches=branch_choices(), appointments=booked, tasks=tasks)


@bp.post("/tasks/<int:task_id>/done")
@permission_required("appointment.book")
def complete_task(task_id: int):
    task = scoped_or_404(StoreTask, task_id)
    try:
        appointments.complete_task(task, current_user)
    except DomainError as exc:
        show_error(None, exc)
    return redirect(url_for("stores.calendar"))

