"""The store's view of one ticket: the whole timeline plus the branch's work on it."""

import sqlalchemy as sa
from flask_login import current_user

from portal.blueprints.hotline.forms import TransitionForm
from portal.blueprints.stores import bp
from portal.extensions import db
from portal.models import Ticket
from portal.rendering import render
from portal.services import store_workspace, tickets
from portal.services.audit import history
from portal.services.permissions import ensure_visible, permission_required


def load_ticket(number: str) -> Ticket:
    """The ticket by number, or 404 — also for another branch's ticket (scoped, not revealed)."""
    ticket = db.first_or_404(sa.select(Ticket).where(Ticket.number == number.upper()))
    ensure_visible(current_user, ticket.branch_id)
    return ticket


@bp.get("/tickets/<number>")
@permission_required("stores.view")
def ticket_workspace(number: str):
    ticket = load_ticket(number)
    return render("stores/ticket.html", "stores/_workspace.html", ticket=ticket,
                  work=store_workspace.load(ticket),
                  form=TransitionForm(formdata=None, version=ticket.version),
                  actions=tickets.available_actions(ticket, current_user),
                  overdue=tickets.overdue_reason(ticket), events=history(ticket))
