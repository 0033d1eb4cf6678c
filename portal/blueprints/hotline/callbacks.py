"""Callbacks (回访): the worklist, the satisfaction survey, retries and engineer feedback."""

from datetime import datetime

import click
import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.hotline import bp
from portal.blueprints.hotline.callback_forms import (
    AttemptForm,
    FeedbackForm,
    RenewalForm,
    SurveyForm,
)
from portal.blueprints.hotline.routes import record_or_404
from portal.display import format_dt
from portal.extensions import db
from portal.models import Callback, CallbackKind, Ticket, TicketStatus
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core import uow
from portal.services.core.audit import acting_as
from portal.services.hotline import callbacks
from portal.web.args import enum_arg, version_of
from portal.web.guards import permission_required
from portal.web.rendering import refused, render

# --------------------------------------------------------------------------- worklist


def _filters_from_args() -> callbacks.WorklistFilters:
    return callbacks.WorklistFilters(kind=enum_arg(CallbackKind, "kind"),
                                     overdue_only=request.args.get("overdue") == "1")


@bp.get("/callbacks")
@permission_required("hotline.view")
def callback_worklist():
    # The expiry notices have no event of their own to hang on: opening the list makes them.
    callbacks.schedule_contract_expiry_callbacks()
    filters, now = _filters_from_args(), utcnow()
    page = db.paginate(callbacks.worklist_statement(filters, now),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    due, overdue = callbacks.worklist_counts(now)
    return render("hotline/callbacks/worklist.html", "hotline/callbacks/_worklist_table.html",
                  page=page, filters=filters, kinds=list(CallbackKind), now=now, due=due,
                  overdue=overdue, is_member=callbacks.is_member)


# --------------------------------------------------------------------------- one callback


def _load(callback_id: int) -> Callback:
    return record_or_404(Callback, callback_id)


def _version() -> int | None:
    return version_of(request.form.get("version"))


def _complaint_url(callback: Callback) -> str | None:
    """「转投诉」: the complaint form, filled from this callback (for who may register one)."""
    if not current_user.can("complaint.register"):
        return None
    args = {"customer": callback.customer_id, "channel": "callback",
            "content": callbacks.complaint_text(callback)}
    if callback.ticket is not None:
        args["ticket"] = callback.ticket.number
    return url_for("hotline.complaint_new", **args)


def _page(callback: Callback, survey: SurveyForm | None = None,
          renewal: RenewalForm | None = None, status: int = 200):
    version = callback.version
    if survey is None:
        survey = SurveyForm(formdata=None, version=version)
    if renewal is None:
        renewal = RenewalForm(formdata=None, version=version)
    # After a refusal the page shows the record as it is now; saving again is deliberate.
    survey.version.data = renewal.version.data = version
    return render("hotline/callbacks/detail.html", "hotline/callbacks/_detail.html",
                  status=status, callback=callback, survey=survey, renewal=renewal,
                  complaint_url=_complaint_url(callback),
                  overdue=callbacks.is_overdue(callback), is_member=callbacks.is_member,
                  earlier=callbacks.earlier_callbacks(callback),
                  reason_labels=callbacks.reason_labels)


def _already_done(callback: Callback):
    """A recorded callback refuses any form before its fields are checked: a double submit
    gets "already recorded", not field errors on a form the page no longer shows."""
    try:
        callbacks.ensure_open(callback)
    except DomainError as exc:
        return _page(callback, status=refused(exc))
    return None


@bp.get("/callbacks/<int:callback_id>")
@permission_required("hotline.view")
def callback_detail(callback_id: int):
    return _page(_load(callback_id))


@bp.post("/callbacks/<int:callback_id>/survey")
@permission_required("callback.survey")
def callback_survey(callback_id: int):
    callback = _load(callback_id)
    if (done := _already_done(callback)) is not None:
        return done
    form = SurveyForm()
    if not form.validate_on_submit():
        return _page(callback, survey=form, status=400)
    answers = callbacks.SurveyAnswers(
        overall=form.overall.data, reasons=form.reasons.data or (),
        rating_attitude=form.rating_attitude.data, rating_skill=form.rating_skill.data,
        rating_arrival=form.rating_arrival.data, rating_promise=form.rating_promise.data,
        suggestions=form.suggestions.data, engineer_no=form.engineer_no.data)
    try:
        callbacks.record_survey(callback, answers, current_user, expected_version=_version())
    except DomainError as exc:
        return _page(callback, survey=form, status=refused(exc, form))
    if callback.engineer:
        flash(_("Callback saved. Ticket %(number)s waits for the answer of %(name)s.",
                number=callback.ticket.number, name=callback.engineer.name), "success")
    else:
        flash(_("Callback saved."), "success")
    if callback.overall in callbacks.NOT_SATISFIED:  # stay: the complaint is one click away
        return redirect(url_for("hotline.callback_detail", callback_id=callback.id))
    return redirect(url_for("hotline.callback_worklist"))


@bp.post("/callbacks/<int:callback_id>/renewal")
@permission_required("callback.survey")
def callback_renewal(callback_id: int):
    callback = _load(callback_id)
    if (done := _already_done(callback)) is not None:
        return done
    form = RenewalForm()
    if not form.validate_on_submit():
        return _page(callback, renewal=form, status=400)
    try:
        callbacks.record_renewal_call(callback, form.outcome.data, current_user,
                                      expected_version=_version())
    except DomainError as exc:
        return _page(callback, renewal=form, status=refused(exc, form))
    flash(_("Renewal call saved."), "success")
    return redirect(url_for("hotline.callback_worklist"))


@bp.post("/callbacks/<int:callback_id>/unreachable")
@permission_required("callback.survey")
def callback_unreachable(callback_id: int):
    callback = _load(callback_id)
    if not AttemptForm().validate_on_submit():
        abort(400)
    try:
        callbacks.record_unreachable(callback, current_user, expected_version=_version())
    except DomainError as exc:
        return _page(callback, status=refused(exc))
    flash(_("Customer not reached (attempt %(n)d). The callback is due again at %(at)s.",
            n=callback.attempts, at=format_dt(callback.due_at)), "success")
    return redirect(url_for("hotline.callback_worklist"))


# --------------------------------------------------------------------------- engineer feedback


@bp.get("/feedback")
@permission_required("feedback.give")
def feedback_list():
    page = db.paginate(callbacks.feedback_statement(current_user),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    requests = callbacks.feedback_requests([t.id for t in page.items])
    return render("hotline/callbacks/feedback_list.html",
                  "hotline/callbacks/_feedback_table.html", page=page, requests=requests)


def _load_feedback(number: str) -> Ticket:
    ticket = db.first_or_404(sa.select(Ticket).where(Ticket.number == number.upper()[:20]))
    # Only the named engineer's own list leads here; for anyone else the ticket is not there.
    if ticket.feedback_engineer_id != current_user.id:
        abort(404)
    return ticket


def _feedback_page(ticket: Ticket, form: FeedbackForm | None = None, status: int = 200):
    form = form or FeedbackForm(formdata=None)
    form.version.data = ticket.version
    return render("hotline/callbacks/feedback.html", status=status, ticket=ticket, form=form,
                  request_=callbacks.feedback_request(ticket),
                  reason_labels=callbacks.reason_labels,
                  awaiting=ticket.status == TicketStatus.AWAITING_FEEDBACK)


@bp.get("/feedback/<number>")
@permission_required("feedback.give")
def feedback_detail(number: str):
    return _feedback_page(_load_feedback(number))


@bp.post("/feedback/<number>")
@permission_required("feedback.give")
def feedback_answer(number: str):
    ticket = _load_feedback(number)
    form = FeedbackForm()
    try:
        # A second answer is refused as such before the (hidden) form is checked.
        callbacks.ensure_awaiting_feedback(ticket)
        if not form.validate_on_submit():
            return _feedback_page(ticket, form, 400)
        callbacks.give_feedback(ticket, form.answer.data, current_user,
                                expected_version=_version())
    except DomainError as exc:
        return _feedback_page(ticket, form, refused(exc, form, {"remark": "answer"}))
    flash(_("Feedback on ticket %(number)s saved; the hotline will call the customer back.",
            number=ticket.number), "success")
    return redirect(url_for("hotline.feedback_list"))


# --------------------------------------------------------------------------- CLI


@bp.cli.command("schedule-callbacks")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Schedule as on this day (default: today, China time).")
def schedule_callbacks(today: datetime | None) -> None:
    """保养到期通知书: renewal callbacks for contracts ending within 30 days (idempotent)."""
    with acting_as(None, "schedule-callbacks"), uow.transaction():
        created = callbacks.schedule_contract_expiry_callbacks(today.date() if today else None)
    click.echo(f"contract expiry callbacks: +{len(created)}")

