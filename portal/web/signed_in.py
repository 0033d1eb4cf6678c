"""The signed-in employee for each request, from a per-process cache checked every request.

Loading the employee with its groups and org unit through the ORM was a fifth of a caller
lookup's CPU (two statements and the identity-map work, on every request of 400 agents).
Now each request runs one small Core statement that reads the employee's *stamp*: the
session epoch, when the row last changed (group membership changes touch it too, see
`_touch_on_membership_change`) and when any permission group last changed. While the stamp
is the one the cache holds, the cached copy is merged into the request's session without
a query (`merge(load=False)`), so services still get a real `Employee` to assign to
relationships. Any change anywhere, in any process or on any server, changes the stamp.

The cache lives on the app (one per `create_app`), so two apps on different databases in
one process (the tests) never share entries.
"""

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.extensions import db
from portal.models import Employee, PermissionGroup
from portal.models.base import utcnow

_employees = Employee.__table__
_groups = PermissionGroup.__table__

_STAMP = sa.select(
    _employees.c.session_epoch,
    _employees.c.updated_at,
    sa.select(sa.func.max(_groups.c.updated_at)).scalar_subquery(),
    sa.select(sa.func.count()).select_from(_groups).scalar_subquery(),
).where(_employees.c.id == sa.bindparam("employee_id"))

_CACHE_KEY = "portal.signed_in"


def load(employee_id: int) -> Employee | None:
    """The employee, attached to this request's session, or None if there is none."""
    stamp = db.session.connection().execute(_STAMP, {"employee_id": employee_id}).first()
    if stamp is None:
        return None
    cache = current_app.extensions.setdefault(_CACHE_KEY, {})
    entry = cache.get(employee_id)
    if entry is None or entry[0] != tuple(stamp):
        entry = (tuple(stamp), _load_detached(employee_id))
        if entry[1] is None:
            return None
        cache[employee_id] = entry  # one dict assignment: safe across the worker's threads
    return db.session.merge(entry[1], load=False)


def _load_detached(employee_id: int) -> Employee | None:
    """A copy of the employee that belongs to no request: loaded on a session of its own,
    so nothing a request does to its own instance (or rolls back) reaches the cache."""
    with Session(db.engine, expire_on_commit=False) as session:
        employee = session.get(Employee, employee_id, options=[
            selectinload(Employee.groups), joinedload(Employee.org_unit),
            joinedload(Employee.department)])
        if employee is not None:
            session.expunge_all()
        return employee


@sa.event.listens_for(Employee.groups, "append")
@sa.event.listens_for(Employee.groups, "remove")
def _touch_on_membership_change(employee, group, initiator):
    """A change of groups writes only the association table; stamp the employee row too."""
    employee.updated_at = utcnow()


@sa.event.listens_for(Employee.groups, "bulk_replace")
def _touch_on_replace(employee, values, initiator):
    employee.updated_at = utcnow()
