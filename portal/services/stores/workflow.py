"""The branch's records with a status, on the one workflow engine (core/workflow.py).

- Estimate (委托安装估价单), one revision: DRAFT → APPROVED by the customer → SUPERSEDED when
  the customer approves a later revision (additional work, 追加). Editing a draft and opening
  additional work from the approved revision are steps that keep the status: they lock the
  revision, check the version the user saw, the duty and that the ticket is still open.
- Appointment (预约): BOOKED → DONE / NO_SHOW (a follow-up task for the branch) / CANCELLED;
  moving it keeps it BOOKED.

The ticket's own steps (survey, approval, dispatch, start and finish work) are rows of the
ticket's table (tickets/workflow.py); the stores verbs fire them.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.display import format_dt
from portal.extensions import db
from portal.models import (
    AppointmentStatus,
    Estimate,
    EstimateStatus,
    ServiceOrder,
    StoreTask,
    Ticket,
)
from portal.models.base import utcnow
from portal.services.core.numbering import next_number
from portal.services.core.workflow import Move, TransitionRefused, Workflow, steps

ORDER_KIND = "DD"  # 服务销售订单 numbers: DD2026-000001
FOLLOW_UP_AFTER_NO_SHOW = timedelta(hours=4)

E, A = EstimateStatus, AppointmentStatus


def require(by, duty: str) -> None:
    """A verb that writes a record without a status step still needs its duty."""
    if not by.can(duty):
        raise TransitionRefused(_("Your duties do not include this action."))


# --------------------------------------------------------------------------- estimate


def ticket_of(estimate: Estimate) -> Ticket:
    return db.session.get(Ticket, estimate.ticket_id)


def approved_revision(ticket_id: int) -> Estimate | None:
    """The revision the customer approved last: the one the work goes by."""
    return db.session.scalar(sa.select(Estimate).where(
        Estimate.ticket_id == ticket_id, Estimate.status == EstimateStatus.APPROVED))


def _ticket_closed(estimate: Estimate, by=None) -> str | None:
    ticket = ticket_of(estimate)
    if not ticket.is_open:
        return _("Ticket %(number)s is %(status)s: its estimate can no longer be changed.",
                 number=ticket.number, status=ticket.status.label)
    return None


def _not_ready_for_customer(estimate: Estimate, by=None) -> str | None:
    """What the customer approves besides the lines: the promised time and how they pay."""
    why = _ticket_closed(estimate)
    if why:
        return why
    if not estimate.lines:
        return _("Add at least one line before the customer approves.")
    if estimate.promised_at is None:
        return _("Enter the promised completion time before the customer approves.")
    if estimate.payment_method is None:
        return _("Choose the payment method before the customer approves.")
    return None


def _customer_approves(move: Move) -> None:
    """Lock the revision under the customer's name and time; it becomes a service order.

    The order carries what this approval adds: the whole first revision, then for additional
    work the difference to the revision it supersedes, so a ticket's orders always add up to
    the approved total. The promised time becomes the ticket's expected end.
    """
    estimate = move.record
    previous = approved_revision(estimate.ticket_id)
    if previous is not None:
        ESTIMATE.apply(previous, "supersede", move.by, via="approve")
    estimate.approved_by_customer = move.extra["customer_name"]
    estimate.approved_at = move.extra["approved_at"]
    # The order number's counter is bumped in this transaction: a refusal gives it back.
    order = ServiceOrder(number=next_number(ORDER_KIND), ticket_id=estimate.ticket_id,
                         estimate=estimate,
                         amount=estimate.total - (previous.total if previous else 0))
    db.session.add(order)
    ticket_of(estimate).expected_end = estimate.promised_at
    move.extra["order"] = order


ESTIMATE = Workflow("estimate", [
    # Lines, promised time, payment method: only on a draft of an open ticket.
    *steps("edit", E.DRAFT, None, "estimate.edit", _l("Edit the estimate"),
           guard=_ticket_closed),
    # The customer's approval (name + time) locks the revision (客户确认《委托安装估价单》).
    *steps("approve", E.DRAFT, E.APPROVED, "estimate.approve", _l("Approved by the customer"),
           guard=_not_ready_for_customer, effect=_customer_approves),
    # Additional work (追加) opens a draft copy of the approved revision; that one stays.
    *steps("add_work", E.APPROVED, None, "estimate.edit", _l("Add work"),
           guard=_ticket_closed),
    # Only as part of approving the later revision.
    *steps("supersede", E.APPROVED, E.SUPERSEDED, "estimate.approve", _l("Superseded"),
           by_verb="approve"),
], describe=lambda estimate: _("Revision %(rev)s", rev=estimate.revision))


# --------------------------------------------------------------------------- appointment


def _follow_up(move: Move) -> None:
    """A customer who did not come is called and rebooked by the branch."""
    appointment = move.record
    db.session.add(StoreTask(
        branch_id=appointment.branch_id, ticket_id=appointment.ticket_id,
        text=_("Customer did not come to the appointment of %(when)s: call and rebook.",
               when=format_dt(appointment.starts_at)),
        due_at=utcnow() + FOLLOW_UP_AFTER_NO_SHOW))


def _move_slot(move: Move) -> None:
    appointment, extra = move.record, move.extra
    appointment.starts_at, appointment.ends_at = extra["starts_at"], extra["ends_at"]
    technician = extra.get("technician")
    appointment.technician_id = technician.id if technician else None


APPOINTMENT = Workflow("appointment", [
    *steps("done", A.BOOKED, A.DONE, "appointment.book", _l("Done")),
    *steps("no_show", A.BOOKED, A.NO_SHOW, "appointment.book", _l("No-show"),
           effect=_follow_up),
    *steps("cancel", A.BOOKED, A.CANCELLED, "appointment.book", _l("Cancelled")),
    # The slot checks (clashes, branch staff) are the reschedule verb's.
    *steps("reschedule", A.BOOKED, None, "appointment.book", _l("Move"),
           effect=_move_slot, by_verb="reschedule"),
], describe=lambda appointment: _("The appointment of %(when)s",
                                  when=format_dt(appointment.starts_at)))

OUTCOMES = {A.DONE: "done", A.NO_SHOW: "no_show", A.CANCELLED: "cancel"}
