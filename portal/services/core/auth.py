"""Sign-in rules: password check, lockout after repeated failures, first-login password change."""

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models import Employee
from portal.models.base import utcnow
from portal.services import DomainError

MIN_PASSWORD_LENGTH = 10
# Compared against when the employee number is unknown, so both paths cost one hash check
# and response time does not reveal which employee numbers exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class LoginRefused(DomainError):
    status = 400


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, werkzeug's current default KDF


def authenticate(employee_no: str, password: str, max_failures: int, lock_minutes: int):
    """Return the employee, or raise LoginRefused; counts failures and locks the account."""
    employee = db.session.scalar(
        sa.select(Employee).where(Employee.employee_no == employee_no.strip())
    )
    now = utcnow()
    if employee is None:
        check_password_hash(_DUMMY_HASH, password)
        raise LoginRefused(_("Wrong employee number or password."))
    if employee.locked_until and employee.locked_until > now:
        minutes = max(1, int((employee.locked_until - now).total_seconds() // 60) + 1)
        raise LoginRefused(
            _("This account is locked. Try again in %(minutes)s minutes.", minutes=minutes))
    if not check_password_hash(employee.password_hash, password):
        if _count_failure(employee.id, max_failures, lock_minutes, now):
            raise LoginRefused(
                _("%(n)s wrong passwords in a row: the account is locked for %(m)s minutes.",
                  n=max_failures, m=lock_minutes)
            )
        raise LoginRefused(_("Wrong employee number or password."))
    if not employee.active:
        raise LoginRefused(_("This account is deactivated. Please contact the administrator."))
    employee.failed_logins = 0
    employee.locked_until = None
    employee.last_login_at = now
    db.session.flush()
    return employee


def _count_failure(employee_id: int, max_failures: int, lock_minutes: int, now) -> bool:
    """Count a wrong password on a connection of its own: the refused sign-in rolls back,
    the count must stand. One atomic UPDATE, so parallel guesses cannot read the same count.
    Returns whether this failure locked the account."""
    table = Employee.__table__
    with db.engine.begin() as connection:
        failures = connection.execute(
            table.update().where(table.c.id == employee_id)
            .values(failed_logins=table.c.failed_logins + 1)
            .returning(table.c.failed_logins)).scalar_one()
        if failures < max_failures:
            return False
        connection.execute(table.update().where(table.c.id == employee_id).values(
            failed_logins=0, locked_until=now + timedelta(minutes=lock_minutes)))
    return True


def end_sessions(employee: Employee) -> None:
    """Every signed-in session of the employee ends (their cookies are refused from now)."""
    employee.session_epoch = (employee.session_epoch or 0) + 1


def check_policy(employee: Employee, new: str) -> None:
    """At least 10 characters, not the employee number, not a common password."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("The new password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
            field="new_password",
        )
    if employee.employee_no and employee.employee_no in new:
        raise DomainError(_("The new password must not contain your employee number."),
                          field="new_password")
    if is_common(new):
        raise DomainError(_("This password is one of the most common ones: choose another."),
                          field="new_password")


def change_password(employee: Employee, current: str | None, new: str,
                    forced: bool = False) -> None:
    """Set a new password: the current one is required, except for the forced first-login
    change (the one-time password was just checked at sign-in). Other sessions end."""
    if not forced and not (current and check_password_hash(employee.password_hash, current)):
        raise DomainError(_("The current password is wrong."), field="current_password")
    check_policy(employee, new)
    if check_password_hash(employee.password_hash, new):
        raise DomainError(_("The new password must differ from the old one."), field="new_password")
    employee.password_hash = hash_password(new)
    employee.must_change_password = False
    end_sessions(employee)
    db.session.flush()


def is_common(password: str) -> bool:
    from portal.services.core.common_passwords import COMMON

    lowered = password.lower()
    return lowered in COMMON or (lowered.isdigit() and len(set(lowered)) <= 2) \
        or lowered in ("1234567890", "0123456789", "qwertyuiop", "abcdefghij")
