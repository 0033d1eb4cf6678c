"""The one workflow engine: every record with a status moves through a table of steps.

A step is `(action, source, target, duty, guard, effect, needs_remark)`. `Workflow.apply`
does, in this order: lock the record → compare the version the user saw → find the step →
check the duty → run the guard → ask for the remark → run the effect → set the new status →
the workflow's `on_moved` hook (e.g. the ticket's timeline) → flush, so the audit hook
writes who / when / old → new. It never commits: the request (or `uow.transaction()`) does.

A step whose effect needs a record of its own (dispatch writes the dispatch with its
technician; start and finish need the assigned technician; a QA outcome needs the signed
check) names that verb in `by_verb`: only that verb may fire it (`apply(..., via=verb)`),
and the generic transition form neither offers nor accepts it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import object_session
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.services import DomainError


class TransitionRefused(DomainError):
    """The step is not in the table, the user lacks its duty, or a guard forbids it (409)."""

    status = 409


class StaleRecord(DomainError):
    """Someone changed the record since the user opened it (409, reload and retry)."""

    status = 409


class RemarkRequired(DomainError):
    """Bad input rather than a conflict: the step needs its reason (400)."""

    status = 400

    def __init__(self, message: str | None = None, field: str | None = "remark"):
        super().__init__(message or _("Please give a reason for this action."), field=field)


Guard = Callable[[Any, Any], str | None]


@dataclass(frozen=True)
class Step:
    """One row of a table. `target` None: the status stays (an event on the timeline)."""

    action: str
    source: Any
    target: Any
    duties: frozenset  # any one of these duty codes (or actor roles) may take the step
    label: Any  # lazy string: the button text
    guard: Guard | None = None  # (record, by) → why refused, or None
    effect: Callable[["Move"], None] | None = None
    needs_remark: bool = False
    by_verb: str | None = None  # the verb that writes this step's own record
    variants: frozenset | None = None  # e.g. ticket kinds Z1 / Z2; None: every variant


@dataclass
class Move:
    """What one `apply` did: handed to the step's effect and to the workflow's hook."""

    record: Any
    step: Step
    by: Any
    remark: str | None
    source: Any
    target: Any
    extra: dict = field(default_factory=dict)


def steps(action: str, sources, target, duties, label, **options) -> list[Step]:
    """Rows for one action from one or several source statuses."""
    sources = sources if isinstance(sources, tuple) else (sources,)
    duties = frozenset((duties,) if isinstance(duties, str) else duties)
    if "variants" in options and options["variants"] is not None:
        options["variants"] = frozenset(options["variants"])
    return [Step(action, s, target, duties, label, **options) for s in sources]


class Workflow:
    def __init__(self, name: str, rows: Iterable[Step], *,
                 variant: Callable[[Any], Any] | None = None,
                 roles: Callable[[Any, Any], set[str]] | None = None,
                 on_moved: Callable[[Move], None] | None = None,
                 describe: Callable[[Any], str] | None = None):
        self.name = name
        self.rows = list(rows)
        self._variant = variant or (lambda record: None)
        self._roles = roles or (lambda record, by: set())
        self._on_moved = on_moved
        self._describe = describe or (lambda record: getattr(record, "number", "") or "")
        self._by_key: dict = {}
        for row in self.rows:
            for variant_value in row.variants or (None,):
                key = (row.source, row.action, variant_value)
                assert key not in self._by_key, f"{name}: two rows for {key}"
                self._by_key[key] = row

    # -- reading the table -------------------------------------------------------------
    def find(self, record, action: str) -> Step | None:
        key_variant = self._variant(record)
        return (self._by_key.get((record.status, action, key_variant))
                or self._by_key.get((record.status, action, None)))

    def may(self, step: Step, record, by) -> bool:
        """`by` holds one of the step's duties, or an actor role on this record."""
        return bool(step.duties & (by.permissions | self._roles(record, by)))

    def refusal(self, record, action: str, by, via: str | None = None) -> str | None:
        """Why `by` may not take `action` now, or None when the step is open."""
        step = self.find(record, action)
        if step is None:
            return _("%(number)s is %(status)s: this action is not possible now.",
                     number=self._describe(record), status=record.status.label)
        if step.by_verb and step.by_verb != via:
            return _("This step is recorded on its own form (%(form)s), not with this button.",
                     form=step.label)
        if not self.may(step, record, by):
            return _("Your duties do not include this action.")
        return step.guard(record, by) if step.guard else None

    def available(self, record, by) -> list[Step]:
        """The buttons `by` sees: generic steps only, allowed by duty and guard."""
        variant = self._variant(record)
        return [s for s in self.rows
                if s.source == record.status and s.by_verb is None
                and (s.variants is None or variant in s.variants)
                and self.may(s, record, by) and not (s.guard and s.guard(record, by))]

    def actions(self, by_verb: bool | None = None) -> list[str]:
        return sorted({s.action for s in self.rows
                       if by_verb is None or bool(s.by_verb) == by_verb})

    # -- taking a step -----------------------------------------------------------------
    def apply(self, record, action: str, by, remark: str | None = None, *,
              expected_version: int | None = None, via: str | None = None, **extra) -> Move:
        """Take `action` on `record` for `by`, or raise why not; flushes, never commits."""
        _lock(record)
        if expected_version is not None and expected_version != getattr(record, "version", None):
            raise StaleRecord(_("%(number)s was changed by someone else since you opened it. "
                                "Please reload it and try again.",
                                number=self._describe(record)))
        why = self.refusal(record, action, by, via)
        if why:
            raise TransitionRefused(why)
        step = self.find(record, action)
        remark = (remark or "").strip() or None
        if step.needs_remark and not remark:
            raise RemarkRequired()
        move = Move(record, step, by, remark, record.status,
                    step.target if step.target is not None else record.status, extra)
        if step.effect:
            step.effect(move)
        record.status = move.target
        if self._on_moved:
            self._on_moved(move)
        flush()
        return move


def _lock(record) -> None:
    """Row lock for the rest of the transaction, so two users cannot both take a step.

    A record with unsaved changes (the verb has just written to it) is locked by its own
    UPDATE at flush, with the version column refusing a concurrent writer.
    """
    session = object_session(record)
    if session is None or record in session.new or record in session.dirty:
        return
    mapper = sa.inspect(record).mapper
    pk = mapper.primary_key_from_instance(record)
    stmt = sa.select(mapper.class_).where(
        *(col == value for col, value in zip(mapper.primary_key, pk, strict=True)))
    session.execute(stmt.with_for_update().execution_options(populate_existing=True)
                    ).scalars().one()


def flush() -> None:
    """Flush now, so a concurrent change surfaces here as a clear refusal, not a 500."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise StaleRecord(_("This record was changed by someone else at the same time. "
                            "Please reload it and try again.")) from exc
