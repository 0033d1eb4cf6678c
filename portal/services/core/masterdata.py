"""Saving master data (基础数据): the rules beyond field validation."""

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import Customer, Employee, PermissionGroup
from portal.services import DomainError
from portal.services.core.auth import hash_password
from portal.services.core.numbering import next_number


def save(record, values: dict):
    """Create or update a master record in one transaction (audited by the session hook)."""
    for name, value in values.items():
        setattr(record, name, value)
    if isinstance(record, Customer) and not record.code:
        record.code = next_number("KH")
    if record.id is None:
        db.session.add(record)
    db.session.commit()
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
    if employee.id is None:
        db.session.add(employee)
    db.session.commit()
    return employee


def set_active(record, active: bool, by: Employee) -> None:
    """Deactivate (never delete) or reactivate; nobody may deactivate their own account."""
    if isinstance(record, Employee) and record.id == by.id and not active:
        raise DomainError(_("You cannot deactivate your own account."))
    record.active = active
    db.session.commit()
