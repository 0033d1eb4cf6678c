"""The translation catalogue found once per request, not once per translated string.

Flask-Babel finds the catalogue for every `_()` by walking the request context twice
(`_get_current_context`, `get_locale`): on the caller card, 50 labels made that an eighth
of the page's CPU. The catalogue is kept on Flask-Babel's own per-request namespace next to
the locale it belongs to, so `force_locale` (the PDFs print in Chinese) still switches it.
"""

import flask_babel
from flask import g

_find = flask_babel.Domain.get_translations
_domain = flask_babel.get_domain


def _get_domain():
    """The request's domain from where Flask-Babel keeps it, in one context lookup."""
    try:
        found = g._flask_babel.__dict__.get("babel_domain")
    except (AttributeError, RuntimeError):
        found = None
    return found if found is not None else _domain()


def _get_translations(domain):
    try:
        babel_ctx = g._flask_babel
    except (AttributeError, RuntimeError):  # no request yet, or outside any app context
        return _find(domain)
    state = babel_ctx.__dict__
    kept = state.get("portal_translations")
    if kept is not None and kept[0] is state.get("babel_locale") and kept[1] is domain:
        return kept[2]
    translations = _find(domain)  # sets babel_locale on the way
    babel_ctx.portal_translations = (state.get("babel_locale"), domain, translations)
    return translations


def install() -> None:
    """Idempotent; called by create_app."""
    flask_babel.Domain.get_translations = _get_translations
    flask_babel.get_domain = _get_domain  # gettext() and lazy strings look it up by name
