"""Pagination for statements that return rows rather than one model (reports, aggregates)."""

from dataclasses import dataclass
from math import ceil

import sqlalchemy as sa

from portal.extensions import db


@dataclass
class RowPage:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate_rows(stmt, page: int, per_page: int) -> RowPage:
    """Like db.paginate, but keeps every column of each row (the pager macro reads both)."""
    page = max(page, 1)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None)
                                                                     .subquery()))
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return RowPage(list(rows), page, per_page, total or 0)
