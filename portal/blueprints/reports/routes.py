from flask import render_template
from flask_babel import lazy_gettext as _l

from portal.blueprints.reports import bp
from portal.web.guards import permission_required

# The reports that live with their areas, gathered here for managers: (endpoint, label,
# permission the report's own page needs).
REPORTS = (
    ("hotline.complaint_stats", _l("Complaint classification statistics"), "hotline.view"),
    ("hotline.ticket_list", _l("Tickets by status, branch and period"), "hotline.view"),
    ("hotline.repeat_repairs", _l("Repeat repairs"), "hotline.view"),
    ("stores.daily_report", _l("Technician daily work report"), "stores.view"),
    ("stores.weekly_report", _l("Weekly summary"), "stores.view"),
    ("qa.review", _l("Quality review"), "qa.view"),
    ("warehouse.kpis", _l("Warehouse KPIs"), "warehouse.view"),
    ("warehouse.daily_issue_report", _l("Daily issue report"), "warehouse.view"),
)


@bp.get("/")
@permission_required("reports.view")
def index():
    return render_template("reports/index.html", reports=REPORTS)
