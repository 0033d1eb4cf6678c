from flask import Blueprint

bp = Blueprint("stores", __name__, url_prefix="/stores")

from portal.blueprints.stores import routes  # noqa: E402, F401
