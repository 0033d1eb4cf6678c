"""Parts catalogue (配件目录): search, below-minimum list, part page, new and edit."""

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.warehouse import bp
from portal.blueprints.warehouse.forms import PartForm
from portal.blueprints.warehouse.routes import warehouse
from portal.extensions import db
from portal.models import Part
from portal.services import DomainError
from portal.services.core.audit import history
from portal.services.warehouse import stock
from portal.services.warehouse.parts import categories, save_part
from portal.web.args import MAX_ID, page_arg
from portal.web.guards import permission_required
from portal.web.pagination import paginate_rows
from portal.web.rendering import refused, render


@bp.get("/parts")
@permission_required("warehouse.view")
def parts():
    q = request.args.get("q", "").strip()[:60]
    category = request.args.get("category", "").strip()[:40] or None
    inactive = request.args.get("inactive") == "1"
    page = paginate_rows(stock.catalogue_statement(warehouse().id, q, category, inactive),
                         page_arg(), current_app.config["PAGE_SIZE"])
    return render("warehouse/parts.html", "warehouse/_parts_table.html", page=page, q=q,
                  category=category, inactive=inactive, categories=categories(),
                  here=warehouse())


@bp.get("/parts/below-minimum")
@permission_required("warehouse.view")
def below_minimum():
    page = paginate_rows(stock.below_minimum_statement(warehouse().id), page_arg(),
                         current_app.config["PAGE_SIZE"])
    return render("warehouse/below_minimum.html", page=page, here=warehouse())


@bp.get("/parts/<int:part_id>")
@permission_required("warehouse.view")
def part_detail(part_id: int):
    part = _part_or_404(part_id)
    here = warehouse()
    ledger = stock.ledger_statement(here.id, stock.LedgerFilters(part_id=part.id)).limit(20)
    return render("warehouse/part.html", part=part, here=here,
                  balances=stock.balances_of(part, [w.id for w in stock.warehouses_for(
                      current_user)]),
                  movements=db.session.scalars(ledger).all(), events=history(part))


@bp.route("/parts/new", methods=["GET", "POST"])
@permission_required("part.edit")
def new_part():
    return _edit(Part(), PartForm())


@bp.route("/parts/<int:part_id>/edit", methods=["GET", "POST"])
@permission_required("part.edit")
def edit_part(part_id: int):
    part = _part_or_404(part_id)
    return _edit(part, PartForm(obj=part))


def _part_or_404(part_id: int) -> Part:
    part = db.session.get(Part, part_id) if part_id <= MAX_ID else None
    if part is None:
        abort(404)
    return part


def _edit(part: Part, form: PartForm):
    if form.validate_on_submit():
        try:
            save_part(part, {f.name: f.data for f in form if f.name != "csrf_token"},
                      current_user)
        except DomainError as exc:
            status = refused(exc, form)
            return render("warehouse/part_form.html", status=status, form=form, part=part)
        flash(_("Part %(part)s saved.", part=part), "success")
        return redirect(url_for("warehouse.part_detail", part_id=part.id))
    status = 400 if request.method == "POST" else 200
    return render("warehouse/part_form.html", status=status, form=form, part=part)
