"""Goods taken in for repair (带回维修): receipt, register, repair card, return."""

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.blueprints.stores import NAV_LINKS, bp
from portal.blueprints.stores.common import branch_choices, current_branch, show_error
from portal.blueprints.stores.forms_work import HandBackForm, RepairCardForm, TakeInForm
from portal.blueprints.stores.workspace import load_ticket, render_workspace, workspace_context
from portal.extensions import db
from portal.models import GoodsReceipt
from portal.services import DomainError
from portal.services.stores import goods_in
from portal.web.args import page_arg
from portal.web.guards import permission_required
from portal.web.loaders import scoped_or_404
from portal.web.rendering import render

NAV_LINKS.append(("stores.goods_register", _l("Goods in/out register")))


@workspace_context
def _goods_section(ticket, work):
    if not current_user.can("goods.receive"):
        return {}
    return {"take_in_form": TakeInForm(formdata=None)}


@bp.post("/tickets/<number>/goods")
@permission_required("goods.receive")
def take_in(number: str):
    ticket = load_ticket(number)
    form = TakeInForm()
    if not form.validate_on_submit():
        return render_workspace(ticket, 400, take_in_form=form)
    try:
        receipt = goods_in.take_in(ticket, form.goods.data, form.condition.data, current_user)
    except DomainError as exc:
        return render_workspace(ticket, show_error(form, exc, fallback="goods"),
                                take_in_form=form)
    flash(_("Goods receipt %(number)s issued.", number=receipt.number), "success")
    return redirect(url_for("stores.goods_receipt", receipt_id=receipt.id))


def _receipt(receipt_id: int) -> GoodsReceipt:
    return scoped_or_404(GoodsReceipt, receipt_id)


@bp.get("/goods/<int:receipt_id>")
@permission_required("stores.view")
def goods_receipt(receipt_id: int):
    receipt = _receipt(receipt_id)
    card = RepairCardForm(formdata=None, obj=receipt)
    return render("stores/goods_receipt.html", receipt=receipt, card_form=card,
                  back_form=HandBackForm(formdata=None))


@bp.post("/goods/<int:receipt_id>/repair-card")
@permission_required("goods.receive")
def update_repair_card(receipt_id: int):
    receipt = _receipt(receipt_id)
    form = RepairCardForm()
    status = 400
    if form.validate_on_submit():
        try:
            goods_in.update_repair_card(receipt, form.repair_hours.data or 0,
                                        form.repair_parts.data, form.repair_note.data,
                                        by=current_user)
        except DomainError as exc:
            status = show_error(form, exc, fallback="repair_hours")
        else:
            flash(_("Repair card saved."), "success")
            return redirect(url_for("stores.goods_receipt", receipt_id=receipt.id))
    return render("stores/goods_receipt.html", status=status, receipt=receipt, card_form=form,
                  back_form=HandBackForm(formdata=None))


@bp.post("/goods/<int:receipt_id>/return")
@permission_required("goods.receive")
def hand_back(receipt_id: int):
    receipt = _receipt(receipt_id)
    form = HandBackForm()
    status = 400
    if form.validate_on_submit():
        try:
            goods_in.hand_back(receipt, form.signature.data, current_user)
        except DomainError as exc:
            status = show_error(form, exc, fallback="signature")
        else:
            flash(_("Goods returned; receipt %(number)s is void.", number=receipt.number),
                  "success")
            return redirect(url_for("stores.goods_receipt", receipt_id=receipt.id))
    return render("stores/goods_receipt.html", status=status, receipt=receipt,
                  card_form=RepairCardForm(formdata=None, obj=receipt), back_form=form)


@bp.get("/goods")
@permission_required("stores.view")
def goods_register():
    branch = current_branch()
    only_in = request.args.get("in") == "1"
    page = db.paginate(goods_in.register(branch.id if branch else 0, only_in), page=page_arg(),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("stores/goods_register.html", page=page, only_in=only_in, branch=branch,
                  branches=branch_choices())
