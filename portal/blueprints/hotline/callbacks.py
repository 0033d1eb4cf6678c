"""Callbacks (回访): the worklist, the satisfaction survey, retries and engineer feedback."""

from flask_babel import gettext as _

from portal.blueprints.hotline import bp
from portal.rendering import render
from portal.services.permissions import permission_required


@bp.get("/callbacks")
@permission_required("hotline.view")
def callback_worklist():
    return render("hotline/placeholder.html", title=_("Callbacks"))
