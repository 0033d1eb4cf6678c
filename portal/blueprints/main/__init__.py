"""Home (redirect to the user's first area) and the health check."""

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.extensions import db
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
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:
        uow.discard()
        return {"status": "database unreachable"}, 503
    return {"status": "ok"}, 200
