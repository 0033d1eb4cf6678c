"""Contact letters (售后服务联络函): written from a ticket, a complaint or on their own, stored
with an LXH number, listed, corrected and printed again.

Who sees a letter: hotline and HQ see all of them; a store user sees the letters about the
tickets of their own branch, the free-standing letters written in their branch, and any
letter they wrote themselves.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import Complaint, ContactLetter, Customer, Employee, Ticket
from portal.models.base import utcnow
from portal.services.core.duties import visible_org_ids
from portal.services.core.numbering import next_number
from portal.services.core.workflow import flush
from portal.services.documents import pdf
from portal.services.hotline import complaints as complaint_service
from portal.services.hotline.workflow import InvalidInput

# Up to this far ahead a typed time still counts as "now" (clocks and typing differ a little).
CLOCK_SLACK = timedelta(minutes=5)
# The same letter saved twice this quickly by the same person is a double submit, not two.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=60)


@dataclass
class LetterDraft:
    """What the writer typed; times are naive UTC, like everything stored."""

    subject: str
    to_unit: str
    from_unit: str
    content: str
    to_person: str | None = None
    cc: str | None = None
    from_person: str | None = None
    sent_at: datetime | None = None
    feedback: str | None = None
    sender_confirmed_at: datetime | None = None
    receiver_confirmed_at: datetime | None = None
    ticket_number: str | None = None
    complaint_number: str | None = None


# --------------------------------------------------------------------------- who sees what


def visible_to(stmt, user: Employee):
    """Limit a select of letters to those `user` may see (see the module docstring)."""
    ids = visible_org_ids(user)
    if ids is None:
        return stmt
    about = aliased(Ticket)
    writer = aliased(Employee)
    return (stmt.outerjoin(about, ContactLetter.ticket_id == about.id)
            .join(writer, ContactLetter.created_by_id == writer.id)
            .where(sa.or_(about.branch_id.in_(ids),
                          sa.and_(ContactLetter.ticket_id.is_(None), writer.org_unit_id.in_(ids)),
                          ContactLetter.created_by_id == user.id)))


def load_for(number: str, user: Employee) -> ContactLetter | None:
    """The letter with this number if the user may see it (None: answer 404)."""
    stmt = sa.select(ContactLetter).where(
        ContactLetter.number == (number or "").strip().upper())
    return db.session.scalar(visible_to(stmt, user))


def find_ticket(number: str | None, user: Employee) -> Ticket | None:
    """The ticket with this number if the user may see it; another branch's is "not there"."""
    ticket = db.session.scalar(sa.select(Ticket).where(
        Ticket.number == (number or "").strip().upper()))
    if ticket is None:
        return None
    ids = visible_org_ids(user)
    return ticket if ids is None or ticket.branch_id in ids else None


def find_complaint(number: str | None, user: Employee) -> Complaint | None:
    return complaint_service.load_for(number or "", user)


def search_statement(text: str | None, user: Employee):
    """Newest first; `text` matches the number, subject, either unit or the customer."""
    stmt = (sa.select(ContactLetter).outerjoin(Customer, ContactLetter.customer_id == Customer.id)
            .order_by(ContactLetter.id.desc()))
    # LIKE wildcards typed by the user are taken literally by dropping them.
    text = "".join(c for c in (text or "").strip() if c not in "%_\\")
    if text:
        like = f"%{text}%"
        stmt = stmt.where(sa.or_(ContactLetter.number.ilike(like),
                                 ContactLetter.subject.ilike(like),
                                 ContactLetter.to_unit.ilike(like),
                                 ContactLetter.from_unit.ilike(like),
                                 Customer.name.ilike(like)))
    return visible_to(stmt, user)


# --------------------------------------------------------------------------- writing


def defaults(user: Employee, ticket: Ticket | None = None,
             complaint: Complaint | None = None) -> dict:
    """The new letter's fields filled from where it was started: sender, recipient, subject."""
    values = {"from_unit": user.org_unit.name, "from_person": user.name}
    ticket = ticket or (complaint.ticket if complaint else None)
    customer = (ticket.customer if ticket else None) or (complaint.customer if complaint else None)
    if customer is not None:
        values["to_unit"] = customer.name
        values["to_person"] = customer.contact_person or customer.name
    if ticket is not None:
        values["ticket_number"] = ticket.number
        values["cc"] = ticket.branch.name if ticket.branch_id != user.org_unit_id else None
    if complaint is not None:
        values["complaint_number"] = complaint.number
        values["to_unit"] = values.get("to_unit") or complaint.complainant
        values["subject"] = _("About complaint %(number)s", number=complaint.number)
        values["content"] = complaint.content
    elif ticket is not None:
        values["subject"] = _("About ticket %(number)s: %(text)s", number=ticket.number,
                              text=ticket.short_text)
    return values


def create_letter(draft: LetterDraft, by: Employee) -> ContactLetter:
    """Store a new letter with the next LXH number, linked to its ticket / complaint."""
    complaint = _complaint(draft.complaint_number, by)
    ticket = _ticket(draft.ticket_number, by, complaint)
    now = utcnow()
    _check(draft, now)
    duplicate = _double_submit(draft, by, now)
    if duplicate is not None:
        return duplicate
    letter = ContactLetter(number=next_number("LXH"), created_by=by, complaint=complaint)
    _apply(letter, draft, ticket)
    letter.pages = _printed_pages(letter)
    db.session.add(letter)
    flush()
    return letter


def update_letter(letter: ContactLetter, draft: LetterDraft, by: Employee) -> ContactLetter:
    """Correct a letter or record the recipient's feedback and the confirmations.

    The complaint it was written for stays; the ticket may be named or changed, and a new
    one must be a ticket the editor may see.
    """
    current = letter.ticket.number if letter.ticket else None
    if (draft.ticket_number or "").strip().upper() == (current or ""):
        ticket = letter.ticket
    else:
        ticket = _ticket(draft.ticket_number, by, letter.complaint)
    _check(draft, utcnow())
    _apply(letter, draft, ticket)
    letter.pages = _printed_pages(letter)
    flush()
    return letter


def _complaint(number: str | None, by: Employee) -> Complaint | None:
    if not number:
        return None
    complaint = find_complaint(number, by)
    if complaint is None:
        raise InvalidInput(_("No complaint has the number %(number)s.", number=number))
    return complaint


def _ticket(number: str | None, by: Employee, complaint: Complaint | None) -> Ticket | None:
    """The named ticket (which must agree with the complaint), else the complaint's ticket."""
    if not number:
        return complaint.ticket if complaint else None
    ticket = find_ticket(number, by)
    if ticket is None:
        raise InvalidInput(_("No ticket has the number %(number)s.", number=number),
                           field="ticket_number")
    if complaint is not None and complaint.ticket_id not in (None, ticket.id):
        raise InvalidInput(_("Complaint %(complaint)s is about ticket %(ticket)s.",
                             complaint=complaint.number, ticket=complaint.ticket.number),
                           field="ticket_number")
    return ticket


def _check(draft: LetterDraft, now: datetime) -> None:
    for name in ("subject", "to_unit", "from_unit", "content"):
        if not (getattr(draft, name) or "").strip():
            raise InvalidInput(_("This field is required."), field=name)
    for name in ("sent_at", "sender_confirmed_at", "receiver_confirmed_at"):
        value = getattr(draft, name)
        if value is not None and value > now + CLOCK_SLACK:
            raise InvalidInput(_("This time is in the future."), field=name)
    sent, received = draft.sent_at, draft.receiver_confirmed_at
    if sent and received and received < sent:
        raise InvalidInput(_("The recipient cannot confirm a letter before it was sent."),
                           field="receiver_confirmed_at")


def _apply(letter: ContactLetter, draft: LetterDraft, ticket: Ticket | None) -> None:
    for name in ("subject", "to_unit", "to_person", "cc", "from_unit", "from_person", "sent_at",
                 "content", "feedback", "sender_confirmed_at", "receiver_confirmed_at"):
        value = getattr(draft, name)
        setattr(letter, name, value.strip() if isinstance(value, str) else value)
    letter.ticket = ticket
    complaint = letter.complaint
    letter.customer = (ticket.customer if ticket else None) or (
        complaint.customer if complaint else None)


def _printed_pages(letter: ContactLetter) -> int:
    # 页数 is how many sheets the letter prints on; counted from the print itself, so the
    # stored figure and the paper agree. No autoflush while rendering: the change is written
    # in one flush, one entry in the audit trail.
    with db.session.no_autoflush:
        return pdf.page_count(pdf.render_job(pdf.contact_letter(letter)))


def _double_submit(draft: LetterDraft, by: Employee, now: datetime) -> ContactLetter | None:
    # The model has no submit token; an identical letter by the same writer a moment ago is
    # the same form sent twice (double click, resend after a slow answer).
    return db.session.scalar(
        sa.select(ContactLetter).where(ContactLetter.created_by_id == by.id,
                                       ContactLetter.subject == draft.subject.strip(),
                                       ContactLetter.content == draft.content.strip(),
                                       ContactLetter.created_at >= now - DOUBLE_SUBMIT_WINDOW)
        .order_by(ContactLetter.id.desc()).limit(1))
