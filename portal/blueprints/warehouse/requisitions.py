"""Issue against requisitions (出库): the clerk's queue, the requisition page (which the
branch sees too) and its actions: issue in full, or the branch's approve / cancel."""

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.warehouse import bp
from portal.blueprints.warehouse.forms import DecisionForm
from portal.blueprints.warehouse.routes import open_steps, warehouse
from portal.extensions import db
from portal.models import Requisition, RequisitionStatus
from portal.services import DomainError
from portal.services.core.audit import history
from portal.services.warehouse import requisitions as service
from portal.services.warehouse.workflow import REQUISITION
from portal.web.guards import permission_required
from portal.web.rendering import refused, render

VIEWS = {
    "queue": service.OPEN_FOR_ISSUE,
    "submitted": (RequisitionStatus.SUBMITTED,),
    "issued": (RequisitionStatus.ISSUED,),
    "cancelled": (RequisitionStatus.CANCELLED,),
}


@bp.get("/requisitions")
@permission_required("warehouse.view")
def requisitions():
    view = request.args.get("view", "queue") if request.args.get("view") in VIEWS else "queue"
    page = db.paginate(service.queue_statement(warehouse().id, VIEWS[view]),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("warehouse/requisitions.html", page=page, view=view, here=warehouse(),
                  issuable=service.available_now(page.items))


def _load(number: str) -> Requisition:
    requisition = db.first_or_404(sa.select(Requisition).where(
        Requisition.number == number.strip().upper()[:30]))
    if not service.visible_to(requisition, current_user):
        abort(404)
    return requisition


def _detail(requisition: Requisition, status: int = 200):
    return render("warehouse/requisition.html", status=status, req=requisition,
                  shortages={s.part.id: s for s in service.shortages(requisition)},
                  actions=REQUISITION.available(requisition, current_user),
                  can=open_steps(REQUISITION, requisition),
                  form=DecisionForm(formdata=None, version=requisition.version),
                  events=history(requisition))


@bp.get("/requisitions/<number>")
@permission_required("warehouse.view", "stores.view")
def requisition_detail(number: str):
    return _detail(_load(number))


@bp.post("/requisitions/<number>/issue")
@permission_required("requisition.issue")
def issue_requisition(number: str):
    requisition = _load(number)
    form = DecisionForm()
    try:
        result = service.issue_requisition(requisition, current_user, form.seen_version)
    except DomainError as exc:
        status = refused(exc)
        return _detail(_load(number), status)
    if result.already:
        flash(_("%(number)s was issued already (%(issue)s): nothing more was booked.",
                number=number, issue=result.requisition.issue_number), "warning")
    elif result.issued:
        flash(_("%(number)s issued in full: issue note %(issue)s.", number=result.requisition
                .number, issue=result.requisition.issue_number), "success")
    else:
        # It now waits (kept, so the queue and the KPIs see it): the page shows what is short.
        flash(_("Not enough stock to issue %(number)s in full: it waits. Nothing was issued.",
                number=result.requisition.number), "warning")
        return redirect(url_for("warehouse.requisition_detail", number=number))
    if request.form.get("next") == "queue":  # issued from the queue: back to the queue
        return redirect(url_for("warehouse.requisitions"))
    return redirect(url_for("warehouse.requisition_detail", number=number))


@bp.post("/requisitions/<number>/transition")
@permission_required("dispatch.assign", "requisition.cancel")
def requisition_transition(number: str):
    """The branch side: its supervisor approves (dispatch.assign) or cancels with a reason
    (requisition.cancel); the table refuses the one the user's duties do not include."""
    requisition = _load(number)
    form = DecisionForm()
    if not form.validate_on_submit() or form.action.data not in ("approve", "cancel"):
        abort(400)
    try:
        if form.action.data == "approve":
            service.approve_requisition(requisition, current_user, form.seen_version)
        else:
            service.cancel_requisition(requisition, current_user, form.remark.data,
                                       form.seen_version)
    except DomainError as exc:
        status = refused(exc)
        return _detail(_load(number), status)
    flash(_("%(number)s: %(status)s.", number=number, status=requisition.status.label),
          "success")
    return redirect(url_for("warehouse.requisition_detail", number=number))
