"""Builders for the warehouse tests (parts, stock, requisitions), in the style of
tests/factories.py: each returns a committed record made through the services.

The services only flush; a builder commits what it made, as the request would. Tests call
`done()` where a request would have ended (so a later refusal's rollback keeps it).
"""

import itertools
from contextlib import contextmanager
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.extensions import db
from portal.models import Employee, Part, StockCondition
from portal.services import DomainError
from portal.services.core import uow
from portal.services.warehouse import requisitions as req_service
from portal.services.warehouse import stock
from tests import factories

_seq = itertools.count(1)

CLERK, MANAGER, SUPERVISOR = "40001", "40002", "30002"
W02_CLERK = "40201"  # not in the demo: 广州中心仓 has no staff there


def done() -> None:
    """Where a request would have ended: what the services flushed is committed."""
    db.session.commit()


@contextmanager
def refused(exc=DomainError, match: str | None = None):
    """A verb refused as a request would see it: what came before stands (committed), and
    the refused verb leaves nothing behind (rolled back)."""
    done()
    with pytest.raises(exc, match=match) as info:
        yield info
    db.session.rollback()


def w02_clerk() -> Employee:
    """A clerk of 广州中心仓 (W02), made on first use."""
    clerk = factories.employee(W02_CLERK)
    if clerk is None:
        clerk = Employee(employee_no=W02_CLERK, name="广州仓管员",
                         org_unit=factories.org_unit("W02"),
                         groups=[factories.group("warehouse_clerk")], password_hash="!")
        db.session.add(clerk)
        done()
    return clerk


def part(**fields) -> Part:
    n = next(_seq)
    values = dict(part_no=f"TP-{n:04d}", name=f"测试配件{n}", unit="个", category="玻璃五金",
                  price=Decimal("10.00"), barcode=f"690000{n:07d}", min_stock=Decimal(0),
                  piece_counted=True)
    values.update(fields)
    record = Part(**values)
    db.session.add(record)
    db.session.commit()
    return record


def warehouse(code: str = "W01"):
    return factories.org_unit(code)


def stock_in(record: Part, quantity, warehouse_code: str = "W01",
             condition: StockCondition = StockCondition.GOOD, by: str = CLERK):
    """Book a receipt of `quantity` (in W02 by its clerk)."""
    clerk = factories.employee(by) if warehouse_code == "W01" else w02_clerk()
    with uow.transaction():
        return stock.book_receipt(warehouse(warehouse_code),
                                  [stock.LineInput(record, Decimal(str(quantity)), condition)],
                                  clerk, supplier="测试供应商")


def requisition(lines: list[tuple], approve: bool = True, ticket=None,
                warehouse_code: str = "W01"):
    """A 领料单 of S4001 on the warehouse, raised and (by default) approved by 30002."""
    supervisor = factories.employee(SUPERVISOR)
    with uow.transaction():
        record = req_service.raise_requisition(
            ticket, factories.org_unit("S4001"), warehouse(warehouse_code),
            [stock.LineInput(p, Decimal(str(q))) for p, q in lines], supervisor)
        if approve:
            req_service.approve_requisition(record, supervisor)
    return record


def on_hand(record: Part, warehouse_code: str = "W01",
            condition: StockCondition = StockCondition.GOOD) -> Decimal:
    return stock.on_hand(warehouse(warehouse_code).id, record.id, condition)


@pytest.fixture(autouse=True)
def english_messages(request):
    """Service tests read messages in English (the msgids), whatever the catalogue holds:
    outside a request the portal speaks Chinese."""
    if "ctx" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("ctx")
    with force_locale("en"):
        yield


def sign_in(client, auth, employee_no: str):
    """Sign in through the form and switch to English, so messages can be asserted."""
    auth.login(employee_no)
    client.post("/language", data={"locale": "en",
                                   "csrf_token": auth.csrf_token("/account/password")})
    return client
