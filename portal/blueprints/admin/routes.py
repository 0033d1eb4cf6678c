"""Master data screens (基础数据): list with search and pagination, create, edit, deactivate."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.admin import bp
from portal.blueprints.admin.registry import KINDS, search_statement
from portal.extensions import db
from portal.models import Employee
from portal.services import DomainError
from portal.services.core import masterdata
from portal.services.core.audit import history
from portal.web.guards import permission_required
from portal.web.rendering import refused, render


def _kind(slug: str):
    kind = KINDS.get(slug)
    if kind is None:
        abort(404)
    return kind


@bp.get("/")
@permission_required("admin.manage")
def index():
    return render_template("admin/index.html", kinds=KINDS.values())


@bp.get("/<slug>/")
@permission_required("admin.manage")
def list_records(slug: str):
    kind = _kind(slug)
    q = request.args.get("q", "").strip()[:100]
    inactive = request.args.get("inactive") == "1"
    page = db.paginate(search_statement(kind, q, inactive),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("admin/list.html", "admin/_list_table.html", kind=kind, page=page, q=q,
                  inactive=inactive)


@bp.route("/<slug>/new", methods=["GET", "POST"])
@permission_required("admin.manage")
def create_record(slug: str):
    kind = _kind(slug)
    return _edit(kind, kind.model())


@bp.route("/<slug>/<int:record_id>", methods=["GET", "POST"])
@permission_required("admin.manage")
def edit_record(slug: str, record_id: int):
    kind = _kind(slug)
    return _edit(kind, db.get_or_404(kind.model, record_id))


def _edit(kind, record):
    form = kind.form(obj=record if record.id else None)
    form.record = record
    if kind.fill_choices:
        kind.fill_choices(form)
    if request.method == "GET" and record.id:
        form.load(record)
    if form.validate_on_submit():
        try:
            if isinstance(record, Employee):
                masterdata.save_employee(record, form.values(), form.group_ids.data,
                                         form.one_time_password.data)
            else:
                masterdata.save(record, form.values())
        except DomainError as exc:
            refused(exc, form)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.edit_record", slug=kind.slug, record_id=record.id))
    status = 400 if request.method == "POST" else 200
    events = history(record) if record.id else []
    return render_template("admin/form.html", kind=kind, form=form, record=record,
                           events=events), status


@bp.post("/<slug>/<int:record_id>/active")
@permission_required("admin.manage")
def set_active(slug: str, record_id: int):
    kind = _kind(slug)
    record = db.get_or_404(kind.model, record_id)
    active = request.form.get("active") == "1"
    try:
        masterdata.set_active(record, active, by=current_user)
    except DomainError as exc:
        refused(exc)
    else:
        flash(_("Reactivated.") if active else _("Deactivated."), "success")
    return redirect(url_for("admin.edit_record", slug=kind.slug, record_id=record.id))
