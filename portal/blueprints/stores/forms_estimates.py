"""Forms for the estimate (委托安装估价单), its lines, the customer's approval and the invoice.

None of them carries a total or a line amount: the service computes money, the form only
brings quantities and (for free lines) a unit price.
"""

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Optional

from portal.blueprints.stores.forms_reception import VersionForm
from portal.models import LineKind, PaymentMethod
from portal.web.forms import EnumSelectField, IdSelectField, long_text, text, when


class DecimalText(StringField):
    """A number typed as text ("1.5", "1,200.50"); anything else gets a clear message.

    The range and the number of decimals are business rules, checked by the service.
    """

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip().replace(",", "").replace("，", "")
        if not raw:
            return
        try:
            value = Decimal(raw)
        except InvalidOperation as exc:
            raise ValueError(_l("Enter a number, e.g. 1.5.")) from exc
        if not value.is_finite():
            raise ValueError(_l("Enter a number, e.g. 1.5."))
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format(self.data, "f") if self.data is not None else ""


def number(label) -> DecimalText:
    return DecimalText(label, validators=[Optional()], render_kw={"inputmode": "decimal",
                                                                  "maxlength": 20})


class HeaderForm(VersionForm):
    promised_at = when(_l("Promised completion time"))
    payment_method = EnumSelectField(_l("Payment method"), enum=PaymentMethod, blank=True)
    without_asking = long_text(_l("May be done without asking the customer again"), 2000)
    note = long_text(_l("Note"), 2000)


class PriceLineForm(VersionForm):
    price_item_id = IdSelectField(_l("Price list item"))
    quantity = number(_l("Quantity"))


class FreeLineForm(VersionForm):
    kind = EnumSelectField(_l("Kind"), enum=LineKind)
    description = text(_l("Description"), 200)
    quantity = number(_l("Quantity"))
    unit_price = number(_l("Unit price"))
    hours = number(_l("Hours per unit (labour)"))


class ApproveForm(VersionForm):
    customer_name = text(_l("Customer's name"), 50, required=True)
    approved_at = when(_l("Approved at"))


class InvoiceForm(FlaskForm):
    invoice_number = text(_l("Invoice number"), 40, required=True)
    invoiced_amount = number(_l("Invoiced amount"))
    invoiced_at = when(_l("Invoice date"))
