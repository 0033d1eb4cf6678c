"""Home (redirect to the user's first area) and the health check."""

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.extensions import db
from portal.models import OrgUnit
from portal.services.core import uow
from portal.services.core.duties import areas_for
from portal.web.guards import public

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    areas = areas_for(current_user)
    if areas:
        return redirect(url_for(areas[0][1]))
    return render_template("main/no_areas.html")


@bp.get("/healthz")
@public  # load balancers and monitoring probe it without a session
def healthz():
    """200 only when the database answers and accepts a write (rolled back at once).

    A read-only or locked SQLite file, or a PostgreSQL replica, reads fine but would fail
    every save: the load balancer must take such a server out.
    """
    try:
        db.session.execute(sa.update(OrgUnit).where(OrgUnit.id == -1).values(code="x"))
        db.session.flush()
    except Exception:
        uow.discard()
        return {"status": "database unreachable or read-only"}, 503
    uow.discard()  # nothing to keep; the probe leaves no transaction open
    return {"status": "ok"}, 200
