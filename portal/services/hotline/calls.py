"""Call records (电话记录): saved once per call, reviewed weekly by the team lead.

Nothing here commits: the request does, once, after the page is answered.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import CallCategory, CallRecord, Customer, Employee, Product
from portal.models.base import utcnow
from portal.services.core.workflow import TransitionRefused, flush
from portal.services.hotline.workflow import InvalidInput
from portal.timeutil import local_day_start_utc

_SUBMIT_LOCK = 0x43414C4C  # "CALL": advisory lock namespace of the call form's submit token


@dataclass
class CallDraft:
    content: str
    category: CallCategory
    called_at: datetime | None = None
    customer: Customer | None = None
    caller_name: str | None = None
    phone: str | None = None
    product: Product | None = None
    product_no: str | None = None
    model: str | None = None
    spec: str | None = None
    fault_symptom: str | None = None
    requested_visit_at: datetime | None = None
    handling_opinion: str | None = None
    result: str | None = None
    resolver: str | None = None
    done_at: datetime | None = None
    submit_token: str | None = None


def save_call(draft: CallDraft, by: Employee) -> tuple[CallRecord, bool]:
    """Save the call; returns (record, created). A resubmitted form returns the first save."""
    if draft.submit_token:
        existing = _first_save(draft.submit_token)
        if existing is not None:
            return existing, False
    if draft.customer is None and not (draft.caller_name or draft.phone):
        raise InvalidInput(_("Give the caller's name or phone for an unknown caller."),
                           field="caller_name")
    now = utcnow()
    called_at = draft.called_at or now
    if called_at > now + timedelta(minutes=5):
        raise InvalidInput(_("The call time is in the future."), field="called_at")
    if draft.requested_visit_at and draft.requested_visit_at < called_at - timedelta(minutes=5):
        raise InvalidInput(_("The requested visit time is before the call."),
                           field="requested_visit_at")
    product = draft.product
    record = CallRecord(
        customer=draft.customer, caller_name=draft.caller_name, phone=draft.phone,
        called_at=called_at, product=product,
        product_no=draft.product_no or (product.serial if product else None),
        model=draft.model or (product.model if product else None),
        spec=draft.spec or (product.spec if product else None),
        category=draft.category, fault_symptom=draft.fault_symptom,
        requested_visit_at=draft.requested_visit_at, content=draft.content,
        handling_opinion=draft.handling_opinion, result=draft.result, resolver=draft.resolver,
        done_at=draft.done_at, agent=by, submit_token=draft.submit_token,
    )
    db.session.add(record)
    flush()
    return record, True


def _first_save(submit_token: str) -> CallRecord | None:
    """The record an earlier submit of this form saved, waiting for one still in flight.

    On PostgreSQL the token is locked for the rest of the transaction: the same form sent
    twice at the same instant waits here until the first request has committed, then finds
    its record (READ COMMITTED sees it) instead of failing on the unique token. SQLite has a
    single writer; there a lost race ends in the app's IntegrityError page (409, nothing
    saved twice).
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:ns, hashtext(:token))"),
                           {"ns": _SUBMIT_LOCK, "token": submit_token})
    return db.session.scalar(
        sa.select(CallRecord).where(CallRecord.submit_token == submit_token))


def week_bounds(any_day: date) -> tuple[datetime, datetime]:
    """Monday 00:00 to next Monday 00:00, China time, as UTC instants."""
    monday = any_day - timedelta(days=any_day.weekday())
    return local_day_start_utc(monday), local_day_start_utc(monday + timedelta(days=7))


def review_statement(week_of: date, agent_id: int | None = None, unreviewed_only: bool = False):
    start, end = week_bounds(week_of)
    stmt = (sa.select(CallRecord).where(CallRecord.called_at >= start, CallRecord.called_at < end)
            .order_by(CallRecord.agent_id, CallRecord.called_at))
    if agent_id:
        stmt = stmt.where(CallRecord.agent_id == agent_id)
    if unreviewed_only:
        stmt = stmt.where(CallRecord.reviewed_at.is_(None))
    return stmt


def mark_reviewed(record: CallRecord, by: Employee, remark: str | None) -> None:
    """The team lead's weekly check (班长复核) of one call record."""
    if not by.can("calls.review"):
        raise TransitionRefused(_("Only a team lead may review call records."))
    record.reviewed_at = utcnow()
    record.reviewed_by = by
    record.review_remark = (remark or "").strip()[:300] or None
    flush()
