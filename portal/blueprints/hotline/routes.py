from flask import render_template

from portal.blueprints.hotline import bp
from portal.services.permissions import permission_required


@bp.get("/")
@permission_required("hotline.view")
def index():
    return render_template("hotline/index.html")
