from flask import render_template

from portal.blueprints.reports import bp
from portal.services.permissions import permission_required


@bp.get("/")
@permission_required("reports.view")
def index():
    return render_template("reports/index.html")
