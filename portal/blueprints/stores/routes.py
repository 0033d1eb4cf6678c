from flask import current_app, request
from flask_login import current_user

from portal.blueprints.stores import bp
from portal.extensions import db
from portal.models.base import utcnow
from portal.rendering import render
from portal.services import tickets
from portal.services.permissions import permission_required


@bp.get("/")
@permission_required("stores.view")
def index():
    """Branch queue: the branch's open tickets, urgent first (the stores work builds on it)."""
    filters = tickets.TicketFilters(open_only=True, sort="urgent")
    page = db.paginate(tickets.search_statement(filters, current_user),
                       page=request.args.get("page", 1, type=int),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("stores/index.html", "stores/_queue.html", page=page, now=utcnow())
