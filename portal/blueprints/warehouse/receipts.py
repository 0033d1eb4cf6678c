"""Receipts (入库单): lines by scanner or search, booked the moment the form is saved."""

import secrets

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.blueprints.warehouse import bp
from portal.blueprints.warehouse.forms import ReceiptForm, receipt_lines
from portal.blueprints.warehouse.routes import load, warehouse
from portal.extensions import db
from portal.models import StockCondition, StockReceipt
from portal.services import DomainError
from portal.services.core import uow
from portal.services.warehouse import stock
from portal.services.warehouse.parts import require_part, search_statement
from portal.web.guards import permission_required
from portal.web.rendering import render


@bp.get("/receipts")
@permission_required("warehouse.view")
def receipts():
    stmt = (sa.select(StockReceipt).where(StockReceipt.warehouse_id == warehouse().id)
            .options(selectinload(StockReceipt.lines), selectinload(StockReceipt.received_by))
            .order_by(StockReceipt.id.desc()))
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("warehouse/receipts.html", page=page, here=warehouse())


@bp.get("/receipts/new")
@permission_required("stock.receive")
def new_receipt():
    form = ReceiptForm(formdata=None, submit_token=secrets.token_urlsafe(16))
    return render("warehouse/receipt_form.html", form=form, lines=[], errors=[],
                  here=warehouse(), conditions=list(StockCondition))


@bp.post("/receipts/line")
@permission_required("stock.receive")
def receipt_line():
    """A scanned code → one receipt row to add (or, for a bad code, the message)."""
    try:
        part = require_part(request.form.get("code"))
    except DomainError as exc:
        # 200, not 4xx: the scan field's request succeeded, it found nothing (see scan.js).
        return render("warehouse/_scan_message.html", fragment="warehouse/_scan_message.html",
                      message=exc.message, ok=False)
    return render("warehouse/_receipt_row.html", fragment="warehouse/_receipt_row.html",
                  line=stock.LineInput(part, 1), conditions=list(StockCondition))


@bp.get("/receipts/parts")
@permission_required("stock.receive")
def receipt_part_search():
    """Active search for a part without a barcode label: each result adds itself."""
    q = request.args.get("q", "").strip()[:60]
    found = db.session.scalars(search_statement(q).limit(10)).all() if q else []
    return render("warehouse/_part_choices.html", fragment="warehouse/_part_choices.html",
                  parts=found, q=q)


@bp.post("/receipts")
@permission_required("stock.receive")
def create_receipt():
    form = ReceiptForm()
    lines, rows, errors = receipt_lines(request.form)
    if form.validate_on_submit() and not errors:
        try:
            receipt = stock.book_receipt(warehouse(), lines, current_user, form.supplier.data,
                                         form.delivery_note.data, form.remark.data,
                                         form.submit_token.data or None)
        except DomainError as exc:
            uow.discard()  # the form comes back with every row and the reason
            errors.append(exc.message)
        else:
            flash(_("Receipt %(number)s booked: %(n)s lines.", number=receipt.number,
                    n=len(receipt.lines)), "success")
            return redirect(url_for("warehouse.receipt_detail", number=receipt.number))
    return render("warehouse/receipt_form.html", status=400, form=form, lines=rows,
                  errors=errors, here=warehouse(), conditions=list(StockCondition))


@bp.get("/receipts/<number>")
@permission_required("warehouse.view")
def receipt_detail(number: str):
    return render("warehouse/receipt.html", receipt=load(StockReceipt, number))
