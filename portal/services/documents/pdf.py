"""Printed documents (打印单据): HTML print templates under templates/pdf/ rendered by xhtml2pdf.

A document is a `PrintJob`: which template, which record number, and the context that
template reads. Each document kind is one template plus one small function here that builds
its job from a record (`repair_receipt`, `contact_letter`, `expiry_notice`); `render_job`
turns any job into PDF bytes with the shared page header and footer.

Chinese text needs a font that is both embedded and extractable. ReportLab's built-in
STSong-Light is not embedded (blank where the viewer lacks Adobe's language pack) and
Noto CJK's .ttc has PostScript outlines ReportLab cannot read, so the portal embeds
WenQuanYi Micro Hei (subset). It is registered with ReportLab once per process by
`init_pdf`, not through @font-face: xhtml2pdf's ResourceAccessPolicy refuses a font file
outside the document's folder and then silently draws in Helvetica with err == 0.
"""

import io
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from portal.extensions import db
from portal.models import Callback, CallbackKind, CustomerAttribute, TicketStatus
from portal.models.base import utcnow
from portal.timeutil import to_local

log = logging.getLogger(__name__)

# The name the portal's CJK face is registered under in ReportLab, and the CSS family the
# print stylesheet asks for.
FONT_NAME = "PortalCJK"
FONT_FAMILY = "cjk"
FALLBACK_FONT = "STSong-Light"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian / Ubuntu fonts-wqy-microhei
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",  # Fedora / RHEL
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",  # Arch
)
# Printed forms are Chinese paper forms, whoever prints them and in whatever UI language.
PRINT_LOCALE = "zh_CN"

_lock = threading.Lock()


class PdfError(Exception):
    """xhtml2pdf reported errors: the document would be incomplete, so none is returned."""


@dataclass(frozen=True)
class PdfFont:
    """The face every family and weight of every document is drawn with."""

    name: str
    path: str | None  # None: the non-embedded STSong-Light fallback

    @property
    def embedded(self) -> bool:
        return self.path is not None


# ReportLab keeps registered fonts in module globals, so the registration is per process;
# this only remembers what was registered, for a second app created in the same process.
_registered: list[PdfFont] = []


def init_pdf(app) -> PdfFont:
    """Register the CJK print font once per process and note it on the app. Idempotent."""
    if "pdf" in app.extensions:
        return app.extensions["pdf"]
    with _lock:
        if not _registered:
            _registered.append(_register_font(_font_candidates(app)))
        font = _registered[0]
    wanted = app.config.get("PDF_FONT_PATH")
    if wanted and font.path != wanted:
        log.warning("PDF_FONT_PATH=%s is ignored: this process already prints with %s.",
                    wanted, font.path or FALLBACK_FONT)
    app.extensions["pdf"] = font
    return font


def _font_candidates(app) -> list[str]:
    configured = app.config.get("PDF_FONT_PATH") or os.environ.get("PDF_FONT_PATH")
    return ([configured] if configured else []) + list(FONT_CANDIDATES)


def _register_font(candidates: list[str]) -> PdfFont:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    for path in candidates:
        if not Path(path).is_file():
            continue
        try:
            # subfontIndex 0 of wqy-microhei.ttc is the proportional face (1 is Mono).
            pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
        except (TTFError, OSError) as exc:  # e.g. a .ttc with PostScript (CFF) outlines
            log.warning("PDF font %s cannot be embedded (%s); trying the next one.", path, exc)
            continue
        _map_every_family(FONT_NAME)
        log.info("PDF documents embed the CJK font %s.", path)
        return PdfFont(FONT_NAME, path)

    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    log.warning(
        "No CJK font for PDF documents (tried %s). Falling back to %s, which is NOT embedded: "
        "viewers without Adobe's Chinese language pack show blanks. Install the Debian "
        "package fonts-wqy-microhei or set PDF_FONT_PATH to a TrueType CJK font.",
        ", ".join(candidates), FALLBACK_FONT)
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    _map_every_family(FALLBACK_FONT)
    return PdfFont(FALLBACK_FONT, None)


def _map_every_family(font_name: str) -> None:
    """Every CSS family, bold and italic included, draws with `font_name`.

    The face has no bold or italic: a heading in bold must still show its Chinese, so
    every weight maps to the one face rather than to a Latin-only Helvetica-Bold.
    xhtml2pdf copies DEFAULT_FONT into each document's font list, so updating it once here
    is what reaches every later render.
    """
    from reportlab.lib.fonts import addMapping
    from xhtml2pdf import default

    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(font_name, bold, italic, font_name)
    for family in list(default.DEFAULT_FONT):
        default.DEFAULT_FONT[family] = font_name
    default.DEFAULT_FONT[FONT_FAMILY] = font_name


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class PrintJob:
    """One document to print: its template, number and the values the template reads."""

    template: str  # under templates/pdf/
    title: str  # the paper form's printed title, also the PDF's title
    number: str  # printed in every page header and used in the file name
    file_stem: str  # Chinese file name stem: 报修服务单 → 报修服务单-BX2026-000123.pdf
    ascii_stem: str  # for clients that ignore filename*: repair-receipt-BX2026-000123.pdf
    context: dict = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.file_stem}-{self.number}.pdf"

    @property
    def ascii_filename(self) -> str:
        number = self.number.encode("ascii", "replace").decode().replace("?", "_")
        return f"{self.ascii_stem}-{number}.pdf"


def render(template: str, context: dict) -> bytes:
    """Render a print template to PDF bytes (the font is registered on first use)."""
    from xhtml2pdf import pisa
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    app = current_app._get_current_object()
    init_pdf(app)
    with force_locale(PRINT_LOCALE):
        # Straight from the Jinja environment: a print needs none of the page's context
        # processors (menu, signed-in user), and a service renders outside any request.
        html = app.jinja_env.get_template(template).render(**context)
    out = io.BytesIO()
    # The templates read nothing from the network and only the portal's own static files;
    # record text is escaped by Jinja, and the policy is the second lock on that door.
    policy = ResourceAccessPolicy.server(app.static_folder, allow_remote=False)
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=policy)
    if status.err:
        raise PdfError(f"{template}: {status.err} error(s) while rendering")
    return out.getvalue()


def render_job(job: PrintJob, printed_by=None, printed_at: datetime | None = None) -> bytes:
    """Render `job` with the shared header (company, number) and footer (pages, print time)."""
    context = dict(job.context, job=job, printed_by=printed_by,
                   printed_at=to_local(printed_at or utcnow()),
                   company=current_app.config.get("COMPANY_NAME", "售后服务门户"))
    return render(job.template, context)


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


# --------------------------------------------------------------------------- long text


def paragraphs(text: str | None, max_chars: int = 400) -> list[str]:
    """Split text into printable pieces: one per line, long lines cut at a sentence end.

    Each piece becomes one table row. ReportLab moves a table to the next page row by row
    and cannot split a row, and xhtml2pdf silently drops a row taller than the page; a
    piece of at most `max_chars` (about ten printed lines) always fits.
    """
    pieces: list[str] = []
    for line in (text or "").splitlines():
        line = line.rstrip()
        if not line.strip():
            continue
        while len(line) > max_chars:
            cut = _break_at(line, max_chars)
            pieces.append(line[:cut])
            line = line[cut:]
        if line:
            pieces.append(line)
    return pieces


def _break_at(line: str, max_chars: int) -> int:
    """Where to cut an over-long line: after a sentence end, else a comma or space, else hard."""
    for marks in ("。！？；;!?", "，、,： "):
        cut = max(line.rfind(mark, max_chars // 2, max_chars) for mark in marks)
        if cut > 0:
            return cut + 1
    return max_chars


# --------------------------------------------------------------------------- the documents
# The titles and file names are the names of the company's paper forms, printed in Chinese
# whatever the UI language, like the labels in the print templates.


def repair_receipt(ticket) -> PrintJob:
    """客户报修服务单: what the technician takes to the site and the customer signs."""
    customer = ticket.customer
    done = ticket.status in (TicketStatus.CLOSED, TicketStatus.AWAITING_FEEDBACK,
                             TicketStatus.FEEDBACK_GIVEN, TicketStatus.CALLED_BACK)
    remarks = [f"{to_local(e.at):%m-%d %H:%M} {e.actor.name if e.actor else ''}：{e.remark}"
               for e in ticket.events if e.remark]
    return PrintJob(
        template="pdf/repair_receipt.html", title="客户报修服务单", number=ticket.number,
        file_stem="报修服务单", ascii_stem="repair-receipt",
        context=dict(
            ticket=ticket, customer=customer,
            contact=customer.contact_person or customer.name,
            phones=" / ".join(customer.phones),
            address=customer.service_address or customer.address,
            attributes=[(a, a == customer.attribute) for a in CustomerAttribute],
            work=paragraphs("\n".join(t for t in (ticket.short_text, ticket.long_text) if t)),
            remarks=[p for r in remarks for p in paragraphs(r)],
            done=done,
        ),
    )


def contact_letter(letter) -> PrintJob:
    """售后服务联络函, with both sides' signature and stamp blocks."""
    return PrintJob(
        template="pdf/contact_letter.html", title="售后服务联络函", number=letter.number,
        file_stem="联络函", ascii_stem="contact-letter",
        context=dict(letter=letter, content=paragraphs(letter.content),
                     feedback=paragraphs(letter.feedback)),
    )


def expiry_notice(customer, contract_end: date | None, callback=None) -> PrintJob:
    """保养到期通知书: sent a month before a maintenance contract ends, to offer renewal.

    The notice has no number of its own; customer code and end date name it, so printing
    it again gives the same document. Without an end date the line is left to fill by hand.
    """
    number = f"{customer.code}-{contract_end:%Y%m%d}" if contract_end else customer.code
    products = [p for p in customer.products if p.active]
    return PrintJob(
        template="pdf/expiry_notice.html", title="保养到期通知书", number=number,
        file_stem="保养到期通知书", ascii_stem="contract-expiry-notice",
        context=dict(customer=customer, contract_end=contract_end, callback=callback,
                     products=products, address=customer.address,
                     contact=customer.contact_person or customer.name,
                     phones=" / ".join(customer.phones)),
    )


def expiry_notice_for(customer, callback_id: int | None = None,
                      contract_end: date | None = None) -> PrintJob | None:
    """The notice for a contract expiry callback of the customer, or for an end date, or for
    the customer's latest contract expiry callback. None if `callback_id` names no contract
    expiry callback of this customer."""
    expiry = sa.select(Callback).where(Callback.customer_id == customer.id,
                                       Callback.kind == CallbackKind.CONTRACT_EXPIRY)
    callback = None
    if callback_id is not None:
        callback = db.session.scalar(expiry.where(Callback.id == callback_id))
        if callback is None:
            return None
    elif contract_end is None:
        callback = db.session.scalar(expiry.order_by(Callback.due_at.desc(), Callback.id.desc())
                                     .limit(1))
    end = contract_end or (callback.contract_end if callback else None)
    return expiry_notice(customer, end, callback)
