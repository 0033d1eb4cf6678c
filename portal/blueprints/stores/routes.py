from flask import render_template

from portal.blueprints.stores import bp
from portal.services.permissions import permission_required


@bp.get("/")
@permission_required("stores.view")
def index():
    return render_template("stores/index.html")
