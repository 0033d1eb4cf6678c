"""One ticket in QA: the installation check and its sign-off, then the customer's acceptance."""

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.qa import bp
from portal.blueprints.qa.forms import AcceptanceForm, CheckForm, stored_check_form
from portal.extensions import db
from portal.models import Ticket, TicketStatus
from portal.services import DomainError
from portal.services.core.audit import history
from portal.services.quality import checks as quality
from portal.timeutil import local_to_utc
from portal.web.guards import permission_required
from portal.web.rendering import refused, render


def load_ticket(number: str) -> Ticket:
    """The ticket, or 404: also for another region's ticket (the attempt is audited)."""
    ticket = db.first_or_404(sa.select(Ticket).where(Ticket.number == number.upper()))
    quality.ensure_in_region(ticket, current_user)
    return ticket


@bp.get("/tickets/<number>")
@permission_required("qa.view", "qa.handover")
def ticket(number: str):
    return render_ticket(load_ticket(number))


@bp.post("/tickets/<number>/check")
@permission_required("qa.inspect")
def save_check(number: str):
    """Save the answers (draft) or sign; signing locks the check and moves the ticket."""
    ticket = load_ticket(number)
    form = CheckForm()
    if not form.validate_on_submit():
        return render_ticket(ticket, 400, check_form=form)
    signing = request.form.get("action") == "sign"
    act = quality.sign_check if signing else quality.save_check
    try:
        check = act(ticket, form.answers(), current_user, form.note.data,
                    checklist_id=form.as_int("checklist_id"),
                    expected_version=form.as_int("version"))
    except DomainError as exc:
        status = refused(exc)
        marked = getattr(exc, "item_ids", [])
        return render_ticket(db.session.get(Ticket, ticket.id), status, check_form=form,
                             marked=marked)
    if not signing:
        flash(_("Quality check %(number)s saved.", number=check.number), "success")
    elif ticket.status == TicketStatus.REWORK:
        flash(_("Quality check %(number)s signed: failed. Ticket %(ticket)s goes back to the "
                "branch for rework.", number=check.number, ticket=ticket.number), "warning")
    else:
        flash(_("Quality check %(number)s signed: passed. Ticket %(ticket)s is ready for "
                "handover.", number=check.number, ticket=ticket.number), "success")
    return redirect(url_for("qa.ticket", number=ticket.number))


@bp.post("/tickets/<number>/handover")
@permission_required("qa.handover")
def accept_handover(number: str):
    ticket = load_ticket(number)
    form = AcceptanceForm()
    if not form.validate_on_submit():
        return render_ticket(ticket, 400, acceptance_form=form)
    try:
        quality.accept_handover(ticket, form.draft(local_to_utc(form.accepted_at.data)),
                                current_user)
    except DomainError as exc:
        status = refused(exc, form)
        return render_ticket(db.session.get(Ticket, ticket.id), status, acceptance_form=form)
    flash(_("Ticket %(number)s handed over and closed; the callback is due within 3 days.",
            number=ticket.number), "success")
    return redirect(url_for("qa.ticket", number=ticket.number))


def render_ticket(ticket: Ticket, status: int = 200, check_form=None, acceptance_form=None,
                  marked=()):
    """The ticket's QA page; a form passed in (with the user's input and errors) is shown."""
    current = quality.current_check(ticket)
    may_inspect = (current_user.can("qa.inspect") and ticket.status == TicketStatus.QA_PENDING
                   and not (current and current.locked))
    checklist, checklist_problem = None, None
    if may_inspect:
        try:
            checklist = current.checklist if current else quality.checklist_for(ticket)
        except DomainError as exc:
            checklist_problem = exc.message
    acceptance = quality.acceptance_of(ticket)
    may_accept = (current_user.can("qa.handover") and acceptance is None
                  and ticket.status == TicketStatus.HANDOVER_READY)
    form = None
    if checklist is not None:
        form = check_form or stored_check_form(current, checklist)
    items = {item.id: item for item in checklist.items} if checklist else {}
    dispatch = quality.active_dispatch(ticket)
    return render(
        "qa/ticket.html", "qa/_ticket.html", status=status, ticket=ticket, dispatch=dispatch,
        checks=quality.checks_of(ticket), current=current, checklist=checklist,
        checklist_problem=checklist_problem, check_form=form, items=items, marked=set(marked),
        acceptance=acceptance,
        acceptance_form=(acceptance_form or AcceptanceForm(formdata=None)) if may_accept
        else None, events=history(ticket))
