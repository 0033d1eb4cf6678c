"""Goods taken in for repair (带回维修): receipt, in/out register, repair card, return."""

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.display import format_dt
from portal.extensions import db
from portal.models import Employee, GoodsReceipt, Ticket
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.numbering import next_number
from portal.services.core.workflow import TransitionRefused, flush
from portal.services.stores.workflow import require


def take_in(ticket: Ticket, goods: str, condition: str | None, by: Employee) -> GoodsReceipt:
    """Issue a customer goods receipt (客户商品领取收据) and enter the goods in the register."""
    require(by, "goods.receive")
    if not ticket.is_open:
        raise TransitionRefused(_("Goods can only be taken in for an open ticket."))
    receipt = GoodsReceipt(number=next_number("SJ"), ticket_id=ticket.id,
                           branch_id=ticket.branch_id, goods=goods, condition=condition,
                           received_at=utcnow(), received_by_id=by.id)
    db.session.add(receipt)
    flush()
    return receipt


def update_repair_card(receipt: GoodsReceipt, hours: Decimal, parts: str | None,
                       note: str | None, *, by: Employee) -> None:
    """修护卡: hours and parts spent on the goods while they are with us."""
    require(by, "goods.receive")
    if receipt.void:
        raise TransitionRefused(_("The goods were returned; the repair card is closed."))
    if hours < 0 or hours > 500:
        raise DomainError(_("Hours must be between 0 and 500."), field="repair_hours")
    receipt.repair_hours, receipt.repair_parts, receipt.repair_note = hours, parts, note
    flush()


def hand_back(receipt: GoodsReceipt, signature: str, by: Employee) -> None:
    """Return the goods against the customer's signature; the receipt becomes void."""
    require(by, "goods.receive")
    _lock(receipt)
    if receipt.void:
        raise TransitionRefused(_("Receipt %(number)s was already returned on %(when)s.",
                                  number=receipt.number, when=format_dt(receipt.returned_at)))
    signature = (signature or "").strip()
    if not signature:
        raise DomainError(_("The customer's signature (name) is required."),
                          field="signature")
    receipt.returned_at = utcnow()
    receipt.returned_signature = signature[:50]
    receipt.returned_by_id = by.id
    flush()


def _lock(receipt: GoodsReceipt) -> None:
    """Read the receipt as it is now, locked: the goods go back once."""
    db.session.execute(sa.select(GoodsReceipt).where(GoodsReceipt.id == receipt.id)
                       .with_for_update().execution_options(populate_existing=True))


def register(branch_id: int, only_in: bool = False):
    """客户商品进出登记簿: the branch's receipts, goods still here first."""
    stmt = sa.select(GoodsReceipt).where(GoodsReceipt.branch_id == branch_id)
    if only_in:
        stmt = stmt.where(GoodsReceipt.returned_at.is_(None))
    return stmt.order_by(GoodsReceipt.returned_at.is_not(None), GoodsReceipt.received_at.desc())
