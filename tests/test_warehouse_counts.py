"""Stock counts (盘点): snapshot, blind scanning, movements while open, reasons, approval."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import CountStatus, MovementKind, StockCountLine, StockMovement
from portal.services import DomainError
from portal.services.core.workflow import RemarkRequired, StaleRecord, TransitionRefused
from portal.services.warehouse import requisitions as req_service
from portal.services.warehouse import stock, stock_counts
from portal.services.warehouse.parts import UnknownCode
from tests import factories
from tests.test_warehouse_factories import (
    CLERK,
    MANAGER,
    done,
    english_messages,  # noqa: F401 (autouse)
    on_hand,
    part,
    refused,
    requisition,
    stock_in,
    warehouse,
)


def _line(count, record) -> StockCountLine:
    return db.session.scalar(sa.select(StockCountLine).where(
        StockCountLine.count_id == count.id, StockCountLine.part_id == record.id))


def _open(**kw):
    count = stock_counts.open_count(warehouse(), factories.employee(CLERK), **kw)
    done()
    return count


def test_opening_snapshots_the_books_for_the_parts_held_and_the_filter(ctx):
    spring, hinge = part(category="玻璃五金"), part(category="玻璃五金")
    chair = part(category="办公家具配件")
    part(category="玻璃五金")  # never held here: not on the sheet until it is scanned
    stock_in(spring, 7)
    stock_in(hinge, 2)
    stock_in(chair, 4)
    everything = _open()
    assert everything.number.startswith("PD") and everything.line_count == 3
    glass = _open(category="玻璃五金")
    assert glass.line_count == 2
    assert (_line(glass, spring).expected, _line(glass, hinge).expected) == (7, 2)
    assert _line(glass, chair) is None
    with pytest.raises(DomainError, match="nothing to count"):
        _open(category="热水器配件")


def test_a_scan_adds_one_and_unknown_codes_are_named(ctx):
    spring = part(barcode="6901234500017", part_no="PJ-DHS-01")
    stock_in(spring, 3)
    count = _open()
    clerk = factories.employee(CLERK)
    for code in ("6901234500017", " pj-dhs-01 ", "6901234500017"):
        result = stock_counts.scan(count, code, clerk)
        assert result.added == 1
    assert _line(count, spring).counted == 3 and _line(count, spring).counted_by == clerk
    with pytest.raises(UnknownCode, match="“6909999”"):
        stock_counts.scan(count, "6909999", clerk)


def test_a_scan_asks_for_the_quantity_when_so_configured_or_for_metres(ctx):
    spring = part()
    strip = part(unit="米", piece_counted=False)
    stock_in(spring, 3)
    stock_in(strip, "12.5")
    clerk = factories.employee(CLERK)
    asking = _open(ask_quantity=True)
    assert stock_counts.scan(asking, spring.barcode, clerk).added is None
    line = _line(asking, spring)
    assert line.counted is None
    stock_counts.enter_line(asking, line, clerk, counted="2", add=True)
    stock_counts.enter_line(asking, line, clerk, counted="1", add=True)
    assert line.counted == 3
    adding = _open()
    assert stock_counts.scan(adding, strip.part_no, clerk).added is None
    stock_counts.enter_line(adding, _line(adding, strip), clerk, counted="12.25")
    assert _line(adding, strip).counted == Decimal("12.25")


def test_a_part_outside_the_filter_is_not_in_the_count_but_one_never_held_is_added(ctx):
    spring, chair = part(category="玻璃五金"), part(category="办公家具配件")
    newcomer = part(category="玻璃五金")
    stock_in(spring, 1)
    stock_in(chair, 1)
    count = _open(category="玻璃五金")
    clerk = factories.employee(CLERK)
    with refused(stock_counts.NotInCount, match="not part of count"):
        stock_counts.scan(count, chair.barcode, clerk)
    stock_counts.scan(count, newcomer.barcode, clerk)
    line = _line(count, newcomer)
    assert (line.expected, line.counted, count.line_count) == (0, 1, 2)


def test_bad_entries_on_the_sheet_are_refused(ctx):
    spring = part()
    stock_in(spring, 3)
    count = _open()
    clerk, line = factories.employee(CLERK), None
    line = _line(count, spring)
    for text, message in (("-1", "negative"), ("1.5", "whole pieces"), ("x", "not a quantity")):
        with refused(stock.BadQuantity, match=message):
            stock_counts.enter_line(count, line, clerk, counted=text)
    stock_counts.enter_line(count, line, clerk, counted="0")  # none found is a count
    assert line.counted == 0


def test_movements_while_the_count_is_open_are_accounted_for(ctx):
    """Book 10; open; issue 3 and receive 5 before the shelf is counted, issue 1 after.

    The clerk counts 12 on the shelf (10 − 3 + 5): variance 12 − (10 + 2) = 0. The issue
    after the count does not make a difference appear. Approval posts nothing, and the
    books (11) stay right.
    """
    clip = part()
    stock_in(clip, 10)
    count = _open()
    clerk = factories.employee(CLERK)
    req_service.issue_requisition(requisition([(clip, 3)]), clerk)
    stock_in(clip, 5)
    stock_counts.enter_line(count, _line(count, clip), clerk, counted="12")
    req_service.issue_requisition(requisition([(clip, 1)]), clerk)
    stock_counts.submit_count(count, clerk)
    line = _line(count, clip)
    assert (line.expected, line.movements, line.counted, line.variance) == (10, 2, 12, 0)
    result = stock_counts.approve_count(count, factories.employee(MANAGER))
    assert result.movements == 0 and count.adjustment_number is None
    assert on_hand(clip) == 11 and stock.ledger_mismatches() == []


def test_every_variance_needs_a_reason_and_every_line_a_count(ctx):
    spring, hinge = part(part_no="PJ-A"), part(part_no="PJ-B")
    stock_in(spring, 5)
    stock_in(hinge, 5)
    count = _open()
    clerk = factories.employee(CLERK)
    stock_counts.enter_line(count, _line(count, spring), clerk, counted="4")
    with refused(stock_counts.CountIncomplete, match=r"1 lines are not counted yet \(PJ-B\)") \
            as info:
        stock_counts.submit_count(count, clerk)
    assert info.value.line_ids == [_line(count, hinge).id]
    with refused(stock_counts.CountIncomplete, match="without a reason") as info:
        stock_counts.submit_count(count, clerk, uncounted_as_zero=True)
    assert info.value.line_ids == [_line(count, spring).id]  # PJ-B: "not found"
    assert _line(count, hinge).counted is None  # the refused submit changed nothing
    stock_counts.enter_line(count, _line(count, spring), clerk, reason="安装领用未登记")
    stock_counts.submit_count(count, clerk, uncounted_as_zero=True)
    assert count.status == CountStatus.SUBMITTED and count.submitted_by == clerk
    hinge_line = _line(count, hinge)
    assert (hinge_line.counted, hinge_line.variance, hinge_line.reason) == (
        0, -5, "Not found at the count")


def test_manager_approves_once_and_the_books_match_the_shelf(ctx):
    spring, hinge = part(price=Decimal("420.00")), part(price=Decimal("36.50"))
    stock_in(spring, 5)
    stock_in(hinge, 5)
    count = _open()
    clerk, manager = factories.employee(CLERK), factories.employee(MANAGER)
    stock_counts.enter_line(count, _line(count, spring), clerk, counted="3", reason="破损未报")
    stock_counts.enter_line(count, _line(count, hinge), clerk, counted="6", reason="上次多发")
    stock_counts.submit_count(count, clerk)
    assert stock_counts.adjustment_value(count) == Decimal("-803.50")
    with refused(TransitionRefused, match="Your duties do not include this action"):
        stock_counts.approve_count(count, clerk, expected_version=count.version)
    result = stock_counts.approve_count(count, manager, expected_version=count.version)
    assert result.movements == 2 and count.status == CountStatus.APPROVED
    assert count.adjustment_number.startswith("TZ") and count.decided_by == manager
    assert (on_hand(spring), on_hand(hinge)) == (3, 6)
    adjustments = db.session.scalars(sa.select(StockMovement).where(
        StockMovement.kind == MovementKind.ADJUSTMENT).order_by(StockMovement.part_id)).all()
    assert [(m.quantity, m.reason, m.reference) for m in adjustments] == [
        (-2, "破损未报", count.adjustment_number), (1, "上次多发", count.adjustment_number)]
    again = stock_counts.approve_count(count, manager, expected_version=1)
    assert again.already and again.movements == 0 and on_hand(spring) == 3
    assert stock.ledger_mismatches() == []


def test_a_counter_cannot_approve_their_own_count(ctx):
    spring = part()
    stock_in(spring, 2)
    manager = factories.employee(MANAGER)
    count = stock_counts.open_count(warehouse(), factories.employee(CLERK))
    stock_counts.scan(count, spring.barcode, manager)  # the manager helped on the floor
    stock_counts.enter_line(count, _line(count, spring), factories.employee(CLERK),
                            reason="少一个")
    stock_counts.submit_count(count, factories.employee(CLERK))
    with refused(TransitionRefused, match="another manager must approve"):
        stock_counts.approve_count(count, manager)
    assert count.status == CountStatus.SUBMITTED and on_hand(spring) == 2


def test_recount_and_a_count_changed_since_it_was_opened_for_approval(ctx):
    spring, hinge = part(), part()
    stock_in(spring, 5)
    stock_in(hinge, 5)
    count = _open()
    clerk, manager = factories.employee(CLERK), factories.employee(MANAGER)
    stock_counts.enter_line(count, _line(count, spring), clerk, counted="1", reason="不清楚")
    stock_counts.enter_line(count, _line(count, hinge), clerk, counted="5")
    stock_counts.submit_count(count, clerk)
    seen = count.version  # the manager opens the adjustment sheet
    with refused(RemarkRequired, match="reason"):
        stock_counts.send_back_for_recount(count, manager, [_line(count, spring).id], "")
    stock_counts.send_back_for_recount(count, manager, [_line(count, spring).id],
                                       "差异太大，请复盘", expected_version=seen)
    line = _line(count, spring)
    assert count.status == CountStatus.OPEN and line.recount and line.counted is None
    assert _line(count, hinge).counted == 5  # only the chosen line is counted again
    stock_counts.enter_line(count, line, clerk, counted="5")
    stock_counts.submit_count(count, clerk)
    with refused(StaleRecord, match="changed by someone else since you opened it"):
        stock_counts.approve_count(count, manager, expected_version=seen)
    stock_counts.approve_count(count, manager, expected_version=count.version)
    assert on_hand(spring) == 5 and count.status == CountStatus.APPROVED


def test_a_submitted_count_cannot_be_changed_and_an_open_one_can_be_cancelled(ctx):
    spring = part()
    stock_in(spring, 1)
    clerk = factories.employee(CLERK)
    count = _open()
    stock_counts.scan(count, spring.barcode, clerk)
    stock_counts.submit_count(count, clerk)
    with refused(DomainError, match="can no longer be changed"):
        stock_counts.scan(count, spring.barcode, clerk)
    other = _open()
    stock_counts.cancel_count(other, clerk, "开错了")
    assert other.status == CountStatus.CANCELLED


def test_two_overlapping_counts_do_not_post_the_same_loss_twice(ctx):
    """Both counts find two springs missing; the first approval posts −2, the second is
    refused until its line is counted again (after which it agrees with the books)."""
    spring = part()
    stock_in(spring, 10)
    clerk, manager = factories.employee(CLERK), factories.employee(MANAGER)
    first, second = _open(), _open()
    for count in (first, second):
        stock_counts.enter_line(count, _line(count, spring), clerk, counted="8", reason="丢失")
        stock_counts.submit_count(count, clerk)
    stock_counts.approve_count(first, manager)
    with refused(StaleRecord, match=f"adjusted by {first.adjustment_number}"):
        stock_counts.approve_count(second, manager)
    stock_counts.send_back_for_recount(second, manager, [_line(second, spring).id], "已被调整")
    stock_counts.enter_line(second, _line(second, spring), clerk, counted="8")
    stock_counts.submit_count(second, clerk)
    assert stock_counts.approve_count(second, manager).movements == 0
    assert on_hand(spring) == 8 and stock.ledger_mismatches() == []
