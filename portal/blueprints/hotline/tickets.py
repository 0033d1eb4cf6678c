"""Service tickets (报修单): create from a call, view with timeline, move along, list."""

import secrets

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from portal.blueprints.hotline import bp
from portal.blueprints.hotline.forms import TicketForm, TransitionForm
from portal.blueprints.hotline.routes import fill_product_choices, render_card
from portal.extensions import db
from portal.models import (
    CallRecord,
    Customer,
    Employee,
    OrgKind,
    OrgUnit,
    Product,
    ServiceClass,
    Ticket,
    TicketKind,
    TicketStatus,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.audit import history
from portal.services.tickets import lifecycle as tickets
from portal.services.tickets.workflow import GENERIC_STEP_DUTIES
from portal.timeutil import local_to_utc, to_local
from portal.web.args import date_arg, enum_arg, int_arg, page_arg, version_of
from portal.web.guards import permission_required
from portal.web.loaders import ticket_or_404
from portal.web.pagination import RowPage, paginate_rows
from portal.web.rendering import refused, render, safe_next, wants_fragment


def _branch_choices(form) -> None:
    branches = db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.kind == OrgKind.BRANCH, OrgUnit.active)
        .order_by(OrgUnit.code)).all()
    form.branch_id.choices = [SelectChoice(None, _("— by the customer's address —"))] + [
        SelectChoice(b.id, f"{b.code} {b.name}") for b in branches]


def _ticket_form(customer: Customer | None, formdata=True) -> TicketForm:
    form = TicketForm() if formdata else TicketForm(formdata=None)
    fill_product_choices(form, customer)
    _branch_choices(form)
    return form


@bp.get("/tickets/new")
@permission_required("call.record")
def new_ticket():
    call = db.session.get(CallRecord, int_arg("call", 0))
    customer = call.customer if call else db.session.get(
        Customer, int_arg("customer", 0))
    if customer is None:
        abort(404)
    form = _ticket_form(customer, formdata=False)
    form.customer_id.data = str(customer.id)
    form.submit_token.data = secrets.token_urlsafe(16)
    if call is not None:
        form.call_record_id.data = str(call.id)
        form.short_text.data = (call.fault_symptom or call.content or "")[:120]
        form.long_text.data = call.content
        form.requested_start.data = to_local(call.requested_visit_at).replace(tzinfo=None) \
            if call.requested_visit_at else None
        if call.product_id:
            form.product_id.data = call.product_id
        elif call.product_no:
            form.serial_text.data = call.product_no
    branch = tickets.branch_for(customer)
    form.branch_id.data = branch.id if branch else None
    return render("hotline/ticket_form_page.html", "hotline/_ticket_form.html", form=form,
                  customer=customer, duplicates=[], suggested_branch=branch)


@bp.post("/tickets")
@permission_required("call.record")
def create_ticket():
    customer = db.session.get(Customer, int(request.form.get("customer_id") or 0)
                              if (request.form.get("customer_id") or "").isdigit() else 0)
    if customer is None:
        abort(400)
    form = _ticket_form(customer)
    duplicates: list[Ticket] = []
    if form.validate_on_submit():
        existing = db.session.scalar(sa.select(Ticket).where(
            Ticket.submit_token == form.submit_token.data)) if form.submit_token.data else None
        if existing is not None:  # the same form submitted twice: one ticket, not two
            return _created(existing)
        product = db.session.get(Product, form.product_id.data) if form.product_id.data else None
        if product is not None and product.customer_id != customer.id:
            form.product_id.errors.append(_("This product belongs to another customer."))
        duplicates = tickets.open_tickets_for_product(product, form.serial_text.data)
        reference = None
        if form.reference_number.data:
            reference = db.session.scalar(sa.select(Ticket).where(
                Ticket.number == form.reference_number.data.upper()))
            if reference is None:
                form.reference_number.errors.append(_("No ticket has this number."))
        # The agent saw the open ticket and either linked the new one to it or insisted.
        acknowledged = form.link_confirmed.data == "1" or reference in duplicates
        if not form.errors and (not duplicates or acknowledged):
            try:
                ticket = tickets.create_ticket(_draft(form, customer, product, reference),
                                               current_user)
            except DomainError as exc:
                refused(exc, form, {None: "short_text"})
            else:
                return _created(ticket)
    return render("hotline/ticket_form_page.html", "hotline/_ticket_form.html",
                  status=409 if duplicates and not form.errors else 400, form=form,
                  customer=customer, duplicates=duplicates,
                  suggested_branch=tickets.branch_for(customer))


def _draft(form: TicketForm, customer, product, reference) -> tickets.TicketDraft:
    items = ()
    if form.item_product_type.data or form.item_material.data:
        items = ((form.item_product_type.data, form.item_colour_code.data,
                  form.item_material.data, form.item_quantity.data or 1),)
    call_id = int(form.call_record_id.data) if (form.call_record_id.data or "").isdigit() else None
    return tickets.TicketDraft(
        customer=customer, product=product, serial_text=form.serial_text.data,
        short_text=form.short_text.data, long_text=form.long_text.data, kind=form.kind.data,
        timing=form.timing.data, service_item=form.service_item.data,
        service_class=form.service_class.data, reason_code=form.reason_code.data,
        urgent=form.urgent.data, requested_start=local_to_utc(form.requested_start.data),
        expected_end=local_to_utc(form.expected_end.data), branch_id=form.branch_id.data,
        reference=reference, call_record_id=call_id, po_number=form.po_number.data,
        items=items, submit_token=form.submit_token.data or None,
    )


def _created(ticket: Ticket):
    flash(_("Ticket %(number)s created for %(branch)s.", number=ticket.number,
            branch=ticket.branch.name), "success")
    if wants_fragment():  # created from the caller card: the agent stays on the card
        return render_card(ticket.customer)
    return redirect(url_for("hotline.ticket_detail", number=ticket.number))


@bp.get("/tickets/<number>")
@permission_required("hotline.view", "stores.view")
def ticket_detail(number: str):  # stores see their own branch's tickets (ensure_visible)
    ticket = ticket_or_404(number, *SHOWN_WITH_A_TICKET)
    return _detail(ticket, TransitionForm(formdata=None, version=ticket.version))


# The records the ticket page always shows, joined into the ticket's statement instead of a
# lazy load each. Only these: the rest are usually empty or already in the session (the
# reporter is often the agent reading), and joining them cost more than it saved (bench/).
SHOWN_WITH_A_TICKET = (
    joinedload(Ticket.customer), joinedload(Ticket.product), joinedload(Ticket.branch))


def _detail(ticket: Ticket, form: TransitionForm, status: int = 200):
    return render("hotline/ticket.html", "hotline/_ticket.html", status=status, ticket=ticket,
                  form=form, actions=tickets.available_actions(ticket, current_user),
                  overdue=tickets.overdue_reason(ticket), events=history(ticket))


@bp.post("/tickets/<number>/transition")
@permission_required(*GENERIC_STEP_DUTIES)
def ticket_transition(number: str):
    """The generic step form: steps that write a record of their own are refused here."""
    ticket = ticket_or_404(number)
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    engineer = None
    if form.engineer_no.data:
        engineer = db.session.scalar(sa.select(Employee).where(
            Employee.employee_no == form.engineer_no.data, Employee.active))
        if engineer is None:
            form.engineer_no.errors.append(_("No active employee has this number."))
            return _detail(ticket, form, 400)
    try:
        tickets.transition(ticket, form.action.data, current_user, form.remark.data,
                           expected_version=version_of(form.version.data), engineer=engineer)
    except DomainError as exc:
        status = refused(exc, form, {"engineer": "engineer_no"})
        form.version.data = ticket.version
        return _detail(ticket, form, status)
    flash(_("Ticket %(number)s: %(status)s.", number=ticket.number, status=ticket.status.label),
          "success")
    return redirect(safe_next(request.form.get("next"),
                              url_for("hotline.ticket_detail", number=ticket.number)))


def _filters_from_args() -> tickets.TicketFilters:
    args = request.args
    return tickets.TicketFilters(
        status=enum_arg(TicketStatus, "status"), branch_id=int_arg("branch"),
        kind=enum_arg(TicketKind, "kind"), service_class=enum_arg(ServiceClass, "class"),
        urgent=args.get("urgent") == "1", date_from=date_arg("from"), date_to=date_arg("to"),
        text=args.get("q", "").replace("\x00", "").strip()[:60] or None,
        open_only=args.get("open") == "1", sort=args.get("sort", "newest"),
    )


LISTS = {
    "all": (lambda f: f, None),
    "mine": (lambda f: _set(f, reporter_id=current_user.id, open_only=True), None),
    "serial": (lambda f: _set(f, serial_anomaly=True), None),
    "overdue": (lambda f: _set(f, overdue=True), None),
}


def _set(filters, **changes):
    for key, value in changes.items():
        setattr(filters, key, value)
    return filters


@bp.get("/tickets")
@permission_required("hotline.view")
def ticket_list():
    view = request.args.get("view", "all")
    if view not in LISTS:
        view = "all"
    filters = LISTS[view][0](_filters_from_args())
    number, size = page_arg(), current_app.config["PAGE_SIZE"]
    rows, total = tickets.list_rows(filters, current_user, number, size)
    page = RowPage(rows, number, size, total)
    # Only the full page has the filter form with its branch select.
    branches = [] if wants_fragment() else db.session.scalars(sa.select(OrgUnit).where(
        OrgUnit.kind == OrgKind.BRANCH).order_by(OrgUnit.code)).all()
    return render("hotline/tickets.html", "hotline/_ticket_table.html", page=page, view=view,
                  filters=filters, branches=branches, statuses=list(TicketStatus),
                  kinds=list(TicketKind), classes=list(ServiceClass), now=utcnow())


@bp.get("/tickets/repeat")
@permission_required("hotline.view")
def repeat_repairs():
    days = int_arg("days", 90, 1, 3650)
    page = paginate_rows(tickets.repeat_repairs_statement(days),
                         page_arg(), current_app.config["PAGE_SIZE"])
    return render("hotline/repeat_repairs.html", page=page, days=days)
