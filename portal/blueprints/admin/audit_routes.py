"""Admin search over the audit trail (变更痕迹查询)."""

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from portal.blueprints.admin import bp
from portal.extensions import db
from portal.models import AuditEvent, Employee
from portal.timeutil import local_day_end_utc, local_day_start_utc
from portal.web.guards import permission_required
from portal.web.rendering import render


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search that changes nothing; the URL stays bookmarkable

    table = StringField(_l("Table"), validators=[Optional(), Length(max=60)])
    record = StringField(_l("Record id"), validators=[Optional(), Length(max=40)])
    actor = StringField(_l("Employee no."), validators=[Optional(), Length(max=20)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    text = StringField(_l("Changed value contains"), validators=[Optional(), Length(max=100)])


def _statement(form: AuditSearchForm):
    stmt = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if form.table.data:
        stmt = stmt.where(AuditEvent.table_name == form.table.data.strip())
    if form.record.data:
        stmt = stmt.where(AuditEvent.record_id == form.record.data.strip())
    if form.actor.data:
        stmt = stmt.join(Employee, Employee.id == AuditEvent.actor_id).where(
            Employee.employee_no == form.actor.data.strip())
    if form.date_from.data:
        stmt = stmt.where(AuditEvent.at >= local_day_start_utc(form.date_from.data))
    if form.date_to.data:
        stmt = stmt.where(AuditEvent.at < local_day_end_utc(form.date_to.data))
    if form.text.data:
        needle = "%" + form.text.data.strip().replace("%", "") + "%"
        stmt = stmt.where(sa.cast(AuditEvent.changes, sa.Text).ilike(needle))
    return stmt


@bp.get("/audit")
@permission_required("audit.view")
def audit_search():
    form = AuditSearchForm(request.args)
    stmt = _statement(form) if form.validate() else _statement(AuditSearchForm(formdata=None))
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    tables = sorted(db.metadata.tables)
    return render("admin/audit.html", "admin/_audit_table.html", form=form, page=page,
                  tables=tables)

