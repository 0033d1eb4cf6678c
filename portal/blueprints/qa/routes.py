from flask import render_template

from portal.blueprints.qa import bp
from portal.services.permissions import permission_required


@bp.get("/")
@permission_required("qa.view")
def index():
    return render_template("qa/index.html")
