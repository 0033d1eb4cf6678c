"""打印 / PDF: each record's printed form, opened inline in the browser's PDF viewer.

Whoever may open the record may print it, and nobody else: the same permission and the
same org-unit check as the record's own page (another branch's record answers 404).
"""

from datetime import date
from urllib.parse import quote

import sqlalchemy as sa
from flask import abort, make_response, request
from flask_login import current_user

from portal.blueprints.documents import bp
from portal.blueprints.documents.letters import WHO_WRITES
from portal.extensions import db
from portal.models import Customer, Ticket
from portal.services.documents import pdf
from portal.services.hotline import contact_letters
from portal.web.guards import ensure_visible, permission_required

# Chrome's PDF viewer is an <embed> inside the response's own document: the portal's page
# policy (object-src 'none', no inline styles) would leave it blank (crbug.com/271452).
# A PDF runs no page script, so only framing is restricted.
PDF_CSP = "frame-ancestors 'none'"


def pdf_response(job: pdf.PrintJob):
    """The rendered job as an inline PDF named like 报修服务单-BX2026-000123.pdf (RFC 6266)."""
    response = make_response(pdf.render_job(job, printed_by=current_user))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'inline; filename="{job.ascii_filename}"; '
        f"filename*=UTF-8''{quote(job.filename, safe='')}")
    response.headers["Content-Security-Policy"] = PDF_CSP
    response.headers["Cache-Control"] = "private, no-store"  # customers' names and phones
    return response


@bp.get("/tickets/<number>/repair-receipt.pdf")
@permission_required("hotline.view", "stores.view")
def repair_receipt(number: str):
    ticket = db.first_or_404(sa.select(Ticket).where(Ticket.number == number.upper()))
    ensure_visible(current_user, ticket.branch_id)
    return pdf_response(pdf.repair_receipt(ticket))


@bp.get("/letters/<number>/print.pdf")
@permission_required(*WHO_WRITES)
def letter_pdf(number: str):
    letter = contact_letters.load_for(number, current_user)
    if letter is None:
        abort(404)
    return pdf_response(pdf.contact_letter(letter))


@bp.get("/customers/<int:customer_id>/expiry-notice.pdf")
@permission_required("hotline.view")
def expiry_notice(customer_id: int):
    """?callback=<id> of a contract expiry callback, or ?end=YYYY-MM-DD; else the customer's
    latest contract expiry callback, else a notice with the date left to fill in."""
    customer = db.get_or_404(Customer, customer_id)
    end = None
    if request.args.get("end"):
        try:
            end = date.fromisoformat(request.args["end"])
        except ValueError:
            abort(400)
    job = pdf.expiry_notice_for(customer, request.args.get("callback", type=int), end)
    if job is None:  # the callback named is not this customer's contract expiry callback
        abort(404)
    return pdf_response(job)
