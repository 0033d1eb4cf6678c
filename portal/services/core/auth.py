"""Sign-in rules: password check (the lockout in lockout.py), first-login password change."""

from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models import Employee
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core import lockout

MIN_PASSWORD_LENGTH = 10
# Compared against when the employee number is unknown, so both paths cost one hash check
# and response time does not reveal which employee numbers exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class LoginRefused(DomainError):
    status = 400


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, werkzeug's current default KDF


def authenticate(employee_no: str, password: str, rules: lockout.Rules):
    """Return the employee, or raise LoginRefused.

    Unknown numbers, wrong passwords and locks answer alike whether or not the number names
    an employee (see services/core/lockout.py): one hash check while a slot is free (the
    dummy hash for an unknown number), none once the number is locked.
    """
    attempt = lockout.reserve(employee_no.strip(), rules)
    if attempt.locked_for is not None:
        raise LoginRefused(_("This account is locked. Try again in %(minutes)s minutes.",
                             minutes=attempt.locked_for))
    if attempt.employee_id is None:
        check_password_hash(_DUMMY_HASH, password)
        right = False
    else:
        right = check_password_hash(attempt.password_hash, password)
    if not right:
        if attempt.last:
            lockout.record_lock(attempt, rules.source)
            raise LoginRefused(
                _("%(n)s wrong passwords in a row: the account is locked for %(m)s minutes.",
                  n=rules.max_failures, m=rules.lock_minutes))
        raise LoginRefused(_("Wrong employee number or password."))
    lockout.release(attempt)
    employee = db.session.get(Employee, attempt.employee_id)
    if not employee.active:
        raise LoginRefused(_("This account is deactivated. Please contact the administrator."))
    employee.last_login_at = utcnow()
    db.session.flush()
    return employee


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
