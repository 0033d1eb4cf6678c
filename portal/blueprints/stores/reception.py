"""Reception / consultation (接待) and the appearance inspection report (产品外观检查报告).

Also the walk-in counter: a customer who comes to the branch is found (or registered) here
and gets a ticket at the user's own branch, since store users do not open the hotline.
"""

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.blueprints.hotline.forms import QuickCustomerForm
from portal.blueprints.hotline.routes import fill_product_choices, form_values
from portal.blueprints.stores import NAV_LINKS, bp
from portal.blueprints.stores.common import show_error
from portal.blueprints.stores.forms_reception import (
    WalkInTicketForm,
    customer_confirmation_form,
    inspection_form,
    reception_form,
)
from portal.blueprints.stores.workspace import load_ticket
from portal.extensions import db
from portal.models import Customer, Inspection, Product, Ticket
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core import customers, masterdata
from portal.services.stores import reception as service
from portal.services.tickets import lifecycle as tickets
from portal.timeutil import local_to_utc, to_local
from portal.web.args import parse_int
from portal.web.guards import permission_required
from portal.web.rendering import render, safe_next

NAV_LINKS.append(("stores.walk_in", _l("Walk-in customer")))


def local_now():
    """Now as a wall-clock time in China: the default of a datetime-local input."""
    return to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)


def workspace_url(ticket: Ticket, anchor: str) -> str:
    return url_for("stores.ticket_workspace", number=ticket.number, _anchor=anchor)


@bp.context_processor
def _section_forms():
    # The workspace page (workspace.py) includes the sections; they ask for their forms here.
    return {
        "reception_form_for": lambda ticket, reception: reception_form(
            ticket, reception, local_now().date()),
        "confirm_form_for": lambda: customer_confirmation_form(confirmed_at=local_now()),
        "survey_possible": lambda ticket: any(
            t.action == "survey_done" for t in tickets.available_actions(ticket, current_user)),
    }


# --------------------------------------------------------------------------- reception


@bp.route("/tickets/<number>/reception", methods=["GET", "POST"])
@permission_required("reception.record")
def reception_edit(number: str):
    ticket = load_ticket(number)
    posted = request.method == "POST"
    form = reception_form(ticket, service.reception_for(ticket), local_now().date(), posted)
    status = 400 if posted else 200
    if form.validate_on_submit():
        try:
            service.record_reception(ticket, form.values(), current_user,
                                     survey_done=form.survey_done.data,
                                     expected_version=form.expected_version())
        except DomainError as exc:
            status = show_error(form, exc)
            form.version.data = str(ticket.version)
        else:
            flash(_("Reception saved."), "success")
            return redirect(workspace_url(ticket, "reception"))
    return render("stores/reception/page.html", "stores/reception/_form.html", status=status,
                  ticket=ticket, reception_form=form)


# --------------------------------------------------------------------------- inspection


def _inspection(ticket: Ticket, inspection_id: int) -> Inspection:
    return db.first_or_404(sa.select(Inspection).where(Inspection.id == inspection_id,
                                                       Inspection.ticket_id == ticket.id))


@bp.route("/tickets/<number>/inspections/new", methods=["GET", "POST"])
@permission_required("reception.record")
def inspection_new(number: str):
    ticket = load_ticket(number)
    started = service.open_inspection(ticket)
    if started is not None:  # one report at a time: continue the one the customer has not seen
        return redirect(url_for("stores.inspection_detail", number=ticket.number,
                                inspection_id=started.id))
    return _save_inspection(ticket, None) if request.method == "POST" \
        else _inspection_page(ticket, None)


@bp.get("/tickets/<number>/inspections/<int:inspection_id>")
@permission_required("stores.view")
def inspection_detail(number: str, inspection_id: int):
    """The report as it stands; its form and the customer's confirmation need the duty."""
    ticket = load_ticket(number)
    return _inspection_page(ticket, _inspection(ticket, inspection_id))


@bp.post("/tickets/<number>/inspections/<int:inspection_id>")
@permission_required("reception.record")
def inspection_edit(number: str, inspection_id: int):
    ticket = load_ticket(number)
    return _save_inspection(ticket, _inspection(ticket, inspection_id))


def _save_inspection(ticket: Ticket, inspection: Inspection | None):
    form = inspection_form(formdata=True)
    status = 400
    if form.validate_on_submit():
        try:
            inspection = service.save_inspection(ticket, form.values(), current_user, inspection)
        except DomainError as exc:
            status = show_error(form, exc)
        else:
            flash(_("Inspection report saved. The customer confirms it to complete it."),
                  "success")
            return redirect(url_for("stores.inspection_detail", number=ticket.number,
                                    inspection_id=inspection.id))
    return _inspection_page(ticket, inspection, status, form=form)


def _inspection_page(ticket: Ticket, inspection: Inspection | None, status: int = 200,
                     form=None, confirm_form=None):
    return render("stores/reception/inspection.html", "stores/reception/_inspection.html",
                  status=status, ticket=ticket, inspection=inspection,
                  form=form or inspection_form(inspection),
                  confirm_form=confirm_form or customer_confirmation_form(confirmed_at=local_now()))


@bp.post("/tickets/<number>/inspections/<int:inspection_id>/confirm")
@permission_required("reception.record")
def inspection_confirm(number: str, inspection_id: int):
    ticket = load_ticket(number)
    inspection = _inspection(ticket, inspection_id)
    form = customer_confirmation_form(formdata=True)
    status = 400
    if form.validate_on_submit():
        try:
            service.confirm_inspection(inspection, form.customer_name.data,
                                       local_to_utc(form.confirmed_at.data), by=current_user)
        except DomainError as exc:
            status = show_error(form, exc)
        else:
            flash(_("The customer confirmed the inspection report."), "success")
            return redirect(safe_next(request.form.get("next"),
                                      workspace_url(ticket, "inspection")))
    return _inspection_page(ticket, inspection, status, confirm_form=form)


# --------------------------------------------------------------------------- walk-in


def _chosen_customer() -> Customer | None:
    value = parse_int(request.values.get("customer_id") or request.args.get("customer"), 1)
    return db.session.get(Customer, value) if value else None


def _walk_in_page(status: int = 200, ticket_form=None, customer_form=None):
    q = request.args.get("q", "").strip()[:60]
    customer = _chosen_customer()
    if customer is not None and ticket_form is None:
        ticket_form = WalkInTicketForm(formdata=None)
        ticket_form.new_token()
        ticket_form.customer_id.data = str(customer.id)
    if ticket_form is not None:
        fill_product_choices(ticket_form, customer)
    return render("stores/reception/walk_in.html", "stores/reception/_customer_results.html",
                  status=status, q=q, results=customers.lookup(q) if q else [],
                  customer=customer, ticket_form=ticket_form,
                  customer_form=customer_form or _new_customer_form(q),
                  open_tickets=service.open_tickets_of(customer, current_user))


def _new_customer_form(q: str) -> QuickCustomerForm:
    """What was searched for is most likely the new customer's phone or name."""
    if customers.PHONE_QUERY.match(q):
        return QuickCustomerForm(formdata=None, phone_mobile=q)
    return QuickCustomerForm(formdata=None, name=q or None)


@bp.get("/reception/new")
@permission_required("reception.record")
def walk_in():
    return _walk_in_page()


@bp.post("/reception/new/customer")
@permission_required("reception.record")
def walk_in_customer():
    form = QuickCustomerForm()
    if not form.validate_on_submit():
        return _walk_in_page(400, customer_form=form)
    customer = masterdata.save(Customer(), form_values(form))
    flash(_("Customer %(name)s created.", name=customer.name), "success")
    return redirect(url_for("stores.walk_in", customer=customer.id))


@bp.post("/reception/new/ticket")
@permission_required("reception.record")
def walk_in_ticket():
    customer = _chosen_customer()
    if customer is None:
        abort(400)
    form = WalkInTicketForm()
    fill_product_choices(form, customer)
    if not form.validate_on_submit():
        return _walk_in_page(400, ticket_form=form)
    try:
        ticket = service.open_walk_in_ticket(_draft(form, customer), current_user)
    except DomainError as exc:
        return _walk_in_page(show_error(form, exc), ticket_form=form)
    flash(_("Ticket %(number)s opened.", number=ticket.number), "success")
    return redirect(workspace_url(ticket, "reception"))


def _draft(form: WalkInTicketForm, customer: Customer) -> tickets.TicketDraft:
    product = db.session.get(Product, form.product_id.data) if form.product_id.data else None
    return tickets.TicketDraft(
        customer=customer, product=product, serial_text=form.serial_text.data,
        short_text=form.short_text.data, long_text=form.long_text.data,
        service_item=form.service_item.data, service_class=form.service_class.data,
        urgent=form.urgent.data, submit_token=form.submit_token.data or None)
