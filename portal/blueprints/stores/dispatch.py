"""Dispatch board (派工) and the daily assignment log (每日工作分派登记表)."""

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
)
from portal.blueprints.stores.forms_work import DispatchForm
from portal.blueprints.stores.workspace import load_ticket, render_workspace, workspace_context
from portal.extensions import db
from portal.models import Employee, OrgUnit, PermissionGroup
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core import uow
from portal.services.stores import dispatch
from portal.services.warehouse import requisitions
from portal.timeutil import local_to_utc, to_local
from portal.web.guards import permission_required
from portal.web.rendering import render

NAV_LINKS.append(("stores.dispatch_board", _l("Dispatch board")))
NAV_LINKS.append(("stores.dispatch_log", _l("Daily assignment log")))


def dispatch_form(ticket, formdata=None) -> DispatchForm:
    form = DispatchForm(formdata=formdata) if formdata is not None else DispatchForm(
        formdata=None)
    branch_staff = db.session.scalars(db.select(Employee).where(
        Employee.org_unit_id == ticket.branch_id, Employee.active)
        .order_by(Employee.employee_no)).all()
    form.technician_ids.choices = [SelectChoice(e.id, f"{e.name} ({e.skills or '—'})")
                                   for e in dispatch.technicians_of(ticket.branch_id)]
    region = db.session.get(OrgUnit, ticket.branch_id).parent_id
    inspectors = db.session.scalars(db.select(Employee).join(Employee.groups).where(
        PermissionGroup.code == "qa_inspector", Employee.active,
        Employee.org_unit_id.in_([region, ticket.branch_id]))).all()
    form.qa_inspector_id.choices = [SelectChoice(None, "—")] + [
        SelectChoice(e.id, e.name) for e in inspectors]
    form.cleaner_id.choices = [SelectChoice(None, "—")] + [
        SelectChoice(e.id, e.name) for e in branch_staff]
    return form


@workspace_context
def _dispatch_section(ticket, work):
    """The dispatch form, for the duty and a ticket at a step that leads to dispatch; when the
    ticket's dispatch row refuses (approval, estimate), the reason instead of the form."""
    if not current_user.can("dispatch.assign") or not dispatch.can_be_dispatched(ticket):
        return {}
    refusal = dispatch.dispatch_refusal(ticket, current_user)
    if refusal:
        return {"dispatch_refusal": refusal}
    form = dispatch_form(ticket)
    form.planned_date.data = to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    hours = dispatch.estimated_hours(ticket)
    if hours:
        form.planned_hours.data = hours
    return {"dispatch_form": form, "dispatch_warnings": []}


@bp.post("/tickets/<number>/dispatch")
@permission_required("dispatch.assign")
def create_dispatch(number: str):
    ticket = load_ticket(number)
    form = dispatch_form(ticket, request.form)
    if not form.validate_on_submit():
        return render_workspace(ticket, 400, dispatch_form=form, dispatch_warnings=[])
    draft = dispatch.DispatchDraft(
        category=form.category.data, priority=form.priority.data,
        planned_date=local_to_utc(form.planned_date.data),
        promised_handover_at=local_to_utc(form.promised_handover_at.data),
        technician_ids=form.technician_ids.data or [],
        qa_inspector_id=form.qa_inspector_id.data, cleaner_id=form.cleaner_id.data,
        planned_hours=form.planned_hours.data, note=form.note.data,
        confirm_warnings=form.confirm_warnings.data == "1")
    try:
        draft.parts = dispatch.requisition_lines(form.requisition.data)
        booked = dispatch.create_dispatch(ticket, draft, current_user)
    except dispatch.DispatchWarnings as exc:
        uow.discard()
        return render_workspace(ticket, 409, dispatch_form=form, dispatch_warnings=exc.warnings)
    except DomainError as exc:
        # On the form the supervisor just filled in, whatever the reason (approval missing,
        # paid work without an approved estimate, a technician of another branch …).
        status = show_error(form, exc, fallback="note")
        return render_workspace(ticket, status, dispatch_form=form, dispatch_warnings=[],
                                dispatch_refusal=None)
    flash(_("Dispatched as %(number)s.", number=booked.number), "success")
    return redirect(url_for("stores.ticket_workspace", number=ticket.number))


@bp.get("/dispatch")
@permission_required("dispatch.assign")
def dispatch_board():
    day, branch = chosen_day(), current_branch()
    rows = dispatch.board(branch.id, day) if branch else []
    waiting = dispatch.waiting_tickets(branch.id) if branch else []
    waiting_total = dispatch.waiting_count(branch.id) if branch else 0
    return render("stores/dispatch_board.html", "stores/_board.html", day=day, branch=branch,
                  branches=branch_choices(), rows=rows, waiting=waiting,
                  waiting_total=waiting_total, capacity=dispatch.DAY_CAPACITY, now=utcnow())


@bp.get("/dispatch/log")
@permission_required("stores.view")
def dispatch_log():
    day, branch = chosen_day(), current_branch()
    return render("stores/dispatch_log.html", day=day, branch=branch, branches=branch_choices(),
                  dispatches=dispatch.day_log(branch.id, day) if branch else [])


@bp.post("/tickets/<number>/requisition-check")
@permission_required("dispatch.assign")
def requisition_check(number: str):
    """Live stock for the parts typed into the dispatch form (库存状况), as the user types."""
    ticket = load_ticket(number)
    try:
        lines = dispatch.requisition_lines(request.form.get("requisition"))
        warehouse = dispatch.warehouse_for(db.session.get(OrgUnit, ticket.branch_id))
    except DomainError as exc:
        return render("stores/_stock_check.html", error=exc.message, rows=[], warehouse=None)
    rows = [(part, quantity, requisitions.stock_status(part, warehouse))
            for part, quantity in lines]
    return render("stores/_stock_check.html", error=None, rows=rows, warehouse=warehouse)
