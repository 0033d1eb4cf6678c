"""Weekly KPIs (衡量指标) and the daily issue report on a week whose figures are worked out
by hand below.
"""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Requisition, StockCount, StockCountLine, StockMovement
from portal.services.warehouse import requisitions as req_service
from portal.services.warehouse import stock_counts
from portal.services.warehouse.kpis import daily_issues, week_kpis, week_start
from portal.timeutil import local_to_utc
from tests import factories
from tests.test_warehouse_factories import (
    CLERK,
    MANAGER,
    english_messages,  # noqa: F401 (autouse)
    part,
    requisition,
    stock_in,
    warehouse,
)

MONDAY = date(2026, 11, 2)


def at(day: int, hour: int) -> datetime:
    """China wall-clock time in November 2026 → stored UTC."""
    return local_to_utc(datetime(2026, 11, day, hour, 0))


def _date_movements(reference: str, when: datetime) -> None:
    db.session.execute(sa.update(StockMovement).where(StockMovement.reference == reference)
                       .values(at=when))


def _date_requisition(req, approved: datetime, issued: datetime | None = None) -> None:
    db.session.execute(sa.update(Requisition).where(Requisition.id == req.id).values(
        approved_at=approved, issued_at=issued))
    if req.issue_number:
        _date_movements(req.issue_number, issued)


def test_kpis_of_a_constructed_week(ctx):
    """The week of Monday 2 November 2026 in 上海中心仓, by hand:

    Parts A ¥100, B ¥10, C ¥50. Opening stock (26 Oct): A 20, B 100, C 10.

    Requisitions approved in the week (lines):
      R1  A 2 + B 10  approved Mon 09:00, issued Mon 15:00 (6 h)     2 lines in time
      R2  C 4         approved Tue 10:00, issued Thu 10:00 (48 h)    1 line late
      R3  B 5         approved Wed 10:00, never issued                1 line late
      R4  A 1         approved Thu, cancelled                         left out
      service level = 2 / (2 + 1 + 1) = 50.0 %

    Ledger rows in the week: R1 issue ×2, receipt C 5 (Wed), R2 issue ×1, count adjustment
    ×1 (Fri) = 5 rows, 1 adjustment → manual adjustment rate = 1 / 5 = 20.0 %

    Count approved Fri 16:00: books A 18, B 90, C 11 (10 − 4 + 5); counted A 18, B 88
    (reason given), C 11 → 3 lines counted, 2 without variance → accuracy 66.7 %

    Issued in the week at catalogue price: A 2×100 + B 10×10 + C 4×50 = ¥500.
    Good stock at the end of the week: A 18×100 + B 88×10 + C 11×50 = ¥3,230 (a receipt of
    A 5 on the next Monday is not part of it).
    days of inventory = 3230 / (500 / 7) = 45.22 → 45.2 days
    """
    a, b, c = (part(part_no="KPI-A", price=Decimal(100)), part(part_no="KPI-B", price=Decimal(10)),
               part(part_no="KPI-C", price=Decimal(50)))
    for record, quantity in ((a, 20), (b, 100), (c, 10)):
        _date_movements(stock_in(record, quantity).number, local_to_utc(datetime(2026, 10, 26, 10)))
    clerk, manager = factories.employee(CLERK), factories.employee(MANAGER)

    r1 = requisition([(a, 2), (b, 10)])
    req_service.issue_requisition(r1, clerk)
    _date_requisition(r1, at(2, 9), at(2, 15))
    r2 = requisition([(c, 4)])
    _date_movements(stock_in(c, 5).number, at(4, 9))
    req_service.issue_requisition(r2, clerk)
    _date_requisition(r2, at(3, 10), at(5, 10))
    r3 = requisition([(b, 5)])
    _date_requisition(r3, at(4, 10))
    r4 = requisition([(a, 1)])
    req_service.cancel_requisition(r4, factories.employee("30002"), "客户改期")
    _date_requisition(r4, at(5, 10))

    count = stock_counts.open_count(warehouse(), clerk)
    for record, counted, reason in ((a, "18", None), (b, "88", "领用未登记"), (c, "11", None)):
        line = db.session.scalar(sa.select(StockCountLine).where(
            StockCountLine.count_id == count.id, StockCountLine.part_id == record.id))
        stock_counts.enter_line(count, line, clerk, counted=counted, reason=reason)
    stock_counts.submit_count(count, clerk)
    stock_counts.approve_count(count, manager)
    db.session.execute(sa.update(StockCount).where(StockCount.id == count.id)
                       .values(decided_at=at(6, 16)))
    _date_movements(count.adjustment_number, at(6, 16))
    _date_movements(stock_in(a, 5).number, at(9, 9))
    db.session.commit()

    kpis = week_kpis(warehouse().id, week_start(date(2026, 11, 5)), now=at(20, 12))
    assert kpis.start == MONDAY
    assert (kpis.requisition_lines, kpis.in_time_lines, kpis.service_level) == (
        4, 2, Decimal("50.0"))
    assert (kpis.movements, kpis.adjustments, kpis.manual_adjustment_rate) == (
        5, 1, Decimal("20.0"))
    assert (kpis.counted_lines, kpis.accurate_lines, kpis.accuracy) == (3, 2, Decimal("66.7"))
    assert (kpis.issue_value, kpis.closing_value) == (Decimal(500), Decimal(3230))
    assert kpis.days_of_inventory == Decimal("45.2")

    # The week before had no requisitions, counts or issues: nothing to divide by.
    quiet = week_kpis(warehouse().id, date(2026, 10, 26), now=at(20, 12))
    assert (quiet.service_level, quiet.accuracy, quiet.days_of_inventory) == (None, None, None)
    assert quiet.manual_adjustment_rate == Decimal("0.0")  # 3 receipts, no adjustment

    # 每日发货报告 of Monday: R1's two lines, ¥300.
    report = daily_issues(warehouse().id, MONDAY)
    assert [(m.part.part_no, m.quantity, r.number) for m, r in report.rows] == [
        ("KPI-A", -2, r1.number), ("KPI-B", -10, r1.number)]
    assert [(p.part_no, q, v) for p, q, v in report.by_part] == [
        ("KPI-A", 2, Decimal("200.00")), ("KPI-B", 10, Decimal("100.00"))]
    assert report.total_value == Decimal("300.00")


def test_a_requisition_still_within_its_day_is_not_judged_yet(ctx):
    clip = part()
    stock_in(clip, 5)
    req = requisition([(clip, 1)])
    _date_requisition(req, at(2, 9))
    db.session.commit()
    assert week_kpis(warehouse().id, MONDAY, now=at(2, 20)).requisition_lines == 0
    assert week_kpis(warehouse().id, MONDAY, now=at(3, 10)).requisition_lines == 1
