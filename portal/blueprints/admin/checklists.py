"""Installation checklists (安装质量检查表) per product category, maintained by the admin.

Every save is a new version; the versions a check was made with are kept and shown, never
changed.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.admin import bp
from portal.blueprints.qa.forms import ChecklistForm, checklist_form
from portal.extensions import db
from portal.models import Checklist
from portal.services import DomainError
from portal.services.core.audit import history
from portal.services.quality import checks as quality
from portal.web.guards import permission_required
from portal.web.rendering import refused


@bp.get("/checklists/")
@permission_required("admin.manage")
def checklists():
    rows = [(c, quality.checks_using(c)) for c in quality.current_checklists()]
    return render_template("qa/checklists/list.html", rows=rows)


@bp.route("/checklists/new", methods=["GET", "POST"])
@permission_required("admin.manage")
def new_checklist():
    form = ChecklistForm() if request.method == "POST" else checklist_form()
    return _save(form, None)


@bp.route("/checklists/<int:checklist_id>", methods=["GET", "POST"])
@permission_required("admin.manage")
def checklist(checklist_id: int):
    record = db.get_or_404(Checklist, checklist_id)
    if request.method == "POST" and not record.current:
        abort(409)  # an old version is history: edit the current one
    form = ChecklistForm() if request.method == "POST" else checklist_form(record)
    if request.method == "POST":
        form.category.data = record.category  # a version stays in its category
    form.category.render_kw = {**(form.category.render_kw or {}), "readonly": True}
    return _save(form, record)


def _save(form: ChecklistForm, record: Checklist | None):
    if form.validate_on_submit():
        try:
            saved = quality.save_checklist(form.category.data, form.name.data, form.drafts(),
                                           current_user, form.note.data)
        except DomainError as exc:
            refused(exc, form if exc.field in ("category", "name") else None)
        else:
            if record is not None and saved.id == record.id:
                flash(_("Nothing changed; the checklist stays at version %(version)s.",
                        version=saved.version), "success")
            else:
                flash(_("Saved as version %(version)s. Checks already made keep their "
                        "version.", version=saved.version), "success")
            return redirect(url_for("admin.checklist", checklist_id=saved.id))
    status = 400 if request.method == "POST" else 200
    versions = quality.versions_of(record.category) if record else []
    used = quality.checks_using(record) if record else 0
    return render_template("qa/checklists/form.html", form=form, record=record,
                           versions=versions, used=used,
                           events=history(record) if record else []), status
