"""The complaint's one transition table: (status, action) → new status, and who may do it.

Who may act is a set of permission codes (any one of them suffices) and/or `HANDLER`, the
employee named as the complaint's handler (指定处理人). The handling itself is written by
the handler alone, whatever their groups: the seed's 客户投诉模块 gives everyone else only a
read-only view. A move that is not in the table is refused with `TransitionRefused` (409).

Guards run after the step's input has been applied, so they judge what would be saved
(e.g. a proposal cannot go to the service manager without a chosen solution).
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.models import Complaint
from portal.models import ComplaintStatus as S

HANDLER = "complaint.handler"
"""Not a group permission: stands for the employee assigned as the complaint's handler."""

OPEN = frozenset(set(S) - {S.INVALID, S.CLOSED})


def _handling_incomplete(complaint: Complaint) -> str | None:
    missing = [label for label, value in (
        (_("investigation"), complaint.investigation), (_("cause"), complaint.cause),
        (_("proposals"), complaint.proposals), (_("chosen solution"), complaint.chosen_solution),
    ) if not value]
    if missing:
        return _("Before the solution goes for approval, please fill in: %(fields)s.",
                 fields=", ".join(missing))
    return None


@dataclass(frozen=True)
class Transition:
    action: str
    source: S
    target: S
    allowed: frozenset  # permission codes and/or HANDLER; any one of them may act
    label: object  # lazy string, the button text
    # A rule beyond the status: returns why the move is refused, or None.
    guard: Callable[[Complaint], str | None] | None = None


def _t(action, sources, target, allowed, label, guard=None):
    return [Transition(action, s, target, frozenset(allowed), label, guard)
            for s in (sources if isinstance(sources, tuple) else (sources,))]


TRANSITIONS: list[Transition] = [
    # Judgement (是否有效): valid → department + handler; not valid → a polite reply closes it.
    # Assigning comes first: it is the button a plain Enter presses.
    *_t("assign", S.REGISTERED, S.ASSIGNED, {"hotline.view"}, _l("Valid: assign handler")),
    *_t("judge_invalid", S.REGISTERED, S.INVALID, {"hotline.view"},
        _l("Not valid: reply and close")),
    # A handler who is away or wrongly chosen is replaced by the team lead or the manager.
    *_t("reassign", S.ASSIGNED, S.ASSIGNED, {"hotline.lead", "complaints.approve"},
        _l("Reassign")),
    # Handling (处理): investigation, cause, proposals, the chosen one — by the handler only.
    *_t("save_handling", S.ASSIGNED, S.ASSIGNED, {HANDLER}, _l("Save handling")),
    *_t("propose", S.ASSIGNED, S.PROPOSED, {HANDLER}, _l("Submit solution for approval"),
        guard=_handling_incomplete),
    # The service manager's decision on the chosen solution.
    *_t("approve", S.PROPOSED, S.APPROVED, {"complaints.approve"}, _l("Approve solution")),
    *_t("send_back", S.PROPOSED, S.ASSIGNED, {"complaints.approve"},
        _l("Send back to handler")),
    # After the solution is carried out: the customer confirms, a follow-up visit, summary.
    *_t("confirm", S.APPROVED, S.CONFIRMED, {"hotline.view", HANDLER},
        _l("Customer confirmed")),
    *_t("follow_up", S.CONFIRMED, S.FOLLOWED_UP, {"hotline.view", HANDLER},
        _l("Record follow-up visit")),
    *_t("close", S.FOLLOWED_UP, S.CLOSED, {"hotline.view"}, _l("Summarise and close")),
]

_BY_KEY = {(t.source, t.action): t for t in TRANSITIONS}
assert len(_BY_KEY) == len(TRANSITIONS), "one row per (status, action)"

# Steps whose input must carry a remark (why it goes back).
NEEDS_REMARK = frozenset({"send_back"})


def find(status: S, action: str) -> Transition | None:
    return _BY_KEY.get((status, action))


def available(status: S) -> list[Transition]:
    """Transitions open from `status`, in table order."""
    return [t for t in TRANSITIONS if t.source == status]


def may(step: Transition, complaint: Complaint, user) -> bool:
    """The user holds one of the step's permissions, or is the handler where that counts."""
    if HANDLER in step.allowed and complaint.handler_id is not None \
            and complaint.handler_id == user.id:
        return True
    return bool(step.allowed & user.permissions)


ACTIONS = sorted({t.action for t in TRANSITIONS})
