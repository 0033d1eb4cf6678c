"""Costs of WTForms and Flask-WTF that every form page paid, removed once per process.

* WTForms builds each attribute of each widget with `Markup('{k}="{v}"').format(...)`,
  which goes through `string.Formatter`: the caller card's call form (30 widgets) spent
  ~2 ms of CPU on attribute strings alone. `html_params` below returns the same markup,
  byte for byte (tests/test_form_rendering.py compares the two), with plain string work.
* Flask-WTF loads WTForms' own message catalogue from disk on every request that shows a
  built-in message. The catalogues are read once per locale here.
* `field()` writes a labelled form field; it was a Jinja macro, whose calls and attribute
  lookups were a fifth of the caller card's CPU. Templates call it the same way.
"""

from functools import lru_cache

from babel import support
from flask import has_request_context
from flask_babel import get_locale
from markupsafe import Markup, escape
from wtforms.i18n import messages_path
from wtforms.widgets import core as wtforms_widgets


def html_params(**kwargs) -> Markup:
    """WTForms' html_params: sorted keys, `x_` → `x`, `data_`/`aria_` → hyphens, booleans."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = wtforms_widgets.clean_key(key)
        if value is True:
            params.append(str(escape(key)))
        elif value is not False:
            # escape() leaves Markup as it is; a quote in it must still not end the attribute
            params.append(f'{escape(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))


_PLAIN = ("HiddenField", "CSRFTokenField")


def field(f, hint=None, **options) -> Markup:
    """One field: label, required mark, widget, hint, errors (`class=` adds CSS classes).

    The ARIA attributes tie the errors to the widget for screen readers."""
    if f.type in _PLAIN:
        return Markup(f())
    errors = f.errors
    check = f.type == "BooleanField"
    css = "field " + options.get("class", "") + (" has-error" if errors else "") \
        + (" check" if check else "")
    invalid = "true" if errors else "false"
    if check:
        parts = [f'<div class="{escape(css)}">', str(f(**{"aria-invalid": invalid})), " ",
                 str(f.label)]
    else:
        parts = [f'<div class="{escape(css)}">', str(f.label)]
        if f.flags.required:
            parts.append('<span class="req" aria-hidden="true">*</span>')
        parts.append(str(f(**{"aria-invalid": invalid, "aria-describedby": f"{f.id}-err"})))
    if hint:
        parts.append(f'<small class="hint">{escape(hint)}</small>')
    parts += [f'<small class="error" id="{escape(f.id)}-err">{escape(e)}</small>'
              for e in errors]
    parts.append("</div>")
    return Markup("".join(parts))


@lru_cache(maxsize=8)
def _catalogue(locale: str):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class CachedTranslations:
    """What flask_wtf.i18n.Translations does, without re-reading the file per request."""

    @staticmethod
    def _current():
        return _catalogue(str(get_locale())) if has_request_context() else None

    def gettext(self, string):
        t = self._current()
        return string if t is None else t.ugettext(string)

    def ngettext(self, singular, plural, n):
        t = self._current()
        if t is None:
            return singular if n == 1 else plural
        return t.ungettext(singular, plural, n)


def install(app=None) -> None:
    """Idempotent; called by create_app."""
    import flask_wtf.form
    import wtforms.widgets

    # Module functions call the global; Input and its kin keep a staticmethod copy; Label
    # calls it through the package.
    wtforms_widgets.html_params = wtforms.widgets.html_params = html_params
    for widget in vars(wtforms_widgets).values():
        if isinstance(widget, type) and "html_params" in vars(widget):
            widget.html_params = staticmethod(html_params)
    flask_wtf.form.translations = CachedTranslations()
    if app is not None:
        app.jinja_env.globals["field"] = field
