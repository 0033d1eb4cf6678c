"""Stock ledger (库存台账): every change is a movement, the balance moves with it, and stock
never goes negative (不开负库存). Also the warehouse scope every warehouse action checks.

Concurrency, on PostgreSQL:
- an outgoing movement lowers the balance with `UPDATE … SET on_hand = on_hand − q WHERE
  on_hand >= q RETURNING on_hand`. The UPDATE takes the balance row's lock and re-checks
  the condition once a concurrent writer has committed, so of two clerks issuing the last
  unit one gets the row and the other gets no row back: `NotEnoughStock`, nothing written.
- every movement first takes its warehouse's org-unit row FOR KEY SHARE; opening a stock
  count takes the same row FOR UPDATE. The opening therefore waits for movements in flight
  and holds new ones back for the few milliseconds it needs, so its snapshot (balances and
  the last ledger id) is exact: nothing is counted twice or lost.
- multi-line postings lock balance rows in (part, condition) order, so two of them never
  deadlock on each other.
SQLite serialises writers, which gives the same results without the locks.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    Employee,
    MovementKind,
    OrgKind,
    OrgUnit,
    Part,
    StockBalance,
    StockCondition,
    StockMovement,
    StockReceipt,
    StockReceiptLine,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.duties import visible_org_ids
from portal.services.core.numbering import next_number
from portal.services.core.workflow import flush
from portal.services.warehouse.workflow import require_duty

MAX_QUANTITY = Decimal("999999")
THOUSANDTH = Decimal("0.001")


class NotEnoughStock(DomainError):
    status = 409


class WrongWarehouse(DomainError):
    """The document or movement belongs to a warehouse the user does not work for."""

    status = 409


class BadQuantity(DomainError):
    status = 400


# --------------------------------------------------------------------------- quantities


def parse_quantity(raw, part: Part, *, allow_zero: bool = False,
                   field: str = "quantity") -> Decimal:
    """A typed quantity as a Decimal, or BadQuantity saying what is wrong with it."""
    text = str(raw).strip().replace(",", "") if raw is not None else ""
    if not text:
        raise BadQuantity(_("Please enter a quantity."), field=field)
    try:
        quantity = Decimal(text)
    except InvalidOperation:
        raise BadQuantity(_("“%(text)s” is not a quantity.", text=text[:20]),
                          field=field) from None
    if not quantity.is_finite():
        raise BadQuantity(_("“%(text)s” is not a quantity.", text=text[:20]), field=field)
    return check_quantity(quantity, part, allow_zero=allow_zero, field=field)


def check_quantity(quantity: Decimal, part: Part, *, allow_zero: bool = False,
                   field: str = "quantity") -> Decimal:
    """Positive (or zero where a count allows it), whole for a piece-counted part, ≤ 3 decimals."""
    if quantity < 0:
        raise BadQuantity(_("The quantity cannot be negative."), field=field)
    if quantity == 0 and not allow_zero:
        raise BadQuantity(_("The quantity must be more than zero."), field=field)
    if quantity > MAX_QUANTITY:
        raise BadQuantity(_("The quantity is too large."), field=field)
    if part.piece_counted and quantity != quantity.to_integral_value():
        raise BadQuantity(_("%(part)s is counted in whole pieces (%(unit)s): no decimals.",
                            part=part.name, unit=part.unit), field=field)
    if quantity != quantity.quantize(THOUSANDTH):
        raise BadQuantity(_("At most three decimals."), field=field)
    return quantity.quantize(THOUSANDTH)


def fmt_qty(quantity: Decimal | None) -> str:
    """1.500 → 1.5, 3.000 → 3: how a person writes a quantity."""
    if quantity is None:
        return ""
    text = format(Decimal(quantity).quantize(THOUSANDTH), "f").rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


# --------------------------------------------------------------------------- warehouse scope


def warehouses_for(user: Employee) -> list[OrgUnit]:
    """The active warehouses the user works for (their own, or all for HQ-wide users)."""
    stmt = sa.select(OrgUnit).where(OrgUnit.kind == OrgKind.WAREHOUSE, OrgUnit.active)
    ids = visible_org_ids(user)
    if ids is not None:
        stmt = stmt.where(OrgUnit.id.in_(ids))
    return list(db.session.scalars(stmt.order_by(OrgUnit.code)))


def can_work_in(user: Employee, warehouse_id: int) -> bool:
    ids = visible_org_ids(user)
    return ids is None or warehouse_id in ids


def ensure_warehouse(user: Employee, warehouse_id: int) -> OrgUnit:
    """The warehouse, if it is one and the user works for it; else WrongWarehouse."""
    warehouse = db.session.get(OrgUnit, warehouse_id)
    if warehouse is None or warehouse.kind != OrgKind.WAREHOUSE:
        raise WrongWarehouse(_("Please choose a warehouse."))
    if not can_work_in(user, warehouse_id):
        mine = user.org_unit.name if user.org_unit else "—"
        raise WrongWarehouse(_("This belongs to %(warehouse)s; you work for %(mine)s. "
                               "Nothing was booked.", warehouse=warehouse.name, mine=mine))
    return warehouse


# --------------------------------------------------------------------------- locking


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def hold_warehouse(warehouse_id: int) -> None:
    """Shared hold for a movement: waits only while a count is being opened there."""
    if _postgres():
        db.session.execute(sa.select(OrgUnit.id).where(OrgUnit.id == warehouse_id)
                           .with_for_update(read=True, key_share=True))


def hold_warehouse_exclusively(warehouse_id: int) -> None:
    """Exclusive hold for a count's snapshot: no movement is in flight while it is taken."""
    if _postgres():
        db.session.execute(sa.select(OrgUnit.id).where(OrgUnit.id == warehouse_id)
                           .with_for_update())


def last_movement_id(warehouse_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.max(StockMovement.id))
                             .where(StockMovement.warehouse_id == warehouse_id)) or 0


# --------------------------------------------------------------------------- movements


@dataclass(frozen=True)
class Posting:
    """One ledger row to book: + into stock, − out of it."""

    warehouse_id: int
    part: Part
    condition: StockCondition
    quantity: Decimal
    reason: str | None = None  # this line's own reason, else the posting's

    @property
    def order(self) -> tuple:
        return (self.warehouse_id, self.part.id, self.condition.value)


def _balance_key(warehouse_id: int, part_id: int, condition: StockCondition):
    table = StockBalance.__table__
    return (table.c.warehouse_id == warehouse_id, table.c.part_id == part_id,
            table.c.condition == condition)


def _ensure_balance_row(warehouse_id: int, part_id: int, condition: StockCondition) -> None:
    insert = pg_insert if _postgres() else sqlite_insert
    db.session.execute(insert(StockBalance.__table__).values(
        warehouse_id=warehouse_id, part_id=part_id, condition=condition, on_hand=0,
    ).on_conflict_do_nothing())


def on_hand(warehouse_id: int, part_id: int,
            condition: StockCondition = StockCondition.GOOD) -> Decimal:
    value = db.session.scalar(sa.select(StockBalance.on_hand).where(
        StockBalance.warehouse_id == warehouse_id, StockBalance.part_id == part_id,
        StockBalance.condition == condition))
    return Decimal(value or 0)


def post(postings: list[Posting], kind: MovementKind, by: Employee, reference: str,
         reason: str | None = None) -> list[StockMovement]:
    """Book the postings as ledger rows, moving each balance in the same transaction.

    All or nothing: if one outgoing line finds too little stock, `NotEnoughStock` is raised
    and the caller's transaction is rolled back by whoever handles the error.
    """
    table = StockBalance.__table__
    for warehouse_id in sorted({p.warehouse_id for p in postings}):
        hold_warehouse(warehouse_id)
    movements = []
    now = utcnow()
    for p in sorted(postings, key=lambda p: p.order):
        if p.quantity == 0:
            continue
        key = _balance_key(p.warehouse_id, p.part.id, p.condition)
        change = sa.func.round(table.c.on_hand + p.quantity, 3)
        if p.quantity > 0:
            _ensure_balance_row(p.warehouse_id, p.part.id, p.condition)
            after = db.session.execute(sa.update(table).where(*key).values(on_hand=change)
                                       .returning(table.c.on_hand)).scalar_one()
        else:
            after = db.session.execute(
                sa.update(table).where(*key, table.c.on_hand >= -p.quantity)
                .values(on_hand=change).returning(table.c.on_hand)).scalar()
            if after is None:
                warehouse = db.session.get(OrgUnit, p.warehouse_id)
                raise NotEnoughStock(_(
                    "Not enough stock of %(part)s (%(condition)s) in %(warehouse)s: "
                    "%(have)s %(unit)s on hand, %(want)s needed.", part=p.part,
                    condition=p.condition.label, warehouse=warehouse.name,
                    have=fmt_qty(on_hand(p.warehouse_id, p.part.id, p.condition)),
                    want=fmt_qty(-p.quantity), unit=p.part.unit))
        why = p.reason or reason
        movement = StockMovement(
            at=now, warehouse_id=p.warehouse_id, part=p.part, condition=p.condition, kind=kind,
            quantity=p.quantity, balance_after=Decimal(after), reference=reference,
            reason=why[:200] if why else None, actor=by)
        db.session.add(movement)
        movements.append(movement)
    return movements


# --------------------------------------------------------------------------- receipts


@dataclass
class LineInput:
    """A document line as entered: part, quantity (already a Decimal) and condition."""

    part: Part
    quantity: Decimal
    condition: StockCondition = StockCondition.GOOD


def merge_lines(lines: list[LineInput]) -> list[LineInput]:
    """Scanning the same part twice makes one line with the sum, in first-scan order."""
    merged: dict[tuple, LineInput] = {}
    for line in lines:
        key = (line.part.id, line.condition)
        if key in merged:
            merged[key].quantity += line.quantity
        else:
            merged[key] = LineInput(line.part, line.quantity, line.condition)
    return list(merged.values())


def book_receipt(warehouse: OrgUnit, lines: list[LineInput], by: Employee,
                 supplier: str | None = None, delivery_note: str | None = None,
                 remark: str | None = None, submit_token: str | None = None) -> StockReceipt:
    """入库: book the received goods at once (收货当天入帐). The same form twice books once."""
    if submit_token:
        existing = db.session.scalar(sa.select(StockReceipt).where(
            StockReceipt.submit_token == submit_token))
        if existing is not None:
            return existing
    require_duty(by, "stock.receive")
    ensure_warehouse(by, warehouse.id)
    lines = merge_lines(lines)
    if not lines:
        raise DomainError(_("Add at least one line: scan a barcode or search for a part."),
                          field="code")
    for line in lines:
        if not line.part.active:
            raise DomainError(_("%(part)s is no longer in the catalogue.", part=line.part))
        check_quantity(line.quantity, line.part)
    receipt = StockReceipt(number=next_number("RK"), warehouse=warehouse, supplier=supplier,
                           delivery_note=delivery_note, remark=remark, received_by=by,
                           submit_token=submit_token)
    for line in lines:
        receipt.lines.append(StockReceiptLine(part=line.part, condition=line.condition,
                                              quantity=line.quantity))
    db.session.add(receipt)
    post([Posting(warehouse.id, line.part, line.condition, line.quantity) for line in lines],
         MovementKind.RECEIPT, by, receipt.number, reason=delivery_note or supplier)
    flush()
    return receipt


# --------------------------------------------------------------------------- transfers


def transfer(source: OrgUnit, part: Part, quantity: Decimal, by: Employee,
             from_condition: StockCondition, to_condition: StockCondition | None = None,
             target: OrgUnit | None = None, reason: str | None = None) -> str:
    """调拨: move stock to another condition or another warehouse; returns the DB number."""
    require_duty(by, "stock.transfer")
    ensure_warehouse(by, source.id)
    target = target or source
    to_condition = to_condition or from_condition
    if target.kind != OrgKind.WAREHOUSE or not target.active:
        raise WrongWarehouse(_("Please choose an active warehouse to send to."))
    if target.id == source.id and to_condition == from_condition:
        raise DomainError(_("Choose another condition or another warehouse."),
                          field="to_condition")
    check_quantity(quantity, part)
    number = next_number("DB")
    post([Posting(source.id, part, from_condition, -quantity),
          Posting(target.id, part, to_condition, quantity)],
         MovementKind.TRANSFER, by, number, reason=reason)
    flush()
    return number


# --------------------------------------------------------------------------- reads


def _good_on_hand(warehouse_id: int):
    """Good stock of each part in the warehouse, as a subquery (part_id, on_hand)."""
    return (sa.select(StockBalance.part_id, StockBalance.on_hand)
            .where(StockBalance.warehouse_id == warehouse_id,
                   StockBalance.condition == StockCondition.GOOD)
            .subquery())


def stock_statement(warehouse_id: int, text: str | None = None, category: str | None = None):
    """The stock list: one row per part held here, with good / damaged / giveaway on hand."""
    from portal.services.warehouse.parts import part_filter

    def column(condition: StockCondition):
        return sa.func.sum(sa.case((StockBalance.condition == condition, StockBalance.on_hand),
                                   else_=0)).label(condition.value)

    stmt = (sa.select(Part, column(StockCondition.GOOD), column(StockCondition.DAMAGED),
                      column(StockCondition.GIVEAWAY))
            .join(StockBalance, StockBalance.part_id == Part.id)
            .where(StockBalance.warehouse_id == warehouse_id)
            .group_by(Part.id).order_by(Part.part_no))
    return part_filter(stmt, text, category)


def catalogue_statement(warehouse_id: int, text: str | None = None,
                        category: str | None = None, include_inactive: bool = False):
    """The parts catalogue with each part's good stock in this warehouse."""
    from portal.services.warehouse.parts import part_filter

    good = _good_on_hand(warehouse_id)
    stmt = (sa.select(Part, sa.func.coalesce(good.c.on_hand, 0).label("on_hand"))
            .outerjoin(good, good.c.part_id == Part.id))
    if not include_inactive:
        stmt = stmt.where(Part.active)
    return part_filter(stmt, text, category).order_by(Part.part_no)


def below_minimum_statement(warehouse_id: int):
    """Parts whose good stock here is under their minimum stock (最低库存)."""
    good = _good_on_hand(warehouse_id)
    have = sa.func.coalesce(good.c.on_hand, 0)
    return (sa.select(Part, have.label("on_hand"), (Part.min_stock - have).label("short"))
            .outerjoin(good, good.c.part_id == Part.id)
            .where(Part.active, Part.min_stock > 0, have < Part.min_stock)
            .order_by((have / Part.min_stock).asc(), Part.part_no))


def below_minimum_count(warehouse_id: int) -> int:
    stmt = below_minimum_statement(warehouse_id).order_by(None).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt)) or 0


@dataclass
class LedgerFilters:
    part_id: int | None = None
    text: str | None = None  # part no. prefix or document number prefix
    kind: MovementKind | None = None
    condition: StockCondition | None = None
    date_from: date | None = None
    date_to: date | None = None


def ledger_statement(warehouse_id: int, filters: LedgerFilters):
    """The warehouse's movements, newest first."""
    from portal.services.core.customers import prefix
    from portal.timeutil import local_day_end_utc, local_day_start_utc

    stmt = (sa.select(StockMovement).where(StockMovement.warehouse_id == warehouse_id)
            .options(selectinload(StockMovement.part), selectinload(StockMovement.actor)))
    if filters.part_id:
        stmt = stmt.where(StockMovement.part_id == filters.part_id)
    if filters.kind:
        stmt = stmt.where(StockMovement.kind == filters.kind)
    if filters.condition:
        stmt = stmt.where(StockMovement.condition == filters.condition)
    if filters.date_from:
        stmt = stmt.where(StockMovement.at >= local_day_start_utc(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(StockMovement.at < local_day_end_utc(filters.date_to))
    if filters.text:
        text = filters.text.strip().upper()
        stmt = stmt.where(sa.or_(
            StockMovement.reference == text,
            StockMovement.part_id.in_(sa.select(Part.id).where(prefix(Part.part_no, text))),
        ))
    return stmt.order_by(StockMovement.id.desc())


def balances_of(part: Part, warehouse_ids: list[int] | None = None) -> list[StockBalance]:
    stmt = (sa.select(StockBalance).where(StockBalance.part_id == part.id)
            .options(selectinload(StockBalance.warehouse)).order_by(StockBalance.warehouse_id))
    if warehouse_ids is not None:
        stmt = stmt.where(StockBalance.warehouse_id.in_(warehouse_ids))
    return list(db.session.scalars(stmt))


def ledger_mismatches() -> list[tuple]:
    """(warehouse, part, condition, balance, ledger sum) wherever the two disagree: never."""
    sums = {(w, p, c): Decimal(s) for w, p, c, s in db.session.execute(
        sa.select(StockMovement.warehouse_id, StockMovement.part_id, StockMovement.condition,
                  sa.func.sum(StockMovement.quantity))
        .group_by(StockMovement.warehouse_id, StockMovement.part_id, StockMovement.condition))}
    balances = {(w, p, c): Decimal(q) for w, p, c, q in db.session.execute(
        sa.select(StockBalance.warehouse_id, StockBalance.part_id, StockBalance.condition,
                  StockBalance.on_hand))}
    out = []
    for key in sorted(set(sums) | set(balances), key=lambda k: (k[0], k[1], k[2].value)):
        balance, ledger = balances.get(key, Decimal(0)), sums.get(key, Decimal(0))
        if balance.quantize(THOUSANDTH) != ledger.quantize(THOUSANDTH):
            out.append((*key, balance, ledger))
    return out
