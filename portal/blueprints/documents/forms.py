"""The contact letter form (售后服务联络函)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField

from portal.services.hotline.contact_letters import LetterDraft
from portal.timeutil import local_to_utc, to_local
from portal.web.forms import long_text, text, when

TIMES = ("sent_at", "sender_confirmed_at", "receiver_confirmed_at")


class LetterForm(FlaskForm):
    complaint_number = HiddenField()  # set when the letter was started from a complaint
    ticket_number = text(_l("Related ticket no."), 20)
    subject = text(_l("Subject (about)"), 200, required=True)
    to_unit = text(_l("To (unit)"), 100, required=True)
    to_person = text(_l("To (person)"), 50)
    cc = text(_l("Copy to"), 200)
    from_unit = text(_l("From (unit)"), 100, required=True)
    from_person = text(_l("From (person)"), 50)
    sent_at = when(_l("Sent at"))
    content = long_text(_l("Letter content"), 20000, required=True)
    feedback = long_text(_l("Feedback from the recipient"), 5000)
    sender_confirmed_at = when(_l("Confirmed by the sender at"))
    receiver_confirmed_at = when(_l("Confirmed by the recipient at"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.content.render_kw = {**self.content.render_kw, "rows": 12}

    @classmethod
    def for_letter(cls, letter) -> "LetterForm":
        """The edit form of a stored letter, its times shown in China time."""
        values = {name: getattr(letter, name) for name in (
            "subject", "to_unit", "to_person", "cc", "from_unit", "from_person", "content",
            "feedback")}
        for name in TIMES:
            value = getattr(letter, name)
            values[name] = to_local(value).replace(tzinfo=None) if value else None
        values["ticket_number"] = letter.ticket.number if letter.ticket else None
        values["complaint_number"] = letter.complaint.number if letter.complaint else None
        return cls(formdata=None, **values)

    def draft(self) -> LetterDraft:
        return LetterDraft(
            subject=self.subject.data, to_unit=self.to_unit.data, to_person=self.to_person.data,
            cc=self.cc.data, from_unit=self.from_unit.data, from_person=self.from_person.data,
            sent_at=local_to_utc(self.sent_at.data), content=self.content.data,
            feedback=self.feedback.data,
            sender_confirmed_at=local_to_utc(self.sender_confirmed_at.data),
            receiver_confirmed_at=local_to_utc(self.receiver_confirmed_at.data),
            ticket_number=self.ticket_number.data,
            complaint_number=self.complaint_number.data or None,
        )
