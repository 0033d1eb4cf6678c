from flask import Blueprint

bp = Blueprint("hotline", __name__, url_prefix="/hotline")

from portal.blueprints.hotline import (  # noqa: E402, F401
    callbacks,
    calls,
    complaints,
    routes,
    tickets,
)
