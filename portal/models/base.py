"""Shared column helpers and mixins for the typed models."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def enum_column(enum_cls: type[enum.Enum], **kw) -> sa.Enum:
    """Store an enum by its value as VARCHAR: readable in SQL, the same on SQLite and PostgreSQL."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        **kw,
    )


def search_string(length: int) -> sa.types.TypeEngine:
    """A VARCHAR searched by prefix: byte-order ("C") collation on PostgreSQL.

    With a locale collation (zh_CN.UTF-8) PostgreSQL cannot use a plain B-tree index for a
    prefix range or LIKE 'x%'; with "C" it can, whatever the server's default. SQLite's
    default BINARY collation already behaves so.
    """
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


class Audited:
    """Marker: every insert, update and delete of this model lands in the audit trail.

    `__audit_exclude__` names columns left out (noise); `__audit_redact__` columns whose
    change is recorded without the values (secrets).
    """

    __audit_exclude__: tuple[str, ...] = ()
    __audit_redact__: tuple[str, ...] = ()


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Deactivatable:
    """Master data is deactivated, never hard-deleted: old tickets still point at it."""

    active: Mapped[bool] = mapped_column(default=True, index=True)
