"""Helpers shared by the store pages."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, flash
from flask_login import current_user

from portal.extensions import db
from portal.models import OrgKind, OrgUnit
from portal.models.base import utcnow
from portal.services.core import uow
from portal.services.core.duties import visible_org_ids
from portal.timeutil import to_local
from portal.web.args import date_arg, int_arg


def current_branch() -> OrgUnit | None:
    """The branch a page shows: the user's own, or (for HQ) the one chosen with ?branch=."""
    chosen = int_arg("branch")
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
    return date_arg(name) or to_local(utcnow()).date()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def can_open(endpoint: str) -> bool:
    """The current user holds a duty the route asks for: links and buttons ask this, so a
    page never shows one that answers 403 (the route's own guard is the one truth)."""
    view = current_app.view_functions.get(endpoint)
    if view is None or not current_user.is_authenticated:
        return False
    required = getattr(view, "required_permissions", None)
    return required is None or bool(current_user.permissions & set(required))


def find_field(form, name: str | None):
    """The form field a service error names: full name first (rows of a list), then short."""
    if not name or form is None:
        return None

    def walk(fields):
        for f in fields:
            if f.name == name:
                return f
            if f.type in ("FieldList", "FormField"):
                found = walk(f)
                if found is not None:
                    return found
        return None

    return walk(form) or next((f for f in form if f.short_name == name), None)


def show_error(form, exc, fallback: str | None = None) -> int:
    """A verb refused: drop what the request wrote and show why, then return the status.

    Bad input goes next to the field it concerns (400); a refusal of the action itself goes
    on `fallback` (e.g. the dispatch form's note) or at the top of the page, with its status.
    """
    uow.discard()
    named = find_field(form, exc.field)
    if named is not None:
        named.errors = [*named.errors, exc.message]
        return 400
    target = find_field(form, fallback)
    if target is not None:
        target.errors = [*target.errors, exc.message]
    else:
        flash(exc.message, "error")
    return exc.status
