from flask import current_app
from flask_login import current_user

from portal.blueprints.stores import bp
from portal.blueprints.stores.common import branch_choices, current_branch
from portal.extensions import db
from portal.models.base import utcnow
from portal.services.stores import queue as store_queue
from portal.services.tickets import lifecycle as tickets
from portal.timeutil import to_local
from portal.web.args import page_arg
from portal.web.guards import permission_required
from portal.web.rendering import render


@bp.get("/")
@permission_required("stores.view")
def index():
    """Branch queue: open tickets urgent first with age and promise, the day's handovers."""
    branch = current_branch()
    filters = tickets.TicketFilters(open_only=True, sort="urgent",
                                    branch_id=branch.id if branch else None)
    page = db.paginate(tickets.search_statement(filters, current_user), page=page_arg(),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    today = to_local(utcnow()).date()
    day = store_queue.today(branch.id, today) if branch else None
    return render("stores/index.html", "stores/_queue.html", page=page, now=utcnow(),
                  branch=branch, branches=branch_choices(), day=day,
                  promises=store_queue.promises([t.id for t in page.items]))
