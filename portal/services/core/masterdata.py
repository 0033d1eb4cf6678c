"""Saving master data (基础数据): the rules beyond field validation."""

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import Customer, Employee, PermissionGroup
from portal.services import DomainError
from portal.services.core.auth import end_sessions, hash_password
from portal.services.core.numbering import next_number
from portal.services.core.workflow import flush

ADMIN_DUTY = "admin.manage"


def active_admins() -> int:
    """Active employees who hold admin.manage through an active group, after pending edits."""
    db.session.flush()
    employees = db.session.scalars(sa.select(Employee).where(Employee.active)).all()
    return sum(1 for e in employees if ADMIN_DUTY in e.permissions)


def _keep_an_admin() -> None:
    """Nothing in the app could give admin back: the last active admin keeps it."""
    if active_admins() == 0:
        raise DomainError(_("This change would leave no active administrator. Give another "
                            "employee the administration duty first."))


def save(record, values: dict):
    """Create or update a master record in one transaction (audited by the session hook)."""
    for name, value in values.items():
        setattr(record, name, value)
    if isinstance(record, Customer) and not record.code:
        record.code = next_number("KH")
    if record.id is None:
        db.session.add(record)
    if isinstance(record, PermissionGroup):
        record.permissions = record.permissions  # stored sorted, without blanks
        if not record.permissions:
            raise DomainError(_("A group needs at least one duty."), field="permission_codes")
        _keep_an_admin()
    flush()
    return record


def save_employee(employee: Employee, values: dict, group_ids: list[int],
                  one_time_password: str | None) -> Employee:
    """An admin-set password is one-time: the employee must replace it at first sign-in."""
    if employee.id is None and not one_time_password:
        raise DomainError(_("A new employee needs a one-time password."),
                          field="one_time_password")
    for name, value in values.items():
        setattr(employee, name, value)
    employee.groups = list(db.session.scalars(
        sa.select(PermissionGroup).where(PermissionGroup.id.in_(group_ids or []))
    ))
    if one_time_password:
        employee.password_hash = hash_password(one_time_password)
        employee.must_change_password = True
        employee.failed_logins = 0
        employee.locked_until = None  # a password reset also lifts a lockout
        end_sessions(employee)
    if employee.id is None:
        db.session.add(employee)
    _keep_an_admin()
    flush()
    return employee


def set_active(record, active: bool, by: Employee) -> None:
    """Deactivate (never delete) or reactivate; nobody may deactivate their own account."""
    if isinstance(record, Employee) and record.id == by.id and not active:
        raise DomainError(_("You cannot deactivate your own account."))
    record.active = active
    if isinstance(record, Employee) and not active:
        end_sessions(record)
    if isinstance(record, Employee | PermissionGroup) and not active:
        _keep_an_admin()
    flush()
