from flask import Blueprint

bp = Blueprint("warehouse", __name__, url_prefix="/warehouse")

from portal.blueprints.warehouse import (  # noqa: E402, F401
    counts,
    ledger,
    parts,
    receipts,
    reports,
    requisitions,
    returns,
    routes,
)
