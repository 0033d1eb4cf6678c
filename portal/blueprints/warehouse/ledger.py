"""Stock on hand by condition, the stock ledger (库存台账) and transfers (调拨)."""

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.blueprints.warehouse import bp
from portal.blueprints.warehouse.forms import TransferForm
from portal.blueprints.warehouse.routes import warehouse
from portal.extensions import db
from portal.models import MovementKind, OrgKind, OrgUnit, StockCondition
from portal.services import DomainError
from portal.services.warehouse import stock
from portal.services.warehouse.parts import categories
from portal.web.args import date_arg, enum_arg, int_arg, page_arg
from portal.web.guards import permission_required
from portal.web.pagination import paginate_rows
from portal.web.rendering import refused, render


@bp.get("/stock")
@permission_required("warehouse.view")
def stock_list():
    q = request.args.get("q", "").strip()[:60]
    category = request.args.get("category", "").strip()[:40] or None
    page = paginate_rows(stock.stock_statement(warehouse().id, q, category), page_arg(),
                         current_app.config["PAGE_SIZE"])
    return render("warehouse/stock.html", "warehouse/_stock_table.html", page=page, q=q,
                  category=category, categories=categories(), here=warehouse())


def _ledger_filters() -> stock.LedgerFilters:
    return stock.LedgerFilters(
        part_id=int_arg("part"), text=request.args.get("q", "").strip()[:40] or None,
        kind=enum_arg(MovementKind, "kind"), condition=enum_arg(StockCondition, "condition"),
        date_from=date_arg("from"), date_to=date_arg("to"))


@bp.get("/ledger")
@permission_required("warehouse.view")
def ledger():
    filters = _ledger_filters()
    page = db.paginate(stock.ledger_statement(warehouse().id, filters),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("warehouse/ledger.html", "warehouse/_ledger_table.html", page=page,
                  filters=filters, kinds=list(MovementKind), conditions=list(StockCondition),
                  here=warehouse())


def _transfer_form() -> TransferForm:
    form = TransferForm()
    targets = db.session.scalars(db.select(OrgUnit).where(
        OrgUnit.kind == OrgKind.WAREHOUSE, OrgUnit.active).order_by(OrgUnit.code)).all()
    form.target_id.choices = [SelectChoice(w.id, f"{w.code} {w.name}") for w in targets]
    if form.target_id.data is None:
        form.target_id.data = warehouse().id
    return form


@bp.route("/transfers/new", methods=["GET", "POST"])
@permission_required("stock.transfer")
def new_transfer():
    form = _transfer_form()
    if form.validate_on_submit() and (part := form.part_or_error()):
        try:
            number = stock.transfer(
                warehouse(), part, stock.parse_quantity(form.quantity.data, part), current_user,
                form.from_condition.data, form.to_condition.data,
                db.session.get(OrgUnit, form.target_id.data), form.reason.data)
        except DomainError as exc:
            status = refused(exc, form)
            return render("warehouse/transfer.html", status=status, form=form, here=warehouse())
        flash(_("Transfer %(number)s booked.", number=number), "success")
        return redirect(url_for("warehouse.ledger", q=number))
    status = 400 if request.method == "POST" else 200
    return render("warehouse/transfer.html", status=status, form=form, here=warehouse())
