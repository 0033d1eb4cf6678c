"""Complaints (客户投诉): register, judge, assign, handle, approve, confirm, follow up, close.

Hotline and HQ open every complaint; a store employee named as handler opens the ones
assigned to them (the service decides which: others answer 404).
"""

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.blueprints.hotline import bp
from portal.blueprints.hotline.complaint_forms import STEP_FORMS, ComplaintForm, StepForm
from portal.extensions import db
from portal.models import (
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    Customer,
    Department,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.audit import history
from portal.services.hotline import complaints as service
from portal.timeutil import to_local
from portal.web.args import date_arg, enum_arg, parse_int
from portal.web.guards import permission_required
from portal.web.rendering import refused, render


@bp.context_processor
def _serious_complaints():
    # /hotline/ includes the serious-complaint panel; it asks for its rows only when shown.
    return {"open_serious_complaints": lambda: service.open_serious(current_user)}


# --------------------------------------------------------------------------- register


@bp.get("/complaints/new")
@permission_required("complaint.register")
def complaint_new():
    """顾客投诉登记; a link from a caller card, ticket or callback prefills what it knows."""
    customer = _customer(request.args.get("customer"))
    if request.args.get("customer") and customer is None:
        abort(404)
    defaults = service.registration_defaults(customer, request.args.get("ticket"),
                                             request.args.get("channel"),
                                             request.args.get("content"))
    now = to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    form = ComplaintForm(formdata=None, received_at=now, **defaults)
    form.customer_id.data = str(customer.id) if customer else ""
    return _form_page(form, customer)


@bp.post("/complaints/new")
@permission_required("complaint.register")
def complaint_register():
    form = ComplaintForm()
    customer = _customer(form.customer_id.data)
    status = 400
    if form.validate_on_submit():
        try:
            complaint = service.register(form.draft(customer), current_user)
        except DomainError as exc:
            field = exc.field if exc.field in form else "content"
            status = refused(exc, form, {exc.field: field})
        else:
            flash(_("Complaint %(number)s registered.", number=complaint.number), "success")
            return redirect(url_for("hotline.complaint_detail", number=complaint.number))
    return _form_page(form, customer, status)


def _customer(value) -> Customer | None:
    customer_id = parse_int(value, 1)
    return db.session.get(Customer, customer_id) if customer_id else None


def _form_page(form: ComplaintForm, customer: Customer | None, status: int = 200):
    # The keyboard starts where typing is needed: the first wrong field, else the first empty.
    first = next((f for f in form if f.errors and f.name != "csrf_token"), None) or next(
        (f for f in (form.complainant, form.category, form.content) if not f.data),
        form.content)
    first.render_kw = {**(first.render_kw or {}), "autofocus": True}
    return render("hotline/complaints/new.html", "hotline/complaints/_form.html", status=status,
                  form=form, customer=customer)


# --------------------------------------------------------------------------- one complaint


def _load(number: str) -> Complaint:
    complaint = service.load_for(number, current_user)
    if complaint is None:
        abort(404)
    return complaint


@bp.get("/complaints/<number>")
@permission_required("hotline.view", "stores.view")
def complaint_detail(number: str):
    return _detail(_load(number))


@bp.post("/complaints/<number>/transition")
@permission_required("hotline.view", "stores.view")
def complaint_transition(number: str):
    complaint = _load(number)
    form_class = STEP_FORMS.get(request.form.get("action", ""))
    if form_class is None:
        abort(400)
    form = form_class()
    _fill_choices(form)
    if not form.validate_on_submit():
        return _detail(complaint, form, 400)
    try:
        service.act(complaint, form.action.data, current_user, form.step_input(),
                    expected_version=form.expected_version())
    except DomainError as exc:
        status = refused(exc, form)
        form.version.data = str(complaint.version)
        return _detail(complaint, form, status)
    flash(_("Complaint %(number)s: %(status)s.", number=complaint.number,
            status=complaint.status.label), "success")
    return redirect(url_for("hotline.complaint_detail", number=complaint.number))


def _detail(complaint: Complaint, posted: StepForm | None = None, status: int = 200):
    """The complaint page: its record, and a form for each step this user may take now."""
    steps = service.available_actions(complaint, current_user)
    forms = []
    for step in steps:
        form_class = STEP_FORMS[step.action]
        if forms and type(forms[-1][0]) is form_class:
            forms[-1][1].append(step)
            continue
        form = posted if type(posted) is form_class else _blank(form_class, complaint)
        forms.append((form, [step]))
    return render("hotline/complaints/detail.html", "hotline/complaints/_complaint.html",
                  status=status, complaint=complaint, forms=forms,
                  writing=service.may_write_handling(complaint, current_user),
                  timeline=service.timeline(complaint), events=history(complaint))


def _blank(form_class: type[StepForm], complaint: Complaint) -> StepForm:
    # The handling form starts from what the handler saved; the others start empty.
    form = form_class(formdata=None, obj=complaint, version=str(complaint.version))
    for name in ("handler_no", "department_id"):  # a new handler brings their department
        if name in form:
            form[name].data = None
    _fill_choices(form)
    return form


def _fill_choices(form: StepForm) -> None:
    if "department_id" in form:
        departments = db.session.scalars(sa.select(Department).where(Department.active)
                                         .order_by(Department.code)).all()
        form["department_id"].choices = [SelectChoice(None, _("— the handler's department —"))] \
            + [SelectChoice(d.id, f"{d.name} ({d.org_unit.name})") for d in departments]


# --------------------------------------------------------------------------- lists


@bp.get("/complaints")
@permission_required("hotline.view", "stores.view")
def complaint_list():
    args = request.args
    filters = service.ComplaintFilters(
        status=enum_arg(ComplaintStatus, "status"),
        category=enum_arg(ComplaintCategory, "category"), serious=args.get("serious") == "1",
        open_only=args.get("open") == "1", mine=args.get("mine") == "1",
        text=args.get("q", "").strip()[:60] or None, date_from=date_arg("from"),
        date_to=date_arg("to"))
    page = db.paginate(service.search_statement(filters, current_user),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("hotline/complaints/list.html", "hotline/complaints/_table.html", page=page,
                  filters=filters, statuses=list(ComplaintStatus),
                  categories=list(ComplaintCategory))


@bp.get("/complaints/stats")
@permission_required("hotline.view")
def complaint_stats():
    today = to_local(utcnow()).date()
    stats = service.category_statistics(date_arg("from") or today.replace(day=1),
                                        date_arg("to") or today,
                                        serious_only=request.args.get("serious") == "1")
    return render("hotline/complaints/stats.html", "hotline/complaints/_stats_table.html",
                  stats=stats, serious_only=request.args.get("serious") == "1")


@bp.get("/complaints/serious")
@permission_required("complaint.approve")
def complaint_serious():
    """The serious-complaint panel alone: /hotline/ refreshes it while the manager watches."""
    return render("hotline/complaints/_serious_panel.html")
