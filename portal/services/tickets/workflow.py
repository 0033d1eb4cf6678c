"""The ticket's table (Z1 repair / installation, Z2 交货异常) on the one workflow engine.

Steps that write a record of their own name their verb in `by_verb`; the generic
transition form offers only the others:
- dispatch: `stores.dispatch.create_dispatch` (the dispatch, its technician, the requisition);
- start / finish work: `stores.dispatch.start_job` / `finish_job` (the assigned technician);
- QA pass / fail: `quality.sign_check` (the signed check); handover: `quality.accept`;
- callback done / feedback: the callback survey and the feedback page.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models import (
    Callback,
    CallbackKind,
    Estimate,
    EstimateStatus,
    Reception,
    Ticket,
    TicketEvent,
    TicketKind,
    Warranty,
)
from portal.models import TicketStatus as S
from portal.models.base import utcnow
from portal.services.core.workflow import Move, Workflow, steps

CALLBACK_AFTER_CLOSE = timedelta(days=3)  # SPEC §9: callback within 3 days, 100%
CALLBACK_AFTER_FEEDBACK = timedelta(days=1)

Z1, Z2 = (TicketKind.Z1,), (TicketKind.Z2,)
BOTH = (TicketKind.Z1, TicketKind.Z2)


def was_approved(ticket: Ticket) -> bool:
    """The supervisor's approval (设备更新信息审核) is on the ticket's timeline."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.action == "approve")) > 0


def is_paid_work(ticket: Ticket) -> bool:
    """Out of warranty at reception: the customer pays, so prices come before work."""
    warranty = db.session.scalar(sa.select(Reception.warranty).where(
        Reception.ticket_id == ticket.id))
    return warranty == Warranty.OUT


def has_approved_estimate(ticket: Ticket) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Estimate).where(
        Estimate.ticket_id == ticket.id, Estimate.status == EstimateStatus.APPROVED)) > 0


def _not_ready_for_dispatch(ticket: Ticket, by=None) -> str | None:
    """Every path to dispatch (HQ support included) passes approval and the price."""
    if ticket.needs_approval and not was_approved(ticket):
        return _("This service item needs the supervisor's approval before dispatch.")
    if is_paid_work(ticket) and not has_approved_estimate(ticket):
        return _("Paid work: the customer must approve the estimate before dispatch.")
    return None


def _no_approval_needed(ticket: Ticket, by=None) -> str | None:
    if not ticket.needs_approval:
        return _("This ticket does not need a supervisor's approval.")
    if was_approved(ticket):
        return _("The supervisor has already approved this ticket.")
    return None


def _hq_not_asked(ticket: Ticket, by=None) -> str | None:
    if not ticket.hq_requested:
        return _("Nobody asked HQ or another department for support on this ticket.")
    return None


def _hq_already_asked(ticket: Ticket, by=None) -> str | None:
    if ticket.hq_requested:
        return _("HQ support was already requested.")
    return None


def _not_the_named_engineer(ticket: Ticket, by) -> str | None:
    if ticket.feedback_engineer_id not in (None, by.id):
        return _("Only the named engineer may give this feedback.")
    return None


def _mark_hq_requested(move: Move) -> None:
    move.record.hq_requested = True


def _name_engineer(move: Move) -> None:
    from portal.services.core.workflow import RemarkRequired

    engineer = move.extra.get("engineer")
    if engineer is None:
        raise RemarkRequired(_("Please name the engineer who must answer."), field="engineer")
    move.record.feedback_engineer = engineer


def schedule_callback(ticket: Ticket, kind: CallbackKind, within: timedelta) -> Callback:
    callback = Callback(kind=kind, ticket_id=ticket.id, customer_id=ticket.customer_id,
                        due_at=utcnow() + within)
    db.session.add(callback)
    return callback


def _close(move: Move) -> None:
    move.record.closed_at = utcnow()
    schedule_callback(move.record, CallbackKind.AFTER_SERVICE, CALLBACK_AFTER_CLOSE)


def _feedback_given(move: Move) -> None:
    schedule_callback(move.record, CallbackKind.FEEDBACK_FOLLOW_UP, CALLBACK_AFTER_FEEDBACK)


def _timeline(move: Move) -> None:
    move.record.events.append(TicketEvent(actor=move.by, action=move.step.action,
                                          from_status=move.source, to_status=move.target,
                                          remark=move.remark))


TICKET = Workflow("ticket", [
    # Site survey done by the branch (勘察结束); the reception service writes the survey.
    *steps("survey_done", S.TZJL, S.KCJS, "reception.record", _l("Survey done"), variants=Z1),
    # Supervisor decision on items that need approval (设备更新信息审核); HQ's reply (ZBHF)
    # does not stand in for it.
    *steps("approve", (S.KCJS, S.ZBHF), S.ZGPZ, "ticket.approve", _l("Approve"),
           guard=_no_approval_needed, variants=Z1),
    *steps("refuse", (S.KCJS, S.ZBHF), S.BPZ, "ticket.approve", _l("Refuse"),
           needs_remark=True, guard=_no_approval_needed, variants=Z1),
    # The branch asks HQ / another department for support; the status waits, the flag shows.
    *steps("request_hq", (S.KCJS, S.ZGPZ), None, "ticket.approve", _l("Request HQ support"),
           needs_remark=True, guard=_hq_already_asked, effect=_mark_hq_requested,
           variants=Z1),
    # HQ / another department answered that request (相应部门回复).
    *steps("department_reply", (S.KCJS, S.ZGPZ), S.ZBHF, "ticket.handle",
           _l("Department replied"), needs_remark=True, guard=_hq_not_asked, variants=Z1),
    # Dispatch writes the dispatch with its technicians (and the requisition); out of REWORK
    # it is the re-installation (返工 / 第二次安装) after a failed quality check.
    *steps("dispatch", (S.KCJS, S.ZGPZ, S.ZBHF, S.REWORK), S.DISPATCHED, "dispatch.assign",
           _l("Dispatch"), guard=_not_ready_for_dispatch, by_verb="dispatch", variants=Z1),
    *steps("start_work", S.DISPATCHED, S.IN_WORK, "job.work", _l("Start work"),
           by_verb="job", variants=Z1),
    *steps("finish_work", S.IN_WORK, S.QA_PENDING, "job.work", _l("Finish work"),
           by_verb="job", variants=Z1),
    # Installation quality check (安装质量控制): signed off → handover, any failed item → rework.
    *steps("qa_pass", S.QA_PENDING, S.HANDOVER_READY, "qa.inspect",
           _l("Quality check passed"), by_verb="quality_check", variants=Z1),
    *steps("qa_fail", S.QA_PENDING, S.REWORK, "qa.inspect", _l("Quality check failed"),
           needs_remark=True, by_verb="quality_check", variants=Z1),
    # Handover with the customer's acceptance (安装后交工 / 客户服务验收) closes the work (销单)
    # and schedules the 3-day callback; no closing without that acceptance.
    *steps("accept_handover", S.HANDOVER_READY, S.CLOSED, "qa.handover",
           _l("Handover accepted by the customer"), effect=_close, by_verb="handover",
           variants=Z1),
    # Closing after the supervisor refused the work.
    *steps("close", S.BPZ, S.CLOSED, "ticket.handle", _l("Close ticket"), effect=_close,
           variants=BOTH),
    # Callback (回访): closed loop, or an engineer is named to answer (待反馈 → 已反馈).
    *steps("callback_done", (S.CLOSED, S.FEEDBACK_GIVEN), S.CALLED_BACK, "callback.survey",
           _l("Callback done"), by_verb="callback", variants=BOTH),
    *steps("request_feedback", S.CLOSED, S.AWAITING_FEEDBACK, "callback.survey",
           _l("Ask engineer for feedback"), effect=_name_engineer, by_verb="callback",
           variants=BOTH),
    *steps("give_feedback", S.AWAITING_FEEDBACK, S.FEEDBACK_GIVEN, "feedback.give",
           _l("Give feedback"), needs_remark=True, guard=_not_the_named_engineer,
           effect=_feedback_given, by_verb="feedback", variants=BOTH),
    # Z2 交货异常: reply to sales, goods delivered, or goods returned to the manufacturer.
    *steps("reply_sales", S.TZJL, S.HFYY, "ticket.handle", _l("Replied to sales"), variants=Z2),
    *steps("goods_delivered", S.HFYY, S.DDKH, "ticket.handle", _l("Goods delivered"),
           variants=Z2),
    *steps("goods_returned", (S.HFYY, S.DDKH), S.THCS, "ticket.handle",
           _l("Goods returned to manufacturer"), variants=Z2),
    *steps("close", (S.DDKH, S.THCS), S.CLOSED, "ticket.handle", _l("Close ticket"),
           effect=_close, variants=Z2),
    # A ticket opened by mistake (duplicate, wrong customer) is cancelled, never deleted.
    *steps("cancel", (S.TZJL, S.KCJS), S.CANCELLED, "ticket.handle", _l("Cancel ticket"),
           needs_remark=True, variants=BOTH),
], variant=lambda ticket: ticket.kind, on_moved=_timeline)

TRANSITIONS = TICKET.rows
ACTIONS = TICKET.actions()
GENERIC_ACTIONS = TICKET.actions(by_verb=False)
# Who may post the generic transition form at all: holders of a step it offers.
GENERIC_STEP_DUTIES = tuple(sorted({d for s in TICKET.rows if not s.by_verb for d in s.duties}))
