"""Bounded parsing of query arguments and hidden fields: bad input is ignored or a 400.

Python's `int()` takes '²' and 20-digit numbers, `date.fromisoformat` takes year 9999:
each of those reached the database as an overflow (a 500). Parse here instead.
"""

from datetime import date

from flask import abort, request

MAX_ID = 2**31 - 1  # INTEGER columns on PostgreSQL and SQLite alike
MAX_PAGE = 100_000
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2100, 12, 31)


def parse_int(raw, low: int = 0, high: int = MAX_ID) -> int | None:
    """ASCII digits within [low, high], else None."""
    if raw is None:
        return None
    raw = str(raw).strip()
    if not raw or len(raw) > 12 or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if low <= value <= high else None


def int_arg(name: str, default: int | None = None, low: int = 0, high: int = MAX_ID):
    value = parse_int(request.args.get(name), low, high)
    return default if value is None else value


def page_arg() -> int:
    return int_arg("page", 1, 1, MAX_PAGE)


def date_arg(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    try:
        value = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return value if value is None or MIN_DATE <= value <= MAX_DATE else None


def enum_arg(enum_cls, name: str):
    raw = request.args.get(name)
    try:
        return enum_cls(raw) if raw else None
    except ValueError:
        return None


def version_of(raw) -> int | None:
    """The record version a form carried (hidden field), or None when absent or garbled."""
    return parse_int(raw, 0)


def id_or_400(raw) -> int:
    value = parse_int(raw, 1)
    if value is None:
        abort(400)
    return value


class BadInput(Exception):
    """A request no form of the portal sends: answered with the friendly 400 page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def refuse_unreadable_requests() -> None:
    """Before every request: no JSON bodies on form routes, no NUL in any argument.

    Flask-WTF reads a JSON body as form data, so `{"version": 2}` reached `str` methods
    as an int (a 500); PostgreSQL refuses NUL in text (another 500). Neither comes from the
    portal's own pages. A route that takes JSON (a phone system's push) says so with
    `view.accepts_json = True`.
    """
    from flask import current_app
    from flask_babel import gettext as _

    view = current_app.view_functions.get(request.endpoint)
    if request.is_json and not getattr(view, "accepts_json", False):
        raise BadInput(_("This address takes form submissions from the portal's own pages."))
    for values in (request.args, request.form if request.mimetype in FORM_TYPES else {}):
        for key, value in values.items(multi=True) if values else ():
            if "\x00" in key or "\x00" in value:
                raise BadInput(_("The request contained a character that cannot be stored. "
                                 "Please check what you typed and try again."))


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
