"""Stock counts (盘点): open, the blind count sheet with its scanner field, submit, the
manager's adjustment sheet (库存调整表) with approve or recount, and the blind printout.

The count sheet and everything it fetches never carry the expected quantities: a clerk's
browser never receives them (blind count). Only the review, behind stock.adjust.approve,
does. Counting (open, scan, enter, submit, cancel) needs stock.count.
"""

from decimal import Decimal

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.warehouse import bp
from portal.blueprints.warehouse.forms import DecisionForm, OpenCountForm, SubmitCountForm
from portal.blueprints.warehouse.routes import load, open_steps, warehouse
from portal.extensions import db
from portal.models import StockCount, StockCountLine
from portal.services import DomainError
from portal.services.core import uow
from portal.services.core.audit import history
from portal.services.warehouse import stock_counts
from portal.services.warehouse.parts import categories
from portal.services.warehouse.workflow import STOCK_COUNT
from portal.web.args import MAX_ID, page_arg, parse_int, version_of
from portal.web.guards import permission_required
from portal.web.pagination import paginate_rows
from portal.web.rendering import refused, render, wants_fragment

SHEET_PAGE = 50


def _open_form(formdata=True) -> OpenCountForm:
    form = OpenCountForm() if formdata else OpenCountForm(formdata=None)
    form.category.choices = [("", _("— all parts —"))] + [(c, c) for c in categories()]
    return form


def _list(form: OpenCountForm, status: int = 200):
    page = db.paginate(stock_counts.counts_statement(warehouse().id),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("warehouse/counts.html", status=status, page=page, form=form,
                  here=warehouse())


@bp.get("/counts")
@permission_required("warehouse.view")
def counts():
    return _list(_open_form(formdata=False))


@bp.post("/counts")
@permission_required("stock.count")
def open_count():
    form = _open_form()
    if not form.validate_on_submit():
        return _list(form, 400)
    try:
        count = stock_counts.open_count(
            warehouse(), current_user, category=form.category.data or None,
            part_prefix=form.part_prefix.data, condition=form.condition.data,
            ask_quantity=form.ask_quantity.data)
    except DomainError as exc:
        return _list(form, refused(exc, form))
    flash(_("Count %(number)s opened: %(n)s lines to count.", number=count.number,
            n=count.line_count), "success")
    return redirect(url_for("warehouse.count_sheet", number=count.number))


def _sheet(count: StockCount, status: int = 200, flagged: list[int] | None = None):
    q = request.args.get("q", "").strip()[:60]
    only = request.args.get("only") if request.args.get("only") in ("uncounted",
                                                                     "recount") else None
    page = db.paginate(stock_counts.sheet_statement(count, q, only), per_page=SHEET_PAGE,
                       error_out=False)
    return render("warehouse/count.html", status=status, count=count, page=page, q=q,
                  only=only, progress=stock_counts.progress(count), flagged=set(flagged or ()),
                  submit=SubmitCountForm(formdata=None, version=count.version),
                  can=open_steps(STOCK_COUNT, count),
                  cancel=DecisionForm(formdata=None, version=count.version, action="cancel"))


@bp.get("/counts/<number>")
@permission_required("warehouse.view")
def count_sheet(number: str):
    return _sheet(load(StockCount, number))


def _scan_answer(count: StockCount, result=None, message: str | None = None):
    """The scan field's answer: always 200 (the request itself went fine), so the field's
    script shows the message instead of the browser logging a failed request."""
    if not wants_fragment():  # no script: back to the sheet with the message
        flash(message or _("Counted: %(part)s.", part=result.line.part),
              "error" if message else "success")
        return redirect(url_for("warehouse.count_sheet", number=count.number))
    response = render("warehouse/_scan_result.html", fragment="warehouse/_scan_result.html",
                      count=count, result=result, message=message,
                      progress=None if message else stock_counts.progress(count))
    response.headers["X-Scan-Result"] = "error" if message else (
        "ask" if result.added is None else "added")
    return response


@bp.post("/counts/<number>/scan")
@permission_required("stock.count")
def count_scan(number: str):
    count = load(StockCount, number)
    try:
        result = stock_counts.scan(count, request.form.get("code", ""), current_user)
    except DomainError as exc:
        uow.discard()  # the answer is a 200 fragment: nothing of the refused scan is kept
        return _scan_answer(count, message=exc.message)
    return _scan_answer(count, result)


@bp.post("/counts/<number>/lines/<int:line_id>")
@permission_required("stock.count")
def count_line(number: str, line_id: int):
    """Typed entry on the sheet (counted quantity and / or reason), or the quantity asked
    for after a scan (`add`), which answers like a scan."""
    count = load(StockCount, number)
    line = db.session.get(StockCountLine, line_id) if line_id <= MAX_ID else None
    if line is None or line.count_id != count.id:
        abort(404)
    adding = request.form.get("add") == "1"
    try:
        line = stock_counts.enter_line(count, line, current_user,
                                       counted=request.form.get("counted"),
                                       reason=request.form.get("reason"), add=adding)
    except DomainError as exc:
        uow.discard()
        if adding:
            return _scan_answer(count, message=exc.message)
        return _line_answer(count, db.session.get(StockCountLine, line_id), exc.message)
    if adding:
        added = Decimal(request.form["counted"].strip().replace(",", ""))
        return _scan_answer(count, stock_counts.ScanResult(line, added))
    return _line_answer(count, line)


def _line_answer(count: StockCount, line: StockCountLine, message: str | None = None):
    if not wants_fragment():
        flash(message or _("Saved: %(part)s.", part=line.part), "error" if message else "success")
        return redirect(url_for("warehouse.count_sheet", number=count.number,
                                q=line.part.part_no))
    response = render("warehouse/_count_row.html", fragment="warehouse/_count_row.html",
                      count=count, line=line, error=message, flagged=set())
    response.headers["X-Scan-Result"] = "error" if message else "saved"
    return response


@bp.post("/counts/<number>/submit")
@permission_required("stock.count")
def submit_count(number: str):
    count = load(StockCount, number)
    form = SubmitCountForm()
    version = version_of(form.version.data)
    try:
        stock_counts.submit_count(count, current_user, expected_version=version,
                                  uncounted_as_zero=form.uncounted_as_zero.data)
    except stock_counts.CountIncomplete as exc:
        status = refused(exc)
        return _sheet(load(StockCount, number), status, exc.line_ids)
    except DomainError as exc:
        status = refused(exc)
        return _sheet(load(StockCount, number), status)
    flash(_("Count %(number)s submitted: the adjustment waits for the manager's approval.",
            number=number), "success")
    return redirect(url_for("warehouse.count_sheet", number=number))


@bp.post("/counts/<number>/cancel")
@permission_required("stock.count")
def cancel_count(number: str):
    count = load(StockCount, number)
    form = DecisionForm()
    try:
        stock_counts.cancel_count(count, current_user, form.remark.data, form.seen_version)
    except DomainError as exc:
        status = refused(exc)
        return _sheet(load(StockCount, number), status)
    flash(_("Count %(number)s cancelled.", number=number), "success")
    return redirect(url_for("warehouse.counts"))


@bp.get("/counts/<number>/print")
@permission_required("warehouse.view")
def count_print(number: str):
    count = load(StockCount, number)
    lines = db.session.scalars(stock_counts.sheet_statement(count)).all()
    return render("warehouse/count_print.html", count=count, lines=lines)


def _review(count: StockCount, status: int = 200):
    differences = request.args.get("all") != "1"
    page = paginate_rows(stock_counts.review_statement(count, differences), page_arg(),
                         SHEET_PAGE)
    return render("warehouse/count_review.html", status=status, count=count, page=page,
                  differences=differences, progress=stock_counts.progress(count),
                  value=stock_counts.adjustment_value(count),
                  actions=[t for t in STOCK_COUNT.available(count, current_user)
                           if t.action in ("approve", "recount")],
                  counters=stock_counts.counters(count),
                  form=DecisionForm(formdata=None, version=count.version),
                  events=history(count))


@bp.get("/counts/<number>/review")
@permission_required("stock.adjust.approve")
def count_review(number: str):
    return _review(load(StockCount, number))


@bp.post("/counts/<number>/decide")
@permission_required("stock.adjust.approve")
def decide_count(number: str):
    count = load(StockCount, number)
    form = DecisionForm()
    if not form.validate_on_submit() or form.action.data not in ("approve", "recount"):
        abort(400)
    try:
        if form.action.data == "approve":
            result = stock_counts.approve_count(count, current_user, form.seen_version)
        else:
            line_ids = [i for i in map(parse_int, request.form.getlist("line")) if i]
            stock_counts.send_back_for_recount(count, current_user, line_ids,
                                               form.remark.data, form.seen_version)
    except DomainError as exc:
        status = refused(exc)
        return _review(load(StockCount, number), status)
    if form.action.data == "recount":
        flash(_("Count %(number)s: lines sent back for recount.", number=number), "success")
    elif result.already:
        flash(_("Count %(number)s was approved already: nothing more was posted.",
                number=number), "warning")
    else:
        flash(_("Count %(number)s approved: %(n)s adjustment lines posted.", number=number,
                n=result.movements), "success")
    return redirect(url_for("warehouse.count_review", number=number))
