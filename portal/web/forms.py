"""Field types shared by every area's forms."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError


def strip_or_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def text(label, max_length: int, required: bool = False, **kw) -> StringField:
    """A trimmed text field; blank becomes NULL, over-long input gets a clear message."""
    checks = [DataRequired(_l("This field is required."))] if required else [Optional()]
    checks.append(Length(max=max_length, message=_l("At most %(max)d characters.")))
    return StringField(label, validators=checks + kw.pop("validators", []),
                       filters=[strip_or_none], render_kw={"maxlength": max_length,
                                                           **kw.pop("render_kw", {})}, **kw)


class EnumSelectField(SelectField):
    """A select over a Python enum whose members have a translated `label`."""

    def __init__(self, label=None, validators=None, enum=None, blank: bool = False, **kw):
        self.enum = enum
        choices = [SelectChoice("", "—")] if blank else []
        choices += [SelectChoice(m.value, m.label) for m in enum]
        super().__init__(label, validators, choices=choices, coerce=self._coerce, **kw)

    def _coerce(self, value):
        if value in (None, ""):
            return None
        return value if isinstance(value, self.enum) else self.enum(value)

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError as exc:
            raise ValidationError(_l("Please choose one of the options.")) from exc


class IdSelectField(SelectField):
    """A select of record ids, whose choices the route fills; blank means none."""

    def __init__(self, label=None, validators=None, **kw):
        super().__init__(label, validators, coerce=self._coerce, choices=[], **kw)

    @staticmethod
    def _coerce(value):
        if value in (None, "", "None"):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def pre_validate(self, form):
        if self.data is None:
            return
        if self.data not in {c.value for c in self.choices}:
            raise ValidationError(_l("Please choose one of the options."))


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        valid = {c.value for c in self.choices}
        if any(d not in valid for d in self.data or ()):
            raise ValidationError(_l("Please choose one of the options."))


DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def long_text(label, max_length: int = 2000, required: bool = False) -> TextAreaField:
    """A trimmed multi-line field with a clear message when it is too long."""
    checks = [DataRequired(_l("This field is required."))] if required else [Optional()]
    return TextAreaField(label, validators=checks + [
        Length(max=max_length, message=_l("At most %(max)d characters."))],
        filters=[strip_or_none], render_kw={"maxlength": max_length, "rows": 3})


def when(label, required: bool = False) -> DateTimeLocalField:
    """A date and time typed as China wall-clock time (convert with timeutil.local_to_utc)."""
    checks = [DataRequired(_l("This field is required."))] if required else [Optional()]
    return DateTimeLocalField(label, validators=checks, format=DATETIME_FORMATS)


class EnumRadioField(EnumSelectField):
    """An enum as radio buttons: one click each (satisfaction levels, check results)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.RadioInput()

    def __init__(self, label=None, validators=None, **kw):
        super().__init__(label, validators, **kw)
        self.label.field_id = False  # a group of radios has no single element to label

    def pre_validate(self, form):
        if self.data is None:  # nothing chosen: DataRequired decides whether that is allowed
            return
        super().pre_validate(form)
