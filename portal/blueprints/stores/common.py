"""Helpers shared by the store pages."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import request
from flask_login import current_user

from portal.extensions import db
from portal.models import OrgKind, OrgUnit
from portal.models.base import utcnow
from portal.services.core.duties import visible_org_ids
from portal.timeutil import to_local


def current_branch() -> OrgUnit | None:
    """The branch a page shows: the user's own, or (for HQ) the one chosen with ?branch=."""
    chosen = request.args.get("branch", type=int)
    visible = visible_org_ids(current_user)
    if chosen and (visible is None or chosen in visible):
        unit = db.session.get(OrgUnit, chosen)
        if unit is not None and unit.kind == OrgKind.BRANCH:
            return unit
    own = current_user.org_unit
    return own if own.kind == OrgKind.BRANCH else None


def branch_choices() -> list[OrgUnit]:
    """Branches an HQ user may switch between (empty for a branch's own staff)."""
    if current_user.org_unit.kind == OrgKind.BRANCH:
        return []
    visible = visible_org_ids(current_user)
    stmt = sa.select(OrgUnit).where(OrgUnit.kind == OrgKind.BRANCH, OrgUnit.active)
    if visible is not None:
        stmt = stmt.where(OrgUnit.id.in_(visible))
    return list(db.session.scalars(stmt.order_by(OrgUnit.code)))


def chosen_day(name: str = "day") -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return to_local(utcnow()).date()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
