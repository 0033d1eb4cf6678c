"""Price list (价格公告板): installation and maintenance items and parts, dated."""

import enum
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import Audited, Deactivatable, Timestamps, enum_column


class PriceKind(enum.Enum):
    INSTALLATION = "installation"
    MAINTENANCE = "maintenance"
    PART = "part"
    TRANSPORT = "transport"

    @property
    def label(self) -> str:
        return str(PRICE_KIND_LABELS[self])


PRICE_KIND_LABELS = {
    PriceKind.INSTALLATION: _l("Installation item"),
    PriceKind.MAINTENANCE: _l("Periodic maintenance"),
    PriceKind.PART: _l("Part"),
    PriceKind.TRANSPORT: _l("Transport"),
}

MONEY = sa.Numeric(12, 2)


class PriceItem(Audited, Deactivatable, Timestamps, db.Model):
    __tablename__ = "price_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(30), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[PriceKind] = mapped_column(enum_column(PriceKind))
    unit: Mapped[str] = mapped_column(sa.String(10))
    standard_hours: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=Decimal(0))
    hourly_rate: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    price: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]

    @property
    def unit_price(self) -> Decimal:
        """Labour items cost hours × rate; parts and transport have a fixed price."""
        if self.standard_hours and self.hourly_rate:
            return (self.standard_hours * self.hourly_rate).quantize(Decimal("0.01"))
        return self.price

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
