"""Route guards: the duty a route needs, checked on the server and read by the menus."""

from functools import wraps

from flask import abort
from flask_login import current_user

from portal.services.core.duties import visible_org_ids


def permission_required(*permissions: str):
    """Route guard: the signed-in user needs at least one of `permissions`, else 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from portal.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.permissions & set(permissions):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permissions = permissions
        return wrapped

    return decorator


def public(view):
    """Marks a route that must answer without signing in (sign-in page, health check)."""
    view.public = True
    return view


def ensure_visible(user, org_unit_id: int | None) -> None:
    """404 (not 403: do not reveal that the record exists) for another unit's record."""
    ids = visible_org_ids(user)
    if ids is not None and org_unit_id not in ids:
        abort(404)
