from flask import Blueprint

bp = Blueprint("stores", __name__, url_prefix="/stores")

# The stores sub-menu: (endpoint, label), appended by each module with its pages. A link is
# shown only to users holding a duty its route asks for (common.can_open).
NAV_LINKS: list[tuple[str, object]] = []


@bp.context_processor
def _store_links():
    from portal.blueprints.stores.common import can_open

    return {"store_links": [(endpoint, label) for endpoint, label in NAV_LINKS
                            if can_open(endpoint)],
            "can_open": can_open}


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
