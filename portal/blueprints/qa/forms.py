"""QA forms: the inspector's check, the customer's acceptance, the review period."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from portal.models import Accessories, ItemOutcome, Satisfaction
from portal.services.quality import checks as quality
from portal.web.forms import EnumRadioField, long_text, text, when


class AnswerForm(Form):
    """One checklist item: pass / fail / n.a., the measured value, a note."""

    item_id = HiddenField()
    outcome = RadioField(_l("Result"), choices=[SelectChoice(o.value, o.label)
                                                for o in ItemOutcome],
                         validators=[Optional()])
    measured = DecimalField(_l("Measured value"), places=None, validators=[Optional()],
                            render_kw={"inputmode": "decimal", "size": 6})
    note = text(_l("Note"), 300)

    def answer(self) -> quality.Answer:
        try:
            item_id = int(self.item_id.data)
        except (TypeError, ValueError):
            item_id = 0  # names no item: the service refuses it
        outcome = ItemOutcome(self.outcome.data) if self.outcome.data else None
        return quality.Answer(item_id, outcome, self.note.data, self.measured.data)


class CheckForm(FlaskForm):
    checklist_id = HiddenField()
    version = HiddenField()
    items = FieldList(FormField(AnswerForm))
    note = long_text(_l("Remark"), 1000)

    def answers(self) -> list[quality.Answer]:
        return [entry.form.answer() for entry in self.items]

    def as_int(self, field) -> int | None:
        value = str(getattr(self, field).data or "")
        return int(value) if value.isdigit() else None


def stored_check_form(check, checklist) -> CheckForm:
    """The form as stored: the open check's answers, or the checklist's empty items."""
    if check is not None:
        items = [{"item_id": r.item_id, "outcome": r.outcome.value if r.outcome else None,
                  "measured": r.measured_value, "note": r.note} for r in check.results]
        return CheckForm(formdata=None, data={"checklist_id": check.checklist_id,
                                               "version": check.version, "items": items,
                                               "note": check.note})
    items = [{"item_id": item.id} for item in checklist.items] if checklist else []
    return CheckForm(formdata=None, data={"checklist_id": checklist.id if checklist else "",
                                           "items": items})


YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


def _yes_no(label) -> RadioField:
    return RadioField(label, choices=YES_NO,
                      validators=[DataRequired(_l("Please choose one of the options."))])


class AcceptanceForm(FlaskForm):
    """客户服务验收, the customer's check items of the repair receipt (客户报修服务单)."""

    work_complete = _yes_no(_l("The work is complete"))
    system_works = _yes_no(_l("The system works"))
    accessories = EnumRadioField(_l("Accessories"), enum=Accessories, validators=[
        DataRequired(_l("Please choose one of the options."))])
    satisfaction = EnumRadioField(_l("Customer satisfaction"), enum=Satisfaction, validators=[
        DataRequired(_l("Please choose one of the options."))])
    customer_name = text(_l("Customer's name (signature)"), 50, required=True)
    accepted_at = when(_l("Accepted at (empty: now)"))
    remark = long_text(_l("Remark"), 1000)

    def draft(self, accepted_at) -> quality.AcceptanceDraft:
        return quality.AcceptanceDraft(
            work_complete=self.work_complete.data == "yes",
            system_works=self.system_works.data == "yes",
            accessories=self.accessories.data, satisfaction=self.satisfaction.data,
            customer_name=self.customer_name.data or "", accepted_at=accepted_at,
            remark=self.remark.data)


class PeriodForm(Form):
    """The review's period, from the query string (bookmarkable)."""

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])


class ChecklistItemForm(Form):
    label = text(_l("Item"), 100)
    hint = text(_l("What to look at"), 300)
    measured = BooleanField(_l("Measured"))
    unit = text(_l("Unit"), 10)
    lower_limit = DecimalField(_l("Lower limit"), places=None, validators=[Optional()],
                               render_kw={"inputmode": "decimal", "size": 6})
    upper_limit = DecimalField(_l("Upper limit"), places=None, validators=[Optional()],
                               render_kw={"inputmode": "decimal", "size": 6})

    def draft(self) -> quality.ItemDraft:
        return quality.ItemDraft(self.label.data or "", self.hint.data, self.measured.data,
                                 self.unit.data, self.lower_limit.data, self.upper_limit.data)


class ChecklistForm(FlaskForm):
    """A checklist as the admin edits it; saving makes a new version (the old one stays)."""

    category = text(_l("Product category"), 40, required=True)
    name = text(_l("Checklist name"), 100, required=True)
    note = text(_l("Note"), 300)
    items = FieldList(FormField(ChecklistItemForm))

    def drafts(self) -> list[quality.ItemDraft]:
        return [entry.form.draft() for entry in self.items]


SPARE_ROWS = 3  # empty rows for new items; a row left empty is ignored


def checklist_form(checklist=None) -> ChecklistForm:
    rows = [{"label": i.label, "hint": i.hint, "measured": i.measured, "unit": i.unit,
             "lower_limit": i.lower_limit, "upper_limit": i.upper_limit}
            for i in (checklist.items if checklist else [])]
    rows += [{} for _ in range(SPARE_ROWS if checklist else 2 * SPARE_ROWS)]
    data = {"items": rows}
    if checklist is not None:
        data |= {"category": checklist.category, "name": checklist.name, "note": checklist.note}
    return ChecklistForm(formdata=None, data=data)
