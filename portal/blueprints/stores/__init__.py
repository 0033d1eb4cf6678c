from flask import Blueprint

bp = Blueprint("stores", __name__, url_prefix="/stores")

# The stores sub-menu: (endpoint, label, permission), appended by each module with its pages.
NAV_LINKS: list[tuple[str, object, str]] = []


@bp.context_processor
def _store_links():
    return {"store_links": NAV_LINKS}


from portal.blueprints.stores import (  # noqa: E402, F401
    appointments,
    approvals,
    dispatch,
    estimates,
    goods,
    my_jobs,
    reception,
    reports,
    routes,
    workspace,
)
