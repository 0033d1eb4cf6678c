"""Locking an employee number after repeated wrong passwords.

Each sign-in first reserves one of LOGIN_MAX_FAILURES password checks in SQL, on a
connection of its own, and only then checks the hash: parallel guesses each need a slot,
the slot that reaches the limit sets the lock in the same statement, so no more than that
many passwords are ever checked before the lock, however many guesses arrive at once.

A number that names no employee gets slots and a lock just the same, in `unknown_sign_ins`
(one upsert, committed like the employee's UPDATE): the answers, the hash checks made and
the database work are the same for every number, so neither the page nor its timing tells
which employee numbers exist, whatever the number of app processes.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models import AuditEvent, Employee, UnknownSignIn
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core import uow

UNKNOWN_KEPT = timedelta(days=1)  # an unknown number's count is forgotten after a quiet day


@dataclass(frozen=True)
class Attempt:
    """The outcome of a reservation: a password check may be made, or the number is locked."""

    locked_for: int | None = None  # minutes left of the lock: no password is checked
    employee_id: int | None = None  # None with a slot: the number names no employee
    password_hash: str | None = None
    slot: int = 0  # which of the allowed checks this attempt holds (1 … max)
    last: bool = False  # it holds the last one: a wrong password leaves the number locked
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Rules:
    max_failures: int
    lock_minutes: int
    source: str = ""  # the client's address, for the audit trail


def minutes_left(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def reserve(typed: str, rules: Rules) -> Attempt:
    """Take one password check for `typed`, or learn that it is locked.

    Committed at once on its own connection: the refused sign-in rolls its request back, the
    reservation must stand. An expired lock starts a new count.
    """
    now = utcnow()
    employees, unknown = Employee.__table__, UnknownSignIn.__table__
    with db.engine.begin() as connection:
        row = connection.execute(sa.select(employees.c.id, employees.c.password_hash)
                                 .where(employees.c.employee_no == typed)).first()
        table = employees if row is not None else unknown
        slot = sa.case((table.c.locked_until.is_not(None), 1), else_=table.c.failed_logins + 1)
        lock_end = now + timedelta(minutes=rules.lock_minutes)
        counted = {"failed_logins": slot,
                   "locked_until": sa.case((slot >= rules.max_failures, lock_end), else_=None)}
        free = sa.or_(table.c.locked_until.is_(None), table.c.locked_until <= now)
        if row is not None:
            statement = table.update().where(table.c.id == row.id, free).values(**counted)
            key = table.c.id == row.id
        else:
            first = lock_end if rules.max_failures <= 1 else None
            insert = (postgresql.insert if connection.dialect.name == "postgresql"
                      else sqlite.insert)(table)
            statement = insert.values(employee_no=typed, failed_logins=1, locked_until=first,
                                      updated_at=now).on_conflict_do_update(
                index_elements=[table.c.employee_no], set_=counted | {"updated_at": now},
                where=free)
            key = table.c.employee_no == typed
        reserved = connection.execute(
            statement.returning(table.c.failed_logins, table.c.locked_until)).first()
        if reserved is None:
            until = connection.execute(sa.select(table.c.locked_until).where(key)).scalar()
            # Measured now, not from `now`: this statement may have waited for the one that
            # locked.
            left = (until - utcnow()).total_seconds() if until else 0
            return Attempt(locked_for=minutes_left(left))
        if reserved[0] == 1:  # on both paths alike, so neither takes longer
            connection.execute(unknown.delete().where(
                unknown.c.updated_at < now - UNKNOWN_KEPT,
                sa.or_(unknown.c.locked_until.is_(None), unknown.c.locked_until <= now)))
    return Attempt(employee_id=row.id if row is not None else None,
                   password_hash=row.password_hash if row is not None else None,
                   slot=reserved[0], last=reserved[0] >= rules.max_failures,
                   locked_until=reserved[1])


def release(attempt: Attempt) -> None:
    """The right password: the count starts again and a lock this attempt set is lifted.

    Only when no guess reserved a slot after this one (compare and set): a guess racing a
    successful sign-in is not forgiven, and a lock it set stays.
    """
    table = Employee.__table__
    with db.engine.begin() as connection:
        connection.execute(table.update().where(table.c.id == attempt.employee_id,
                                                table.c.failed_logins == attempt.slot)
                           .values(failed_logins=0, locked_until=None))


def record_lock(attempt: Attempt, source: str) -> None:
    """The lock in the audit trail, written on its own connection (the sign-in rolls back)."""
    if attempt.employee_id is None:
        return
    uow.keep_refusal(AuditEvent.__table__, [{
        "at": utcnow(), "actor_id": None, "actor_label": (source or "-")[:80],
        "table_name": Employee.__tablename__, "record_id": str(attempt.employee_id),
        "action": "lock",
        "changes": {"failed_logins": [None, str(attempt.slot)],
                    "locked_until": [None, attempt.locked_until.isoformat(sep=" ")]},
    }])


@dataclass(frozen=True)
class LockedAccount:
    employee: Employee
    since: datetime | None  # when the lock was recorded (None: locked before it was recorded)
    source: str | None  # the address whose guesses locked it


def locked_accounts() -> list[LockedAccount]:
    """Accounts locked now, the newest lock first, with when and from where they locked."""
    employees = db.session.scalars(
        sa.select(Employee).where(Employee.locked_until > utcnow())
        .order_by(Employee.locked_until.desc(), Employee.id)).all()
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.table_name == Employee.__tablename__,
                                    AuditEvent.action == "lock",
                                    AuditEvent.record_id.in_([str(e.id) for e in employees]))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).all() if employees else []
    latest: dict[str, AuditEvent] = {}
    for event in events:
        latest.setdefault(event.record_id, event)
    out = []
    for employee in employees:
        event = latest.get(str(employee.id))
        out.append(LockedAccount(employee, event.at if event else None,
                                 event.actor_label if event else None))
    return out


def unlock(employee: Employee, by: Employee) -> None:
    """An administrator lifts the lock: the count starts again, the audit trail says who."""
    if not (employee.locked_until and employee.locked_until > utcnow()):
        raise DomainError(_("This account is not locked (any more)."))
    changes = {"failed_logins": [str(employee.failed_logins), "0"],
               "locked_until": [employee.locked_until.isoformat(sep=" "), None]}
    employee.failed_logins = 0
    employee.locked_until = None
    db.session.add(AuditEvent(at=utcnow(), actor_id=by.id, actor_label=str(by)[:80],
                              table_name=Employee.__tablename__, record_id=str(employee.id),
                              action="unlock", changes=changes))
    db.session.flush()
