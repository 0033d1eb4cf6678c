"""The faster widget attributes are the same markup WTForms itself writes."""

import pytest
from markupsafe import Markup
from wtforms.widgets.core import clean_key

from portal.web import form_rendering


def _wtforms_html_params(**kwargs):
    """WTForms 3.x's own implementation, kept here as the reference."""
    from markupsafe import escape

    params = []
    for k, v in sorted(kwargs.items()):
        k = clean_key(k)
        if v is True:
            params.append(k)
        elif v is False:
            pass
        else:
            v = escape(v).replace(Markup('"'), Markup("&quot;"))
            params.append(Markup('{k}="{v}"').format(k=k, v=v))
    return Markup(" ").join(params)


CASES = [
    {},
    {"id": "name", "name": "name", "type": "text", "value": "王伟 <b>&\"'", "maxlength": 30},
    {"class_": "wide", "for_": "x", "data_hx_get": "/a?b=1&c=2", "aria_invalid": "false"},
    {"checked": True, "readonly": False, "required": True, "value": 0},
    {"value": Markup('已"标记"<i>'), "title": None, "rows": 3},
    {"placeholder": "请输入\n两行", "aria_describedby": "f-err", "data_x_y": "1"},
]


@pytest.mark.parametrize("kwargs", CASES)
def test_same_attributes_as_wtforms(kwargs):
    ours = form_rendering.html_params(**kwargs)
    assert isinstance(ours, Markup)
    assert str(ours) == str(_wtforms_html_params(**kwargs))


def test_the_widgets_use_it_and_a_page_renders_a_form(auth, client):
    import wtforms.widgets
    from wtforms.widgets import core

    assert core.html_params is form_rendering.html_params
    assert core.TextInput.html_params is form_rendering.html_params
    assert wtforms.widgets.html_params is form_rendering.html_params
    auth.login("20001")
    html = client.get("/hotline/calls/new").get_data(as_text=True)
    assert 'name="content"' in html and 'maxlength="2000"' in html


def test_wtforms_built_in_messages_still_in_chinese(app):
    from portal.blueprints.hotline.forms import CallForm

    with app.test_request_context("/", method="POST", data={"called_at": "not a time"}):
        form = CallForm()
        form.validate()
        assert form.called_at.errors
        assert any("\u4e00" <= ch <= "\u9fff" for ch in form.called_at.errors[0])


# The Jinja macro field() replaced, kept as the reference for its markup.
OLD_FIELD_MACRO = """{% macro field(f, class='', hint=None) %}
  {% if f.type in ('HiddenField', 'CSRFTokenField') %}{{ f() }}{% else %}
  <div class="field {{ class }}{% if f.errors %} has-error{% endif %}\
{% if f.type == 'BooleanField' %} check{% endif %}">
    {% if f.type == 'BooleanField' %}
      {{ f(**{'aria-invalid': 'true' if f.errors else 'false'}) }} {{ f.label }}
    {% else %}
      {{ f.label }}{% if f.flags.required %}<span class="req" aria-hidden="true">*</span>{% endif %}
      {{ f(**{'aria-invalid': 'true' if f.errors else 'false',
              'aria-describedby': f.id ~ '-err'}) }}
    {% endif %}
    {% if hint %}<small class="hint">{{ hint }}</small>{% endif %}
    {% for e in f.errors %}<small class="error" id="{{ f.id }}-err">{{ e }}</small>{% endfor %}
  </div>
  {% endif %}
{% endmacro %}"""


def _squeeze(html: str) -> str:
    import re

    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


def test_field_writes_what_the_old_macro_wrote(app):
    """Every field type of the call form (errors, hints, classes, booleans, hidden ones)."""
    from flask import render_template_string

    from portal.blueprints.hotline.forms import CallForm

    with app.test_request_context("/", method="POST", data={
            "content": "<b>客户</b>", "called_at": "not a time", "fault_symptom": "x" * 400}):
        form = CallForm()
        form.validate()
        form.content.errors.append('带"引号"的 <错误>')
        fields = list(form)
        assert any(f.errors for f in fields) and any(f.type == "HiddenField" for f in fields)
        for f in fields:
            for options in ({}, {"class": "wide"}, {"hint": "空白 <表示> 现在"}):
                old = render_template_string(
                    OLD_FIELD_MACRO + "{{ field(f, **options) }}", f=f, options=options)
                new = form_rendering.field(f, **options)
                assert _squeeze(new) == _squeeze(old), f.name


def test_a_boolean_field_is_written_as_the_old_macro_wrote_it(app):
    from flask import render_template_string
    from flask_wtf import FlaskForm
    from wtforms import BooleanField

    class Form(FlaskForm):
        vip = BooleanField("VIP")

    with app.test_request_context("/"):
        f = Form(meta={"csrf": False}).vip
        old = render_template_string(OLD_FIELD_MACRO + "{{ field(f) }}", f=f)
        assert _squeeze(form_rendering.field(f)) == _squeeze(old)
