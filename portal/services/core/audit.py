"""The audit hook: every flush of an Audited model writes who / when / field / old → new.

Registered once on the session class, so no route or service can forget it.
"""

import contextvars
import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from portal.models.audit import AuditEvent
from portal.models.base import Audited, utcnow

# Who acts outside a request (CLI, jobs): set with `acting_as`.
_cli_actor: contextvars.ContextVar[tuple[int | None, str]] = contextvars.ContextVar(
    "audit_actor", default=(None, "system")
)


class acting_as:  # noqa: N801 — reads as a phrase: `with acting_as(None, "seed-demo"):`
    def __init__(self, actor_id: int | None, label: str):
        self.value = (actor_id, label)

    def __enter__(self):
        self.token = _cli_actor.set(self.value)

    def __exit__(self, *exc):
        _cli_actor.reset(self.token)


def _actor() -> tuple[int | None, str]:
    if has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return current_user.id, f"{current_user.name} ({current_user.employee_no})"
    return _cli_actor.get()


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _changes(obj, action: str) -> dict:
    state = inspect(obj)
    skip = set(obj.__audit_exclude__) | {"created_at", "updated_at"}
    redact = set(obj.__audit_redact__)
    out = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in redact:
            if action == "update" and state.attrs[key].history.added:
                out[key] = ["***", "*** (changed)"]
            continue
        if key in skip:
            continue
        if action == "create":
            new = _text(getattr(obj, key))
            if new is not None:
                out[key] = [None, new]
        elif action == "delete":
            out[key] = [_text(state.attrs[key].loaded_value), None]
        else:
            hist = state.attrs[key].history
            if hist.has_changes():
                old = _text(hist.deleted[0]) if hist.deleted else None
                new = _text(hist.added[0]) if hist.added else None
                if old != new:
                    out[key] = [old, new]
    # Many-to-many links (an employee's groups) are business facts too.
    for rel in state.mapper.relationships:
        if rel.secondary is None or action == "delete":
            continue
        hist = state.attrs[rel.key].history
        if hist.added or hist.deleted:
            now = sorted(str(o) for o in getattr(obj, rel.key))
            before = sorted({*now, *map(str, hist.deleted)} - set(map(str, hist.added)))
            if before != now:
                out[rel.key] = ["、".join(before) or None, "、".join(now) or None]
    return out


def _record_id(obj) -> str:
    # Not `identity`: a new object gets that only after the flush has finished.
    return ",".join(str(v) for v in inspect(obj).mapper.primary_key_from_instance(obj))


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session: Session, flush_context) -> None:
    rows = []
    for action, objs in (("create", session.new), ("update", session.dirty),
                         ("delete", session.deleted)):
        for obj in objs:
            if not isinstance(obj, Audited):
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue
            rows.append((obj.__tablename__, _record_id(obj), action, changes))
    if not rows:
        return
    actor_id, label = _actor()
    now = utcnow()
    session.connection().execute(
        sa.insert(AuditEvent.__table__),
        [
            {"at": now, "actor_id": actor_id, "actor_label": label, "table_name": t,
             "record_id": rid, "action": a, "changes": c}
            for t, rid, a, c in rows
        ],
    )


def history(obj, limit: int = 50) -> list[AuditEvent]:
    """The record's 变更痕迹, newest first."""
    from portal.extensions import db

    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.table_name == obj.__tablename__,
               AuditEvent.record_id == _record_id(obj))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
