"""The supervisor's approval queue (设备更新信息审核).

Service items such as relocation or a new installation need the branch supervisor's
decision after the survey (KCJS → ZGPZ approved / BPZ refused). The supervisor may ask HQ or
another department for support first; the ticket then waits for their reply (ZBHF). The
moves themselves are rows of the ticket's one transition table; this module only decides
what the queue shows and which of those moves may be made from it. The table asks for the
duty `ticket.approve`; dispatch stays refused until the approval is on the timeline.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Employee, Ticket, TicketEvent, TicketStatus
from portal.services.core.duties import scope_to_org
from portal.services.core.workflow import TransitionRefused
from portal.services.tickets import lifecycle as tickets

QUEUE_ACTIONS = ("approve", "refuse", "request_hq")


@dataclass
class ApprovalQueue:
    waiting: list[Ticket]  # surveyed, waiting for the supervisor's decision
    hq_pending: list[Ticket]  # HQ support asked, no reply yet
    ready: list[Ticket]  # approved or answered by HQ: ready to dispatch


def _tickets(user: Employee, *conditions) -> list[Ticket]:
    stmt = (sa.select(Ticket).where(*conditions)
            .options(selectinload(Ticket.customer), selectinload(Ticket.events))
            .order_by(Ticket.created_at, Ticket.id))  # oldest first: it has waited longest
    return list(db.session.scalars(scope_to_org(stmt, Ticket.branch_id, user)))


def queue(user: Employee) -> ApprovalQueue:
    """The user's branch only; a ticket appears in exactly one of the three lists.

    HQ's reply (ZBHF) does not stand in for the supervisor's approval: an item that needs
    approval comes back to the waiting list with HQ's answer until the supervisor decides.
    """
    def happened(action: str):
        return sa.exists().where(TicketEvent.ticket_id == Ticket.id,
                                 TicketEvent.action == action)

    approved, replied = happened("approve"), happened("department_reply")
    asked = sa.and_(Ticket.hq_requested, sa.not_(replied))  # waiting for HQ's answer
    return ApprovalQueue(
        waiting=_tickets(user, Ticket.needs_approval, sa.not_(approved), sa.not_(asked),
                         Ticket.status.in_([TicketStatus.KCJS, TicketStatus.ZBHF])),
        hq_pending=_tickets(user, asked,
                            Ticket.status.in_([TicketStatus.KCJS, TicketStatus.ZGPZ])),
        ready=_tickets(user, sa.not_(asked), sa.or_(
            sa.and_(Ticket.status == TicketStatus.ZBHF,
                    sa.or_(sa.not_(Ticket.needs_approval), approved)),
            Ticket.status == TicketStatus.ZGPZ)),
    )


def decide(ticket: Ticket, action: str, by: Employee, remark: str | None,
           expected_version: int | None = None) -> Ticket:
    """Approve, refuse (with a reason) or ask HQ for support (with a reason), from the queue."""
    if action not in QUEUE_ACTIONS:
        raise TransitionRefused(_("This action is not made from the approval queue."))
    return tickets.transition(ticket, action, by, remark, expected_version=expected_version)


def actions_for(ticket: Ticket, user: Employee) -> list:
    """The decisions this user may take on the ticket from the queue (the table decides)."""
    return [t for t in tickets.available_actions(ticket, user) if t.action in QUEUE_ACTIONS]


def waiting_since(ticket: Ticket):
    """When the ticket reached its current status (the last move on its timeline)."""
    moves = [e for e in ticket.events if e.from_status != e.to_status or e.from_status is None]
    return moves[-1].at if moves else ticket.created_at
