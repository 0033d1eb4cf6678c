"""The warehouse workflows' transition tables: (status, action) → new status, and who may.

One table per workflow — requisition (领料单), stock count (盘点), return (退货), damage
(残损) — and one way to read them, `Workflow.step`, which refuses a move that is not in the
table, that the user's groups do not grant, or that a guard forbids (`TransitionRefused`,
answered with 409).
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.models import CountStatus, DamageStatus, RequisitionStatus, ReturnStatus
from portal.services import DomainError


class TransitionRefused(DomainError):
    status = 409


class RemarkRequired(DomainError):
    """Bad input rather than a conflict: the action needs its reason (400)."""

    status = 400


@dataclass(frozen=True)
class Transition:
    action: str
    source: object
    target: object
    permission: str
    label: object  # lazy string: the button text
    needs_remark: bool = False
    # A rule beyond the status: (record, user) → why the move is refused, or None.
    guard: Callable[[object, object], str | None] | None = None


class Workflow:
    def __init__(self, name: str, rows: list[Transition]):
        self.name = name
        self.rows = rows
        self._by_key = {(t.source, t.action): t for t in rows}

    def find(self, status, action: str) -> Transition | None:
        return self._by_key.get((status, action))

    def step(self, record, action: str, by, remark: str | None = None) -> Transition:
        """The transition for `action` from the record's status, or TransitionRefused."""
        step = self.find(record.status, action)
        if step is None:
            raise TransitionRefused(_("%(number)s is %(status)s: this action is not possible "
                                      "now.", number=record.number,
                                      status=record.status.label))
        if not by.can(step.permission):
            raise TransitionRefused(_("Your permission groups do not allow this action."))
        refusal = step.guard(record, by) if step.guard else None
        if refusal:
            raise TransitionRefused(refusal)
        if step.needs_remark and not (remark or "").strip():
            raise RemarkRequired(_("Please give a reason for this action."), field="remark")
        return step

    def available(self, record, by) -> list[Transition]:
        """The buttons `by` sees on the record: allowed by the table, the groups and guards."""
        return [t for t in self.rows if t.source == record.status and by.can(t.permission)
                and not (t.guard and t.guard(record, by))]


def _t(action, sources, target, permission, label, needs_remark=False, guard=None):
    return [Transition(action, s, target, permission, label, needs_remark, guard)
            for s in (sources if isinstance(sources, tuple) else (sources,))]


def _not_a_counter(count, by) -> str | None:
    from portal.services.warehouse.stock_counts import counters

    if by.id in counters(count):
        return _("You took part in this count: another manager must approve it.")
    return None


R = RequisitionStatus
REQUISITION = Workflow("requisition", [
    *_t("approve", R.SUBMITTED, R.APPROVED, "stores.supervise", _l("Approve")),
    # The warehouse issues in full or not at all (仓库禁止不完全发货); short → waits.
    *_t("issue", (R.APPROVED, R.WAITING), R.ISSUED, "warehouse.view", _l("Issue")),
    *_t("wait", R.APPROVED, R.WAITING, "warehouse.view", _l("Wait for stock")),
    *_t("cancel", (R.SUBMITTED, R.APPROVED, R.WAITING), R.CANCELLED, "stores.view",
        _l("Cancel requisition"), needs_remark=True),
])

C = CountStatus
STOCK_COUNT = Workflow("stock_count", [
    *_t("submit", C.OPEN, C.SUBMITTED, "warehouse.view", _l("Submit count")),
    *_t("approve", C.SUBMITTED, C.APPROVED, "warehouse.approve", _l("Approve and post"),
        guard=_not_a_counter),
    *_t("recount", C.SUBMITTED, C.OPEN, "warehouse.approve", _l("Send lines back for recount"),
        needs_remark=True),
    *_t("cancel", C.OPEN, C.CANCELLED, "warehouse.view", _l("Cancel count"), needs_remark=True),
])

T = ReturnStatus
RETURN = Workflow("return", [
    *_t("approve", T.REPORTED, T.APPROVED, "warehouse.approve", _l("Approve return")),
    *_t("refuse", T.REPORTED, T.REFUSED, "warehouse.approve", _l("Refuse return"),
        needs_remark=True),
    *_t("receive", T.APPROVED, T.RECEIVED, "warehouse.view", _l("Book goods in")),
])

D = DamageStatus
DAMAGE = Workflow("damage", [
    *_t("approve", D.REPORTED, D.APPROVED, "warehouse.approve", _l("Approve")),
    *_t("refuse", D.REPORTED, D.REFUSED, "warehouse.approve", _l("Refuse"), needs_remark=True),
])
