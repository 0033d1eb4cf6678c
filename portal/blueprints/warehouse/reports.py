"""Weekly KPIs (重要衡量指标跟踪表) and the daily issue report (每日发货报告)."""

from portal.blueprints.warehouse import bp
from portal.blueprints.warehouse.routes import warehouse
from portal.models.base import utcnow
from portal.services.warehouse.kpis import daily_issues, recent_weeks
from portal.timeutil import to_local
from portal.web.args import date_arg, int_arg
from portal.web.guards import permission_required
from portal.web.rendering import render


@bp.get("/kpis")
@permission_required("warehouse.view")
def kpis():
    weeks = int_arg("weeks", 4, 1, 26)
    return render("warehouse/kpis.html", here=warehouse(),
                  weeks=recent_weeks(warehouse().id, weeks, date_arg("until")), count=weeks)


@bp.get("/daily-issues")
@permission_required("warehouse.view")
def daily_issue_report():
    day = date_arg("day") or to_local(utcnow()).date()
    return render("warehouse/daily_issues.html", here=warehouse(),
                  report=daily_issues(warehouse().id, day))
