"""Locked accounts (锁定的账号): who, since when, until when, from where; unlock."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.admin import bp
from portal.blueprints.auth import throttle
from portal.extensions import db
from portal.models import Employee
from portal.services import DomainError
from portal.services.core import lockout
from portal.web.guards import permission_required
from portal.web.rendering import refused


@bp.get("/lockouts/")
@permission_required("admin.manage")
def lockouts():
    return render_template("admin/lockouts.html", accounts=lockout.locked_accounts())


@bp.post("/lockouts/<int:employee_id>/unlock")
@permission_required("admin.manage")
def unlock_account(employee_id: int):
    employee = db.get_or_404(Employee, employee_id)
    try:
        lockout.unlock(employee, by=current_user)
    except DomainError as exc:
        refused(exc)
    else:
        throttle.guard().forget_number(employee.employee_no)
        flash(_("%(employee)s can sign in again.", employee=str(employee)), "success")
    return redirect(url_for("admin.lockouts"))
