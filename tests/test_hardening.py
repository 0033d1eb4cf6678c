"""Small hardening rules: body size, HSTS behind TLS, a health check that needs a write."""

import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app


def test_a_body_over_the_limit_is_a_friendly_413(app, client):
    response = client.post("/login", data={"employee_no": "1" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert 'data-status="413"' in response.get_data(as_text=True)


def test_hsts_only_behind_the_tls_proxy(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/login", base_url="https://x").headers
    monkeypatch.setitem(app.config, "TRUST_PROXY", True)
    assert "Strict-Transport-Security" not in client.get("/login").headers  # plain http
    secure = client.get("/login", base_url="https://portal.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_healthz_needs_a_database_that_accepts_writes(app, client, tmp_path):
    assert client.get("/healthz").status_code == 200
    path = tmp_path / "ro.db"
    writable = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True,
                           "SECRET_KEY": "x"})
    with writable.app_context():
        upgrade()
    read_only = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///file:{path}?mode=ro&uri=true",
                            "TESTING": True, "SECRET_KEY": "x"})
    with read_only.app_context():
        from portal.extensions import db

        assert db.session.execute(sa.text("SELECT count(*) FROM org_units")).scalar() == 0
    response = read_only.test_client().get("/healthz")
    assert response.status_code == 503
    assert "read-only" in response.get_json()["status"]


def _signed_in(app, employee_no="20001"):
    import re

    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    client.post("/login", data={"employee_no": employee_no, "password": "demo1234",
                                "csrf_token": token})
    return client, token


def test_json_bodies_on_form_routes_are_a_friendly_400(app):
    client, _ = _signed_in(app)
    for path in ("/hotline/calls", "/hotline/tickets", "/account/password", "/login"):
        response = client.post(path, json={"version": 2, "customer_id": [1], "content": None})
        assert response.status_code == 400, path
        assert 'data-status="400"' in response.get_data(as_text=True)


def test_nul_in_an_argument_or_a_field_is_a_friendly_400(app):
    client, token = _signed_in(app)
    for path in ("/hotline/tickets?q=a%00b", "/hotline/?q=13%0012", "/warehouse/parts?q=%00"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert 'data-status="400"' in response.get_data(as_text=True)
    response = client.post("/hotline/calls", data={"csrf_token": token, "content": "a\x00b",
                                                   "category": "general"})
    assert response.status_code == 400
