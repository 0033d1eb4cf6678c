"""Supervisor approval queue (设备更新信息审核).

Each row decides in place: with HTMX only the row comes back; without JavaScript the form
posts and the queue page follows.
"""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.blueprints.hotline.forms import TransitionForm
from portal.blueprints.stores import NAV_LINKS, bp
from portal.blueprints.stores.workspace import load_ticket
from portal.models import Ticket
from portal.services import DomainError
from portal.services.core import uow
from portal.services.stores import approvals, dispatch
from portal.web.args import version_of
from portal.web.guards import permission_required
from portal.web.rendering import render, wants_fragment

NAV_LINKS.append(("stores.approvals_queue", _l("Approvals")))


@bp.context_processor
def _approval_helpers():
    return {"waiting_since": approvals.waiting_since,
            "queue_actions": lambda ticket: approvals.actions_for(ticket, current_user),
            "dispatch_refusal": lambda ticket: dispatch.dispatch_refusal(ticket, current_user)}


@bp.get("/approvals")
@permission_required("ticket.approve")
def approvals_queue():
    return _queue_page()


def _queue_page(status: int = 200, problem: dict | None = None):
    return render("stores/approvals/queue.html", status=status,
                  queue=approvals.queue(current_user), problem=problem or {})


@bp.post("/approvals/<number>")
@permission_required("ticket.approve")
def approval_decide(number: str):
    ticket = load_ticket(number)
    form = TransitionForm()
    if not form.validate_on_submit():
        return _refused(ticket, _("Please choose an action."), form, 400)
    try:
        approvals.decide(ticket, form.action.data, current_user, form.remark.data,
                         version_of(form.version.data))
    except DomainError as exc:
        return _refused(ticket, exc.message, form, 400 if exc.field else exc.status)
    if wants_fragment():
        return render("stores/approvals/_row.html", t=ticket, decided=True, problem={})
    flash(_("Ticket %(number)s: %(status)s.", number=ticket.number, status=ticket.status.label),
          "success")
    return redirect(url_for("stores.approvals_queue"))


def _refused(ticket: Ticket, message: str, form: TransitionForm, status: int):
    uow.discard()
    problem = {ticket.id: (message, form.remark.data)}
    if wants_fragment():
        # htmx does not swap a 4xx answer, so the row that explains the refusal comes as 200.
        # Nothing was written (discarded above); the uow commits nothing new.
        return render("stores/approvals/_row.html", t=ticket, decided=False, problem=problem)
    return _queue_page(status, problem)
