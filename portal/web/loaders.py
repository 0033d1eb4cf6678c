"""Scoped loaders: load the record, limit it to the user's org units, or answer 404.

404 rather than 403 outside the user's units: the answer must not reveal that it exists.
"""

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from portal.extensions import db
from portal.models import Ticket
from portal.services.core.duties import visible_org_ids
from portal.web.args import MAX_ID


def scoped_or_404(model, record_id, org_of=lambda record: record.branch_id):
    """`model` by primary key, visible to the current user, or 404."""
    if not isinstance(record_id, int) or not 0 < record_id <= MAX_ID:
        abort(404)
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    ensure_visible(org_of(record))
    return record


def ensure_visible(org_unit_id: int | None) -> None:
    ids = visible_org_ids(current_user)
    if ids is not None and org_unit_id not in ids:
        abort(404)


def ticket_or_404(number: str, *options) -> Ticket:
    """The ticket by its number (BX…), within the user's branches; `options` are loader
    options for what the page will show (one joined statement instead of a lazy load each)."""
    ticket = db.first_or_404(sa.select(Ticket).where(Ticket.number == (number or "").upper()[:20])
                             .options(*options))
    ensure_visible(ticket.branch_id)
    return ticket
