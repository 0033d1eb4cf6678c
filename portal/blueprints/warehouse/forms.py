"""Warehouse forms: parts, receipts, transfers, returns, damage, counts and decisions."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.models import DamageProposal, StockCondition
from portal.services import DomainError
from portal.services.warehouse.parts import require_part
from portal.services.warehouse.stock import LineInput, parse_quantity
from portal.web.args import parse_int, version_of
from portal.web.forms import EnumSelectField, IdSelectField, strip_or_none, text

REQUIRED = DataRequired(_l("This field is required."))


def remark_field(label=None, max_length: int = 300) -> TextAreaField:
    return TextAreaField(label or _l("Reason / remark"), filters=[strip_or_none],
                         render_kw={"rows": 2, "maxlength": max_length},
                         validators=[Optional(), Length(max=max_length)])


def money(label, required: bool = False) -> DecimalField:
    checks = [REQUIRED] if required else [Optional()]
    return DecimalField(label, places=2, validators=checks + [
        NumberRange(min=0, max=99_999_999, message=_l("Enter an amount of 0 or more."))],
        render_kw={"inputmode": "decimal"})


class PartForm(FlaskForm):
    part_no = text(_l("Part no."), 30, required=True)
    name = text(_l("Name"), 100, required=True)
    spec = text(_l("Specification"), 100)
    unit = text(_l("Unit"), 10, required=True)
    category = text(_l("Category"), 40, required=True)
    price = money(_l("Price"), required=True)
    barcode = text(_l("Barcode"), 40)
    min_stock = DecimalField(_l("Minimum stock"), places=3, default=Decimal(0),
                             validators=[Optional(), NumberRange(min=0, message=_l(
                                 "Enter a quantity of 0 or more."))])
    piece_counted = BooleanField(_l("Counted in whole pieces"), default=True)
    active = BooleanField(_l("Active"), default=True)


class ReceiptForm(FlaskForm):
    """The receipt's header; its lines come from the scanned rows (see receipt_lines)."""

    submit_token = HiddenField()
    supplier = text(_l("Supplier / source"), 100)
    delivery_note = text(_l("Delivery note no."), 40)
    remark = text(_l("Remark"), 300)


@dataclass
class ReceiptRow:
    """A scanned receipt row as typed, kept (with its error) when the form comes back."""

    part: object
    quantity: object  # Decimal once valid, else the text as typed
    condition: StockCondition
    error: str | None = None


def receipt_lines(formdata) -> tuple[list[LineInput], list[ReceiptRow], list[str]]:
    """The scanned rows of a receipt form: valid lines, every row, and the errors."""
    from portal.extensions import db
    from portal.models import Part

    lines, rows, errors = [], [], []
    for part_id, quantity, condition in zip(formdata.getlist("part_id"),
                                            formdata.getlist("quantity"),
                                            formdata.getlist("condition"), strict=False):
        part_id = parse_int(part_id, 1)
        part = db.session.get(Part, part_id) if part_id else None
        if part is None or not part.active:
            errors.append(_("A line names a part that is not in the catalogue."))
            continue
        try:
            state = StockCondition(condition or "good")
        except ValueError:
            state = StockCondition.GOOD
        row = ReceiptRow(part, quantity, state)
        try:
            row.quantity = parse_quantity(quantity, part)
        except DomainError as exc:
            row.error = exc.message
            errors.append(f"{part.part_no}: {exc.message}")
        else:
            lines.append(LineInput(part, row.quantity, state))
        rows.append(row)
    return lines, rows, errors


class PartCodeMixin:
    """A part named by barcode or part no., the way a scanner or a person enters it."""

    def part_or_error(self):
        try:
            return require_part(self.code.data)
        except DomainError as exc:
            self.code.errors.append(exc.message)
            return None


class TransferForm(PartCodeMixin, FlaskForm):
    code = text(_l("Barcode or part no."), 40, required=True)
    quantity = StringField(_l("Quantity"), validators=[REQUIRED],
                           render_kw={"inputmode": "decimal"})
    from_condition = EnumSelectField(_l("From condition"), enum=StockCondition)
    to_condition = EnumSelectField(_l("To condition"), enum=StockCondition)
    target_id = IdSelectField(_l("To warehouse"))
    reason = text(_l("Reason"), 200, required=True)


class ReturnForm(PartCodeMixin, FlaskForm):
    code = text(_l("Barcode or part no."), 40, required=True)
    quantity = StringField(_l("Quantity"), validators=[REQUIRED],
                           render_kw={"inputmode": "decimal"})
    value = money(_l("Value (blank: quantity × price)"))
    returned_by = text(_l("Returned by (salesperson or customer)"), 50, required=True)
    branch_id = IdSelectField(_l("Branch store"))
    ticket_number = text(_l("Ticket no."), 20)
    reason = text(_l("Return reason"), 300, required=True)


class DamageForm(PartCodeMixin, FlaskForm):
    code = text(_l("Barcode or part no."), 40, required=True)
    condition = EnumSelectField(_l("Stock condition"), enum=StockCondition)
    quantity = StringField(_l("Quantity"), validators=[REQUIRED],
                           render_kw={"inputmode": "decimal"})
    value = money(_l("Value (blank: quantity × price)"))
    cause = text(_l("Cause of damage"), 300, required=True)
    proposal = EnumSelectField(_l("Proposal"), enum=DamageProposal)


class DecisionForm(FlaskForm):
    """Approve / refuse / recount buttons: the action, the version seen, and a remark."""

    action = HiddenField(validators=[REQUIRED])
    version = HiddenField()
    remark = remark_field()

    @property
    def seen_version(self) -> int | None:
        return version_of(self.version.data)


class ReceiveReturnForm(FlaskForm):
    version = HiddenField()
    quantity = StringField(_l("Quantity received"), validators=[REQUIRED],
                           render_kw={"inputmode": "decimal"})
    condition = EnumSelectField(_l("Book into"), enum=StockCondition)


class OpenCountForm(FlaskForm):
    category = SelectField(_l("Category"), choices=[])  # filled by the route
    part_prefix = text(_l("Part no. starts with"), 30)
    condition = EnumSelectField(_l("Stock condition"), enum=StockCondition)
    ask_quantity = BooleanField(_l("A scan asks for the quantity (instead of adding one)"))


class SubmitCountForm(FlaskForm):
    version = HiddenField()
    uncounted_as_zero = BooleanField(_l("Lines not counted were not found: count them as zero"))
