"""Estimates (委托安装估价单), revisions (追加), customer approval, service orders and invoices.

One page per revision. Every change posts a small form carrying the version the user saw;
the page comes back after the change (post/redirect/get), or with the refusal shown.
"""

from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.blueprints.stores import bp
from portal.blueprints.stores.common import show_error
from portal.blueprints.stores.forms_estimates import (
    ApproveForm,
    FreeLineForm,
    HeaderForm,
    InvoiceForm,
    PriceLineForm,
    VersionForm,
)
from portal.blueprints.stores.reception import local_now
from portal.blueprints.stores.workspace import load_ticket, render_workspace
from portal.display import display
from portal.extensions import db
from portal.models import Estimate, PriceItem, ServiceOrder, Ticket
from portal.services import DomainError
from portal.services.stores import estimates as service
from portal.timeutil import local_to_utc, to_local
from portal.web.args import MAX_ID
from portal.web.guards import permission_required
from portal.web.rendering import render


def _load(number: str, revision: int) -> tuple[Ticket, Estimate]:
    ticket = load_ticket(number)
    if revision > MAX_ID:
        abort(404)
    estimate = db.first_or_404(sa.select(Estimate).where(Estimate.ticket_id == ticket.id,
                                                         Estimate.revision == revision))
    return ticket, estimate


def _price_choices(form: PriceLineForm) -> PriceLineForm:
    form.price_item_id.choices = [SelectChoice(None, "—")] + [
        SelectChoice(i.id, f"{i.code} {i.name} · ¥{display(i.unit_price)}/{i.unit}")
        for i in service.price_items(local_now().date())]
    return form


def _forms(estimate: Estimate) -> dict:
    """The page's forms, empty and carrying the estimate's current version."""
    version = str(estimate.version)
    promised = to_local(estimate.promised_at).replace(tzinfo=None) \
        if estimate.promised_at else None
    order = service.order_for(estimate)
    return {
        "header_form": HeaderForm(formdata=None, prefix="header", version=version,
                                  promised_at=promised, payment_method=estimate.payment_method,
                                  without_asking=estimate.without_asking, note=estimate.note),
        "price_form": _price_choices(PriceLineForm(formdata=None, prefix="price",
                                                   version=version)),
        "free_form": FreeLineForm(formdata=None, prefix="free", version=version),
        "approve_form": ApproveForm(formdata=None, prefix="approve", version=version,
                                    approved_at=local_now()),
        "add_work_form": VersionForm(formdata=None, prefix="work", version=version),
        "invoice_form": InvoiceForm(formdata=None, prefix="invoice", invoiced_at=local_now(),
                                    invoiced_amount=order.amount if order else None),
    }


def _page(ticket: Ticket, estimate: Estimate, status: int = 200, **bound):
    forms = _forms(estimate)
    for name, form in bound.items():  # the form sent keeps what was typed, at today's version
        if "version" in form:
            form.version.data = str(estimate.version)
        forms[name] = form
    return render("stores/estimates/detail.html", "stores/estimates/_estimate.html",
                  status=status, ticket=ticket, estimate=estimate,
                  revisions=service.revisions(ticket), order=service.order_for(estimate),
                  orders=service.orders(ticket),
                  **forms)


def _act(ticket: Ticket, estimate: Estimate, name: str, form, action: Callable,
         done: Callable[[object], str], anchor: str = "estimate"):
    """Validate the form sent, let the service act, then show the page again (or why not)."""
    if not form.validate_on_submit():
        return _page(ticket, estimate, 400, **{name: form})
    try:
        result = action(form)
    except DomainError as exc:
        status = show_error(form, exc)
        return _page(ticket, estimate, status, **{name: form})
    flash(done(result), "success")
    target = result if isinstance(result, Estimate) else estimate
    return redirect(url_for("stores.estimate_detail", number=ticket.number,
                            revision=target.revision, _anchor=anchor))


@bp.post("/tickets/<number>/estimates")
@permission_required("estimate.edit")
def estimate_start(number: str):
    ticket = load_ticket(number)
    if not VersionForm().validate_on_submit():
        return render_workspace(ticket, 400)
    try:
        estimate = service.start(ticket, current_user)
    except DomainError as exc:
        return render_workspace(ticket, show_error(None, exc))
    return redirect(url_for("stores.estimate_detail", number=ticket.number,
                            revision=estimate.revision))


@bp.get("/tickets/<number>/estimates/<int:revision>")
@permission_required("stores.view")
def estimate_detail(number: str, revision: int):
    return _page(*_load(number, revision))


@bp.post("/tickets/<number>/estimates/<int:revision>/header")
@permission_required("estimate.edit")
def estimate_header(number: str, revision: int):
    ticket, estimate = _load(number, revision)
    return _act(ticket, estimate, "header_form", HeaderForm(prefix="header"),
                lambda f: service.update_header(estimate, service.EstimateHeader(
                    promised_at=local_to_utc(f.promised_at.data),
                    without_asking=f.without_asking.data,
                    payment_method=f.payment_method.data, note=f.note.data),
                    by=current_user, expected_version=f.expected_version()),
                lambda _e: _("Estimate saved."))


@bp.post("/tickets/<number>/estimates/<int:revision>/price-lines")
@permission_required("estimate.edit")
def estimate_add_price_line(number: str, revision: int):
    ticket, estimate = _load(number, revision)
    return _act(ticket, estimate, "price_form", _price_choices(PriceLineForm(prefix="price")),
                lambda f: service.add_price_line(
                    estimate, db.session.get(PriceItem, f.price_item_id.data or 0),
                    f.quantity.data, by=current_user, expected_version=f.expected_version(),
                    today=local_now().date()),
                lambda line: _("Line added: %(text)s.", text=line.description), "lines")


@bp.post("/tickets/<number>/estimates/<int:revision>/free-lines")
@permission_required("estimate.edit")
def estimate_add_free_line(number: str, revision: int):
    ticket, estimate = _load(number, revision)
    return _act(ticket, estimate, "free_form", FreeLineForm(prefix="free"),
                lambda f: service.add_free_line(
                    estimate, f.kind.data, f.description.data, f.quantity.data,
                    f.unit_price.data, f.hours.data, by=current_user,
                    expected_version=f.expected_version()),
                lambda line: _("Line added: %(text)s.", text=line.description), "lines")


@bp.post("/tickets/<number>/estimates/<int:revision>/lines/<int:line_id>/delete")
@permission_required("estimate.edit")
def estimate_remove_line(number: str, revision: int, line_id: int):
    ticket, estimate = _load(number, revision)
    if line_id > MAX_ID:
        abort(404)
    return _act(ticket, estimate, "remove_form", VersionForm(),
                lambda f: service.remove_line(estimate, line_id, by=current_user,
                                              expected_version=f.expected_version()),
                lambda _r: _("Line removed."), "lines")


@bp.post("/tickets/<number>/estimates/<int:revision>/approve")
@permission_required("estimate.approve")
def estimate_approve(number: str, revision: int):
    ticket, estimate = _load(number, revision)
    return _act(ticket, estimate, "approve_form", ApproveForm(prefix="approve"),
                lambda f: service.approve(estimate, f.customer_name.data,
                                          local_to_utc(f.approved_at.data), current_user,
                                          expected_version=f.expected_version()),
                lambda order: _("Approved by the customer: service order %(order)s.",
                                order=order.number))


@bp.post("/tickets/<number>/estimates/<int:revision>/add-work")
@permission_required("estimate.edit")
def estimate_add_work(number: str, revision: int):
    ticket, estimate = _load(number, revision)
    return _act(ticket, estimate, "add_work_form", VersionForm(prefix="work"),
                lambda f: service.add_work(estimate, current_user, f.expected_version()),
                lambda new: _("Revision %(rev)s opened for the additional work: set the new "
                              "promised time and ask the customer to approve it.",
                              rev=new.revision))


@bp.post("/tickets/<number>/orders/<int:order_id>/invoice")
@permission_required("estimate.approve")
def order_invoice(number: str, order_id: int):
    ticket = load_ticket(number)
    if order_id > MAX_ID:
        abort(404)
    order = db.first_or_404(sa.select(ServiceOrder).where(ServiceOrder.id == order_id,
                                                          ServiceOrder.ticket_id == ticket.id))
    return _act(ticket, order.estimate, "invoice_form", InvoiceForm(prefix="invoice"),
                lambda f: service.record_invoice(order, f.invoice_number.data,
                                                 f.invoiced_amount.data,
                                                 local_to_utc(f.invoiced_at.data),
                                                 by=current_user),
                lambda o: _("Invoice %(invoice)s recorded on service order %(order)s.",
                            invoice=o.invoice_number, order=o.number), "order")
