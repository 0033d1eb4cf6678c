"""The hotline's tables on the one workflow engine: the complaint (客户投诉), the callback (回访).

Complaint: who may act is a duty (`complaint.register`, `complaint.reassign`,
`complaint.approve`) or the role `complaint.handler`, the employee named as the complaint's
handler (指定处理人): the handling is written by the handler alone, whatever their groups.

Each step's effect writes that step's input (the form's `StepInput`, handed over as
`data`); it checks the input before it writes anything, so a refused step leaves the record
as it was. A remark (why it goes back, why it was reassigned) is kept on the audit trail
with the step, where the complaint's timeline reads it.

Callback: DUE → DONE by the survey (or the renewal call of a contract expiry notice); a
customer not reached stays DUE with one more attempt and a later due time.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models import (
    AuditEvent,
    CallbackKind,
    Complaint,
    ComplaintCategory,
    Department,
    Employee,
)
from portal.models import CallbackStatus as C
from portal.models import ComplaintStatus as S
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.workflow import Move, TransitionRefused, Workflow, flush, steps

HANDLER = "complaint.handler"
"""Not a group duty: the role of the employee assigned as the complaint's handler."""

OPEN = frozenset(set(S) - {S.INVALID, S.CLOSED})
# Up to this far ahead a typed time still counts as "now" (clocks and typing differ a little).
CLOCK_SLACK = timedelta(minutes=5)
# Who can open a complaint page at all: a handler outside these could never act.
CAN_OPEN = frozenset({"hotline.view", "stores.view"})


class InvalidInput(DomainError):
    """What was typed breaks a rule (400): shown next to its field, the form keeps it."""

    status = 400


# --------------------------------------------------------------------------- complaint


@dataclass
class StepInput:
    """What a step's form carries; each action reads only its own fields."""

    judgement: str | None = None  # assessment, or the polite reply to an invalid complaint
    handler_no: str | None = None  # 工号 of the handler
    department_id: int | None = None
    serious: bool = False
    investigation: str | None = None
    cause: str | None = None
    proposals: str | None = None  # one per line
    chosen_solution: str | None = None
    remark: str | None = None  # why it is sent back / reassigned; the manager's note
    confirmation: str | None = None  # who confirmed and what they said
    confirmed_at: datetime | None = None
    follow_up: str | None = None
    followed_up_at: datetime | None = None
    summary: str | None = None
    category: ComplaintCategory | None = None  # reclassified at closing


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None


def _proposal_lines(value: str | None) -> str | None:
    lines = [line.strip() for line in (value or "").splitlines()]
    return "\n".join(line for line in lines if line) or None


def _time(value: datetime | None, not_before: datetime | None, name: str,
          earlier_message: str) -> datetime:
    now = utcnow()
    value = value or now
    if value > now + CLOCK_SLACK:
        raise InvalidInput(_("This time is in the future."), field=name)
    if not_before is not None and value < not_before:
        raise InvalidInput(earlier_message, field=name)
    return value


def _handler(data: StepInput) -> tuple[Employee, Department | None]:
    number = _clean(data.handler_no)
    if not number:
        raise InvalidInput(_("Please give the handler's employee no."), field="handler_no")
    handler = db.session.scalar(sa.select(Employee).where(Employee.employee_no == number,
                                                          Employee.active))
    if handler is None:
        raise InvalidInput(_("No active employee has the number %(no)s.", no=number),
                           field="handler_no")
    if not handler.permissions & CAN_OPEN:
        raise InvalidInput(_("%(name)s cannot open complaints: the handler needs hotline or "
                             "store access.", name=handler), field="handler_no")
    department = handler.department
    if data.department_id:
        department = db.session.get(Department, data.department_id)
        if department is None or not department.active:
            raise InvalidInput(_("Please choose an active department."), field="department_id")
    return handler, department


def _data(move: Move) -> StepInput:
    return move.extra.get("data") or StepInput()


def _judge_invalid(move: Move) -> None:
    reply = _clean(_data(move).judgement)
    if not reply:
        raise InvalidInput(_("Please write the reply given to the customer."),
                           field="judgement")
    c = move.record
    c.valid, c.judgement, c.closed_at = False, reply, utcnow()


def _assign(move: Move) -> None:
    data, c = _data(move), move.record
    c.handler, c.department = _handler(data)
    c.valid = True
    c.judgement = _clean(data.judgement)
    # Judging may escalate a complaint to serious, never quietly take the escalation back.
    if data.serious:
        c.serious = True


def _reassign(move: Move) -> None:
    c = move.record
    handler, department = _handler(_data(move))
    if handler.id == c.handler_id and department == c.department:
        raise InvalidInput(_("%(name)s is already the handler.", name=handler),
                           field="handler_no")
    c.handler, c.department = handler, department


def _handling(data: StepInput) -> dict:
    return {"investigation": _clean(data.investigation), "cause": _clean(data.cause),
            "proposals": _proposal_lines(data.proposals),
            "chosen_solution": _clean(data.chosen_solution)}


def _write_handling(move: Move) -> None:
    for name, value in _handling(_data(move)).items():
        setattr(move.record, name, value)


def _propose(move: Move) -> None:
    """The solution goes to the service manager only with the whole handling written."""
    values = _handling(_data(move))
    missing = [label for label, name in (
        (_("investigation"), "investigation"), (_("cause"), "cause"),
        (_("proposals"), "proposals"), (_("chosen solution"), "chosen_solution"),
    ) if not values[name]]
    if missing:
        raise TransitionRefused(_("Before the solution goes for approval, please fill in: "
                                  "%(fields)s.", fields=", ".join(missing)))
    _write_handling(move)


def _approve(move: Move) -> None:
    move.record.approved_by, move.record.approved_at = move.by, utcnow()


def _confirm(move: Move) -> None:
    data, c = _data(move), move.record
    confirmation = _clean(data.confirmation)
    if not confirmation:
        raise InvalidInput(_("Please note who confirmed and what the customer said."),
                           field="confirmation")
    confirmed_at = _time(data.confirmed_at, c.received_at, "confirmed_at",
                         _("The confirmation is before the complaint was received."))
    c.customer_confirmation, c.confirmed_at = confirmation, confirmed_at


def _follow_up(move: Move) -> None:
    data, c = _data(move), move.record
    text = _clean(data.follow_up)
    if not text:
        raise InvalidInput(_("Please describe the follow-up visit."), field="follow_up")
    followed_up_at = _time(data.followed_up_at, c.confirmed_at, "followed_up_at",
                           _("The follow-up visit is before the customer's confirmation."))
    c.follow_up, c.followed_up_at = text, followed_up_at


def _close(move: Move) -> None:
    data, c = _data(move), move.record
    summary = _clean(data.summary)
    if not summary:
        raise InvalidInput(_("Please write the summary."), field="summary")
    c.summary, c.closed_at = summary, utcnow()
    if data.category is not None:
        c.category = data.category


def _handler_role(complaint: Complaint, by) -> set[str]:
    return {HANDLER} if complaint.handler_id is not None and complaint.handler_id == by.id \
        else set()


def _remark_on_trail(move: Move) -> None:
    # The model has no column for a step's remark: the audit trail keeps it right after the
    # step's own entry (flushed first), where `complaints.timeline` finds it.
    if move.remark:
        flush()
        db.session.add(AuditEvent(at=utcnow(), actor_id=move.by.id,
                                  actor_label=str(move.by)[:80],
                                  table_name=Complaint.__tablename__,
                                  record_id=str(move.record.id), action="update",
                                  changes={"remark": [None, move.remark]}))


COMPLAINT = Workflow("complaint", [
    # Judgement (是否有效): valid → department + handler; not valid → a polite reply closes it.
    # Assigning comes first: it is the button a plain Enter presses.
    *steps("assign", S.REGISTERED, S.ASSIGNED, "complaint.register",
           _l("Valid: assign handler"), effect=_assign),
    *steps("judge_invalid", S.REGISTERED, S.INVALID, "complaint.register",
           _l("Not valid: reply and close"), effect=_judge_invalid),
    # A handler who is away or wrongly chosen is replaced by the team lead or the manager.
    *steps("reassign", S.ASSIGNED, S.ASSIGNED, "complaint.reassign", _l("Reassign"),
           effect=_reassign),
    # Handling (处理): investigation, cause, proposals, the chosen one — by the handler only.
    *steps("save_handling", S.ASSIGNED, S.ASSIGNED, HANDLER, _l("Save handling"),
           effect=_write_handling),
    *steps("propose", S.ASSIGNED, S.PROPOSED, HANDLER, _l("Submit solution for approval"),
           effect=_propose),
    # The service manager's decision on the chosen solution.
    *steps("approve", S.PROPOSED, S.APPROVED, "complaint.approve", _l("Approve solution"),
           effect=_approve),
    *steps("send_back", S.PROPOSED, S.ASSIGNED, "complaint.approve",
           _l("Send back to handler"), needs_remark=True),
    # After the solution is carried out: the customer confirms, a follow-up visit, summary.
    *steps("confirm", S.APPROVED, S.CONFIRMED, ("complaint.register", HANDLER),
           _l("Customer confirmed"), effect=_confirm),
    *steps("follow_up", S.CONFIRMED, S.FOLLOWED_UP, ("complaint.register", HANDLER),
           _l("Record follow-up visit"), effect=_follow_up),
    *steps("close", S.FOLLOWED_UP, S.CLOSED, "complaint.register", _l("Summarise and close"),
           effect=_close),
], roles=_handler_role, on_moved=_remark_on_trail,
    describe=lambda complaint: _("Complaint %(number)s", number=complaint.number))

COMPLAINT_ACTIONS = COMPLAINT.actions()


def handler_only(step) -> bool:
    return step.duties == frozenset({HANDLER})


# --------------------------------------------------------------------------- callback

SURVEYED = (CallbackKind.AFTER_SERVICE, CallbackKind.FEEDBACK_FOLLOW_UP)


def _done(move: Move) -> None:
    """The call was made: what was said (handed over as `values`), who called, when."""
    callback = move.record
    for name, value in move.extra.get("values", {}).items():
        setattr(callback, name, value)
    callback.done_at = utcnow()
    callback.agent = move.by


def _attempt(move: Move) -> None:
    """Not reached: one more attempt, due again later in the worklist."""
    callback, now = move.record, utcnow()
    callback.attempts = (callback.attempts or 0) + 1
    callback.last_attempt_at = now
    callback.due_at = now + move.extra["retry_in"]
    callback.agent = move.by


def _describe_callback(callback) -> str:
    if callback.ticket is not None:
        return _("The callback on ticket %(number)s", number=callback.ticket.number)
    return _("The callback to %(customer)s", customer=callback.customer.name)


CALLBACK = Workflow("callback", [
    *steps("survey", C.DUE, C.DONE, "callback.survey", _l("Save callback"), effect=_done,
           variants=SURVEYED),
    # 保养到期通知书: the renewal call records what the customer decided, no survey.
    *steps("renewal", C.DUE, C.DONE, "callback.survey", _l("Save call"), effect=_done,
           variants=(CallbackKind.CONTRACT_EXPIRY,)),
    *steps("unreachable", C.DUE, None, "callback.survey", _l("Not reached, retry later"),
           effect=_attempt),
], variant=lambda callback: callback.kind, describe=_describe_callback)
