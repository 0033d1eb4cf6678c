"""Documents (单据): printable PDFs of records, and the contact letters (售后服务联络函)."""

from flask import Blueprint

from portal.services.documents.pdf import init_pdf

bp = Blueprint("documents", __name__, url_prefix="/documents")
# The CJK print font is registered when the app registers this blueprint, i.e. at start-up,
# not on the first print; init_pdf is idempotent, so create_app may call it as well.
bp.record_once(lambda state: init_pdf(state.app))

from portal.blueprints.documents import letters, printing, store_printing  # noqa: E402, F401
