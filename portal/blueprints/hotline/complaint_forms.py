"""Complaint forms: registration (顾客投诉登记) and one small form per workflow step.

The step forms post to one route; the button pressed names the action. Their field names do
not overlap among the steps open at the same time, so one page can hold several of them.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired

from portal.blueprints.hotline.forms import PHONE, long_text, when
from portal.models import ComplaintCategory, ComplaintChannel
from portal.services.hotline.complaints import ComplaintDraft, StepInput
from portal.timeutil import local_to_utc
from portal.web.args import version_of
from portal.web.forms import EnumSelectField, IdSelectField, text


class ComplaintForm(FlaskForm):
    customer_id = HiddenField()
    complainant = text(_l("Complainant"), 100)
    phone = text(_l("Phone"), 30, validators=[PHONE])
    received_at = when(_l("Complaint time"))
    channel = EnumSelectField(_l("Channel"), enum=ComplaintChannel)
    category = EnumSelectField(_l("Category"), enum=ComplaintCategory, blank=True,
                               validators=[DataRequired(_l("Please choose the category."))])
    content = long_text(_l("Complaint content"), 4000, required=True)
    ticket_number = text(_l("Related ticket no."), 20)
    product_serial = text(_l("Product serial no."), 40, render_kw={"list": "customer-products"})
    serious = BooleanField(_l("Serious complaint: escalate to the service manager at once"))

    def draft(self, customer) -> ComplaintDraft:
        return ComplaintDraft(
            content=self.content.data, channel=self.channel.data, category=self.category.data,
            complainant=self.complainant.data, phone=self.phone.data,
            received_at=local_to_utc(self.received_at.data), customer=customer,
            ticket_number=self.ticket_number.data, product_serial=self.product_serial.data,
            serious=self.serious.data,
        )


class StepForm(FlaskForm):
    """Base of the step forms: the version the user saw, for optimistic locking."""

    title = None
    hints: dict = {}
    action = HiddenField(validators=[DataRequired()])  # sent by the button that was pressed
    version = HiddenField()

    def expected_version(self) -> int | None:
        return version_of(self.version.data)

    def step_input(self) -> StepInput:
        return StepInput()


class JudgementForm(StepForm):
    title = _l("Judgement (valid or not)")
    hints = {
        "judgement": _l("Required when the complaint is not valid: the reply given to the "
                        "customer."),
        "handler_no": _l("The employee no. of the person who will handle it."),
        "department_id": _l("Empty means the handler's own department."),
    }

    judgement = long_text(_l("Judgement / reply to the customer"))
    handler_no = text(_l("Handler (employee no.)"), 20)
    department_id = IdSelectField(_l("Responsible department"))
    serious = BooleanField(_l("Serious complaint"))

    def step_input(self) -> StepInput:
        return StepInput(judgement=self.judgement.data, handler_no=self.handler_no.data,
                         department_id=self.department_id.data, serious=self.serious.data)


class ReassignForm(StepForm):
    title = _l("Reassign")
    hints = {"department_id": _l("Empty means the handler's own department.")}

    handler_no = text(_l("New handler (employee no.)"), 20)
    department_id = IdSelectField(_l("Responsible department"))
    remark = long_text(_l("Reason"), 1000)

    def step_input(self) -> StepInput:
        return StepInput(handler_no=self.handler_no.data, department_id=self.department_id.data,
                         remark=self.remark.data)


class HandlingForm(StepForm):
    title = _l("Handling")
    hints = {"chosen_solution": _l("The proposal that goes to the service manager for "
                                   "approval.")}

    investigation = long_text(_l("Investigation"), 4000)
    cause = long_text(_l("Cause"), 2000)
    proposals = long_text(_l("Proposed solutions (one per line)"), 4000)
    chosen_solution = long_text(_l("Chosen solution"), 2000)

    def step_input(self) -> StepInput:
        return StepInput(investigation=self.investigation.data, cause=self.cause.data,
                         proposals=self.proposals.data,
                         chosen_solution=self.chosen_solution.data)


class ApprovalForm(StepForm):
    title = _l("Service manager's decision")

    remark = long_text(_l("Remark (required when sending back)"), 1000)

    def step_input(self) -> StepInput:
        return StepInput(remark=self.remark.data)


class ConfirmationForm(StepForm):
    title = _l("Customer confirmation")

    confirmation = text(_l("Confirmed by / customer's words"), 200)
    confirmed_at = when(_l("Confirmed at"))

    def step_input(self) -> StepInput:
        return StepInput(confirmation=self.confirmation.data,
                         confirmed_at=local_to_utc(self.confirmed_at.data))


class FollowUpForm(StepForm):
    title = _l("Follow-up visit")

    follow_up = long_text(_l("Follow-up visit"))
    followed_up_at = when(_l("Visited at"))

    def step_input(self) -> StepInput:
        return StepInput(follow_up=self.follow_up.data,
                         followed_up_at=local_to_utc(self.followed_up_at.data))


class CloseForm(StepForm):
    title = _l("Summary and closing")

    summary = long_text(_l("Summary"), 4000)
    category = EnumSelectField(_l("Category (for the statistics)"), enum=ComplaintCategory)

    def step_input(self) -> StepInput:
        return StepInput(summary=self.summary.data, category=self.category.data)


# Which form carries each action of the transition table.
STEP_FORMS: dict[str, type[StepForm]] = {
    "judge_invalid": JudgementForm, "assign": JudgementForm, "reassign": ReassignForm,
    "save_handling": HandlingForm, "propose": HandlingForm,
    "approve": ApprovalForm, "send_back": ApprovalForm,
    "confirm": ConfirmationForm, "follow_up": FollowUpForm, "close": CloseForm,
}
