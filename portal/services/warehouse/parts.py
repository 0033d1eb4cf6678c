"""Parts catalogue (配件目录): find a part by what a scanner or a person types, search, save."""

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import Part
from portal.services import DomainError
from portal.services.core.customers import prefix
from portal.services.core.workflow import flush
from portal.services.warehouse.workflow import require_duty


class UnknownCode(DomainError):
    status = 400


def normalise_code(code: str | None) -> str:
    """Scanners and people add spaces or lower case; part numbers and barcodes are upper case."""
    return "".join((code or "").split()).upper()[:40]


def find_part(code: str | None, active_only: bool = True) -> Part | None:
    """The part with this barcode or part number (two unique-index look-ups)."""
    code = normalise_code(code)
    if not code:
        return None
    stmt = sa.select(Part).where(sa.or_(Part.barcode == code, Part.part_no == code))
    if active_only:
        stmt = stmt.where(Part.active)
    return db.session.scalars(stmt.limit(1)).first()


def require_part(code: str | None) -> Part:
    """The part for a scanned or typed code, or a clear message naming the code."""
    part = find_part(code)
    if part is None:
        shown = normalise_code(code)
        if not shown:
            raise UnknownCode(_("Scan a barcode or type a part number."), field="code")
        raise UnknownCode(_("No part has the barcode or part number “%(code)s”.", code=shown),
                          field="code")
    return part


def part_filter(stmt, text: str | None, category: str | None):
    """Narrow a statement over Part: part no. / barcode prefix or a word of the name."""
    if text:
        text = text.strip()[:60]
        code = normalise_code(text)
        stmt = stmt.where(sa.or_(prefix(Part.part_no, code), prefix(Part.barcode, code),
                                 Part.name.contains(text, autoescape=True)))
    if category:
        stmt = stmt.where(Part.category == category)
    return stmt


def search_statement(text: str | None = None, category: str | None = None,
                     include_inactive: bool = False):
    stmt = sa.select(Part)
    if not include_inactive:
        stmt = stmt.where(Part.active)
    return part_filter(stmt, text, category).order_by(Part.part_no)


def categories() -> list[str]:
    return list(db.session.scalars(sa.select(Part.category).distinct().order_by(Part.category)))


PART_FIELDS = ("part_no", "name", "spec", "unit", "category", "price", "barcode", "min_stock",
               "piece_counted", "active")


def save_part(part: Part, values: dict, by) -> Part:
    """Create or change a catalogue entry (part.edit); part no. and barcode stay unique."""
    require_duty(by, "part.edit")
    values = {k: v for k, v in values.items() if k in PART_FIELDS}
    values["part_no"] = normalise_code(values.get("part_no", part.part_no))
    if "barcode" in values:
        values["barcode"] = normalise_code(values["barcode"]) or None
    for code, field in ((values["part_no"], "part_no"), (values.get("barcode"), "barcode")):
        if not code:
            continue
        clash = db.session.scalar(sa.select(Part).where(
            sa.or_(Part.part_no == code, Part.barcode == code), Part.id != part.id).limit(1))
        if clash is not None:
            raise DomainError(_("“%(code)s” is already used by %(part)s.", code=code,
                                part=clash), field=field)
    if "min_stock" in values and values["min_stock"] is None:
        values["min_stock"] = Decimal(0)
    min_stock = values.get("min_stock")
    if min_stock is not None and Decimal(min_stock) < 0:
        raise DomainError(_("The minimum stock cannot be negative."), field="min_stock")
    piece = values.get("piece_counted", part.piece_counted if part.id else True)
    if piece and min_stock is not None and Decimal(min_stock) % 1:
        raise DomainError(_("A part counted in pieces has a whole minimum stock."),
                          field="min_stock")
    for key, value in values.items():
        setattr(part, key, value)
    if part.id is None:
        db.session.add(part)
    flush()
    return part
