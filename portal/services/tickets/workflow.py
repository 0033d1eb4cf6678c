"""The ticket's one transition table: (status, action) → new status, and who may do it.

Later workflows (stores, QA) add their rows here, never a second table. A move that is not
in the table is refused with `TransitionRefused` (shown to the user, answered with 409).
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.models import Ticket, TicketKind
from portal.models import TicketStatus as S


def _approval_pending(ticket: Ticket) -> str | None:
    if ticket.needs_approval:
        return _("This service item needs the supervisor's approval before dispatch.")
    return None


def _hq_not_asked(ticket: Ticket) -> str | None:
    if not ticket.hq_requested:
        return _("Nobody asked HQ or another department for support on this ticket.")
    return None


def _hq_already_asked(ticket: Ticket) -> str | None:
    if ticket.hq_requested:
        return _("HQ support was already requested.")
    return None


def _no_approval_needed(ticket: Ticket) -> str | None:
    if not ticket.needs_approval:
        return _("This ticket does not need a supervisor's approval.")
    return None


# The QA moves are the outcome of a record, not a button of their own: the quality service
# writes the signed check (or the customer's acceptance) and then takes the step in the same
# transaction. These guards keep the generic ticket form from skipping the record.
def _no_passed_check(ticket: Ticket) -> str | None:
    from portal.services.quality import checks as quality

    if quality.current_verdict(ticket) != quality.CheckVerdict.PASSED:
        return _("Sign the quality check with every item passed first.")
    return None


def _no_failed_check(ticket: Ticket) -> str | None:
    from portal.services.quality import checks as quality

    if quality.current_verdict(ticket) != quality.CheckVerdict.FAILED:
        return _("Sign the quality check with the failed items first.")
    return None


def _no_acceptance(ticket: Ticket) -> str | None:
    from portal.services.quality import checks as quality

    if quality.acceptance_of(ticket) is None:
        return _("Record the customer's acceptance of the handover first.")
    return None


@dataclass(frozen=True)
class Transition:
    """One row. `target` None means the status stays (an event on the timeline only)."""

    action: str
    source: S
    target: S | None
    permission: str
    label: object  # lazy string, the button text
    kinds: frozenset = frozenset({TicketKind.Z1})
    needs_remark: bool = False
    # A rule beyond the status: returns why the move is refused, or None.
    guard: Callable[[Ticket], str | None] | None = None


def _t(action, sources, target, permission, label, kinds=(TicketKind.Z1,), needs_remark=False,
       guard=None):
    return [Transition(action, s, target, permission, label, frozenset(kinds), needs_remark,
                       guard)
            for s in (sources if isinstance(sources, tuple) else (sources,))]


BOTH = (TicketKind.Z1, TicketKind.Z2)

TRANSITIONS: list[Transition] = [
    # Site survey done by the branch (勘察结束).
    *_t("survey_done", S.TZJL, S.KCJS, "stores.view", _l("Survey done")),
    # Supervisor decision on items that need approval (设备更新信息审核).
    *_t("approve", S.KCJS, S.ZGPZ, "stores.supervise", _l("Approve"),
        guard=_no_approval_needed),
    *_t("refuse", S.KCJS, S.BPZ, "stores.supervise", _l("Refuse"), needs_remark=True,
        guard=_no_approval_needed),
    # The branch asks HQ / another department for support; the status waits, the flag shows.
    *_t("request_hq", (S.KCJS, S.ZGPZ), None, "stores.supervise", _l("Request HQ support"),
        needs_remark=True, guard=_hq_already_asked),
    # HQ / another department answered that request (相应部门回复).
    *_t("department_reply", (S.KCJS, S.ZGPZ), S.ZBHF, "hotline.view",
        _l("Department replied"), needs_remark=True, guard=_hq_not_asked),
    # Work: dispatch, start, finish (the stores issue fills in who and when). A dispatch out
    # of REWORK is the re-installation (返工 / 第二次安装) after a failed quality check.
    *_t("dispatch", S.KCJS, S.DISPATCHED, "stores.supervise", _l("Dispatch"),
        guard=_approval_pending),
    *_t("dispatch", (S.ZGPZ, S.ZBHF, S.REWORK), S.DISPATCHED, "stores.supervise",
        _l("Dispatch")),
    *_t("start_work", S.DISPATCHED, S.IN_WORK, "stores.view", _l("Start work")),
    *_t("finish_work", S.IN_WORK, S.QA_PENDING, "stores.view", _l("Finish work")),
    # Installation quality check (安装质量控制): signed off → handover, any failed item → rework.
    *_t("qa_pass", S.QA_PENDING, S.HANDOVER_READY, "qa.inspect", _l("Quality check passed"),
        guard=_no_passed_check),
    *_t("qa_fail", S.QA_PENDING, S.REWORK, "qa.inspect", _l("Quality check failed"),
        needs_remark=True, guard=_no_failed_check),
    # Handover with the customer's acceptance (安装后交工 / 客户服务验收) closes the work (销单)
    # and schedules the 3-day callback; no closing without that acceptance.
    *_t("accept_handover", S.HANDOVER_READY, S.CLOSED, "qa.handover",
        _l("Handover accepted by the customer"), guard=_no_acceptance),
    # Closing after the supervisor refused the work.
    *_t("close", S.BPZ, S.CLOSED, "hotline.view", _l("Close ticket"), kinds=BOTH),
    # Callback (回访): closed loop, or an engineer is named to answer (待反馈 → 已反馈).
    *_t("callback_done", (S.CLOSED, S.FEEDBACK_GIVEN), S.CALLED_BACK, "hotline.view",
        _l("Callback done"), kinds=BOTH),
    *_t("request_feedback", S.CLOSED, S.AWAITING_FEEDBACK, "hotline.view",
        _l("Ask engineer for feedback"), kinds=BOTH),
    *_t("give_feedback", S.AWAITING_FEEDBACK, S.FEEDBACK_GIVEN, "stores.view",
        _l("Give feedback"), kinds=BOTH, needs_remark=True),
    # Z2 交货异常: reply to sales, goods delivered, or goods returned to the manufacturer.
    *_t("reply_sales", S.TZJL, S.HFYY, "hotline.view", _l("Replied to sales"),
        kinds=(TicketKind.Z2,)),
    *_t("goods_delivered", S.HFYY, S.DDKH, "hotline.view", _l("Goods delivered"),
        kinds=(TicketKind.Z2,)),
    *_t("goods_returned", (S.HFYY, S.DDKH), S.THCS, "hotline.view",
        _l("Goods returned to manufacturer"), kinds=(TicketKind.Z2,)),
    *_t("close", (S.DDKH, S.THCS), S.CLOSED, "hotline.view", _l("Close ticket"),
        kinds=(TicketKind.Z2,)),
    # A ticket opened by mistake (duplicate, wrong customer) is cancelled, never deleted.
    *_t("cancel", (S.TZJL, S.KCJS), S.CANCELLED, "hotline.view", _l("Cancel ticket"),
        kinds=BOTH, needs_remark=True),
]

_BY_KEY = {(t.source, t.action, kind): t for t in TRANSITIONS for kind in t.kinds}


def find(status: S, action: str, kind: TicketKind) -> Transition | None:
    return _BY_KEY.get((status, action, kind))


def available(status: S, kind: TicketKind) -> list[Transition]:
    """Transitions open from `status`, in table order (the buttons on the ticket page)."""
    return [t for t in TRANSITIONS if t.source == status and kind in t.kinds]


ACTIONS = sorted({t.action for t in TRANSITIONS})
