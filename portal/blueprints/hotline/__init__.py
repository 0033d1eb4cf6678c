from flask import Blueprint

bp = Blueprint("hotline", __name__, url_prefix="/hotline")

from portal.blueprints.hotline import routes  # noqa: E402, F401
