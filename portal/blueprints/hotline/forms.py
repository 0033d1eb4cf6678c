"""Hotline forms: new customer, call record, ticket, transition."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from portal.models import (
    CallCategory,
    CustomerAttribute,
    CustomerKind,
    ServiceClass,
    ServiceItem,
    TicketKind,
    TicketTiming,
)
from portal.web.forms import EnumSelectField, IdSelectField, long_text, strip_or_none, text, when

PHONE = Regexp(r"^\+?[0-9 ()-]{3,30}$", message=_l("A phone number has digits, spaces and -."))
class QuickCustomerForm(FlaskForm):
    """The unknown caller becomes a customer in one short form."""

    kind = EnumSelectField(_l("Person or company"), enum=CustomerKind)
    name = text(_l("Customer name / company"), 100, required=True)
    phone_mobile = text(_l("Mobile (M)"), 30, validators=[PHONE])
    phone_home = text(_l("Home phone (H)"), 30, validators=[PHONE])
    phone_office = text(_l("Office phone (O)"), 30, validators=[PHONE])
    province = text(_l("Province"), 30)
    city = text(_l("City"), 30)
    district = text(_l("District"), 30)
    street = text(_l("Street address"), 200)
    attribute = EnumSelectField(_l("Customer attribute"), enum=CustomerAttribute)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.phone_mobile.data or self.phone_home.data or self.phone_office.data):
            self.phone_mobile.errors.append(_l("Give at least one phone number."))
            ok = False
        return ok


class CallForm(FlaskForm):
    submit_token = HiddenField()
    customer_id = HiddenField()
    category = EnumSelectField(_l("Call category"), enum=CallCategory)
    caller_name = text(_l("Caller name"), 100)
    phone = text(_l("Phone"), 30, validators=[PHONE])
    called_at = when(_l("Call time"))
    product_id = IdSelectField(_l("Product"))
    product_no = text(_l("Product no. / serial"), 40)
    fault_symptom = text(_l("Fault symptom"), 300)
    requested_visit_at = when(_l("Requested visit time"))
    content = long_text(_l("Call content"), required=True)
    handling_opinion = long_text(_l("Handling opinion"))
    result = long_text(_l("Result"))
    resolver = text(_l("Resolver"), 50)
    done_at = when(_l("Done at"))


class TicketForm(FlaskForm):
    submit_token = HiddenField()
    customer_id = HiddenField(validators=[DataRequired(_l("Choose the customer first."))])
    call_record_id = HiddenField()
    link_confirmed = HiddenField()
    kind = EnumSelectField(_l("Notice type"), enum=TicketKind)
    timing = EnumSelectField(_l("Before / after"), enum=TicketTiming)
    product_id = IdSelectField(_l("Product"))
    serial_text = text(_l("Serial no. (if not in the list)"), 40)
    service_item = EnumSelectField(_l("Service item"), enum=ServiceItem)
    service_class = EnumSelectField(_l("Service class"), enum=ServiceClass)
    reason_code = text(_l("Reason code"), 20)
    urgent = BooleanField(_l("Urgent"))
    short_text = text(_l("Short description"), 120, required=True)
    long_text = long_text(_l("Long text"), 4000)
    requested_start = when(_l("Requested start"))
    expected_end = when(_l("Expected end"))
    branch_id = IdSelectField(_l("Branch store"))
    reference_number = text(_l("Reference ticket"), 20)
    po_number = text(_l("PO number"), 40)
    item_product_type = text(_l("Item: product type"), 40)
    item_colour_code = text(_l("Item: colour code"), 20)
    item_material = text(_l("Item: material"), 60)
    item_quantity = IntegerField(_l("Item: quantity"), default=1,
                                 validators=[Optional(), NumberRange(min=1, max=9999)])

    def validate_expected_end(self, field):
        from wtforms.validators import ValidationError

        if field.data and self.requested_start.data and field.data < self.requested_start.data:
            raise ValidationError(_l("The expected end is before the requested start."))


class TransitionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    version = HiddenField()
    remark = TextAreaField(_l("Remark"), filters=[strip_or_none],
                           validators=[Optional(), Length(max=1000)])
    engineer_no = StringField(_l("Engineer (employee no.)"), filters=[strip_or_none],
                              validators=[Optional(), Length(max=20)])
