from flask import render_template

from portal.blueprints.warehouse import bp
from portal.services.permissions import permission_required


@bp.get("/")
@permission_required("warehouse.view")
def index():
    return render_template("warehouse/index.html")
