"""The master data kinds the admin screens manage: one entry each, one set of templates."""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from portal.blueprints.admin import forms
from portal.extensions import db
from portal.models import (
    BranchArea,
    Customer,
    Department,
    Employee,
    OrgKind,
    OrgUnit,
    PermissionGroup,
    PriceItem,
    Product,
)
from portal.services.core.duties import PERMISSIONS


@dataclass(frozen=True)
class MasterData:
    slug: str
    model: type
    form: type[forms.MasterForm]
    title: object  # lazy string
    columns: tuple[tuple[str, object], ...]  # (attribute path, label)
    search: tuple[str, ...]  # columns matched by the list's search box
    order_by: str = "id"
    fill_choices: Callable[[forms.MasterForm], None] | None = None


def _org_choices(blank: bool):
    units = db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.active).order_by(OrgUnit.code)
    ).all()
    return ([SelectChoice(None, "—")] if blank else []) + [
        SelectChoice(u.id, f"{u.code} {u.name}") for u in units]


def _fill_org_unit(form):
    form.parent_id.choices = _org_choices(blank=True)


def _fill_department(form):
    form.org_unit_id.choices = _org_choices(blank=False)


def _fill_employee(form):
    form.org_unit_id.choices = _org_choices(blank=False)
    departments = db.session.scalars(
        sa.select(Department).where(Department.active).order_by(Department.code)
    ).all()
    form.department_id.choices = [SelectChoice(None, "—")] + [
        SelectChoice(d.id, d.name) for d in departments]
    groups = db.session.scalars(
        sa.select(PermissionGroup).where(PermissionGroup.active).order_by(PermissionGroup.id)
    ).all()
    form.group_ids.choices = [SelectChoice(g.id, g.name) for g in groups]


def _fill_branch_area(form):
    branches = db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.active, OrgUnit.kind == OrgKind.BRANCH)
        .order_by(OrgUnit.code)).all()
    form.branch_id.choices = [SelectChoice(b.id, f"{b.code} {b.name}") for b in branches]


def _fill_group(form):
    form.permission_codes.choices = [SelectChoice(code, label)
                                     for code, label in PERMISSIONS.items()]


KINDS = {
    k.slug: k
    for k in (
        MasterData("org-units", OrgUnit, forms.OrgUnitForm, _l("Org units"),
                   (("code", _l("Code")), ("name", _l("Name")), ("kind", _l("Kind")),
                    ("parent.name", _l("Parent unit")), ("work_center", _l("Work center"))),
                   ("code", "name", "work_center"), "code", _fill_org_unit),
        MasterData("departments", Department, forms.DepartmentForm, _l("Departments"),
                   (("code", _l("Code")), ("name", _l("Name")), ("org_unit.name", _l("Org unit"))),
                   ("code", "name"), "code", _fill_department),
        MasterData("branch-areas", BranchArea, forms.BranchAreaForm, _l("Branch areas"),
                   (("province", _l("Province")), ("city", _l("City")),
                    ("district", _l("District")), ("branch.name", _l("Branch store"))),
                   ("province", "city", "district"), "province", _fill_branch_area),
        MasterData("employees", Employee, forms.EmployeeForm, _l("Employees"),
                   (("employee_no", _l("Employee no.")), ("name", _l("Name")),
                    ("org_unit.name", _l("Org unit")), ("group_names", _l("Permission groups")),
                    ("phone", _l("Phone"))),
                   ("employee_no", "name", "phone"), "employee_no", _fill_employee),
        MasterData("groups", PermissionGroup, forms.PermissionGroupForm, _l("Permission groups"),
                   (("code", _l("Code")), ("name", _l("Name")),
                    ("description", _l("Description"))),
                   ("code", "name"), "id", _fill_group),
        MasterData("customers", Customer, forms.CustomerForm, _l("Customers"),
                   (("code", _l("Customer no.")), ("name", _l("Customer name / company")),
                    ("phone_mobile", _l("Mobile (M)")), ("address", _l("Address")),
                    ("attribute", _l("Customer attribute"))),
                   ("code", "name", "phone_mobile", "phone_home", "phone_office"), "code"),
        MasterData("products", Product, forms.ProductForm, _l("Products / equipment"),
                   (("serial", _l("Serial no.")), ("category", _l("Product type")),
                    ("model", _l("Model")), ("spec", _l("Specification")),
                    ("customer.name", _l("Owner")), ("warranty_end", _l("Warranty end"))),
                   ("serial", "barcode", "model"), "serial"),
        MasterData("price-items", PriceItem, forms.PriceItemForm, _l("Price list"),
                   (("code", _l("Item code")), ("name", _l("Name")), ("kind", _l("Kind")),
                    ("unit", _l("Unit")), ("standard_hours", _l("Standard hours")),
                    ("unit_price", _l("Unit price (¥)")), ("valid_from", _l("Valid from"))),
                   ("code", "name"), "code"),
    )
}


def search_statement(kind: MasterData, q: str | None, include_inactive: bool):
    model = kind.model
    stmt = sa.select(model)
    if not include_inactive:
        stmt = stmt.where(model.active)
    if q:
        # Escape LIKE wildcards so a search for "50%" finds "50%", not everything.
        pattern = "%" + q.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        stmt = stmt.where(sa.or_(*(getattr(model, c).ilike(pattern, escape="\\")
                                   for c in kind.search)))
    if model is Employee:  # the list shows each employee's groups: one statement for all
        stmt = stmt.options(selectinload(Employee.groups))
    return stmt.order_by(getattr(model, kind.order_by))
