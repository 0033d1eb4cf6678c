"""Test data builders: each returns a committed record with sensible defaults."""

import itertools
from datetime import date, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Customer, CustomerKind, Employee, OrgUnit, PermissionGroup, Product

_seq = itertools.count(1)


def customer(**fields) -> Customer:
    n = next(_seq)
    values = dict(code=f"T{n:06d}", kind=CustomerKind.PERSON, name=f"测试客户{n}",
                  phone_mobile=f"139{n:08d}", province="上海市", city="上海市",
                  district="徐汇区", street=f"漕溪北路{n}号")
    values.update(fields)
    record = Customer(**values)
    db.session.add(record)
    db.session.commit()
    return record


def product(owner: Customer | None = None, **fields) -> Product:
    n = next(_seq)
    values = dict(serial=f"TSN{n:08d}", category="装饰玻璃", model="YH-G10",
                  purchase_date=date.today() - timedelta(days=100),
                  warranty_end=date.today() + timedelta(days=265), customer=owner)
    values.update(fields)
    record = Product(**values)
    db.session.add(record)
    db.session.commit()
    return record


def org_unit(code: str) -> OrgUnit:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


def employee(employee_no: str) -> Employee:
    return db.session.scalar(sa.select(Employee).where(Employee.employee_no == employee_no))


def group(code: str) -> PermissionGroup:
    return db.session.scalar(sa.select(PermissionGroup).where(PermissionGroup.code == code))


def ticket(owner: Customer | None = None, by: str = "20001", **fields):
    """A ticket created through the service (number, branch by address, timeline)."""
    from portal.services.tickets.lifecycle import TicketDraft, create_ticket

    owner = owner or customer()
    values = dict(customer=owner, short_text="玻璃门关不上")
    values.update(fields)
    created = create_ticket(TicketDraft(**values), employee(by))
    db.session.commit()  # services only flush; a factory's record outlives a test's rollback
    return created


# The whole life of a ticket up to 已销单, in the order the workflow demands, with who does it.
CLOSE_PATH = (("survey_done", "30001"), ("dispatch", "30002"), ("start_work", "30003"),
              ("finish_work", "30003"), ("qa_pass", "50001"), ("accept_handover", "30001"))


def close_ticket(ticket, until: str = "accept_handover"):
    """Walk `ticket` along CLOSE_PATH (through the real services) up to and including `until`."""
    from portal.demo_quality import demo_step, seed_checklists

    seed_checklists()
    for action, who in CLOSE_PATH:
        demo_step(ticket, action, employee(who))
        if action == until:
            break
    return ticket
