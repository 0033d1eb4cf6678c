"""Quality (质检): checklists, the inspector's check and sign-off, rework, and the handover.

One business action is one unit of work: the check (or the customer's acceptance) is written
and the ticket takes its verb-only step (`via="quality_check"` / `"handover"`) in the same
transaction. Refused attempts are kept in the ticket's audit trail (action "refused"), so
the branch can see who tried to sign an incomplete or signed check, or a ticket outside
their region.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NoReturn

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.models import (
    Acceptance,
    Accessories,
    AssignmentRole,
    AuditEvent,
    Checklist,
    ChecklistItem,
    CheckResult,
    CheckVerdict,
    Dispatch,
    DispatchAssignment,
    Employee,
    ItemOutcome,
    QualityCheck,
    Satisfaction,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core import uow
from portal.services.core.duties import scope_to_org, visible_org_ids
from portal.services.core.numbering import next_number
from portal.services.tickets import lifecycle as tickets
from portal.timeutil import to_local

# The checklist for products whose category has none of its own (a category name: data).
GENERAL_CATEGORY = "通用"

class QualityRefused(DomainError):
    status = 409


class CheckIncomplete(QualityRefused):
    """Signing with unanswered (or unmeasured) items: the form marks them."""

    status = 400

    def __init__(self, message: str, item_ids: list[int]):
        super().__init__(message, field="items")
        self.item_ids = item_ids


class OutOfRegion(DomainError):
    """Another region's ticket: answered as "not found", never as "not yours"."""

    status = 404


# --------------------------------------------------------------------------- checklists


@dataclass
class ItemDraft:
    label: str
    hint: str | None = None
    measured: bool = False
    unit: str | None = None
    lower_limit: Decimal | None = None
    upper_limit: Decimal | None = None


def current_checklist(category: str) -> Checklist | None:
    return db.session.scalar(sa.select(Checklist).where(Checklist.category == category,
                                                        Checklist.current))


def current_checklists() -> list[Checklist]:
    return list(db.session.scalars(sa.select(Checklist).where(Checklist.current)
                                   .options(selectinload(Checklist.items))
                                   .order_by(Checklist.category)))


def versions_of(category: str) -> list[Checklist]:
    """Every version of the category's checklist, newest first."""
    return list(db.session.scalars(sa.select(Checklist).where(Checklist.category == category)
                                   .order_by(Checklist.version.desc())))


def checks_using(checklist: Checklist) -> int:
    return db.session.scalar(sa.select(sa.func.count(QualityCheck.id))
                             .where(QualityCheck.checklist_id == checklist.id)) or 0


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None


def _same(checklist: Checklist, name: str, note: str | None, items: list[ItemDraft]) -> bool:
    def key(i):
        return (i.label, i.hint, i.measured, i.unit, i.lower_limit, i.upper_limit)

    return (checklist.name == name and checklist.note == note
            and [key(i) for i in checklist.items] == [key(i) for i in items])


def save_checklist(category: str, name: str, items: list[ItemDraft], by: Employee,
                   note: str | None = None) -> Checklist:
    """Save the category's checklist as a new version; earlier versions never change.

    Checks keep the version they were made with, so editing a checklist can never rewrite an
    inspection already done. Saving without a change keeps the current version.
    """
    category, name, note = _clean(category), _clean(name), _clean(note)
    if not category:
        raise DomainError(_("Please give the product category."), field="category")
    if not name:
        raise DomainError(_("Please give the checklist a name."), field="name")
    cleaned = []
    for item in items:
        label = _clean(item.label)
        if not label:
            continue  # an empty row of the form
        measured = bool(item.measured)
        low, high = (item.lower_limit, item.upper_limit) if measured else (None, None)
        if measured and low is None and high is None:
            raise DomainError(_("Give the limits of the measured item %(label)s.", label=label),
                              field="items")
        if low is not None and high is not None and low > high:
            raise DomainError(_("The lower limit of %(label)s is above its upper limit.",
                                label=label), field="items")
        cleaned.append(ItemDraft(label, _clean(item.hint), measured,
                                 _clean(item.unit) if measured else None, low, high))
    if not cleaned:
        raise DomainError(_("A checklist needs at least one item."), field="items")
    labels = [i.label for i in cleaned]
    if len(set(labels)) != len(labels):
        raise DomainError(_("Each item of a checklist needs its own name."), field="items")
    previous = current_checklist(category)
    if previous is not None and _same(previous, name, note, cleaned):
        return previous
    latest = db.session.scalar(sa.select(sa.func.max(Checklist.version))
                               .where(Checklist.category == category)) or 0
    if previous is not None:
        previous.current = False
    checklist = Checklist(category=category, version=latest + 1, name=name, note=note,
                          current=True, created_by_id=by.id)
    for position, item in enumerate(cleaned, start=1):
        checklist.items.append(ChecklistItem(
            position=position, label=item.label, hint=item.hint, measured=item.measured,
            unit=item.unit, lower_limit=item.lower_limit, upper_limit=item.upper_limit))
    db.session.add(checklist)
    db.session.flush()  # two admins saving at once: the (category, version) key refuses one
    return checklist


def checklist_for(ticket: Ticket) -> Checklist:
    """The current checklist of the product's category, else the general one."""
    category = ticket.product.category if ticket.product else None
    checklist = (current_checklist(category) if category else None) or current_checklist(
        GENERAL_CATEGORY)
    if checklist is None:
        raise QualityRefused(_("There is no checklist for product category %(category)s. "
                               "Ask the administrator to set one up.",
                               category=category or "—"))
    return checklist


# --------------------------------------------------------------------------- reading


def current_attempt(ticket: Ticket) -> int:
    """How often the technician finished the work; the check of attempt n follows finish n."""
    return db.session.scalar(sa.select(sa.func.count(TicketEvent.id)).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.action == "finish_work")) or 0


def current_check(ticket: Ticket) -> QualityCheck | None:
    return db.session.scalar(sa.select(QualityCheck).where(
        QualityCheck.ticket_id == ticket.id, QualityCheck.attempt == current_attempt(ticket)))


def current_verdict(ticket: Ticket) -> CheckVerdict | None:
    """The signed verdict on the latest finished work, None while unsigned."""
    check = current_check(ticket)
    return check.verdict if check is not None and check.locked else None


def checks_of(ticket: Ticket) -> list[QualityCheck]:
    """Every check on the ticket, newest attempt first, with its answers."""
    return list(db.session.scalars(
        sa.select(QualityCheck).where(QualityCheck.ticket_id == ticket.id)
        .options(selectinload(QualityCheck.results).selectinload(CheckResult.item),
                 selectinload(QualityCheck.checklist))
        .order_by(QualityCheck.attempt.desc())))


def acceptance_of(ticket: Ticket) -> Acceptance | None:
    return db.session.scalar(sa.select(Acceptance).where(Acceptance.ticket_id == ticket.id))


def active_dispatch(ticket: Ticket) -> Dispatch | None:
    return db.session.scalar(sa.select(Dispatch).where(Dispatch.ticket_id == ticket.id,
                                                       Dispatch.active)
                             .options(selectinload(Dispatch.assignments)
                                      .selectinload(DispatchAssignment.employee))
                             .order_by(Dispatch.id.desc()).limit(1))


def people(dispatch: Dispatch | None, role: AssignmentRole) -> list[Employee]:
    if dispatch is None:
        return []
    return [a.employee for a in dispatch.assignments if a.role == role]


@dataclass
class QueueRow:
    ticket: Ticket
    dispatch: Dispatch | None
    finished_at: datetime | None
    attempt: int

    @property
    def technicians(self) -> list[Employee]:
        return people(self.dispatch, AssignmentRole.TECHNICIAN)

    @property
    def inspectors(self) -> list[Employee]:
        return people(self.dispatch, AssignmentRole.QA)

    @property
    def rework(self) -> bool:
        return self.attempt > 1


def queue(user: Employee, status: TicketStatus = TicketStatus.QA_PENDING,
          limit: int = 200) -> list[QueueRow]:
    """The region's tickets in `status`, the longest-finished first (检验队列)."""
    finished = (sa.select(TicketEvent.ticket_id, sa.func.max(TicketEvent.at).label("at"),
                          sa.func.count(TicketEvent.id).label("finishes"))
                .where(TicketEvent.action == "finish_work")
                .group_by(TicketEvent.ticket_id).subquery())
    stmt = (sa.select(Ticket, finished.c.at, finished.c.finishes)
            .outerjoin(finished, finished.c.ticket_id == Ticket.id)
            .where(Ticket.status == status)
            .options(selectinload(Ticket.customer), selectinload(Ticket.product),
                     selectinload(Ticket.branch))
            .order_by(sa.func.coalesce(finished.c.at, Ticket.created_at), Ticket.id)
            .limit(limit))
    rows = db.session.execute(scope_to_org(stmt, Ticket.branch_id, user)).all()
    dispatches = {d.ticket_id: d for d in db.session.scalars(
        sa.select(Dispatch).where(Dispatch.ticket_id.in_([t.id for t, *_ in rows]),
                                  Dispatch.active)
        .options(selectinload(Dispatch.assignments).selectinload(DispatchAssignment.employee)))}
    return [QueueRow(ticket, dispatches.get(ticket.id), at, finishes or 0)
            for ticket, at, finishes in rows]


# --------------------------------------------------------------------------- refusals


def _refuse(error: DomainError, ticket_id: int, by_id: int, by_label: str) -> NoReturn:
    """Undo the half-done action, keep the refusal in the ticket's audit trail, and raise."""
    uow.keep_refusal(AuditEvent.__table__, [dict(
        at=utcnow(), actor_id=by_id, actor_label=by_label[:80], table_name=Ticket.__tablename__,
        record_id=str(ticket_id), action="refused", changes={"quality": [None, error.message]})])
    raise error


def in_region(ticket: Ticket, user: Employee) -> bool:
    visible = visible_org_ids(user)
    return visible is None or ticket.branch_id in visible


def ensure_in_region(ticket: Ticket, user: Employee) -> None:
    """QA works only on its own region's tickets; another region's ticket "does not exist"."""
    if not in_region(ticket, user):
        _refuse(OutOfRegion(_("This page or record does not exist, or is not visible to "
                              "you.")), ticket.id, user.id, str(user))


def _guarded(ticket: Ticket, by: Employee, action):
    """Run `action()` as one transaction; a refusal is rolled back, audited and re-raised."""
    ticket_id, by_id, by_label = ticket.id, by.id, str(by)
    ensure_in_region(ticket, by)
    try:
        return action()
    except (IntegrityError, StaleDataError):
        _refuse(QualityRefused(_("Someone else saved this ticket's check at the same moment. "
                                 "Please reload the page and look before trying again.")),
                ticket_id, by_id, by_label)
    except DomainError as exc:
        _refuse(exc, ticket_id, by_id, by_label)


# --------------------------------------------------------------------------- the check


@dataclass
class Answer:
    """The inspector's answer to one checklist item."""

    item_id: int
    outcome: ItemOutcome | None = None
    note: str | None = None
    measured: Decimal | None = None


def _open(ticket: Ticket, checklist_id: int | None, by: Employee) -> QualityCheck:
    checklist = checklist_for(ticket)
    if checklist_id is not None and checklist_id != checklist.id:
        raise QualityRefused(_("The checklist was changed since you opened the form. Please "
                               "reload it: the new version applies."))
    dispatch = active_dispatch(ticket)
    check = QualityCheck(number=next_number("ZJ"), ticket_id=ticket.id,
                         dispatch_id=dispatch.id if dispatch else None, checklist=checklist,
                         attempt=current_attempt(ticket), inspector_id=by.id)
    for item in checklist.items:
        check.results.append(CheckResult(item=item))
    db.session.add(check)
    db.session.flush()  # a second inspector opening the same attempt is refused here
    return check


def _record(ticket: Ticket, answers: list[Answer], by: Employee, note: str | None,
            checklist_id: int | None, expected_version: int | None) -> QualityCheck:
    if not by.can("qa.inspect"):
        raise QualityRefused(_("Only a QA inspector checks installations."))
    check = current_check(ticket)
    if check is not None and check.locked:
        raise QualityRefused(_(
            "Quality check %(number)s was signed by %(name)s at %(at)s; a signed check can no "
            "longer be changed.", number=check.number, name=check.signed_name,
            at=to_local(check.signed_at).strftime("%Y-%m-%d %H:%M")))
    if ticket.status != TicketStatus.QA_PENDING:
        raise QualityRefused(_("Ticket %(number)s is %(status)s: it is not waiting for a "
                               "quality check.", number=ticket.number,
                               status=ticket.status.label))
    if check is None:
        check = _open(ticket, checklist_id, by)
    elif expected_version is not None and expected_version != check.version:
        raise QualityRefused(_("Quality check %(number)s was changed by someone else since you "
                               "opened it. Please reload it and try again.",
                               number=check.number))
    elif checklist_id is not None and checklist_id != check.checklist_id:
        raise QualityRefused(_("The checklist was changed since you opened the form. Please "
                               "reload it."))
    results = {r.item_id: r for r in check.results}
    for answer in answers:
        result = results.get(answer.item_id)
        if result is None:
            raise QualityRefused(_("The checklist was changed since you opened the form. "
                                   "Please reload it."))
        result.outcome = answer.outcome
        result.note = _clean(answer.note)
        result.measured_value = answer.measured
        if result.out_of_limits:
            result.outcome = ItemOutcome.FAIL  # outside the limits is a fail, whatever was ticked
    check.note = _clean(note)
    return check


def save_check(ticket: Ticket, answers: list[Answer], by: Employee, note: str | None = None,
               checklist_id: int | None = None,
               expected_version: int | None = None) -> QualityCheck:
    """Keep the answers so far (a draft): the check stays open for more answers."""
    def action():
        check = _record(ticket, answers, by, note, checklist_id, expected_version)
        db.session.flush()
        return check

    return _guarded(ticket, by, action)


def sign_check(ticket: Ticket, answers: list[Answer], by: Employee, note: str | None = None,
               checklist_id: int | None = None,
               expected_version: int | None = None) -> QualityCheck:
    """Sign the check (name + time) and lock it: all pass → handover, any fail → rework.

    Every item needs an answer, and a passed measured item its measured value.
    """
    def action():
        check = _record(ticket, answers, by, note, checklist_id, expected_version)
        unanswered = [r for r in check.results if r.outcome is None]
        if unanswered:
            raise CheckIncomplete(_(
                "Not every item is answered: %(items)s. Answer each item (pass, fail or not "
                "applicable) before signing.", items=_labels(unanswered)),
                [r.item_id for r in unanswered])
        unmeasured = [r for r in check.results if r.item.measured
                      and r.outcome == ItemOutcome.PASS and r.measured_value is None]
        if unmeasured:
            raise CheckIncomplete(_("Give the measured value of %(items)s before signing.",
                                    items=_labels(unmeasured)),
                                  [r.item_id for r in unmeasured])
        check.signed_at = utcnow()
        check.signed_name = by.name
        check.signed_by_id = by.id
        failed = check.failed_results
        check.verdict = CheckVerdict.FAILED if failed else CheckVerdict.PASSED
        db.session.flush()
        if failed:
            tickets.transition(ticket, "qa_fail", by, remark=failure_remark(check),
                               via="quality_check")
        else:
            tickets.transition(ticket, "qa_pass", by, remark=_(
                "Quality check %(number)s passed (attempt %(attempt)s, %(checklist)s).",
                number=check.number, attempt=check.attempt, checklist=str(check.checklist)),
                via="quality_check")
        return check  # the check and the ticket's step stand or fall together

    return _guarded(ticket, by, action)


def _labels(results: list[CheckResult]) -> str:
    return "、".join(r.item.label for r in results)


def describe(result: CheckResult) -> str:
    """One failed item as the board and the timeline show it: label, value, note."""
    text = result.item.label
    if result.measured_value is not None:
        text += f" {format(result.measured_value.normalize(), 'f')}{result.item.unit or ''}"
        text += f" ({result.item.limits_text})"
    if result.note:
        text += f": {result.note}"
    return text


def failure_remark(check: QualityCheck) -> str:
    """The timeline's (and the dispatch board's) account of what has to be reworked."""
    return _("Quality check %(number)s failed (attempt %(attempt)s). Rework: %(items)s",
             number=check.number, attempt=check.attempt,
             items="; ".join(describe(r) for r in check.failed_results))


# --------------------------------------------------------------------------- handover


@dataclass
class AcceptanceDraft:
    """安装后交工 / 客户服务验收, as the customer confirms it."""

    work_complete: bool
    system_works: bool
    accessories: Accessories
    satisfaction: Satisfaction
    customer_name: str
    accepted_at: datetime | None = None  # UTC; None: now
    remark: str | None = None


def accept_handover(ticket: Ticket, draft: AcceptanceDraft, by: Employee) -> Acceptance:
    """The customer accepts the work: the record, then CLOSED (销单) and the 3-day callback.

    Refused unless the customer confirms that the work is complete and the system works.
    """
    def action():
        if not by.can("qa.handover"):
            raise QualityRefused(_("Your duties do not include this action."))
        existing = acceptance_of(ticket)
        if existing is not None:
            raise QualityRefused(_("The handover of ticket %(number)s was already accepted by "
                                   "%(name)s.", number=ticket.number,
                                   name=existing.customer_name))
        if ticket.status != TicketStatus.HANDOVER_READY:
            raise QualityRefused(_("Ticket %(number)s is %(status)s: it is not ready for "
                                   "handover.", number=ticket.number,
                                   status=ticket.status.label))
        name = _clean(draft.customer_name)
        if not name:
            raise DomainError(_("The customer's name (signature) is required."),
                              field="customer_name")
        if not (draft.work_complete and draft.system_works):
            raise QualityRefused(_(
                "The customer has not confirmed that the work is complete and the system "
                "works, so it cannot be handed over yet. Note what is missing in the remark "
                "and have the branch finish it."), field="work_complete")
        now = utcnow()
        accepted_at = draft.accepted_at or now
        if accepted_at > now + timedelta(minutes=5):
            raise DomainError(_("The acceptance time is in the future."), field="accepted_at")
        dispatch = active_dispatch(ticket)
        if dispatch is not None:
            dispatch.handed_over_at = accepted_at
        record = Acceptance(
            ticket_id=ticket.id, dispatch_id=dispatch.id if dispatch else None,
            work_complete=True, system_works=True, accessories=draft.accessories,
            satisfaction=draft.satisfaction, customer_name=name, accepted_at=accepted_at,
            remark=_clean(draft.remark), recorded_by_id=by.id)
        db.session.add(record)
        db.session.flush()
        tickets.transition(ticket, "accept_handover", by, remark=_(
            "Accepted by %(name)s: %(satisfaction)s; accessories: %(accessories)s.",
            name=name, satisfaction=draft.satisfaction.label,
            accessories=draft.accessories.label), via="handover")
        return record

    return _guarded(ticket, by, action)
