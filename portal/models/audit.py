"""Audit trail (变更痕迹): one row per insert, update or delete of a business record."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_record", "table_name", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    # Kept as text too: the trail must still say who, even if the employee row changes.
    actor_label: Mapped[str] = mapped_column(sa.String(80))
    table_name: Mapped[str] = mapped_column(sa.String(60))
    record_id: Mapped[str] = mapped_column(sa.String(40))
    action: Mapped[str] = mapped_column(sa.String(10))  # create / update / delete
    # {field: [old, new]} with values rendered as text.
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class DocumentCounter(db.Model):
    """Last number handed out per document kind and year (编号): see services.numbering."""

    __tablename__ = "document_counters"

    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
