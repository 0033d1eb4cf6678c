"""Stock ledger, receipts, issues against requisitions (full or nothing), transfers, bad input."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AuditEvent,
    MovementKind,
    Requisition,
    RequisitionStatus,
    StockCondition,
    StockMovement,
)
from portal.services import DomainError
from portal.services.core.workflow import RemarkRequired, TransitionRefused
from portal.services.warehouse import requisitions as req_service
from portal.services.warehouse import stock
from tests import factories
from tests.test_warehouse_factories import (
    CLERK,
    done,
    english_messages,  # noqa: F401 (autouse)
    on_hand,
    part,
    refused,
    requisition,
    stock_in,
    warehouse,
)

GOOD, DAMAGED = StockCondition.GOOD, StockCondition.DAMAGED


def _movements(record) -> list[StockMovement]:
    return list(db.session.scalars(sa.select(StockMovement).where(
        StockMovement.part_id == record.id).order_by(StockMovement.id)))


def test_receipt_books_ledger_and_balance_at_once_and_is_audited(ctx):
    spring = part(name="玻璃门地弹簧", price=Decimal("420.00"))
    receipt = stock_in(spring, 12)
    assert receipt.number.startswith("RK") and receipt.lines[0].quantity == 12
    assert on_hand(spring) == 12
    (movement,) = _movements(spring)
    assert (movement.kind, movement.quantity, movement.balance_after) == (
        MovementKind.RECEIPT, 12, 12)
    assert movement.reference == receipt.number and movement.actor.employee_no == CLERK
    audited = db.session.scalars(sa.select(AuditEvent.table_name).distinct()).all()
    assert {"stock_movements", "stock_receipts", "stock_receipt_lines"} <= set(audited)
    assert stock.ledger_mismatches() == []


def test_receipt_posted_twice_books_once_and_a_part_scanned_twice_is_one_line(ctx):
    seal, hinge = part(name="硅酮密封胶"), part()
    clerk, w01 = factories.employee(CLERK), warehouse()
    lines = [stock.LineInput(seal, Decimal(5)), stock.LineInput(hinge, Decimal(1)),
             stock.LineInput(hinge, Decimal(2))]
    first = stock.book_receipt(w01, lines, clerk, submit_token="tok-1")
    again = stock.book_receipt(w01, lines, clerk, submit_token="tok-1")
    assert again.id == first.id and on_hand(seal) == 5 and len(_movements(seal)) == 1
    assert [(line.part_id, line.quantity) for line in first.lines] == [(seal.id, 5),
                                                                      (hinge.id, 3)]


def test_bad_quantities_are_refused_with_a_clear_message(ctx):
    piece = part(unit="个")
    for text, message in (("0", "more than zero"), ("-2", "cannot be negative"),
                          ("1.5", "whole pieces"), ("abc", "is not a quantity"),
                          ("", "enter a quantity"), ("1e9", "too large")):
        with pytest.raises(stock.BadQuantity) as info:
            stock.parse_quantity(text, piece)
        assert message in info.value.message, text


def test_decimals_are_fine_for_a_part_not_counted_in_pieces(ctx):
    strip = part(name="防水胶条", unit="米", piece_counted=False)
    assert stock.parse_quantity("2.5", strip) == Decimal("2.5")
    with pytest.raises(stock.BadQuantity, match="three decimals"):
        stock.parse_quantity("0.0005", strip)
    stock_in(strip, "0.3")
    for _ in range(3):  # 0.3 − 0.1 − 0.1 − 0.1 is exactly zero, also on SQLite
        stock.post([stock.Posting(warehouse().id, strip, GOOD, Decimal("-0.1"))],
                   MovementKind.ISSUE, factories.employee(CLERK), "CK-TEST")
    db.session.commit()
    assert on_hand(strip) == 0 and stock.ledger_mismatches() == []


def test_stock_never_goes_negative_and_nothing_is_written(ctx):
    lock = part(name="玻璃门锁")
    stock_in(lock, 2)
    with refused(stock.NotEnoughStock, match="2 个 on hand, 3 needed"):
        stock.post([stock.Posting(warehouse().id, lock, GOOD, Decimal(-3))],
                   MovementKind.ISSUE, factories.employee(CLERK), "CK-TEST")
    assert on_hand(lock) == 2 and len(_movements(lock)) == 1


def test_issue_refuses_partial_requisition_and_it_waits_showing_what_is_missing(ctx):
    spring, hinge = part(name="地弹簧"), part(name="合页")
    stock_in(spring, 5)
    stock_in(hinge, 1)
    req = requisition([(spring, 2), (hinge, 4)])
    result = req_service.issue_requisition(req, factories.employee(CLERK))
    assert not result.issued and req.status == RequisitionStatus.WAITING
    assert [(s.part.name, s.wanted, s.on_hand, s.missing) for s in result.shortages] == [
        ("合页", 4, 1, 3)]
    assert on_hand(spring) == 5 and on_hand(hinge) == 1  # not one line left the shelf

    stock_in(hinge, 3)
    result = req_service.issue_requisition(req, factories.employee(CLERK))
    assert result.issued and req.status == RequisitionStatus.ISSUED
    assert req.issue_number.startswith("CK") and req.issued_by.employee_no == CLERK
    assert on_hand(spring) == 3 and on_hand(hinge) == 0
    issues = db.session.scalars(sa.select(StockMovement).where(
        StockMovement.kind == MovementKind.ISSUE)).all()
    assert {(m.reference, m.reason, m.quantity) for m in issues} == {
        (req.issue_number, req.number, -2), (req.issue_number, req.number, -4)}
    assert stock.ledger_mismatches() == []


def test_only_approved_requisitions_are_issued_and_only_once(ctx):
    clip = part()
    stock_in(clip, 10)
    clerk = factories.employee(CLERK)
    waiting_for_branch = requisition([(clip, 1)], approve=False)
    with refused(DomainError, match="not possible now"):
        req_service.issue_requisition(waiting_for_branch, clerk)
    req = requisition([(clip, 4)])
    assert req_service.issue_requisition(req, clerk).issued
    again = req_service.issue_requisition(req, clerk)
    assert again.already and on_hand(clip) == 6


def test_a_requisition_of_another_warehouse_cannot_be_issued_here(ctx):
    clip = part()
    stock_in(clip, 3, "W02")
    req = requisition([(clip, 1)], warehouse_code="W02")
    with refused(stock.WrongWarehouse, match="广州中心仓"):
        req_service.issue_requisition(req, factories.employee(CLERK))
    with refused(stock.WrongWarehouse):
        stock.book_receipt(warehouse("W02"), [stock.LineInput(clip, Decimal(1))],
                           factories.employee(CLERK))
    assert on_hand(clip, "W02") == 3


def test_requisition_rules_for_the_store(ctx):
    clip = part(min_stock=Decimal(5))
    stock_in(clip, 8)
    rep, supervisor = factories.employee("30001"), factories.employee("30002")
    ticket = factories.ticket()  # a Shanghai customer: branch S4001
    req = req_service.raise_requisition(ticket, factories.org_unit("S4001"), warehouse(),
                                        [(clip, 3)], rep)  # plain pairs do too
    done()
    assert req.number.startswith("LLD") and req.status == RequisitionStatus.SUBMITTED
    with refused(TransitionRefused, match="Your duties do not include this action"):
        req_service.approve_requisition(req, rep)  # the supervisor approves, with dispatch
    req_service.approve_requisition(req, supervisor)
    done()
    assert req.approved_by == supervisor
    status = req_service.stock_status(clip, warehouse())
    assert (status.on_hand, status.promised, status.available, status.below_minimum) == (
        8, 3, 5, False)
    with refused(DomainError, match="another branch"):
        req_service.raise_requisition(ticket, factories.org_unit("S4002"), warehouse(),
                                      [stock.LineInput(clip, Decimal(1))],
                                      factories.employee("31001"))
    with refused(RemarkRequired, match="reason"):
        req_service.cancel_requisition(req, supervisor, "")
    req_service.cancel_requisition(req, supervisor, "客户取消维修")
    assert req.status == RequisitionStatus.CANCELLED and req.cancel_reason == "客户取消维修"
    assert req_service.stock_status(clip, warehouse()).promised == 0


@pytest.mark.parametrize("who", ["30003", "30001", "40001", "60001"])
def test_only_the_branch_supervisor_cancels_a_requisition(ctx, who):
    """Technician, store rep, warehouse clerk and service manager lack requisition.cancel."""
    clip = part()
    stock_in(clip, 2)
    req = requisition([(clip, 1)])
    with refused(TransitionRefused, match="Your duties do not include this action"):
        req_service.cancel_requisition(req, factories.employee(who), "不要了")
    assert db.session.get(Requisition, req.id).status == RequisitionStatus.APPROVED


def test_another_branch_supervisor_cannot_decide_on_the_requisition(ctx):
    clip = part()
    req = requisition([(clip, 1)], approve=False)
    other = factories.employee("30002")
    other.org_unit = factories.org_unit("S4002")  # a supervisor of 西湖, not of 徐汇
    done()
    with refused(TransitionRefused, match="Only 上海徐汇责任中心 may decide"):
        req_service.approve_requisition(req, other)
    assert db.session.get(Requisition, req.id).status == RequisitionStatus.SUBMITTED


def test_transfer_between_conditions_and_warehouses(ctx):
    glass = part(name="钢化玻璃", unit="平方米", piece_counted=False)
    stock_in(glass, "10.5")
    clerk = factories.employee(CLERK)
    number = stock.transfer(warehouse(), glass, Decimal("1.5"), clerk, GOOD, DAMAGED,
                            reason="搬运破损")
    assert number.startswith("DB")
    stock.transfer(warehouse(), glass, Decimal(4), clerk, GOOD, target=warehouse("W02"))
    assert on_hand(glass) == 5 and on_hand(glass, condition=DAMAGED) == Decimal("1.5")
    assert on_hand(glass, "W02") == 4
    with refused(DomainError, match="another condition"):
        stock.transfer(warehouse(), glass, Decimal(1), clerk, GOOD, GOOD)
    assert stock.ledger_mismatches() == []


def test_below_minimum_list(ctx):
    low, fine, none_held = (part(min_stock=Decimal(10)), part(min_stock=Decimal(2)),
                            part(min_stock=Decimal(1)))
    stock_in(low, 3)
    stock_in(fine, 2)
    rows = db.session.execute(stock.below_minimum_statement(warehouse().id)).all()
    assert [(r[0].id, r.on_hand, r.short) for r in rows] == [(none_held.id, 0, 1),
                                                            (low.id, 3, 7)]
    assert stock.below_minimum_count(warehouse().id) == 2
