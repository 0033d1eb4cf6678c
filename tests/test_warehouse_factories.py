"""Builders for the warehouse tests (parts, stock, requisitions), in the style of
tests/factories.py: each returns a committed record made through the services.
"""

import itertools
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.extensions import db
from portal.models import Part, StockCondition
from portal.services.warehouse import requisitions as req_service
from portal.services.warehouse import stock
from tests import factories

_seq = itertools.count(1)

CLERK, MANAGER, SUPERVISOR = "40001", "40002", "30002"


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
    """Book a receipt of `quantity` (W02 has no clerk: the service manager books there)."""
    clerk = factories.employee(by if warehouse_code == "W01" else "60001")
    return stock.book_receipt(warehouse(warehouse_code),
                              [stock.LineInput(record, Decimal(str(quantity)), condition)], clerk,
                              supplier="测试供应商")


def requisition(lines: list[tuple], approve: bool = True, ticket=None,
                warehouse_code: str = "W01"):
    """A 领料单 of S4001 on the warehouse, raised and (by default) approved by 30002."""
    supervisor = factories.employee(SUPERVISOR)
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
