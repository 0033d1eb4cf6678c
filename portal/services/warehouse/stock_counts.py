"""Stock counts (盘点): snapshot, blind counting by scanner or by hand, variances with
reasons, and the adjustment (库存调整表) that a manager who did not count approves.

Movements made while a count is open are not lost: the count remembers the last ledger
row of its snapshot (`watermark`) and each line the last ledger row when it was counted, so

    variance = counted − (expected + movements between the two)

is what the shelf says against what the books said at that moment. Approval posts the
variances as adjustment movements, once: a second approval finds the count approved and
does nothing.
"""

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    AuditEvent,
    CountStatus,
    Employee,
    MovementKind,
    OrgUnit,
    Part,
    StockBalance,
    StockCondition,
    StockCount,
    StockCountLine,
    StockMovement,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.customers import prefix
from portal.services.core.numbering import next_number
from portal.services.core.workflow import StaleRecord, TransitionRefused, flush
from portal.services.warehouse.parts import normalise_code, require_part
from portal.services.warehouse.stock import (
    Posting,
    ensure_warehouse,
    hold_warehouse_exclusively,
    last_movement_id,
    parse_quantity,
    post,
)
from portal.services.warehouse.workflow import (
    STOCK_COUNT,
    counters,
    locked,
    refuse_unless_open,
    require_duty,
)

__all__ = ["counters"]  # the separation-of-duties rule lives with the table (workflow)


class NotInCount(DomainError):
    status = 400


class CountIncomplete(DomainError):
    """Lines are uncounted, or differ from the books without a reason: `line_ids` says which."""

    status = 409

    def __init__(self, message: str, line_ids: list[int], field: str | None = None):
        super().__init__(message, field=field)
        self.line_ids = line_ids


@dataclass(frozen=True)
class ScanResult:
    line: StockCountLine
    added: Decimal | None  # None: the scanner asks for the quantity instead of adding one


@dataclass(frozen=True)
class ApproveResult:
    count: StockCount
    movements: int
    already: bool = False


# --------------------------------------------------------------------------- opening


def _parts_in_scope(count: StockCount):
    """Conditions on Part for the count's filter (all parts, a category, a part no. prefix)."""
    conditions = [Part.active]
    if count.category:
        conditions.append(Part.category == count.category)
    if count.part_prefix:
        conditions.append(prefix(Part.part_no, count.part_prefix))
    return conditions


def open_count(warehouse: OrgUnit, by: Employee, *, category: str | None = None,
               part_prefix: str | None = None,
               condition: StockCondition = StockCondition.GOOD,
               ask_quantity: bool = False) -> StockCount:
    """Open a count for the parts held in the warehouse (all, one category or a part no.
    prefix) and snapshot their book quantities.
    """
    require_duty(by, "stock.count")
    ensure_warehouse(by, warehouse.id)
    hold_warehouse_exclusively(warehouse.id)
    # On SQLite the counter UPDATE starts the write transaction: from here on no other
    # writer can commit until this one does, which is the same guarantee as the hold.
    number = next_number("PD")
    count = StockCount(number=number, warehouse=warehouse, condition=condition,
                       category=category or None, part_prefix=normalise_code(part_prefix) or None,
                       ask_quantity=ask_quantity, opened_by=by, status=CountStatus.OPEN)
    # Everything is read before the count is added, so the trail records one creation.
    count.watermark = last_movement_id(warehouse.id)
    snapshot = (
        sa.select(Part.id, StockBalance.on_hand)
        .join(StockBalance, sa.and_(StockBalance.part_id == Part.id,
                                    StockBalance.warehouse_id == warehouse.id,
                                    StockBalance.condition == condition))
        .where(*_parts_in_scope(count))
    )
    count.line_count = db.session.scalar(sa.select(sa.func.count()).select_from(
        snapshot.subquery()))
    if not count.line_count:
        raise DomainError(_("No stock in %(warehouse)s matches this filter: nothing to count.",
                            warehouse=warehouse.name), field="category")
    db.session.add(count)
    db.session.flush()
    # One INSERT … SELECT: a 20,000-line count opens in one statement.
    db.session.execute(StockCountLine.__table__.insert().from_select(
        ["count_id", "part_id", "expected", "recount"],
        snapshot.with_only_columns(sa.literal(count.id), Part.id, StockBalance.on_hand,
                                   sa.false(), maintain_column_froms=True)))
    flush()
    return count


# --------------------------------------------------------------------------- counting


def _ensure_counting(count: StockCount, by: Employee) -> None:
    ensure_warehouse(by, count.warehouse_id)
    if count.status != CountStatus.OPEN:
        raise TransitionRefused(_("Count %(number)s is %(status)s: it can no longer be "
                                  "changed.", number=count.number, status=count.status.label))
    refuse_unless_open(STOCK_COUNT, count, "count", by, via="count")


def _lock_line(line_id: int) -> StockCountLine | None:
    return db.session.scalars(
        sa.select(StockCountLine).where(StockCountLine.id == line_id)
        .with_for_update().execution_options(populate_existing=True)).first()


def _line_for(count: StockCount, part: Part) -> StockCountLine:
    """The part's line, locked; a part in scope but not on the sheet (it had no stock record
    at opening) gets a line whose book quantity is the ledger up to the snapshot."""
    line_id = db.session.scalar(sa.select(StockCountLine.id).where(
        StockCountLine.count_id == count.id, StockCountLine.part_id == part.id))
    if line_id is None:
        in_scope = db.session.scalar(sa.select(Part.id).where(Part.id == part.id,
                                                              *_parts_in_scope(count)))
        if in_scope is None:
            raise NotInCount(_("%(part)s is not part of count %(number)s.", part=part,
                               number=count.number), field="code")
        expected = db.session.scalar(sa.select(
            sa.func.coalesce(sa.func.sum(StockMovement.quantity), 0)).where(
            StockMovement.warehouse_id == count.warehouse_id,
            StockMovement.part_id == part.id, StockMovement.condition == count.condition,
            StockMovement.id <= count.watermark))
        line = StockCountLine(count=count, part=part, expected=Decimal(expected))
        db.session.add(line)
        count.line_count += 1
        db.session.flush()
        return line
    return _lock_line(line_id)


def _record(line: StockCountLine, counted: Decimal, by: Employee) -> None:
    # Read the ledger position first: a query after the changes would autoflush them
    # separately, and the trail would show one count as two edits.
    watermark = last_movement_id(line.count.warehouse_id)
    line.counted = counted
    line.counted_by = by
    line.counted_at = utcnow()
    line.counted_watermark = watermark


def scan(count: StockCount, code: str, by: Employee) -> ScanResult:
    """One scan: find the line by barcode or part no. and add one, or ask for the quantity
    (when the count is set up so, and always for a part not counted in pieces)."""
    _ensure_counting(count, by)
    part = require_part(code)
    line = _line_for(count, part)
    if count.ask_quantity or not part.piece_counted:
        flush()  # a line added for a part outside the snapshot is kept
        return ScanResult(line, None)
    _record(line, (line.counted or Decimal(0)) + 1, by)
    flush()
    return ScanResult(line, Decimal(1))


def enter_line(count: StockCount, line: StockCountLine, by: Employee, *,
               counted: str | None = None, reason: str | None = None,
               add: bool = False) -> StockCountLine:
    """Typed entry on the sheet: the counted quantity (or a quantity to add after a scan)
    and the reason for a difference. A blank quantity leaves the count as it was."""
    _ensure_counting(count, by)
    if line.count_id != count.id:
        raise NotInCount(_("This line is not on count %(number)s.", number=count.number))
    line = _lock_line(line.id)
    if counted is not None and str(counted).strip():
        quantity = parse_quantity(counted, line.part, allow_zero=not add, field="counted")
        _record(line, (line.counted or Decimal(0)) + quantity if add else quantity, by)
    if reason is not None:
        line.reason = reason.strip()[:200] or None
    flush()
    return line


# --------------------------------------------------------------------------- variances


def _movements_since(count: StockCount, upto):
    """Ledger quantity of the line's part between the snapshot and `upto` (a ledger id)."""
    return sa.func.coalesce(
        sa.select(sa.func.sum(StockMovement.quantity)).where(
            StockMovement.warehouse_id == count.warehouse_id,
            StockMovement.part_id == StockCountLine.part_id,
            StockMovement.condition == count.condition,
            StockMovement.id > count.watermark, StockMovement.id <= upto,
        ).correlate(StockCountLine).scalar_subquery(), 0)


def live_variance_columns(count: StockCount):
    """(movements, variance) as SQL columns for an open count's lines (not frozen yet)."""
    moved = _movements_since(count, sa.func.coalesce(StockCountLine.counted_watermark,
                                                     count.watermark))
    return moved, StockCountLine.counted - StockCountLine.expected - moved


def _codes(line_ids: list[int], limit: int = 8) -> str:
    codes = db.session.scalars(sa.select(Part.part_no).join(
        StockCountLine, StockCountLine.part_id == Part.id).where(
        StockCountLine.id.in_(line_ids[:limit])).order_by(Part.part_no)).all()
    return "、".join(codes) + ("…" if len(line_ids) > limit else "")


def submit_count(count: StockCount, by: Employee, *, expected_version: int | None = None,
                 uncounted_as_zero: bool = False) -> StockCount:
    """Freeze the variances and send the adjustment to the manager. Every line must be
    counted and every line that differs from the books must say why."""
    ensure_warehouse(by, count.warehouse_id)

    def freeze(move) -> None:
        _freeze_variances(count, by, uncounted_as_zero)

    STOCK_COUNT.apply(count, "submit", by, expected_version=expected_version, via="submit",
                      write=freeze)
    return count


def _freeze_variances(count: StockCount, by: Employee, uncounted_as_zero: bool) -> None:
    lines = StockCountLine.__table__
    of_count = lines.c.count_id == count.id
    uncounted = list(db.session.scalars(sa.select(lines.c.id).where(
        of_count, lines.c.counted.is_(None)).order_by(lines.c.id)))
    if uncounted and not uncounted_as_zero:
        raise CountIncomplete(_("%(n)s lines are not counted yet (%(codes)s). Count them, or "
                                "confirm that uncounted lines are zero.", n=len(uncounted),
                                codes=_codes(uncounted)), uncounted, field="uncounted")
    now = utcnow()
    if uncounted:
        watermark = last_movement_id(count.warehouse_id)
        # The counter confirmed these were not on the shelf: that is the reason they differ.
        db.session.execute(sa.update(lines).where(of_count, lines.c.counted.is_(None)).values(
            counted=0, counted_by_id=by.id, counted_at=now, counted_watermark=watermark,
            reason=sa.func.coalesce(lines.c.reason, _("Not found at the count"))))
        # One trail entry for the bulk change rather than one per line.
        db.session.add(AuditEvent(actor_id=by.id, actor_label=str(by),
                                  table_name=StockCount.__tablename__, record_id=str(count.id),
                                  action="update", changes={"uncounted_lines_set_to_zero": [
                                      None, str(len(uncounted))]}))
    moved = _movements_since(count, lines.c.counted_watermark)
    db.session.execute(sa.update(lines).where(of_count).values(movements=moved))
    db.session.execute(sa.update(lines).where(of_count).values(
        variance=lines.c.counted - lines.c.expected - lines.c.movements))
    unexplained = list(db.session.scalars(sa.select(lines.c.id).where(
        of_count, lines.c.variance != 0,
        sa.func.coalesce(sa.func.trim(lines.c.reason), "") == "").order_by(lines.c.id)))
    if unexplained:
        raise CountIncomplete(_("%(n)s lines differ from the books without a reason "
                                "(%(codes)s). Give a reason or count them again.",
                                n=len(unexplained), codes=_codes(unexplained)),
                              unexplained, field="reason")
    count.submitted_by = by
    count.submitted_at = now


def _adjusted_since_counted(count: StockCount) -> list[tuple[str, str]]:
    """(part no., adjustment no.) of this count's differing lines that another count's
    adjustment changed after they were counted here."""
    return db.session.execute(
        sa.select(Part.part_no, StockMovement.reference).distinct()
        .select_from(StockCountLine)
        .join(Part, Part.id == StockCountLine.part_id)
        .join(StockMovement, sa.and_(
            StockMovement.warehouse_id == count.warehouse_id,
            StockMovement.part_id == StockCountLine.part_id,
            StockMovement.condition == count.condition,
            StockMovement.kind == MovementKind.ADJUSTMENT,
            StockMovement.id > StockCountLine.counted_watermark))
        .where(StockCountLine.count_id == count.id, StockCountLine.variance != 0)).all()


def approve_count(count: StockCount, by: Employee,
                  expected_version: int | None = None) -> ApproveResult:
    """Post the adjustment (库存调整表) as ADJUSTMENT movements. Approving again does nothing;
    approving a count that changed since the approver opened it is refused, and so is an
    approver who took part in the count (the table's guard)."""
    ensure_warehouse(by, count.warehouse_id)
    count = locked(count)
    if count.status == CountStatus.APPROVED:
        return ApproveResult(count, 0, already=True)
    movements: list = []

    def post_adjustment(move) -> None:
        # Approvals in a warehouse take turns, so the check below sees every adjustment
        # posted before this one: two overlapping counts must not both post the same loss.
        hold_warehouse_exclusively(count.warehouse_id)
        overtaken = _adjusted_since_counted(count)
        if overtaken:
            raise StaleRecord(_("%(parts)s were adjusted by %(refs)s after they were counted "
                                "here. Send these lines back for recount.",
                                parts="、".join(sorted({p for p, _ in overtaken})),
                                refs="、".join(sorted({r for _, r in overtaken}))))
        lines = list(db.session.scalars(
            sa.select(StockCountLine).where(StockCountLine.count_id == count.id,
                                            StockCountLine.variance != 0)
            .options(selectinload(StockCountLine.part))
            # submit wrote the variances in bulk SQL: lines this session already holds
            # must be read again, or they post a blank difference.
            .execution_options(populate_existing=True)))
        if lines:
            number = next_number("TZ")
            movements.extend(post([Posting(count.warehouse_id, line.part, count.condition,
                                           line.variance, reason=line.reason)
                                   for line in lines], MovementKind.ADJUSTMENT, by, number))
            count.adjustment_number = number

    STOCK_COUNT.apply(count, "approve", by, expected_version=expected_version,
                      write=post_adjustment)
    return ApproveResult(count, len(movements))


def send_back_for_recount(count: StockCount, by: Employee, line_ids: list[int],
                          remark: str | None, expected_version: int | None = None) -> StockCount:
    """The manager returns chosen lines to the counters: they are counted again, blind."""
    ensure_warehouse(by, count.warehouse_id)

    def reopen(move) -> None:
        chosen = list(db.session.scalars(sa.select(StockCountLine).where(
            StockCountLine.count_id == count.id, StockCountLine.id.in_(line_ids or [0]))))
        if not chosen:
            raise DomainError(_("Choose the lines to count again."), field="lines")
        lines = StockCountLine.__table__
        db.session.execute(sa.update(lines).where(lines.c.count_id == count.id)
                           .values(movements=None, variance=None))
        for line in chosen:
            line.recount = True
            line.counted = None
            line.counted_by = None
            line.counted_at = None
            line.counted_watermark = None
        count.remark = move.remark
        count.submitted_by = None
        count.submitted_at = None

    STOCK_COUNT.apply(count, "recount", by, remark, expected_version=expected_version,
                      write=reopen)
    return count


def cancel_count(count: StockCount, by: Employee, remark: str | None,
                 expected_version: int | None = None) -> StockCount:
    """An open count is abandoned, with the reason; nothing is posted."""
    ensure_warehouse(by, count.warehouse_id)
    STOCK_COUNT.apply(count, "cancel", by, remark, expected_version=expected_version)
    return count


# --------------------------------------------------------------------------- reads


def sheet_statement(count: StockCount, text: str | None = None, only: str | None = None):
    """The count sheet: lines to recount first, then by part no.; optionally only the
    uncounted ones, or one part by code / name."""
    stmt = (sa.select(StockCountLine).join(Part, Part.id == StockCountLine.part_id)
            .where(StockCountLine.count_id == count.id)
            .options(selectinload(StockCountLine.part)))
    if only == "uncounted":
        stmt = stmt.where(StockCountLine.counted.is_(None))
    elif only == "recount":
        stmt = stmt.where(StockCountLine.recount)
    if text:
        code = normalise_code(text)
        stmt = stmt.where(sa.or_(prefix(Part.part_no, code), prefix(Part.barcode, code),
                                 Part.name.contains(text.strip()[:60], autoescape=True)))
    return stmt.order_by(StockCountLine.recount.desc(), Part.part_no)


def review_statement(count: StockCount, differences_only: bool = False):
    """The adjustment sheet for the manager: part, book, movements, counted, variance, value.

    Frozen figures once submitted; live ones while the count is still open.
    """
    if count.status == CountStatus.OPEN:
        moved, variance = live_variance_columns(count)
    else:
        moved, variance = StockCountLine.movements, StockCountLine.variance
    stmt = (sa.select(StockCountLine, moved.label("moved"), variance.label("diff"))
            .join(Part, Part.id == StockCountLine.part_id)
            .where(StockCountLine.count_id == count.id)
            .options(selectinload(StockCountLine.part)))
    if differences_only:
        stmt = stmt.where(sa.or_(variance != 0, StockCountLine.counted.is_(None)))
    return stmt.order_by(sa.case((variance != 0, 0), else_=1), Part.part_no)


@dataclass(frozen=True)
class Progress:
    lines: int
    counted: int
    recount: int
    differences: int  # frozen figures only: 0 while the count is open

    @property
    def percent(self) -> int:
        return int(100 * self.counted / self.lines) if self.lines else 0


def progress(count: StockCount) -> Progress:
    row = db.session.execute(sa.select(
        sa.func.count(), sa.func.count(StockCountLine.counted),
        sa.func.coalesce(sa.func.sum(sa.case((StockCountLine.recount, 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((StockCountLine.variance != 0, 1), else_=0)), 0),
    ).where(StockCountLine.count_id == count.id)).one()
    return Progress(*(int(v or 0) for v in row))


def adjustment_value(count: StockCount) -> Decimal:
    """The adjustment's value at catalogue prices (frozen variances)."""
    value = db.session.scalar(sa.select(sa.func.sum(StockCountLine.variance * Part.price))
                              .select_from(StockCountLine)
                              .join(Part, Part.id == StockCountLine.part_id)
                              .where(StockCountLine.count_id == count.id))
    return Decimal(value or 0).quantize(Decimal("0.01"))


def counts_statement(warehouse_id: int, status: CountStatus | None = None):
    stmt = (sa.select(StockCount).where(StockCount.warehouse_id == warehouse_id)
            .options(selectinload(StockCount.opened_by)))
    if status:
        stmt = stmt.where(StockCount.status == status)
    return stmt.order_by(StockCount.id.desc())

