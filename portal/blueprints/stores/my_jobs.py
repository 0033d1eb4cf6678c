"""The technician's day (/stores/my-jobs): start, record hours and parts, finish.

Only a technician the job is assigned to may work it: the service checks it (and the
ticket's start_work / finish_work steps, fired only from here).
"""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.blueprints.stores import NAV_LINKS, bp
from portal.blueprints.stores.common import show_error
from portal.blueprints.stores.forms_work import FinishForm, WorkLogForm
from portal.extensions import db
from portal.models import Dispatch, Ticket
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.stores import dispatch
from portal.timeutil import to_local
from portal.web.guards import permission_required
from portal.web.loaders import scoped_or_404
from portal.web.rendering import render

NAV_LINKS.append(("stores.my_jobs", _l("My jobs")))
# The engineer's 待反馈 list lives with the callbacks; technicians reach it from here.
NAV_LINKS.append(("hotline.feedback_list", _l("Awaiting my feedback")))
# Complaints assigned to store staff are handled on the complaint's own page.
NAV_LINKS.append(("hotline.complaint_list", _l("My complaints")))
NAV_LINKS.append(("documents.letter_list", _l("Contact letters")))


@bp.get("/my-jobs")
@permission_required("job.work")
def my_jobs():
    return _page()


def _page(status=200, errors_for=None, log_form=None):
    today, upcoming = dispatch.my_jobs(current_user, to_local(utcnow()).date())
    tickets = {t.id: t for t in db.session.scalars(db.select(Ticket).where(
        Ticket.id.in_([d.ticket_id for d in today + upcoming])))}
    return render("stores/my_jobs.html", status=status, today=today, upcoming=upcoming,
                  tickets=tickets, log_form=log_form or WorkLogForm(formdata=None),
                  finish_form=FinishForm(formdata=None), errors_for=errors_for)


def _act(dispatch_id: int, action, message: str, form=None):
    job = scoped_or_404(Dispatch, dispatch_id)
    try:
        action(job)
    except DomainError as exc:
        status = show_error(form, exc)
        return _page(status, errors_for=job.id, log_form=form)
    flash(message, "success")
    return redirect(url_for("stores.my_jobs"))


@bp.post("/jobs/<int:dispatch_id>/start")
@permission_required("job.work")
def start_job(dispatch_id: int):
    return _act(dispatch_id, lambda job: dispatch.start_job(job, current_user),
                _("Job started."))


@bp.post("/jobs/<int:dispatch_id>/hours")
@permission_required("job.work")
def log_hours(dispatch_id: int):
    form = WorkLogForm()
    if not form.validate_on_submit():
        job = scoped_or_404(Dispatch, dispatch_id)
        return _page(400, errors_for=job.id, log_form=form)
    return _act(dispatch_id, lambda job: dispatch.log_work(
        job, current_user, form.hours.data, form.parts_used.data, form.note.data),
        _("Hours recorded."), form)


@bp.post("/jobs/<int:dispatch_id>/finish")
@permission_required("job.work")
def finish_job(dispatch_id: int):
    form = FinishForm()
    if not form.validate_on_submit():
        scoped_or_404(Dispatch, dispatch_id)
        flash(" ".join(e for errs in form.errors.values() for e in errs), "error")
        return _page(400)
    return _act(dispatch_id, lambda job: dispatch.finish_job(job, current_user, form.note.data),
                _("Job finished. The ticket moves on to the quality check."))
