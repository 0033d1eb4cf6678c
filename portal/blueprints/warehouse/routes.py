"""Warehouse landing page, and the helpers every warehouse route shares: the warehouse the
user works in, loading a document by number (404 for another warehouse's), and which steps
of a record's table the user may take (the buttons a page shows)."""

import sqlalchemy as sa
from flask import g, session
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.warehouse import bp
from portal.extensions import db
from portal.models import OrgUnit
from portal.services import DomainError
from portal.services.warehouse import stock
from portal.services.warehouse.kpis import overview, recent_weeks
from portal.web.args import int_arg
from portal.web.guards import ensure_visible, permission_required
from portal.web.rendering import render


class NoWarehouse(DomainError):
    status = 403


def warehouse() -> OrgUnit:
    """The warehouse this request works in: the user's own, or for HQ-wide users the one
    they chose (kept in the signed session cookie, never in process memory)."""
    if "warehouse" in g:
        return g.warehouse
    choices = stock.warehouses_for(current_user)
    if not choices:
        raise NoWarehouse(_("You are not assigned to a warehouse. Ask your administrator."))
    asked = int_arg("wh")
    wanted = asked or session.get("warehouse_id")
    chosen = next((w for w in choices if w.id == wanted), choices[0])
    if asked == chosen.id:
        session["warehouse_id"] = chosen.id
    g.warehouse, g.warehouses = chosen, choices
    return chosen


def load(model, number: str):
    """A warehouse document by its number, or 404 (also for another warehouse's)."""
    record = db.first_or_404(sa.select(model).where(
        model.number == number.strip().upper()[:30]))
    ensure_visible(current_user, record.warehouse_id)
    return record


def open_steps(workflow, record) -> set[str]:
    """The actions of `workflow` the current user may take on `record` now, those done on
    their own forms (issue, goods in, submit, counting) included: what the page offers."""
    return {s.action for s in workflow.rows if s.source == record.status
            and workflow.refusal(record, s.action, current_user, via=s.by_verb) is None}


def why_not(workflow, record, action: str, duty: str) -> str | None:
    """Why a user who holds `duty` may still not take `action` (e.g. they reported it)."""
    if not current_user.can(duty) or workflow.find(record, action) is None:
        return None
    return workflow.refusal(record, action, current_user)


@bp.get("/")
@permission_required("warehouse.view")
def index():
    here = warehouse()
    return render("warehouse/index.html", here=here, counts=overview(here.id),
                  weeks=recent_weeks(here.id))
