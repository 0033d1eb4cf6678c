from flask import Blueprint

bp = Blueprint("warehouse", __name__, url_prefix="/warehouse")

from portal.blueprints.warehouse import routes  # noqa: E402, F401
