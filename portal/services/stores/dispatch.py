"""Dispatch (派工): assign people to a ticket, balance the board, and the technician's day."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    PRIORITY_ORDER,
    AssignmentRole,
    Dispatch,
    DispatchAssignment,
    DispatchCategory,
    Employee,
    LineKind,
    OrgKind,
    OrgUnit,
    Part,
    PermissionGroup,
    Priority,
    Ticket,
    TicketStatus,
    WorkLog,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.numbering import next_number
from portal.services.core.workflow import TransitionRefused, flush
from portal.services.stores import estimates
from portal.services.stores.workflow import require
from portal.services.tickets import lifecycle as tickets
from portal.services.tickets.workflow import TICKET
from portal.services.warehouse import requisitions
from portal.services.warehouse.stock import check_quantity
from portal.timeutil import local_day_end_utc, local_day_start_utc, to_local

DAY_CAPACITY = Decimal("8")  # a technician's bookable hours per day
READY_FOR_DISPATCH = (TicketStatus.KCJS, TicketStatus.ZGPZ, TicketStatus.ZBHF)


@dataclass
class DispatchDraft:
    category: DispatchCategory
    planned_date: datetime  # UTC instant of the planned start
    technician_ids: list[int]
    qa_inspector_id: int | None = None
    cleaner_id: int | None = None
    priority: Priority = Priority.NORMAL
    planned_hours: Decimal | None = None  # None: from the approved estimate's labour lines
    promised_handover_at: datetime | None = None
    note: str | None = None
    confirm_warnings: bool = False  # the supervisor saw the warnings and dispatches anyway
    parts: list = field(default_factory=list)  # (Part, quantity) for the 领料单, if any


@dataclass
class DispatchCheck:
    """What the board tells the supervisor before booking: refusals and warnings."""

    warnings: list[str] = field(default_factory=list)


def technicians_of(branch_id: int) -> list[Employee]:
    """The branch's active technicians (服务人员 / 安装人员)."""
    return list(db.session.scalars(
        sa.select(Employee).join(Employee.groups)
        .where(Employee.org_unit_id == branch_id, Employee.active,
               PermissionGroup.code == "technician")
        .order_by(Employee.employee_no)))


def estimated_hours(ticket: Ticket) -> Decimal:
    """Standard hours from the approved estimate: Σ hours × quantity of its labour lines."""
    estimate = estimates.approved(ticket)
    if estimate is None:
        return Decimal(0)
    return sum((line.hours * line.quantity for line in estimate.lines
                if line.kind == LineKind.LABOUR), Decimal(0))


def booked_hours(employee_ids: list[int], day: date,
                 exclude_dispatch: int | None = None) -> dict[int, Decimal]:
    """Hours already booked per technician on `day` (China time), from active dispatches."""
    start, end = local_day_start_utc(day), local_day_end_utc(day)
    stmt = (
        sa.select(DispatchAssignment.employee_id, sa.func.sum(Dispatch.planned_hours))
        .join(Dispatch, Dispatch.id == DispatchAssignment.dispatch_id)
        .where(DispatchAssignment.employee_id.in_(employee_ids),
               DispatchAssignment.role == AssignmentRole.TECHNICIAN,
               Dispatch.active, Dispatch.finished_at.is_(None),
               Dispatch.planned_date >= start, Dispatch.planned_date < end)
        .group_by(DispatchAssignment.employee_id)
    )
    if exclude_dispatch:
        stmt = stmt.where(Dispatch.id != exclude_dispatch)
    hours = {eid: Decimal(0) for eid in employee_ids}
    for eid, total in db.session.execute(stmt):
        hours[eid] = Decimal(total or 0)
    return hours


def _skill_needed(ticket: Ticket) -> str | None:
    return ticket.product.category if ticket.product else None


def check(ticket: Ticket, draft: DispatchDraft) -> tuple[list[Employee], DispatchCheck]:
    """Refuse what is impossible (DomainError); return the people and the warnings."""
    if not draft.technician_ids:
        raise DomainError(_("Choose at least one technician."), field="technician_ids")
    people = {e.id: e for e in db.session.scalars(
        sa.select(Employee).where(Employee.id.in_(
            [*draft.technician_ids, draft.qa_inspector_id, draft.cleaner_id])))}
    technicians = []
    for tid in draft.technician_ids:
        person = people.get(tid)
        if person is None or not person.active or person.org_unit_id != ticket.branch_id:
            raise DomainError(_("Technicians must be active staff of this branch."),
                              field="technician_ids")
        technicians.append(person)
    if draft.cleaner_id and (draft.cleaner_id not in people
                             or people[draft.cleaner_id].org_unit_id != ticket.branch_id):
        raise DomainError(_("The cleaner must be active staff of this branch."),
                          field="cleaner_id")
    if draft.qa_inspector_id and draft.qa_inspector_id not in people:
        raise DomainError(_("Unknown QA inspector."), field="qa_inspector_id")
    if draft.planned_date < utcnow() - timedelta(hours=1):
        raise DomainError(_("The dispatch time is in the past."), field="planned_date")
    if draft.promised_handover_at and draft.promised_handover_at < draft.planned_date:
        raise DomainError(_("The promised handover is before the dispatch time."),
                          field="promised_handover_at")
    hours = draft.planned_hours if draft.planned_hours is not None else estimated_hours(ticket)
    if hours < 0 or hours > 200:
        raise DomainError(_("Planned hours must be between 0 and 200."), field="planned_hours")
    result = DispatchCheck()
    day = to_local(draft.planned_date).date()
    booked = booked_hours([t.id for t in technicians], day)
    skill = _skill_needed(ticket)
    for tech in technicians:
        if booked[tech.id] + hours > DAY_CAPACITY:
            result.warnings.append(_(
                "%(name)s would have %(hours)s h booked on %(day)s (more than %(cap)s h).",
                name=tech.name, hours=booked[tech.id] + hours, day=day.isoformat(),
                cap=DAY_CAPACITY))
        if skill and not has_skill(tech, skill):
            result.warnings.append(_("%(name)s has no recorded skill for %(skill)s.",
                                     name=tech.name, skill=skill))
    return technicians, result


def has_skill(tech: Employee, product_category: str) -> bool:
    """Skills are free text (玻璃安装, 家具安装 …); product categories read 装饰玻璃, 办公家具.

    A skill fits when its subject (its first two characters: 玻璃, 家具, 家电) appears in
    the category, or the category is named in the skill outright.
    """
    skills = [s for s in re.split(r"[,，、;；\s]+", tech.skills or "") if s]
    return any(s[:2] in product_category or product_category in s for s in skills)


def can_be_dispatched(ticket: Ticket) -> bool:
    """The ticket stands at a step that leads to dispatch (or re-dispatch after rework)."""
    return TICKET.find(ticket, "dispatch") is not None


def dispatch_refusal(ticket: Ticket, by: Employee) -> str | None:
    """Why `by` may not dispatch the ticket now (the ticket table's dispatch row), or None.

    The row asks for the duty dispatch.assign, a status ready for dispatch, the supervisor's
    approval where the service item needs it, and an approved estimate for paid work.
    """
    return TICKET.refusal(ticket, "dispatch", by, via="dispatch")


def create_dispatch(ticket: Ticket, draft: DispatchDraft, by: Employee) -> Dispatch:
    """Book the work and move the ticket to DISPATCHED, in one transaction.

    The ticket's dispatch step is asked first, so a refusal (approval missing, paid work
    without an approved estimate) writes nothing. Warnings (over-booking, missing skill) stop
    the booking until the supervisor confirms.
    """
    why = dispatch_refusal(ticket, by)
    if why:
        raise TransitionRefused(why)
    technicians, result = check(ticket, draft)
    if result.warnings and not draft.confirm_warnings:
        raise DispatchWarnings(result.warnings)
    hours = draft.planned_hours if draft.planned_hours is not None else estimated_hours(ticket)
    rework = ticket.status not in READY_FOR_DISPATCH
    dispatch = Dispatch(
        number=next_number("PG"), ticket_id=ticket.id, branch_id=ticket.branch_id,
        category=DispatchCategory.REINSTALL if rework else draft.category,
        priority=Priority.REWORK if rework else draft.priority,
        planned_date=draft.planned_date, planned_hours=hours,
        promised_handover_at=draft.promised_handover_at, note=draft.note, dispatched_by=by,
    )
    for tech in technicians:
        dispatch.assignments.append(DispatchAssignment(employee_id=tech.id,
                                                       role=AssignmentRole.TECHNICIAN))
    if draft.qa_inspector_id:
        dispatch.assignments.append(DispatchAssignment(employee_id=draft.qa_inspector_id,
                                                       role=AssignmentRole.QA))
    if draft.cleaner_id and draft.cleaner_id not in draft.technician_ids:
        dispatch.assignments.append(DispatchAssignment(employee_id=draft.cleaner_id,
                                                       role=AssignmentRole.CLEANER))
    for previous in db.session.scalars(sa.select(Dispatch).where(
            Dispatch.ticket_id == ticket.id, Dispatch.active)):
        previous.active = False  # a re-dispatch (rework) replaces the earlier booking
    db.session.add(dispatch)
    if draft.parts:
        # The supervisor raises and approves the parts requisition with the dispatch: the
        # warehouse sees it in its queue at once, and both stand or fall together.
        branch = db.session.get(OrgUnit, ticket.branch_id)
        requisitions.build_requisition(ticket, branch, warehouse_for(branch), draft.parts, by,
                                       remark=dispatch.number, approved=True)
    tickets.transition(ticket, "dispatch", by, remark=draft.note, via="dispatch")
    return dispatch


class DispatchWarnings(DomainError):
    """Over-booking or a missing skill: shown to the supervisor, who may confirm."""

    status = 409

    def __init__(self, warnings: list[str]):
        super().__init__(" ".join(warnings))
        self.warnings = warnings


def warehouse_for(branch: OrgUnit) -> OrgUnit:
    """The warehouse of the branch's region, which supplies its parts."""
    warehouse = db.session.scalar(
        sa.select(OrgUnit).where(OrgUnit.kind == OrgKind.WAREHOUSE, OrgUnit.active,
                                 OrgUnit.parent_id == branch.parent_id)
        .order_by(OrgUnit.code).limit(1))
    if warehouse is None:
        raise DomainError(_("No warehouse serves this branch's region."), field="requisition")
    return warehouse


def requisition_lines(text: str | None) -> list[tuple[Part, Decimal]]:
    """Parse "part no. × quantity" lines (× or x or a space) into catalogue parts."""
    lines = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        raw = raw.strip()
        if not raw:
            continue
        match = re.match(r"^(\S+?)\s*(?:[×xX*]|\s)\s*(\d+(?:\.\d+)?)$", raw)
        if match is None:
            raise DomainError(_("Line %(n)s: write the part number, × and the quantity, e.g. "
                                "PJ-001 × 2.", n=number), field="requisition")
        part = db.session.scalar(sa.select(Part).where(Part.part_no == match.group(1).upper(),
                                                       Part.active))
        if part is None:
            raise DomainError(_("Line %(n)s: no part %(part)s in the catalogue.", n=number,
                                part=match.group(1)), field="requisition")
        quantity = Decimal(match.group(2))
        try:
            check_quantity(quantity, part)
        except DomainError as exc:
            raise DomainError(_("Line %(n)s: %(reason)s", n=number, reason=exc.message),
                              field="requisition") from exc
        lines.append((part, quantity))
    return lines


def waiting_statement(branch_id: int):
    """Tickets the supervisor can dispatch, priority work first, then urgent, then oldest.

    Rework after a failed quality check (返工) is priority work; the board shows its failed
    items from the qa_fail step on the ticket's timeline. Ordered in SQL so the board can
    show the head of a long queue without loading it (ix_tickets_branch_status).
    """
    return (
        sa.select(Ticket)
        .where(Ticket.branch_id == branch_id,
               Ticket.status.in_([*READY_FOR_DISPATCH, TicketStatus.REWORK]),
               sa.not_(sa.and_(Ticket.status == TicketStatus.KCJS, Ticket.needs_approval)))
        .order_by(sa.case((Ticket.status == TicketStatus.REWORK, 0), else_=1),
                  Ticket.urgent.desc(), Ticket.created_at, Ticket.id)
    )


def waiting_tickets(branch_id: int, limit: int = 50) -> list[Ticket]:
    return list(db.session.scalars(
        waiting_statement(branch_id).limit(limit)
        .options(selectinload(Ticket.customer), selectinload(Ticket.product),
                 selectinload(Ticket.events))))


def waiting_count(branch_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        waiting_statement(branch_id).order_by(None).subquery())) or 0


@dataclass
class BoardRow:
    technician: Employee
    hours: Decimal
    dispatches: list[Dispatch]

    @property
    def load_percent(self) -> int:
        return int(self.hours * 100 / DAY_CAPACITY)

    @property
    def overbooked(self) -> bool:
        return self.hours > DAY_CAPACITY


def board(branch_id: int, day: date) -> list[BoardRow]:
    """Each technician's day: booked hours and jobs, priority work first (派工看板)."""
    techs = technicians_of(branch_id)
    start, end = local_day_start_utc(day), local_day_end_utc(day)
    dispatches = db.session.scalars(
        sa.select(Dispatch).where(Dispatch.branch_id == branch_id, Dispatch.active,
                                  Dispatch.planned_date >= start, Dispatch.planned_date < end)
        .options(selectinload(Dispatch.assignments))
    ).all()
    ordered = sorted(dispatches, key=lambda d: (PRIORITY_ORDER[d.priority], d.planned_date))
    rows = []
    for tech in techs:
        mine = [d for d in ordered if any(a.employee_id == tech.id and
                                          a.role == AssignmentRole.TECHNICIAN
                                          for a in d.assignments)]
        rows.append(BoardRow(tech, sum((d.planned_hours for d in mine), Decimal(0)), mine))
    return rows


def day_log(branch_id: int, day: date) -> list[Dispatch]:
    """每日工作分派登记表: every dispatch booked for the day, in time order."""
    start, end = local_day_start_utc(day), local_day_end_utc(day)
    return list(db.session.scalars(
        sa.select(Dispatch).where(Dispatch.branch_id == branch_id,
                                  Dispatch.planned_date >= start, Dispatch.planned_date < end)
        .options(selectinload(Dispatch.assignments).selectinload(DispatchAssignment.employee))
        .order_by(Dispatch.planned_date, Dispatch.id)))


def my_jobs(technician: Employee, today: date) -> tuple[list[Dispatch], list[Dispatch]]:
    """The technician's jobs: (today's and overdue unfinished, upcoming)."""
    tomorrow = local_day_end_utc(today)
    mine = db.session.scalars(
        sa.select(Dispatch).join(DispatchAssignment)
        .where(DispatchAssignment.employee_id == technician.id,
               DispatchAssignment.role == AssignmentRole.TECHNICIAN,
               Dispatch.active, Dispatch.finished_at.is_(None))
        .order_by(Dispatch.planned_date)).all()
    ordered = sorted(mine, key=lambda d: (PRIORITY_ORDER[d.priority], d.planned_date))
    return ([d for d in ordered if d.planned_date < tomorrow],
            [d for d in ordered if d.planned_date >= tomorrow])


def _assigned(dispatch: Dispatch, technician: Employee) -> None:
    """Only a technician the job is assigned to works it, and only on the current booking."""
    require(technician, "job.work")
    if not any(a.employee_id == technician.id and a.role == AssignmentRole.TECHNICIAN
               for a in dispatch.assignments):
        raise TransitionRefused(_("This job is not assigned to you."))
    if not dispatch.active:
        raise TransitionRefused(_("Dispatch %(number)s was replaced by a later one.",
                                  number=dispatch.number))


def _no_pending_additional_work(ticket: Ticket) -> None:
    """客户批准追加工作: work stops until the customer approves the new estimate revision."""
    pending = estimates.awaiting_customer(ticket)
    if pending is not None:
        raise TransitionRefused(_("Additional work (estimate revision %(rev)s) waits for the "
                                  "customer's approval; the work cannot go on yet.",
                                  rev=pending.revision))


def start_job(dispatch: Dispatch, technician: Employee) -> None:
    """The assigned technician starts: the ticket's start_work step (施工中)."""
    _assigned(dispatch, technician)
    if dispatch.started_at is not None:
        raise TransitionRefused(_("This job was already started."))
    ticket = db.session.get(Ticket, dispatch.ticket_id)
    _no_pending_additional_work(ticket)
    tickets.transition(ticket, "start_work", technician, via="job")
    dispatch.started_at = utcnow()
    flush()


def log_work(dispatch: Dispatch, technician: Employee, hours: Decimal,
             parts_used: str | None, note: str | None) -> WorkLog:
    """Hours (and parts) actually used, the basis of the daily work report (技术员工作日报表)."""
    _assigned(dispatch, technician)
    if dispatch.finished_at is not None:
        raise TransitionRefused(_("This job is finished; its hours can no longer change."))
    if hours <= 0 or hours > 24:
        raise DomainError(_("Hours must be more than 0 and at most 24."), field="hours")
    if (hours * 4) % 1:
        raise DomainError(_("Record hours in quarter hours (0.25)."), field="hours")
    log = WorkLog(dispatch=dispatch, technician_id=technician.id, work_date=utcnow(),
                  hours=hours, parts_used=parts_used, note=note)
    db.session.add(log)
    flush()
    return log


def finish_job(dispatch: Dispatch, technician: Employee, note: str | None = None) -> None:
    """Finish: needs recorded hours and no additional work waiting for the customer; the
    ticket's finish_work step moves it on to the quality check (待质检)."""
    _assigned(dispatch, technician)
    if not dispatch.work_logs:
        raise DomainError(_("Record the hours worked before finishing."), field="hours")
    ticket = db.session.get(Ticket, dispatch.ticket_id)
    _no_pending_additional_work(ticket)
    tickets.transition(ticket, "finish_work", technician, remark=note, via="job")
    dispatch.finished_at = utcnow()
    flush()
