"""Forms for reception (接待), the appearance inspection report and the walk-in customer."""

import secrets
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, RadioField
from wtforms.fields.choices import SelectChoice

from portal.models import (
    Inspection,
    InspectionPosition,
    ProblemPoint,
    Reception,
    ServiceClass,
    ServiceItem,
    Warranty,
)
from portal.services.stores import reception as service
from portal.web.forms import (
    CheckboxListField,
    EnumSelectField,
    IdSelectField,
    long_text,
    text,
    when,
)

BLANK_ADDED_ROWS = 2
# The workspace page shows several sections' forms at once: prefixes keep their ids apart.
RECEPTION = "reception"
CONFIRM = "confirm"


class VersionForm(FlaskForm):
    """A form that changes a versioned record carries the version the user saw."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        value = self.version.data or ""
        return int(value) if value.isdigit() else None


class ReceptionForm(VersionForm):
    # `version` is the ticket's: checked when the survey is marked done with the reception.
    request = long_text(_l("Customer's request"), 2000, required=True)
    warranty = EnumSelectField(_l("Warranty decision"), enum=Warranty, blank=True)
    warranty_reason = text(_l("Reason / what must still be assessed"), 300)
    survey_done = BooleanField(_l("Survey done: move the ticket on to KCJS"))

    def values(self) -> service.ReceptionInput:
        return service.ReceptionInput(request=self.request.data, warranty=self.warranty.data,
                                      warranty_reason=self.warranty_reason.data)


def reception_form(ticket, reception: Reception | None, today, formdata=False) -> ReceptionForm:
    """Bound to the request on POST; otherwise filled from the record (or sensible defaults)."""
    if formdata:
        form = ReceptionForm(prefix=RECEPTION)
    elif reception is not None:
        form = ReceptionForm(formdata=None, obj=reception, prefix=RECEPTION)
    else:
        form = ReceptionForm(formdata=None, prefix=RECEPTION,
                             request=ticket.long_text or ticket.short_text,
                             warranty=service.suggested_warranty(ticket, today))
    form.version.data = str(ticket.version)
    return form


class InspectionLineForm(Form):
    position = HiddenField()
    label = text(_l("Added item"), 60)
    result = RadioField(_l("Result"), choices=[SelectChoice("ok", _l("OK")),
                                               SelectChoice("ng", _l("NG"))],
                        validate_choice=False)
    problems = CheckboxListField(_l("Problem points"))
    description = text(_l("Description of the damaged part"), 300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems.choices = [SelectChoice(p.value, p.label) for p in ProblemPoint]

    @property
    def position_label(self) -> str:
        try:
            return InspectionPosition(self.position.data).label
        except ValueError:
            return ""

    @property
    def added(self) -> bool:
        return self.position.data == InspectionPosition.ADDED.value

    def blank(self) -> bool:
        return self.added and not (self.label.data or self.result.data or self.problems.data
                                   or self.description.data)

    def values(self) -> service.InspectionLineInput:
        try:
            position = InspectionPosition(self.position.data)
        except ValueError:
            position = InspectionPosition.ADDED
        problems = tuple(ProblemPoint(p) for p in self.problems.data or ())
        ok = {"ok": True, "ng": False}.get(self.result.data or "")
        return service.InspectionLineInput(position=position, ok=ok, problems=problems,
                                           description=self.description.data,
                                           label=self.label.data)


class InspectionForm(FlaskForm):
    lines = FieldList(FormField(InspectionLineForm))

    def values(self) -> list[service.InspectionLineInput]:
        """The rows typed in; the spare rows for added items left empty are not rows."""
        return [entry.form.values() for entry in self.lines if not entry.form.blank()]


def _row(position: InspectionPosition, line=None) -> SimpleNamespace:
    return SimpleNamespace(
        position=position.value, label=line.label if line else None,
        result=(None if line is None else "ok" if line.ok else "ng"),
        problems=[p.value for p in line.problem_points] if line else [],
        description=line.description if line else None)


def inspection_form(inspection: Inspection | None = None, formdata=False) -> InspectionForm:
    if formdata:
        return InspectionForm()
    rows = ([_row(line.position, line) for line in inspection.lines] if inspection
            else [_row(p) for p in service.FIXED_POSITIONS])
    rows += [_row(InspectionPosition.ADDED) for _ in range(BLANK_ADDED_ROWS)]
    return InspectionForm(formdata=None, lines=rows)


class ConfirmForm(FlaskForm):
    """The customer's signature on the report (客户署名): name and time."""

    customer_name = text(_l("Customer's name"), 50, required=True)
    confirmed_at = when(_l("Confirmed at"))


def customer_confirmation_form(formdata=False, **defaults) -> ConfirmForm:
    if formdata:
        return ConfirmForm(prefix=CONFIRM)
    return ConfirmForm(formdata=None, prefix=CONFIRM, **defaults)


class WalkInTicketForm(FlaskForm):
    """A customer at the counter: the ticket opens at the user's own branch."""

    submit_token = HiddenField()
    customer_id = HiddenField()
    product_id = IdSelectField(_l("Product"))
    serial_text = text(_l("Serial no. (if not in the list)"), 40)
    service_item = EnumSelectField(_l("Service item"), enum=ServiceItem)
    service_class = EnumSelectField(_l("Service class"), enum=ServiceClass)
    urgent = BooleanField(_l("Urgent"))
    short_text = text(_l("Short description"), 120, required=True)
    long_text = long_text(_l("Long text"), 4000)

    def new_token(self) -> None:
        self.submit_token.data = secrets.token_urlsafe(16)
