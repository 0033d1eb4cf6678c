"""Callbacks (回访): the worklist, the satisfaction survey, retries, engineer feedback
(待反馈 → 已反馈) and the maintenance-contract expiry notices (保养到期通知书).

The callback moves on `workflow.CALLBACK`; the ticket side of a survey is the ticket table's
`callback_done` / `request_feedback` step (fired with `via="callback"`), the engineer's
answer its `give_feedback` step (`via="feedback"`). Nothing here commits: the callback and
the ticket are written in the request's one transaction, or not at all.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    Callback,
    CallbackKind,
    CallbackStatus,
    Customer,
    CustomerAttribute,
    Employee,
    Product,
    Satisfaction,
    Ticket,
    TicketStatus,
)
from portal.models.base import utcnow
from portal.services.core.workflow import TransitionRefused, flush
from portal.services.hotline.workflow import CALLBACK, InvalidInput
from portal.services.tickets import lifecycle as tickets
from portal.timeutil import local_day_end_utc, to_local

# 不满意原因: stored as these codes, comma-separated, in Callback.reasons.
REASONS = {
    "attitude": _l("Service attitude"),
    "skill": _l("Technical skill"),
    "response": _l("Response speed"),
    "other": _l("Other"),
}
RATINGS = ("rating_attitude", "rating_skill", "rating_arrival", "rating_promise")
# Reasons are asked whenever the customer is not satisfied; a dissatisfied answer must give one.
NOT_SATISFIED = (Satisfaction.AVERAGE, Satisfaction.DISSATISFIED)
RETRY_AFTER = timedelta(hours=2)
CONTRACT_NOTICE_WINDOW = timedelta(days=30)  # SPEC §3: expiry notice one month before the end
# Members (会员) get the callback 100% (SPEC §3): VIPs and contract customers.
MEMBER_ATTRIBUTES = (CustomerAttribute.ANNUAL_CONTRACT, CustomerAttribute.PER_VISIT_CONTRACT)
_SCHEDULE_LOCK = 0x43424558  # "CBEX": serialises expiry scheduling across app servers (PG)


# --------------------------------------------------------------------------- worklist


@dataclass
class WorklistFilters:
    """The worklist's filters; they live in the URL so the list is bookmarkable."""

    kind: CallbackKind | None = None
    overdue_only: bool = False


def worklist_statement(filters: WorklistFilters, now: datetime | None = None):
    """Due callbacks, the oldest due first: whatever is overdue is at the top."""
    now = now or utcnow()
    stmt = (sa.select(Callback).where(Callback.status == CallbackStatus.DUE)
            .options(selectinload(Callback.customer), selectinload(Callback.ticket)))
    if filters.kind:
        stmt = stmt.where(Callback.kind == filters.kind)
    if filters.overdue_only:
        stmt = stmt.where(Callback.due_at < now)
    return stmt.order_by(Callback.due_at, Callback.id)


def worklist_counts(now: datetime | None = None) -> tuple[int, int]:
    """(due, overdue) callbacks: the promise of SPEC §9 at a glance."""
    now = now or utcnow()
    due = Callback.status == CallbackStatus.DUE
    return (db.session.scalar(sa.select(sa.func.count(Callback.id)).where(due)) or 0,
            db.session.scalar(sa.select(sa.func.count(Callback.id))
                              .where(due, Callback.due_at < now)) or 0)


def is_overdue(callback: Callback, now: datetime | None = None) -> bool:
    return callback.status == CallbackStatus.DUE and callback.due_at < (now or utcnow())


def is_member(customer: Customer) -> bool:
    return customer.vip or customer.attribute in MEMBER_ATTRIBUTES


# --------------------------------------------------------------------------- survey


@dataclass
class SurveyAnswers:
    """What the customer said on the phone; plain values, checked by the form and here."""

    overall: Satisfaction | None
    reasons: Sequence[str] = ()
    rating_attitude: Satisfaction | None = None
    rating_skill: Satisfaction | None = None
    rating_arrival: Satisfaction | None = None
    rating_promise: Satisfaction | None = None
    suggestions: str | None = None
    engineer_no: str | None = None

    @property
    def ratings(self) -> dict[str, Satisfaction | None]:
        """The technician rating (态度, 技术, 到达时间, 答应事情的办理) by column name."""
        return {name: getattr(self, name) for name in RATINGS}


def ensure_open(callback: Callback) -> None:
    """Refuse a callback already recorded: a second submit must not write it twice."""
    if callback.status != CallbackStatus.DUE:
        who = callback.agent.name if callback.agent else _("someone")
        raise TransitionRefused(_("This callback was already recorded by %(who)s; nothing was "
                                  "saved again.", who=who))


def _engineer(employee_no: str) -> Employee:
    """The engineer named to answer (回馈人): active, and able to give the feedback."""
    engineer = db.session.scalar(sa.select(Employee).where(
        Employee.employee_no == employee_no.strip(), Employee.active))
    if engineer is None:
        raise InvalidInput(_("No active employee has the number %(no)s.", no=employee_no),
                           field="engineer_no")
    # Naming someone without the duty to answer would strand the ticket in 待反馈.
    if not engineer.can("feedback.give"):
        raise InvalidInput(_("%(name)s cannot answer a callback: only store staff can give "
                             "feedback.", name=str(engineer)), field="engineer_no")
    return engineer


def record_survey(callback: Callback, answers: SurveyAnswers, by: Employee,
                  expected_version: int | None = None) -> Callback:
    """Save the satisfaction survey and move the ticket: 已回访, or 待反馈 when an engineer
    is named. Dissatisfaction needs a reason; a done callback is never recorded twice."""
    ensure_open(callback)
    if answers.overall is None:
        raise InvalidInput(_("Please give the overall satisfaction."), field="overall")
    reasons = [r for r in dict.fromkeys(answers.reasons) if r in REASONS]
    if answers.overall == Satisfaction.DISSATISFIED and not reasons:
        raise InvalidInput(_("Please say why the customer is dissatisfied."), field="reasons")
    engineer = _engineer(answers.engineer_no) if answers.engineer_no else None
    values = {"overall": answers.overall, "suggestions": answers.suggestions,
              "reasons": ",".join(reasons) if answers.overall in NOT_SATISFIED and reasons
              else None, "engineer": engineer, **answers.ratings}
    CALLBACK.apply(callback, "survey", by, expected_version=expected_version, values=values)
    if callback.ticket is not None:
        action = "request_feedback" if engineer else "callback_done"
        tickets.transition(callback.ticket, action, by, remark=survey_summary(callback),
                           engineer=engineer, via="callback")
    return callback


def record_renewal_call(callback: Callback, outcome: str, by: Employee,
                        expected_version: int | None = None) -> Callback:
    """The renewal call of a contract expiry notice: what the customer decided, then done."""
    ensure_open(callback)
    outcome = (outcome or "").strip()
    if not outcome:
        raise InvalidInput(_("Please write the outcome of the call."), field="outcome")
    # A renewal call has no survey; its outcome is the callback's free text.
    CALLBACK.apply(callback, "renewal", by, expected_version=expected_version,
                   values={"suggestions": outcome})
    return callback


def record_unreachable(callback: Callback, by: Employee, expected_version: int | None = None,
                       retry_in: timedelta = RETRY_AFTER) -> Callback:
    """Customer not reached: count the attempt and put the callback back later in the list."""
    ensure_open(callback)
    CALLBACK.apply(callback, "unreachable", by, expected_version=expected_version,
                   retry_in=retry_in)
    return callback


def reason_labels(callback: Callback) -> list[str]:
    return [str(REASONS[r]) for r in (callback.reasons or "").split(",") if r in REASONS]


def survey_summary(callback: Callback) -> str:
    """One line for the ticket's timeline: what the customer said."""
    parts = [callback.overall.label] if callback.overall else []
    if callback.reasons:
        parts.append(_("reasons: %(reasons)s", reasons=", ".join(reason_labels(callback))))
    if callback.suggestions:
        parts.append(callback.suggestions)
    return "; ".join(parts)[:1000]


def complaint_text(callback: Callback) -> str:
    """The complaint's first words when one is opened from this callback (one click)."""
    ticket = callback.ticket.number if callback.ticket else "—"
    if callback.overall is None:
        return _("Raised during the callback on ticket %(ticket)s.", ticket=ticket)
    text = _("Callback on ticket %(ticket)s: %(summary)s", ticket=ticket,
             summary=survey_summary(callback))
    return text[:300]


def earlier_callbacks(callback: Callback) -> list[Callback]:
    """The ticket's other callbacks: a follow-up call needs what was said and answered before."""
    if callback.ticket_id is None:
        return []
    return list(db.session.scalars(
        sa.select(Callback).where(Callback.ticket_id == callback.ticket_id,
                                  Callback.id != callback.id,
                                  Callback.status == CallbackStatus.DONE)
        .options(selectinload(Callback.engineer), selectinload(Callback.agent))
        .order_by(Callback.id)))


def feedback_request(ticket: Ticket) -> Callback | None:
    """The callback that named the engineer: what the customer said, for the answer."""
    return db.session.scalar(
        sa.select(Callback).where(Callback.ticket_id == ticket.id,
                                  Callback.engineer_id.is_not(None),
                                  Callback.status == CallbackStatus.DONE)
        .order_by(Callback.id.desc()).limit(1))


# --------------------------------------------------------------------------- feedback


def feedback_statement(engineer: Employee):
    """我的待反馈: tickets waiting for this engineer's answer, the oldest first."""
    return (sa.select(Ticket)
            .where(Ticket.status == TicketStatus.AWAITING_FEEDBACK,
                   Ticket.feedback_engineer_id == engineer.id)
            .options(selectinload(Ticket.customer), selectinload(Ticket.branch))
            .order_by(Ticket.updated_at, Ticket.id))


def feedback_requests(ticket_ids: Sequence[int]) -> dict[int, Callback]:
    """The requesting callback of each ticket of a feedback list page, in one query."""
    if not ticket_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Callback).where(Callback.ticket_id.in_(ticket_ids),
                                  Callback.engineer_id.is_not(None),
                                  Callback.status == CallbackStatus.DONE)
        .order_by(Callback.id))
    return {c.ticket_id: c for c in rows}


def ensure_awaiting_feedback(ticket: Ticket) -> None:
    """Refuse a second answer (double submit): the first one already moved the ticket."""
    if ticket.status != TicketStatus.AWAITING_FEEDBACK:
        raise TransitionRefused(_("The feedback on ticket %(number)s was already given; "
                                  "nothing was saved again.", number=ticket.number))


def give_feedback(ticket: Ticket, answer: str, by: Employee,
                  expected_version: int | None = None) -> Ticket:
    """The named engineer answers (已反馈); the ticket's table checks that it is them and
    schedules the follow-up callback. The answer is kept on the requesting callback."""
    ensure_awaiting_feedback(ticket)
    answer = (answer or "").strip()
    if not answer:
        raise InvalidInput(_("Please write your answer to the customer."), field="answer")
    tickets.transition(ticket, "give_feedback", by, remark=answer,
                       expected_version=expected_version, via="feedback")
    request = feedback_request(ticket)
    if request is not None:
        request.feedback = answer
        request.feedback_at = utcnow()
        flush()
    return ticket


# --------------------------------------------------------------------------- contract expiry


def local_today() -> date:
    return to_local(utcnow()).date()


def _expiring_contracts(today: date) -> list[tuple[int, date]]:
    """(customer id, contract end) of annual-contract customers due a notice, none sent yet.

    There is no contract-end field on the customer: the contract is taken to end with the
    latest warranty end of the customer's active products (the contract covers them all).
    """
    until = today + CONTRACT_NOTICE_WINDOW
    contract_end = sa.func.max(Product.warranty_end)
    # Only customers with a product ending in the window can qualify; narrowing to them
    # first keeps the aggregate small.
    ending_soon = sa.select(Product.customer_id).where(
        Product.active, Product.warranty_end.between(today, until))
    ends = (sa.select(Product.customer_id.label("customer_id"), contract_end.label("end"))
            .join(Customer, Customer.id == Product.customer_id)
            .where(Customer.attribute == CustomerAttribute.ANNUAL_CONTRACT, Customer.active,
                   Product.active, Product.customer_id.in_(ending_soon))
            .group_by(Product.customer_id)
            .having(contract_end.between(today, until))
            .subquery())
    # One notice per contract end: a renewed contract (a later end) gets its own next year.
    sent = sa.select(Callback.id).where(Callback.customer_id == ends.c.customer_id,
                                        Callback.kind == CallbackKind.CONTRACT_EXPIRY,
                                        Callback.contract_end == ends.c.end)
    return [(row.customer_id, row.end) for row in db.session.execute(
        sa.select(ends.c.customer_id, ends.c.end).where(~sa.exists(sent))
        .order_by(ends.c.customer_id))]


def schedule_contract_expiry_callbacks(today: date | None = None) -> list[Callback]:
    """保养到期通知书: one renewal callback, due today, per annual-contract customer whose
    contract ends within 30 days and who has no notice for that end yet. Idempotent."""
    today = today or local_today()
    if not _expiring_contracts(today):
        return []  # the common case: no lock, no write
    if db.engine.dialect.name == "postgresql":
        # Two worklists opened at once must not both create the notice (no unique column).
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": _SCHEDULE_LOCK})
    # "Due today" means by the end of the local day: not overdue the moment it appears.
    due_at = local_day_end_utc(today) - timedelta(minutes=1)
    created = [Callback(kind=CallbackKind.CONTRACT_EXPIRY, customer_id=customer_id,
                        contract_end=end, due_at=due_at)
               for customer_id, end in _expiring_contracts(today)]
    db.session.add_all(created)
    flush()
    return created
