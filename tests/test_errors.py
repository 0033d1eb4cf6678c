"""Errors are friendly pages in the user's language: never a stack trace."""

from pathlib import Path

import pytest

from portal import create_app


def test_unknown_page_is_a_friendly_404(client, auth):
    auth.login("20001")
    response = client.get("/no/such/page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'data-status="404"' in html and "Traceback" not in html
    assert ">热线<" in html  # the menu is still there to go on working


def test_unexpected_error_is_a_500_page_without_trace(app, client, auth):
    auth.login("20001")

    def boom():
        raise RuntimeError("secret internal detail")

    app.view_functions["hotline.index"], original = boom, app.view_functions["hotline.index"]
    try:
        app.config["PROPAGATE_EXCEPTIONS"] = False
        response = client.get("/hotline/")
    finally:
        app.view_functions["hotline.index"] = original
        app.config["PROPAGATE_EXCEPTIONS"] = None
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internal detail" not in html and "Traceback" not in html
    assert 'data-status="500"' in html


@pytest.fixture
def app_without_database(tmp_path):
    return create_app({
        "TESTING": True, "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
    })


def test_database_down_gives_503_page_and_health_check(app_without_database):
    client = app_without_database.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    app_without_database.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/login", data={"employee_no": "20001", "password": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert 'data-status="503"' in html and "Traceback" not in html and "psycopg" not in html


def test_healthz_is_ok_with_the_database(client):
    assert client.get("/healthz").status_code == 200


def test_templates_have_no_inline_script_or_external_assets():
    templates = Path(__file__).parent.parent / "portal/templates"
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script>" not in text, path
        assert " on" + "click=" not in text and "hx-on" not in text, path
        assert "http://" not in text and "https://" not in text and 'src="//' not in text, path


def test_vendored_htmx_is_2_x():
    vendor = Path(__file__).parent.parent / "portal/static/vendor"
    assert (vendor / "htmx-2.0.11.min.js").read_text().find('version:"2.0.11"') != -1
