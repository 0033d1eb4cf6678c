"""Forms for dispatch, the technician's day, appointments and goods taken in."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.models import AppointmentStatus, DispatchCategory, Priority
from portal.web.forms import (
    CheckboxListField,
    EnumSelectField,
    IdSelectField,
    long_text,
    strip_or_none,
    text,
    when,
)


class DispatchForm(FlaskForm):
    category = EnumSelectField(_l("Dispatch category"), enum=DispatchCategory)
    priority = EnumSelectField(_l("Priority"), enum=Priority)
    planned_date = when(_l("Dispatch time"), required=True)
    promised_handover_at = when(_l("Promised handover"))
    technician_ids = CheckboxListField(_l("Technicians"), coerce=int)
    qa_inspector_id = IdSelectField(_l("QA inspector"))
    cleaner_id = IdSelectField(_l("Cleaner"))
    planned_hours = DecimalField(_l("Planned hours"), places=2,
                                 validators=[Optional(), NumberRange(min=0, max=200)],
                                 description=_l("Empty: the standard hours of the approved "
                                                "estimate."))
    requisition = long_text(_l("Parts requisition (part no. × quantity, one per line)"), 1000)
    note = long_text(_l("Note"), 1000)
    confirm_warnings = HiddenField()


class WorkLogForm(FlaskForm):
    hours = DecimalField(_l("Hours worked"), places=2,
                         validators=[DataRequired(_l("Please give the hours.")),
                                     NumberRange(min=0.25, max=24,
                                                 message=_l("Between 0.25 and 24 hours."))])
    parts_used = text(_l("Parts actually used"), 500)
    note = long_text(_l("Note"), 1000)


class FinishForm(FlaskForm):
    note = long_text(_l("Note"), 1000)


class AppointmentForm(FlaskForm):
    version = HiddenField()
    starts_at = when(_l("Starts"), required=True)
    ends_at = when(_l("Ends"), required=True)
    technician_id = IdSelectField(_l("Technician"))
    note = text(_l("Note"), 300)


class AppointmentOutcomeForm(FlaskForm):
    outcome = EnumSelectField(_l("Outcome"), enum=AppointmentStatus)


class TakeInForm(FlaskForm):
    goods = text(_l("Goods taken in (with accessories)"), 300, required=True)
    condition = text(_l("Condition"), 300)


class RepairCardForm(FlaskForm):
    repair_hours = DecimalField(_l("Repair hours"), places=2,
                                validators=[Optional(), NumberRange(min=0, max=500)])
    repair_parts = text(_l("Parts used"), 500)
    repair_note = long_text(_l("Repair note"), 1000)


class HandBackForm(FlaskForm):
    signature = StringField(_l("Customer signature (name)"), filters=[strip_or_none],
                            validators=[DataRequired(_l("The customer's signature (name) is "
                                                        "required.")), Length(max=50)])
    confirm = BooleanField(_l("The customer checked the goods and signed"),
                           validators=[DataRequired(_l("Please confirm."))])
