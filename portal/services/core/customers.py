"""Customers: phone normalisation, the phone search index and caller lookup (来电弹屏)."""

import re

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, selectinload

from portal.extensions import db
from portal.models import Customer, CustomerPhone, Product, Ticket

_TOP = "\U0010ffff"  # sorts after every character: the upper bound of a prefix range
MIN_PHONE_DIGITS = 4
PHONE_QUERY = re.compile(r"^\+?[\d\s()-]+$")


def normalise_phone(raw: str | None) -> str:
    """Digits only, without +86 / 0086 and leading zeros: '+86 021-6400 1234' → '2164001234'."""
    digits = re.sub(r"\D", "", raw or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) > 11:
        digits = digits[2:]
    return digits.lstrip("0")


def _phone_rows(customer: Customer) -> list[tuple[str, str]]:
    pairs = (("M", customer.phone_mobile), ("H", customer.phone_home), ("O", customer.phone_office))
    return [(kind, normalise_phone(raw)) for kind, raw in pairs if normalise_phone(raw)]


def sync_phone_index(customer: Customer) -> None:
    wanted = _phone_rows(customer)
    current = [(p.kind, p.digits) for p in customer.phone_index]
    if current == wanted:
        return
    customer.phone_index[:] = [
        CustomerPhone(kind=kind, digits=digits, reversed_digits=digits[::-1])
        for kind, digits in wanted
    ]


@event.listens_for(Session, "before_flush")
def _keep_phone_index(session: Session, flush_context, instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Customer):
            sync_phone_index(obj)


def prefix(column, text: str):
    """`column` starts with `text`, as an index range (see models.base.search_string)."""
    return sa.and_(column >= text, column < text + _TOP)


def lookup(query: str, limit: int = 10) -> list[Customer]:
    """Customers matching a phone (start or last ≥4 digits), name, serial, ticket or customer no.

    Every branch is an index range scan, so the answer stays instant with a million customers.
    """
    query = query.strip()[:60]
    if not query:
        return []
    ids: list[int] = []
    if PHONE_QUERY.match(query):
        digits = normalise_phone(query)
        if len(digits) >= MIN_PHONE_DIGITS:
            ids += _ids(sa.select(CustomerPhone.customer_id).where(
                prefix(CustomerPhone.digits, digits)), limit)
            # The end of a number keeps its zeros: "05206" must not find "…15206".
            tail = re.sub(r"\D", "", query)
            ids += _ids(sa.select(CustomerPhone.customer_id).where(
                prefix(CustomerPhone.reversed_digits, tail[::-1])), limit)
    if len(ids) < limit:
        ids += _ids(sa.select(Customer.id).where(prefix(Customer.name, query)), limit)
        ids += _ids(sa.select(Customer.id).where(Customer.code == query.upper()), 1)
        upper = query.upper()
        ids += _ids(sa.select(Product.customer_id).where(prefix(Product.serial, upper),
                                                         Product.customer_id.is_not(None)), limit)
        ids += _ids(sa.select(Ticket.customer_id).where(prefix(Ticket.number, upper)), limit)
    unique = list(dict.fromkeys(ids))[:limit]
    if not unique:
        return []
    found = db.session.scalars(
        sa.select(Customer).where(Customer.id.in_(unique))
        .options(selectinload(Customer.products))
    ).all()
    order = {cid: i for i, cid in enumerate(unique)}
    return sorted(found, key=lambda c: order[c.id])


def _ids(stmt, limit: int) -> list[int]:
    return list(db.session.scalars(stmt.limit(limit)))


def find_by_phone(raw: str) -> Customer | None:
    """The customer whose phone is exactly this number (a phone system's ?phone=…)."""
    digits = normalise_phone(raw)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    return db.session.scalar(
        sa.select(Customer).join(CustomerPhone).where(CustomerPhone.digits == digits).limit(1))
