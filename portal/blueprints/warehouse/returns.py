"""Returns (退货) and damage (残损): report, the manager's decision, goods in, return note."""

from datetime import date

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.blueprints.warehouse import bp
from portal.blueprints.warehouse.forms import (
    DamageForm,
    DecisionForm,
    ReceiveReturnForm,
    ReturnForm,
)
from portal.blueprints.warehouse.routes import load, open_steps, warehouse, why_not
from portal.extensions import db
from portal.models import (
    DamageReport,
    DamageStatus,
    OrgKind,
    OrgUnit,
    ReturnReport,
    ReturnStatus,
    StockCondition,
    Ticket,
)
from portal.services import DomainError
from portal.services.core.audit import history
from portal.services.warehouse import returns as service
from portal.services.warehouse.stock import fmt_qty, parse_quantity
from portal.services.warehouse.workflow import DAMAGE, RETURN
from portal.web.args import enum_arg, version_of
from portal.web.guards import permission_required
from portal.web.rendering import refused, render

# --------------------------------------------------------------------------- returns


@bp.get("/returns")
@permission_required("warehouse.view")
def returns():
    # `shown`, not `status`: render's `status` is the HTTP status of the answer.
    shown = enum_arg(ReturnStatus, "status")
    page = db.paginate(service.returns_statement(warehouse().id, shown),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("warehouse/returns.html", page=page, shown=shown,
                  statuses=list(ReturnStatus), here=warehouse(),
                  analysis=service.monthly_returns(warehouse().id, date.today()))


def _return_form() -> ReturnForm:
    form = ReturnForm()
    branches = db.session.scalars(sa.select(OrgUnit).where(
        OrgUnit.kind == OrgKind.BRANCH, OrgUnit.active).order_by(OrgUnit.code)).all()
    form.branch_id.choices = [SelectChoice(None, "—")] + [
        SelectChoice(b.id, f"{b.code} {b.name}") for b in branches]
    return form


def _ticket(form) -> Ticket | None:
    if not form.ticket_number.data:
        return None
    ticket = db.session.scalar(sa.select(Ticket).where(
        Ticket.number == form.ticket_number.data.upper()))
    if ticket is None:
        form.ticket_number.errors.append(_("No ticket has this number."))
    return ticket


@bp.route("/returns/new", methods=["GET", "POST"])
@permission_required("return.report")
def new_return():
    form = _return_form()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit() and (part := form.part_or_error()):
        ticket = _ticket(form)
        try:
            if form.ticket_number.errors:
                raise DomainError(_("Please correct the ticket number."))
            report = service.report_return(warehouse(), service.ReturnDraft(
                part=part, quantity=parse_quantity(form.quantity.data, part),
                reason=form.reason.data, returned_by=form.returned_by.data, value=form.value.data,
                branch=db.session.get(OrgUnit, form.branch_id.data or 0), ticket=ticket),
                current_user)
        except DomainError as exc:
            status = refused(exc, form)
        else:
            flash(_("Return report %(number)s recorded: it waits for the manager.",
                    number=report.number), "success")
            return redirect(url_for("warehouse.return_detail", number=report.number))
    return render("warehouse/return_form.html", status=status, form=form, here=warehouse())


def _return_page(report: ReturnReport, status: int = 200):
    receive = ReceiveReturnForm(formdata=None, version=report.version,
                                quantity=fmt_qty(report.quantity))
    receive.condition.choices = [c for c in receive.condition.choices
                                 if c.value != StockCondition.GIVEAWAY.value]
    return render("warehouse/return.html", status=status, report=report,
                  actions=RETURN.available(report, current_user), receive=receive,
                  can=open_steps(RETURN, report),
                  why_not=why_not(RETURN, report, "approve", "return.approve"),
                  form=DecisionForm(formdata=None, version=report.version),
                  events=history(report))


@bp.get("/returns/<number>")
@permission_required("warehouse.view")
def return_detail(number: str):
    return _return_page(load(ReturnReport, number))


def _decide(model, number: str, decide, page, detail_endpoint: str):
    """The manager's decision on a return or damage report: one shape for both documents."""
    report = load(model, number)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decide(report, current_user, form.action.data, form.remark.data, form.seen_version)
    except DomainError as exc:
        status = refused(exc)
        return page(load(model, number), status)
    flash(_("%(number)s: %(status)s.", number=number, status=report.status.label), "success")
    return redirect(url_for(detail_endpoint, number=number))


@bp.post("/returns/<number>/decide")
@permission_required("return.approve")
def decide_return(number: str):
    return _decide(ReturnReport, number, service.decide_return, _return_page,
                   "warehouse.return_detail")


@bp.post("/returns/<number>/receive")
@permission_required("return.receive")
def receive_return(number: str):
    report = load(ReturnReport, number)
    form = ReceiveReturnForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Please give the quantity received and where it goes."))
        service.receive_return(report, current_user, form.condition.data,
                               parse_quantity(form.quantity.data, report.part),
                               version_of(form.version.data))
    except DomainError as exc:
        status = refused(exc)
        return _return_page(load(ReturnReport, number), status)
    flash(_("%(number)s booked in: the return note is ready.", number=number), "success")
    return redirect(url_for("warehouse.return_note", number=number))


@bp.get("/returns/<number>/note")
@permission_required("warehouse.view")
def return_note(number: str):
    report = load(ReturnReport, number)
    if report.status != ReturnStatus.RECEIVED:
        abort(404)
    return render("warehouse/return_note.html", report=report)


# --------------------------------------------------------------------------- damage


@bp.get("/damage")
@permission_required("warehouse.view")
def damage():
    shown = enum_arg(DamageStatus, "status")
    page = db.paginate(service.damage_statement(warehouse().id, shown),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("warehouse/damage.html", page=page, shown=shown,
                  statuses=list(DamageStatus), here=warehouse(),
                  analysis=service.monthly_damage(warehouse().id, date.today()))


@bp.route("/damage/new", methods=["GET", "POST"])
@permission_required("return.report")
def new_damage():
    form = DamageForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit() and (part := form.part_or_error()):
        try:
            report = service.report_damage(warehouse(), service.DamageDraft(
                part=part, quantity=parse_quantity(form.quantity.data, part),
                cause=form.cause.data, proposal=form.proposal.data,
                condition=form.condition.data, value=form.value.data), current_user)
        except DomainError as exc:
            status = refused(exc, form)
        else:
            flash(_("Damage report %(number)s recorded: it waits for the manager.",
                    number=report.number), "success")
            return redirect(url_for("warehouse.damage_detail", number=report.number))
    return render("warehouse/damage_form.html", status=status, form=form, here=warehouse())


def _damage_page(report: DamageReport, status: int = 200):
    return render("warehouse/damage_report.html", status=status, report=report,
                  actions=DAMAGE.available(report, current_user),
                  why_not=why_not(DAMAGE, report, "approve", "return.approve"),
                  form=DecisionForm(formdata=None, version=report.version),
                  events=history(report))


@bp.get("/damage/<number>")
@permission_required("warehouse.view")
def damage_detail(number: str):
    return _damage_page(load(DamageReport, number))


@bp.post("/damage/<number>/decide")
@permission_required("return.approve")
def decide_damage(number: str):
    return _decide(DamageReport, number, service.decide_damage, _damage_page,
                   "warehouse.damage_detail")
