"""Complaints (客户投诉): register, judge, assign, handle, approve, confirm, follow up, close."""

from flask_babel import gettext as _

from portal.blueprints.hotline import bp
from portal.rendering import render
from portal.services.permissions import permission_required


@bp.get("/complaints")
@permission_required("hotline.view")
def complaint_list():
    return render("hotline/placeholder.html", title=_("Complaints"))
