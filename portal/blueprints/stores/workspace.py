"""The store's view of one ticket: the whole timeline plus the branch's work on it."""

from flask_login import current_user

from portal.blueprints.hotline.forms import TransitionForm
from portal.blueprints.stores import bp
from portal.models import Ticket
from portal.services.core.audit import history
from portal.services.stores import workspace as store_workspace
from portal.services.tickets import lifecycle as tickets
from portal.web.guards import permission_required
from portal.web.loaders import ticket_or_404
from portal.web.rendering import render

# Each section of the workspace may add its forms to the page: functions (ticket, work) → dict,
# registered by the module that owns the section with @workspace_context.
SECTION_CONTEXT = []


def workspace_context(func):
    SECTION_CONTEXT.append(func)
    return func


def load_ticket(number: str) -> Ticket:
    """The ticket by number, or 404 — also for another branch's ticket (scoped, not revealed)."""
    return ticket_or_404(number)


@bp.get("/tickets/<number>")
@permission_required("stores.view")
def ticket_workspace(number: str):
    return render_workspace(load_ticket(number))


def render_workspace(ticket: Ticket, status: int = 200, **overrides):
    """The workspace page; `overrides` replace a section's form (e.g. one with errors)."""
    work = store_workspace.load(ticket)
    context = {}
    for section in SECTION_CONTEXT:
        context.update(section(ticket, work))
    context.update(overrides)
    return render("stores/ticket.html", "stores/_workspace.html", status=status, ticket=ticket,
                  work=work, form=TransitionForm(formdata=None, version=ticket.version),
                  actions=tickets.available_actions(ticket, current_user),
                  overdue=tickets.overdue_reason(ticket), events=history(ticket), **context)
