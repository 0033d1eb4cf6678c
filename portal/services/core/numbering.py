"""Document numbers (编号) such as BX2026-000123: per kind and year, unique and gap-free.

The counter row is incremented inside the caller's transaction. The UPDATE takes a row
lock, so concurrent allocations queue behind each other on PostgreSQL (and SQLite
serialises writers); if the business transaction rolls back, so does its number, which
is what keeps the sequence free of gaps.
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.extensions import db
from portal.models import DocumentCounter
from portal.models.base import utcnow

# Every kind of numbered document, with what it is (for operators reading the counters).
KINDS = {"BX": "报修单", "TS": "投诉", "LLD": "领料单", "LXH": "联络函", "KH": "客户编号",
         "DD": "服务销售订单", "PG": "委托安装派工单", "SJ": "客户商品领取收据",
         "RK": "入库单", "CK": "出库单", "TH": "退货单", "BS": "报损单", "PD": "盘点单",
         "TZ": "库存调整表", "DB": "调拨单"}


def next_number(kind: str, year: int | None = None) -> str:
    """Allocate the next number of `kind` for `year` (default: this year)."""
    year = year or utcnow().year
    table = DocumentCounter.__table__
    bump = (
        sa.update(table)
        .where(table.c.kind == kind, table.c.year == year)
        .values(last_value=table.c.last_value + 1)
        .returning(table.c.last_value)
    )
    value = db.session.execute(bump).scalar()
    if value is None:
        insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        db.session.execute(
            insert(table).values(kind=kind, year=year, last_value=0).on_conflict_do_nothing()
        )
        value = db.session.execute(bump).scalar_one()
    return f"{kind}{year}-{value:06d}"
