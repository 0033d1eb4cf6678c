from flask import Blueprint

bp = Blueprint("qa", __name__, url_prefix="/qa")

from portal.blueprints.qa import checks, routes  # noqa: E402, F401
