"""One place that decides full page or fragment for a request."""

from urllib.parse import urlsplit

from flask import make_response, render_template

from portal.extensions import htmx


def wants_fragment() -> bool:
    # A history restore needs the whole page, even though htmx sent it.
    return bool(htmx) and not htmx.history_restore_request


def render(template: str, fragment: str | None = None, status: int = 200, **context):
    """Render `template`, or only `fragment` (a template starting with "_") for HTMX."""
    name = fragment if fragment and wants_fragment() else template
    response = make_response(render_template(name, **context), status)
    response.vary.add("HX-Request")
    return response


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: an open redirect would let a phishing link borrow our pages."""
    # urlsplit drops control characters before parsing, but a redirect header refuses them.
    if target and not any(ord(c) < 32 or ord(c) == 127 or c == "\\" for c in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//"):
            return target
    return default


def refused(exc, form=None, fields: dict | None = None) -> int:
    """A verb refused (DomainError): drop what the request wrote, show why, return the status.

    The message goes on the form field the error names (or `fields[exc.field]`), otherwise
    into a flash message shown on the re-rendered page.
    """
    from flask import flash

    from portal.services.core import uow

    uow.discard()
    name = (fields or {}).get(exc.field, exc.field)
    field = getattr(form, name, None) if form is not None and name else None
    if field is not None and hasattr(field, "errors"):
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(exc.message)
    else:
        flash(exc.message, "error")
    return exc.status
