"""QA landing page (the inspection queue) and the quality review (质量审查)."""

from flask import request
from flask_login import current_user

from portal.blueprints.qa import bp
from portal.blueprints.qa.forms import PeriodForm
from portal.models import TicketStatus
from portal.models.base import utcnow
from portal.services.quality import checks as quality
from portal.services.quality import review as quality_review
from portal.web.guards import permission_required
from portal.web.rendering import render


@bp.get("/")
@permission_required("qa.view")
def index():
    """检验队列: finished work waiting for the check, then work waiting for its handover."""
    return render("qa/index.html", "qa/_queue.html", now=utcnow(),
                  waiting=quality.queue(current_user),
                  handovers=quality.queue(current_user, TicketStatus.HANDOVER_READY))


@bp.get("/review")
@permission_required("qa.view")
def review():
    form = PeriodForm(request.args)
    start, end = quality_review.default_period()
    if form.validate():
        start, end = form.start.data or start, form.end.data or end
    if end < start:
        start, end = end, start
    form.start.data, form.end.data = start, end
    return render("qa/review.html", "qa/_review.html", form=form,
                  review=quality_review.review(current_user, start, end))
