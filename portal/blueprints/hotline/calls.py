"""Call records (电话记录): saved from the caller card; the team lead's weekly review."""

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.hotline import bp
from portal.blueprints.hotline.forms import CallForm
from portal.blueprints.hotline.routes import (
    fill_product_choices,
    new_call_form,
    record_or_404,
    render_card,
)
from portal.extensions import db
from portal.models import CallCategory, CallRecord, Customer, Employee, Product
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.hotline import calls
from portal.services.hotline.caller_card import last_calls
from portal.timeutil import local_to_utc, to_local
from portal.web.args import date_arg, int_arg, parse_int
from portal.web.guards import permission_required
from portal.web.rendering import refused, render, wants_fragment


@bp.post("/calls")
@permission_required("call.record")
def save_call():
    form = CallForm()
    customer_id = parse_int(form.customer_id.data, 1)
    customer = db.session.get(Customer, customer_id) if customer_id else None
    fill_product_choices(form, customer)
    record, status = None, 400
    if form.validate_on_submit():
        product = db.session.get(Product, form.product_id.data) if form.product_id.data else None
        draft = calls.CallDraft(
            customer=customer, product=product, category=form.category.data,
            content=form.content.data, called_at=local_to_utc(form.called_at.data),
            caller_name=form.caller_name.data, phone=form.phone.data,
            product_no=form.product_no.data, fault_symptom=form.fault_symptom.data,
            requested_visit_at=local_to_utc(form.requested_visit_at.data),
            handling_opinion=form.handling_opinion.data, result=form.result.data,
            resolver=form.resolver.data, done_at=local_to_utc(form.done_at.data),
            submit_token=form.submit_token.data or None,
        )
        try:
            record, _created = calls.save_call(draft, current_user)
        except DomainError as exc:
            status = refused(exc, form, {None: "content"})
    if record is None:
        return render("hotline/call_form_page.html", "hotline/_call_form.html", status=status,
                      form=form, customer=customer)
    if record.category == CallCategory.INSTALL and customer is not None:
        # An installation / repair call goes straight on to its ticket, on the same card.
        return redirect(url_for("hotline.new_ticket", call=record.id))
    flash(_("Call saved."), "success")
    if customer is None:
        return redirect(url_for("hotline.index"))
    if wants_fragment():
        # From the card: only what changed (a fresh form, the flash, the last calls); the
        # whole card again cost more than the save itself.
        return render("hotline/_call_saved.html", customer=customer,
                      call_form=new_call_form(customer), calls=last_calls(customer.id))
    return render_card(customer)


@bp.get("/calls/new")
@permission_required("call.record")
def new_call():
    """A call from a caller who is not (yet) a customer."""
    form = new_call_form(None, phone=request.args.get("phone", "")[:30] or None)
    return render("hotline/call_form_page.html", "hotline/_call_form.html", form=form,
                  customer=None)


@bp.get("/calls/review")
@permission_required("calls.review")
def review_calls():
    week = date_arg("week") or to_local(utcnow()).date()
    agent_id = int_arg("agent")
    pending = request.args.get("pending") == "1"
    page = db.paginate(calls.review_statement(week, agent_id, pending),
                       per_page=current_app.config["PAGE_SIZE"] * 2, error_out=False)
    agents = db.session.scalars(
        db.select(Employee).where(Employee.id.in_(
            db.select(CallRecord.agent_id).distinct())).order_by(Employee.employee_no)).all()
    return render("hotline/review.html", "hotline/_review_table.html", page=page, week=week,
                  agents=agents, agent_id=agent_id, pending=pending)


@bp.post("/calls/<int:record_id>/review")
@permission_required("calls.review")
def mark_reviewed(record_id: int):
    record = record_or_404(CallRecord, record_id)
    calls.mark_reviewed(record, current_user, request.form.get("remark"))
    return render("hotline/review_row.html", "hotline/_review_row.html", record=record,
                  week=to_local(record.called_at).date())
