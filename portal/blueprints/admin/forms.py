"""Master data forms (基础数据). Field names match the model attributes they fill."""

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, PasswordField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from portal.extensions import db
from portal.models import (
    BranchArea,
    Customer,
    CustomerAttribute,
    CustomerKind,
    OrgKind,
    PriceKind,
    ProductUse,
)
from portal.web.forms import CheckboxListField, EnumSelectField, IdSelectField, strip_or_none, text

CODE = Regexp(r"^[0-9A-Za-z_-]+$", message=_l("Letters, digits, - and _ only."))
# A plain shape check: the address is for greetings, not a login, so no DNS lookup is needed.
EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Not a valid email address."))
PHONE = Regexp(r"^\+?[0-9 ()-]{3,30}$", message=_l("A phone number has digits, spaces and -."))


def zero_if_blank(value):
    return Decimal(0) if value is None else value


class MasterForm(FlaskForm):
    """`values()` gives the record's new attribute values; `extra` fields are not attributes.

    `unique` names fields that must not repeat another record's value (工号, 序列号, codes);
    the route sets `record` to the record being edited so it does not clash with itself.
    """

    unique: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    record = None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        model = type(self.record)
        for name in self.unique:
            field = getattr(self, name)
            if not field.data or field.errors:
                continue
            stmt = sa.select(model.id).where(getattr(model, name) == field.data)
            if self.record is not None and self.record.id is not None:
                stmt = stmt.where(model.id != self.record.id)
            if db.session.scalar(stmt.limit(1)) is not None:
                field.errors.append(_l("This value is already used by another record."))
                ok = False
        return ok

    def values(self) -> dict:
        skip = {"csrf_token", *self.extra}
        return {f.name: f.data for f in self if f.name not in skip}

    def load(self, obj) -> None:
        """Fill fields that have no attribute of the same name on the record."""


class OrgUnitForm(MasterForm):
    unique = ("code",)
    code = text(_l("Code"), 20, required=True, validators=[CODE])
    name = text(_l("Name"), 100, required=True)
    kind = EnumSelectField(_l("Kind"), enum=OrgKind)
    parent_id = IdSelectField(_l("Parent unit"))
    work_center = text(_l("Work center"), 20)
    address = text(_l("Address"), 200)
    phone = text(_l("Phone"), 40, validators=[PHONE])


class DepartmentForm(MasterForm):
    unique = ("code",)
    code = text(_l("Code"), 20, required=True, validators=[CODE])
    name = text(_l("Name"), 100, required=True)
    org_unit_id = IdSelectField(_l("Org unit"), validators=[DataRequired(_l("Please choose."))])


class EmployeeForm(MasterForm):
    unique = ("employee_no",)
    employee_no = text(_l("Employee no."), 20, required=True,
                       validators=[Regexp(r"^[0-9A-Za-z]+$",
                                          message=_l("Employee numbers are digits."))])
    name = text(_l("Name"), 50, required=True)
    phone = text(_l("Phone"), 40, validators=[PHONE])
    email = text(_l("Email"), 120, validators=[EMAIL])
    org_unit_id = IdSelectField(_l("Org unit"), validators=[DataRequired(_l("Please choose."))])
    department_id = IdSelectField(_l("Department"))
    skills = text(_l("Skills"), 300)
    group_ids = CheckboxListField(_l("Permission groups"), coerce=int)
    one_time_password = PasswordField(
        _l("One-time password"),
        validators=[Optional(), Length(min=8, max=128, message=_l("8 to 128 characters."))],
        filters=[strip_or_none], render_kw={"autocomplete": "new-password"},
    )

    extra = ("group_ids", "one_time_password")

    def load(self, obj) -> None:
        self.group_ids.data = [g.id for g in obj.groups]


class PermissionGroupForm(MasterForm):
    unique = ("code",)
    code = text(_l("Code"), 40, required=True, validators=[CODE])
    name = text(_l("Name"), 100, required=True)
    description = text(_l("Description"), 300)
    permission_codes = CheckboxListField(_l("Permissions"))

    extra = ("permission_codes",)

    def load(self, obj) -> None:
        self.permission_codes.data = sorted(obj.permissions)

    def values(self) -> dict:
        return {**super().values(), "permissions": self.permission_codes.data or []}


class CustomerForm(MasterForm):
    unique = ("code",)
    code = text(_l("Customer no."), 20, validators=[CODE],
                description=_l("Leave blank to have one assigned."))
    kind = EnumSelectField(_l("Person or company"), enum=CustomerKind)
    name = text(_l("Customer name / company"), 100, required=True)
    contact_person = text(_l("Contact person"), 50)
    phone_mobile = text(_l("Mobile (M)"), 30, validators=[PHONE])
    phone_home = text(_l("Home phone (H)"), 30, validators=[PHONE])
    phone_office = text(_l("Office phone (O)"), 30, validators=[PHONE])
    province = text(_l("Province"), 30)
    city = text(_l("City"), 30)
    district = text(_l("District"), 30)
    street = text(_l("Street address"), 200)
    postal_code = text(_l("Postal code"), 10,
                       validators=[Regexp(r"^\d{6}$", message=_l("Six digits."))])
    email = text(_l("Email"), 120, validators=[EMAIL])
    attribute = EnumSelectField(_l("Customer attribute"), enum=CustomerAttribute)
    vip = BooleanField(_l("VIP / member"))
    birthday = DateField(_l("Birthday"), validators=[Optional()])
    service_province = text(_l("Service site: province"), 30)
    service_city = text(_l("Service site: city"), 30)
    service_district = text(_l("Service site: district"), 30)
    service_street = text(_l("Service site: street"), 200)
    remarks = TextAreaField(_l("Remarks"), filters=[strip_or_none],
                            validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.phone_mobile.data or self.phone_home.data or self.phone_office.data):
            self.phone_mobile.errors.append(_l("Give at least one phone number."))
            ok = False
        return ok

    def values(self) -> dict:
        values = super().values()
        if not values["code"]:
            del values["code"]  # blank: keep the number already assigned, or assign one
        return values


class ProductForm(MasterForm):
    unique = ("serial",)
    serial = text(_l("Serial no."), 40, required=True)
    barcode = text(_l("Barcode"), 40)
    category = text(_l("Product type"), 40, required=True)
    subcategory = text(_l("Product subtype"), 40)
    manufacturer = text(_l("Manufacturer"), 100)
    brand = text(_l("Brand"), 50)
    model = text(_l("Model"), 50)
    spec = text(_l("Specification"), 100)
    colour = text(_l("Colour / pattern"), 40)
    purchase_date = DateField(_l("Purchase date"), validators=[Optional()])
    use = EnumSelectField(_l("Use"), enum=ProductUse, blank=True)
    warranty_end = DateField(_l("Warranty end"), validators=[Optional()])
    customer_code = text(_l("Owner (customer no.)"), 20)
    po_number = text(_l("PO number"), 40)

    def validate_warranty_end(self, field):
        if field.data and self.purchase_date.data and field.data < self.purchase_date.data:
            raise ValidationError(_l("The warranty cannot end before the purchase date."))

    owner = None
    extra = ("customer_code",)

    def validate_customer_code(self, field):
        if field.data:
            self.owner = db.session.scalar(sa.select(Customer).where(Customer.code == field.data))
            if self.owner is None:
                raise ValidationError(_l("No customer has this number."))

    def load(self, obj) -> None:
        self.customer_code.data = obj.customer.code if obj.customer else None

    def values(self) -> dict:
        return {**super().values(), "customer": self.owner}


class PriceItemForm(MasterForm):
    unique = ("code",)
    code = text(_l("Item code"), 30, required=True, validators=[CODE])
    name = text(_l("Name"), 100, required=True)
    kind = EnumSelectField(_l("Kind"), enum=PriceKind)
    unit = text(_l("Unit"), 10, required=True)
    standard_hours = DecimalField(_l("Standard hours"), places=2, default=0,
                                  filters=[zero_if_blank],
                                  validators=[Optional(), NumberRange(min=0, max=999)])
    hourly_rate = DecimalField(_l("Hourly rate (¥)"), places=2, default=0,
                                  filters=[zero_if_blank],
                               validators=[Optional(), NumberRange(min=0, max=99999)])
    price = DecimalField(_l("Price (¥)"), places=2, default=0,
                                  filters=[zero_if_blank],
                         validators=[Optional(), NumberRange(min=0, max=9999999)])
    valid_from = DateField(_l("Valid from"), validators=[DataRequired(_l("Please give a date."))])
    valid_to = DateField(_l("Valid to"), validators=[Optional()])

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class BranchAreaForm(MasterForm):
    """Which branch store serves an area; blank city / district means the whole province / city."""

    province = text(_l("Province"), 30, required=True)
    city = text(_l("City"), 30)
    district = text(_l("District"), 30)
    branch_id = IdSelectField(_l("Branch store"), validators=[DataRequired(_l("Please choose."))])

    def values(self) -> dict:
        values = super().values()
        values["city"] = values["city"] or ""
        values["district"] = values["district"] or ""
        return values

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.district.data and not self.city.data:
            self.city.errors.append(_l("A district needs its city."))
            ok = False
        if ok:
            stmt = sa.select(BranchArea.id).where(
                BranchArea.province == self.province.data,
                BranchArea.city == (self.city.data or ""),
                BranchArea.district == (self.district.data or ""))
            if self.record is not None and self.record.id is not None:
                stmt = stmt.where(BranchArea.id != self.record.id)
            if db.session.scalar(stmt) is not None:
                self.province.errors.append(_l("This area is already mapped."))
                ok = False
        return ok
