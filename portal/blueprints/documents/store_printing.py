"""打印 / PDF routes of the branch's store documents (builders: services.documents.stores).

Whoever may see the record may print it: store staff (stores.view) of the record's branch,
the hotline (hotline.view, every branch) and QA (who sign the dispatch order's QA row).
Another branch's record answers 404, as on the store pages; a user with none gets 403.
"""

from portal.blueprints.documents import bp
from portal.blueprints.documents.printing import pdf_response
from portal.extensions import db
from portal.models import Dispatch, Estimate, GoodsReceipt, Inspection, Ticket
from portal.services.documents import stores as documents
from portal.web.guards import permission_required
from portal.web.loaders import ensure_visible

WHO_PRINTS = ("stores.view", "hotline.view", "qa.view")


def _branch_of(ticket_id: int) -> int:
    return db.session.get(Ticket, ticket_id).branch_id


# --------------------------------------------------------------------------- the routes


@bp.get("/estimates/<int:estimate_id>.pdf")
@permission_required(*WHO_PRINTS)
def estimate_pdf(estimate_id: int):
    record = db.get_or_404(Estimate, estimate_id)
    ensure_visible(_branch_of(record.ticket_id))
    return pdf_response(documents.estimate(record))


@bp.get("/dispatches/<int:dispatch_id>.pdf")
@permission_required(*WHO_PRINTS)
def dispatch_pdf(dispatch_id: int):
    record = db.get_or_404(Dispatch, dispatch_id)
    ensure_visible(record.branch_id)
    return pdf_response(documents.dispatch(record))


@bp.get("/inspections/<int:inspection_id>.pdf")
@permission_required(*WHO_PRINTS)
def inspection_pdf(inspection_id: int):
    record = db.get_or_404(Inspection, inspection_id)
    ensure_visible(_branch_of(record.ticket_id))
    return pdf_response(documents.inspection(record))


@bp.get("/goods/<int:receipt_id>.pdf")
@permission_required(*WHO_PRINTS)
def goods_receipt_pdf(receipt_id: int):
    record = db.get_or_404(GoodsReceipt, receipt_id)
    ensure_visible(record.branch_id)
    return pdf_response(documents.goods_receipt(record))
