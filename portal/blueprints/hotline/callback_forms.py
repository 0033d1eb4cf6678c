"""Callback forms: the satisfaction survey, the renewal call, an attempt, the engineer's answer."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from portal.models import Satisfaction
from portal.services.hotline.callbacks import REASONS
from portal.web.forms import CheckboxListField, EnumRadioField, long_text, text


def level(label, required: bool = False) -> EnumRadioField:
    checks = [DataRequired(_l("Please choose one of the options."))] if required else []
    return EnumRadioField(label, validators=checks, enum=Satisfaction)


class SurveyForm(FlaskForm):
    """客户回访: overall satisfaction, why not, the technician rating, an engineer to answer."""

    version = HiddenField()
    overall = level(_l("Overall satisfaction"), required=True)
    reasons = CheckboxListField(_l("Why not satisfied"),
                                choices=[SelectChoice(code, label) for code, label in
                                         REASONS.items()])
    rating_attitude = level(_l("Technician: attitude"))
    rating_skill = level(_l("Technician: skill"))
    rating_arrival = level(_l("Technician: arrival time"))
    rating_promise = level(_l("Technician: doing what was promised"))
    suggestions = long_text(_l("Customer's remarks and suggestions"))
    engineer_no = text(_l("Engineer who must answer (employee no.)"), 20)

    def validate_reasons(self, field):
        if self.overall.data == Satisfaction.DISSATISFIED and not field.data:
            raise ValidationError(_l("Please say why the customer is dissatisfied."))


class RenewalForm(FlaskForm):
    """保养到期: the renewal call of a maintenance contract about to end."""

    version = HiddenField()
    outcome = long_text(_l("Outcome of the renewal call"), required=True)


class AttemptForm(FlaskForm):
    """Customer not reached: only the version, so a stale list cannot push twice."""

    version = HiddenField()


class FeedbackForm(FlaskForm):
    """负责人反馈: the named engineer's answer to the customer's remark."""

    version = HiddenField()
    answer = long_text(_l("Your answer"), required=True)
