"""Technician daily work report (技术员工作日报表) and the branch's weekly summary."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Dispatch, Employee, ServiceClass, Ticket, WorkLog
from portal.timeutil import local_day_end_utc, local_day_start_utc


@dataclass
class DailyLine:
    technician: Employee
    ticket: Ticket
    dispatch: Dispatch
    hours: Decimal
    notes: list[str]


def daily(branch_id: int, day: date) -> list[DailyLine]:
    """Per technician and job: hours logged on `day` (China time)."""
    rows = db.session.execute(
        sa.select(WorkLog, Dispatch, Ticket, Employee)
        .join(Dispatch, Dispatch.id == WorkLog.dispatch_id)
        .join(Ticket, Ticket.id == Dispatch.ticket_id)
        .join(Employee, Employee.id == WorkLog.technician_id)
        .where(Dispatch.branch_id == branch_id,
               WorkLog.work_date >= local_day_start_utc(day),
               WorkLog.work_date < local_day_end_utc(day))
        .order_by(Employee.employee_no, Ticket.number)).all()
    lines: dict[tuple[int, int], DailyLine] = {}
    for log, dispatch, ticket, tech in rows:
        line = lines.setdefault((tech.id, dispatch.id),
                                DailyLine(tech, ticket, dispatch, Decimal(0), []))
        line.hours += log.hours
        if log.note:
            line.notes.append(log.note)
    return list(lines.values())


@dataclass
class WeeklySummary:
    classes: list[ServiceClass]
    hours: dict[str, dict[ServiceClass, Decimal]]  # technician name → class → hours
    totals: dict[ServiceClass, Decimal]

    @property
    def grand_total(self) -> Decimal:
        return sum(self.totals.values(), Decimal(0))


def weekly(branch_id: int, monday: date) -> WeeklySummary:
    """Hours by service class (A–D) and technician for the week starting `monday`."""
    rows = db.session.execute(
        sa.select(Employee.name, Ticket.service_class, sa.func.sum(WorkLog.hours))
        .join(Dispatch, Dispatch.id == WorkLog.dispatch_id)
        .join(Ticket, Ticket.id == Dispatch.ticket_id)
        .join(Employee, Employee.id == WorkLog.technician_id)
        .where(Dispatch.branch_id == branch_id,
               WorkLog.work_date >= local_day_start_utc(monday),
               WorkLog.work_date < local_day_start_utc(monday + timedelta(days=7)))
        .group_by(Employee.name, Ticket.service_class)).all()
    classes = list(ServiceClass)
    hours: dict[str, dict[ServiceClass, Decimal]] = defaultdict(
        lambda: {c: Decimal(0) for c in classes})
    totals = {c: Decimal(0) for c in classes}
    for name, service_class, total in rows:
        hours[name][service_class] += Decimal(total)
        totals[service_class] += Decimal(total)
    return WeeklySummary(classes, dict(hours), totals)
