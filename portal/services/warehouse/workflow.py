"""The warehouse's tables on the one workflow engine (`core.workflow`): requisition (领料单),
stock count (盘点), return (退货) and damage (残损).

Each row names the duty that takes it (SPEC §1 groups in `core.duties`):
- requisition: the branch supervisor approves (`dispatch.assign`, who dispatches the work it
  is for) or cancels (`requisition.cancel`); the warehouse issues in full or lets it wait
  (`requisition.issue`, only through `issue_requisition`, which writes the issue note).
- stock count: counters open, count, submit and cancel (`stock.count`); a manager who took
  no part in it approves or sends lines back (`stock.adjust.approve`).
- return / damage: reported by the clerk (`return.report`), decided by a manager who did not
  report it (`return.approve`); an approved return is booked in (`return.receive`).

Steps that write records of their own (issue and wait write the issue note and the ledger,
counting writes count lines, goods in writes the ledger) name their verb in `by_verb`, so a
generic button can never take them.
"""

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models import (
    CountStatus,
    DamageStatus,
    RequisitionStatus,
    ReturnStatus,
    StockCount,
    StockCountLine,
)
from portal.models.base import utcnow
from portal.services.core.duties import visible_org_ids
from portal.services.core.workflow import Move, StaleRecord, TransitionRefused, Workflow, steps


def require_duty(by, duty: str) -> None:
    """For verbs that create a record rather than move one (a receipt, a report, a count)."""
    if not by.can(duty):
        raise TransitionRefused(_("Your duties do not include this action."))


def refuse_unless_open(workflow: Workflow, record, action: str, by, via: str | None = None):
    """Raise why `by` may not take `action` now (duty, status, guard); the step otherwise.

    For verbs that check a step without taking it (a scan on an open count).
    """
    why = workflow.refusal(record, action, by, via)
    if why:
        raise TransitionRefused(why)
    return workflow.find(record, action)


def locked(record):
    """Re-read `record` under its row lock, so a second click waits and then sees the first
    (an issued requisition, an approved count): the verb answers "done already"."""
    if record in db.session.new or record in db.session.dirty:
        return record  # the verb has written to it: its UPDATE will take the lock
    mapper = sa.inspect(record).mapper
    return db.session.scalars(sa.select(mapper.class_).where(
        mapper.primary_key[0] == mapper.primary_key_from_instance(record)[0])
        .with_for_update().execution_options(populate_existing=True)).one()


def check_version(record, expected_version: int | None) -> None:
    """The engine's version check, for a verb that answers "done already" first."""
    if expected_version is not None and expected_version != record.version:
        raise StaleRecord(_("%(number)s was changed by someone else since you opened it. "
                            "Please reload it and try again.", number=record.number))


def effect_of(*setters):
    """A row's effect: the verb writes its own records (`apply(..., write=fn)`: the issue
    note, ledger rows, the adjustment), then the step sets its fields, all before the status
    changes: the record itself is written by one UPDATE (the verb's queries come first, so
    autoflush has nothing of it to write early)."""
    def run(move: Move) -> None:
        write = move.extra.get("write")
        if write is not None:
            write(move)
        for setter in setters:
            setter(move)
    return run


# --------------------------------------------------------------------------- requisition


def _not_the_branch(requisition, by) -> str | None:
    """Only the branch's own people (or HQ-wide users) decide on its requisition."""
    ids = visible_org_ids(by)
    # A requisition raised with its dispatch is not flushed yet: its branch is set, not the id.
    branch_id = requisition.branch.id if requisition.branch is not None else requisition.branch_id
    if ids is None or branch_id in ids:
        return None
    return _("Only %(branch)s may decide on this requisition.", branch=requisition.branch.name)


def _approved(move: Move) -> None:
    move.record.approved_by = move.by
    move.record.approved_at = utcnow()


def _cancelled(move: Move) -> None:
    move.record.cancel_reason = move.remark


def _waits(move: Move) -> None:
    move.record.waiting_since = utcnow()


R = RequisitionStatus
REQUISITION = Workflow("requisition", [
    *steps("approve", R.SUBMITTED, R.APPROVED, "dispatch.assign", _l("Approve"),
           guard=_not_the_branch, effect=effect_of(_approved)),
    # The warehouse issues in full or not at all (仓库禁止不完全发货); short → waits.
    *steps("issue", (R.APPROVED, R.WAITING), R.ISSUED, "requisition.issue", _l("Issue"),
           effect=effect_of(), by_verb="issue"),
    *steps("wait", R.APPROVED, R.WAITING, "requisition.issue", _l("Wait for stock"),
           effect=effect_of(_waits), by_verb="issue"),
    *steps("cancel", (R.SUBMITTED, R.APPROVED, R.WAITING), R.CANCELLED, "requisition.cancel",
           _l("Cancel requisition"), needs_remark=True, guard=_not_the_branch,
           effect=effect_of(_cancelled)),
])


# --------------------------------------------------------------------------- stock count


def counters(count: StockCount) -> set[int]:
    """Everyone who opened, counted or submitted the count: none of them may approve it."""
    ids = set(db.session.scalars(sa.select(StockCountLine.counted_by_id).distinct().where(
        StockCountLine.count_id == count.id, StockCountLine.counted_by_id.is_not(None))))
    return ids | {i for i in (count.opened_by_id, count.submitted_by_id) if i}


def _a_counter(count, by) -> str | None:
    if by.id in counters(count):
        return _("You took part in this count: another manager must approve it.")
    return None


def _decided(move: Move) -> None:
    move.record.decided_by = move.by
    move.record.decided_at = utcnow()


def _count_cancelled(move: Move) -> None:
    move.record.remark = move.remark
    _decided(move)


C = CountStatus
STOCK_COUNT = Workflow("stock_count", [
    # Scanning and typed entry: the status stays; the count lines are the verb's own.
    *steps("count", C.OPEN, None, "stock.count", _l("Count"), by_verb="count"),
    *steps("submit", C.OPEN, C.SUBMITTED, "stock.count", _l("Submit count"),
           effect=effect_of(), by_verb="submit"),
    *steps("approve", C.SUBMITTED, C.APPROVED, "stock.adjust.approve", _l("Approve and post"),
           guard=_a_counter, effect=effect_of(_decided)),
    *steps("recount", C.SUBMITTED, C.OPEN, "stock.adjust.approve",
           _l("Send lines back for recount"), needs_remark=True,
           effect=effect_of()),
    *steps("cancel", C.OPEN, C.CANCELLED, "stock.count", _l("Cancel count"),
           needs_remark=True, effect=effect_of(_count_cancelled)),
])


# --------------------------------------------------------------------------- return, damage


def _the_reporter(report, by) -> str | None:
    """Separation of duties: whoever reported it does not decide on it."""
    if report.reported_by_id == by.id:
        return _("You reported %(number)s: another manager must decide on it.",
                 number=report.number)
    return None


def _refused(move: Move) -> None:
    move.record.refusal_reason = move.remark
    _decided(move)


T = ReturnStatus
RETURN = Workflow("return", [
    *steps("approve", T.REPORTED, T.APPROVED, "return.approve", _l("Approve return"),
           guard=_the_reporter, effect=effect_of(_decided)),
    *steps("refuse", T.REPORTED, T.REFUSED, "return.approve", _l("Refuse return"),
           needs_remark=True, guard=_the_reporter, effect=effect_of(_refused)),
    *steps("receive", T.APPROVED, T.RECEIVED, "return.receive", _l("Book goods in"),
           effect=effect_of(), by_verb="receive"),
])

D = DamageStatus
DAMAGE = Workflow("damage", [
    # The approval's effect (the stock moving) is the verb's: `decide_damage` posts it.
    *steps("approve", D.REPORTED, D.APPROVED, "return.approve", _l("Approve"),
           guard=_the_reporter, effect=effect_of(_decided)),
    *steps("refuse", D.REPORTED, D.REFUSED, "return.approve", _l("Refuse"),
           needs_remark=True, guard=_the_reporter, effect=effect_of(_refused)),
])
