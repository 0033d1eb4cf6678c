"""Warehouse landing page, and the helpers every warehouse route shares: the warehouse the
user works in, loading a document by number (404 for another warehouse's), refusals."""

import sqlalchemy as sa
from flask import flash, g, request, session
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.warehouse import bp
from portal.extensions import db
from portal.models import OrgUnit
from portal.services import DomainError
from portal.services.warehouse import stock
from portal.services.warehouse.kpis import overview, recent_weeks
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
    wanted = request.args.get("wh", type=int) or session.get("warehouse_id")
    chosen = next((w for w in choices if w.id == wanted), choices[0])
    if request.args.get("wh", type=int) == chosen.id:
        session["warehouse_id"] = chosen.id
    g.warehouse, g.warehouses = chosen, choices
    return chosen


def load(model, number: str):
    """A warehouse document by its number, or 404 (also for another warehouse's)."""
    record = db.first_or_404(sa.select(model).where(model.number == number.strip().upper()))
    ensure_visible(current_user, record.warehouse_id)
    return record


def refused(exc: DomainError) -> int:
    """Undo the failed action and tell the user why; the status to answer with."""
    db.session.rollback()
    flash(exc.message, "error")
    return exc.status


@bp.get("/")
@permission_required("warehouse.view")
def index():
    here = warehouse()
    return render("warehouse/index.html", here=here, counts=overview(here.id),
                  weeks=recent_weeks(here.id))
