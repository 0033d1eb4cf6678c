"""Customers: phone normalisation, the phone search index and caller lookup (来电弹屏)."""

import re
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

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


class MatchProduct(NamedTuple):
    serial: str
    model: str | None


@dataclass(frozen=True)
class CallerMatch:
    """One line of the lookup's answer: what the result list shows, read without the ORM."""

    id: int
    name: str
    code: str
    address: str
    vip: bool
    phones: list[str]
    products: list[MatchProduct] = field(default_factory=list)


def lookup(query: str, limit: int = 10) -> list[CallerMatch]:
    """Customers matching a phone (start or last ≥4 digits), name, serial, ticket or customer no.

    Every branch is an index range scan, so the answer stays instant with a million customers.
    The branches go to the database as one UNION ALL (two when a phone query already fills
    the page), and the matches with their products as one more statement. A caller lookup
    is the request the 400 agents send most: the statements are built once, at import, and
    only their parameters change.
    """
    query = query.strip()[:60]
    if not query:
        return []
    ids: list[int] = []
    if PHONE_QUERY.match(query):
        digits = normalise_phone(query)
        if len(digits) >= MIN_PHONE_DIGITS:
            # The end of a number keeps its zeros: "05206" must not find "…15206".
            tail = re.sub(r"\D", "", query)[::-1]
            ids += _ids(_PHONE_IDS, limit, digits, tail)
    if len(dict.fromkeys(ids)) < limit:
        upper = query.upper()
        ids += _ids(_OTHER_IDS, limit, query, upper, upper, upper)
    unique = list(dict.fromkeys(ids))[:limit]
    return _matches(unique) if unique else []


_customers, _phones = Customer.__table__, CustomerPhone.__table__
_products, _tickets = Product.__table__, Ticket.__table__


def _starts(column, n: int):
    """`column` starts with the n-th prefix parameter (its range is passed as lo/hi)."""
    return sa.and_(column >= sa.bindparam(f"lo{n}"), column < sa.bindparam(f"hi{n}"))


def _union(branches: list) -> sa.Select:
    """The branches' customer ids in branch order, each branch limited (as a subquery, so
    SQLite accepts the LIMIT inside the UNION); within a branch, the index's order."""
    parts = [sa.select(b.limit(sa.bindparam("n")).subquery().c[0].label("customer_id"),
                       sa.literal(order).label("branch")) for order, b in enumerate(branches)]
    union = sa.union_all(*parts).subquery()
    return sa.select(union.c.customer_id).order_by(union.c.branch)


_PHONE_IDS = _union([
    sa.select(_phones.c.customer_id).where(_starts(_phones.c.digits, 0)),
    sa.select(_phones.c.customer_id).where(_starts(_phones.c.reversed_digits, 1))])
_OTHER_IDS = _union([
    sa.select(_customers.c.id).where(_starts(_customers.c.name, 0)),
    sa.select(_customers.c.id).where(_customers.c.code == sa.bindparam("lo1")),
    sa.select(_products.c.customer_id).where(_starts(_products.c.serial, 2),
                                             _products.c.customer_id.is_not(None)),
    sa.select(_tickets.c.customer_id).where(_starts(_tickets.c.number, 3))])


def _ids(statement, limit: int, *prefixes: str | None) -> list[int]:
    params: dict = {"n": limit}
    for n, text in enumerate(prefixes):
        params[f"lo{n}"], params[f"hi{n}"] = text, (text or "") + _TOP
    return list(db.session.connection().execute(statement, params).scalars())


_MATCHES = (
    sa.select(_customers.c.id, _customers.c.name, _customers.c.code, _customers.c.province,
              _customers.c.city, _customers.c.district, _customers.c.street, _customers.c.vip,
              _customers.c.phone_mobile, _customers.c.phone_home, _customers.c.phone_office,
              _products.c.serial, _products.c.model)
    .select_from(_customers.outerjoin(_products, _products.c.customer_id == _customers.c.id))
    .where(_customers.c.id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(_customers.c.id, _products.c.id))


def _matches(ids: list[int]) -> list[CallerMatch]:
    rows = db.session.connection().execute(_MATCHES, {"ids": ids}).all()
    found: dict[int, CallerMatch] = {}
    for row in rows:
        match = found.get(row.id)
        if match is None:
            match = found[row.id] = CallerMatch(
                id=row.id, name=row.name, code=row.code, vip=bool(row.vip),
                address="".join(x for x in (row.province, row.city, row.district, row.street)
                                if x),
                phones=[x for x in (row.phone_mobile, row.phone_home, row.phone_office) if x])
        if row.serial is not None:
            match.products.append(MatchProduct(row.serial, row.model))
    return [found[i] for i in ids if i in found]


def find_by_phone(raw: str) -> Customer | None:
    """The customer whose phone is exactly this number (a phone system's ?phone=…)."""
    digits = normalise_phone(raw)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    return db.session.scalar(
        sa.select(Customer).join(CustomerPhone).where(CustomerPhone.digits == digits).limit(1))
