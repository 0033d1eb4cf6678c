"""Caller lookup (来电弹屏) and the caller card."""

import secrets

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.hotline import bp
from portal.blueprints.hotline.forms import CallForm, QuickCustomerForm
from portal.extensions import db
from portal.models import Customer
from portal.models.base import utcnow
from portal.services.core import customers, masterdata
from portal.services.hotline import caller_card as card_service
from portal.services.tickets import lifecycle as tickets
from portal.timeutil import to_local
from portal.web.args import parse_int
from portal.web.guards import permission_required
from portal.web.rendering import render, wants_fragment


@bp.get("/")
@permission_required("hotline.view")
def index():
    phone = request.args.get("phone", "").strip()
    if phone:  # a phone system links here with the caller's number
        customer = customers.find_by_phone(phone)
        if customer:
            return redirect(url_for("hotline.caller_card", customer_id=customer.id))
        if current_user.can("call.record"):
            return redirect(url_for("hotline.new_customer", phone=phone))
        return render("hotline/index.html", "hotline/_lookup_results.html", q=phone[:60],
                      results=[])
    q = request.args.get("q", "").strip()[:60]
    results = customers.lookup(q) if q else []
    return render("hotline/index.html", "hotline/_lookup_results.html", q=q, results=results)


@bp.get("/customers/<int:customer_id>")
@permission_required("hotline.view")
def caller_card(customer_id: int):
    return render_card(record_or_404(Customer, customer_id))


def record_or_404(model, record_id: int):
    """A hotline record by primary key (the hotline reads them all), or 404; an id beyond
    the column's range names no record rather than overflowing the query."""
    if parse_int(str(record_id), 1) is None:
        abort(404)
    return db.get_or_404(model, record_id)


def render_card(customer: Customer, status: int = 200):
    """The caller card; after a save from inside the card, HTMX swaps the whole card anew."""
    card = card_service.load(customer, to_local(utcnow()).date())
    response = render("hotline/card.html", "hotline/_card.html", status=status, card=card,
                      call_form=new_call_form(customer))
    if wants_fragment():
        response.headers["HX-Retarget"] = "#card"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def new_call_form(customer: Customer | None, **defaults) -> CallForm:
    form = CallForm(formdata=None, **defaults)
    form.submit_token.data = secrets.token_urlsafe(16)
    fill_product_choices(form, customer)
    if customer is not None:
        form.customer_id.data = str(customer.id)
    return form


def fill_product_choices(form, customer: Customer | None) -> None:
    from wtforms.fields.choices import SelectChoice

    products = [p for p in customer.products if p.active] if customer else []
    form.product_id.choices = [SelectChoice(None, "—")] + [
        SelectChoice(p.id, f"{p.serial} {p.model or ''} {p.spec or ''}".strip())
        for p in products]
    if len(products) == 1 and form.product_id.data is None:
        form.product_id.data = products[0].id


@bp.route("/customers/new", methods=["GET", "POST"])
@permission_required("call.record")  # a caller not yet on file is added while logging the call
def new_customer():
    form = QuickCustomerForm()
    if request.method == "GET":
        form.phone_mobile.data = request.args.get("phone", "")[:30] or None
    if form.validate_on_submit():
        customer = masterdata.save(Customer(), form_values(form))
        flash(_("Customer %(name)s created.", name=customer.name), "success")
        return redirect(url_for("hotline.caller_card", customer_id=customer.id))
    status = 400 if request.method == "POST" else 200
    return render("hotline/new_customer.html", status=status, form=form)


def form_values(form) -> dict:
    return {f.name: f.data for f in form if f.name != "csrf_token"}


@bp.get("/customers/<int:customer_id>/products/<int:product_id>")
@permission_required("hotline.view")
def product_history(customer_id: int, product_id: int):
    customer = record_or_404(Customer, customer_id)
    product = next((p for p in customer.products if p.id == product_id), None)
    if product is None:
        abort(404)
    return render("hotline/product_history.html", customer=customer, product=product,
                  tickets=tickets.product_history(product))

