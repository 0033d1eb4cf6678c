"""A stock count in a real Chromium: the clerk scans by keyboard alone (code + Enter into the
scan field, as a barcode scanner types), corrects one line with a reason and submits; the
manager approves; the ledger shows the adjustment and on-hand equals what was counted.
"""

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import CountStatus, MovementKind, StockCount, StockMovement
from portal.services.warehouse import stock
from tests.browser.test_foundation_browser import sign_in, sign_out
from tests.test_warehouse_factories import part, stock_in, warehouse

pytestmark = pytest.mark.browser

# Barcode → (part no., name, book quantity, counted in pieces). A scan adds one piece; for
# seal strip sold by the metre it asks the quantity. The sealant's books are unmistakable, so
# the test can look for them in the page source: a blind count sheet must never show them.
PARTS = {
    "6901234500017": ("PJ-DHS-01", "玻璃门地弹簧", 1, True),
    "6901234500024": ("LY-JT-02", "淋浴房防水胶条", "12.5", False),
    "6901234500031": ("PJ-MFJ-03", "硅酮密封胶", 7391, True),
}


def _stock(app) -> None:
    with app.app_context():
        for barcode, (part_no, name, books, pieces) in PARTS.items():
            record = part(part_no=part_no, name=name, barcode=barcode, piece_counted=pieces,
                          unit="个" if pieces else "米")
            stock_in(record, books)


def _scan(page: Page, code: str) -> None:
    """What a scanner does: type the code fast, then Enter; no mouse, no waiting for focus."""
    page.keyboard.type(code, delay=15)
    page.keyboard.press("Enter")


def test_clerk_counts_by_scanner_and_manager_approves_the_adjustment(app, page: Page):
    _stock(app)
    password = app.config["DEMO_PASSWORD"]
    sign_in(page, "40001", password)
    expect(page).to_have_url(re.compile(r"/warehouse/$"))
    page.goto("/warehouse/counts")
    page.locator("[data-testid=open-count]").click()
    expect(page).to_have_url(re.compile(r"/warehouse/counts/PD\d{4}-\d{6}$"))
    number = page.url.rsplit("/", 1)[1]

    scan_field = page.locator("[data-testid=scan-input]")
    result = page.locator("[data-testid=scan-result]")
    expect(scan_field).to_be_focused()  # autofocus: the clerk starts scanning at once
    for code, (part_no, _, books, pieces) in PARTS.items():
        _scan(page, code)
        expect(result.locator(f"[data-scanned='{part_no}']")).to_be_visible()
        if not pieces:  # metres: the scan asks how many, the keyboard answers
            expect(page.locator("[data-testid=scan-quantity]")).to_be_focused()
            page.keyboard.type(books)
            page.keyboard.press("Enter")
        expect(scan_field).to_be_focused()
        expect(scan_field).to_have_value("")
        expect(page.locator(f"tr[data-part='{part_no}']")).to_have_attribute(
            "data-counted", "1" if pieces else books)

    # A code no part has: a clear message, and the field is ready for the next scan.
    _scan(page, "6909999999999")
    expect(result.locator("[data-scan-error]")).to_contain_text("6909999999999")
    expect(scan_field).to_be_focused()
    expect(scan_field).to_have_value("")

    # The sealant shelf really holds 7390, not the one scanned: typed, with the reason.
    row = page.locator("tr[data-part='PJ-MFJ-03']")
    row.locator("[data-testid=counted]").fill("7390")
    row.locator("[data-testid=reason]").fill("盘点发现一支破损已报废")
    row.locator("[data-testid=reason]").press("Enter")
    expect(page.locator("tr[data-part='PJ-MFJ-03']")).to_have_attribute("data-counted", "7390")
    expect(scan_field).to_be_focused()  # back to scanning after the typed line

    assert "7391" not in page.content()  # blind: the books are not in the page source
    page.locator("[data-testid=submit-count-button]").click()
    expect(page.locator("[data-testid=count-sheet]")).to_have_attribute("data-status",
                                                                         "submitted")
    assert "7391" not in page.content()

    # The clerk may not approve: no button, and the adjustment sheet refuses them.
    expect(page.locator("[data-action=approve]")).to_have_count(0)
    refused = page.goto(f"/warehouse/counts/{number}/review")
    assert refused.status == 403
    sign_out(page)

    sign_in(page, "40002", password)
    page.goto(f"/warehouse/counts/{number}/review")
    review = page.locator("[data-testid=count-review]")
    expect(review).to_have_attribute("data-status", "submitted")
    expect(review.locator("tr[data-part='PJ-MFJ-03']")).to_have_attribute("data-variance", "-1")
    expect(review.locator("tr[data-part='PJ-MFJ-03']")).to_contain_text("7391")
    review.locator("[data-action=approve]").click()
    expect(page.locator("[data-testid=count-review]")).to_have_attribute("data-status",
                                                                          "approved")

    page.goto("/warehouse/ledger?kind=adjustment")
    adjustment = page.locator("[data-testid=ledger] tr[data-kind=adjustment]")
    expect(adjustment).to_have_count(1)
    expect(adjustment).to_contain_text("PJ-MFJ-03")
    expect(adjustment).to_contain_text("-1")
    expect(adjustment).to_contain_text("盘点发现一支破损已报废")
    page.goto("/warehouse/stock")
    expect(page.locator("tr[data-part='PJ-MFJ-03'] td[data-condition=good]")).to_have_text(
        "7390")

    with app.app_context():
        count = db.session.scalar(sa.select(StockCount).where(StockCount.number == number))
        assert count.status == CountStatus.APPROVED
        assert count.decided_by.employee_no == "40002"
        (movement,) = db.session.scalars(sa.select(StockMovement).where(
            StockMovement.kind == MovementKind.ADJUSTMENT)).all()
        assert movement.reference == count.adjustment_number and movement.quantity == -1
        on_hand = {p: stock.on_hand(warehouse().id, _part_id(p)) for p, *_ in PARTS.values()}
        assert on_hand == {"PJ-DHS-01": 1, "LY-JT-02": Decimal("12.5"),
                           "PJ-MFJ-03": Decimal(7390)}
        assert stock.ledger_mismatches() == []


def _part_id(part_no: str) -> int:
    from portal.models import Part

    return db.session.scalar(sa.select(Part.id).where(Part.part_no == part_no))
