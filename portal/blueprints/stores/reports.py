"""Technician daily work report (技术员工作日报表) and the branch's weekly summary.

Reports for whoever runs the branch (reports.view: the supervisor, the service manager); a
technician sees his own hours on My jobs.
"""

from flask_babel import lazy_gettext as _l

from portal.blueprints.stores import NAV_LINKS, bp
from portal.blueprints.stores.common import branch_choices, chosen_day, current_branch, week_start
from portal.services.stores import work_reports
from portal.web.guards import permission_required
from portal.web.rendering import render

NAV_LINKS.append(("stores.daily_report", _l("Daily work report")))
NAV_LINKS.append(("stores.weekly_report", _l("Weekly summary")))


@bp.get("/reports/daily")
@permission_required("reports.view")
def daily_report():
    day, branch = chosen_day(), current_branch()
    return render("stores/daily_report.html", day=day, branch=branch, branches=branch_choices(),
                  lines=work_reports.daily(branch.id, day) if branch else [])


@bp.get("/reports/weekly")
@permission_required("reports.view")
def weekly_report():
    monday, branch = week_start(chosen_day("week")), current_branch()
    summary = work_reports.weekly(branch.id, monday) if branch else None
    return render("stores/weekly_report.html", monday=monday, branch=branch,
                  branches=branch_choices(), summary=summary)
