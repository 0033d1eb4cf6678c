"""One place that decides full page or fragment for a request."""

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
