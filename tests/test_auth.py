"""Sign-in behaviour: login and `next`, wrong credentials, lockout, deactivation, the forced
first-login password change, changing one's password, logout, cookies, CSRF and CSP."""

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import itsdangerous
import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from markupsafe import escape

from portal.extensions import db
from portal.models import AuditEvent, Employee
from portal.models.base import utcnow
from portal.services.core import masterdata
from portal.services.core.audit import acting_as
from portal.services.core.uow import transaction
from tests import factories

DEMO_PASSWORD = "demo1234"


# --------------------------------------------------------------------------- helpers


def _zh(app, msgid: str, **variables) -> str:
    """The message as the (Chinese) page shows it, HTML-escaped like Jinja does."""
    with app.test_request_context(), force_locale("zh_CN"):
        return str(escape(gettext(msgid, **variables)))


class _Inputs(HTMLParser):
    """name → attributes of every <input> on the page."""

    def __init__(self, html: str):
        super().__init__()
        self.fields: dict[str, dict] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            attrs = dict(attrs)
            self.fields[attrs.get("name")] = attrs


def _field_errors(html: str, field: str) -> list[str]:
    return re.findall(rf'<small class="error" id="{field}-err">([^<]*)</small>', html)


def _login_error(html: str) -> str | None:
    match = re.search(r'data-testid="login-error">([^<]*)<', html)
    return match.group(1) if match else None


def _token(client, path: str = "/login", **kw) -> str:
    html = client.get(path, **kw).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _post_login(client, employee_no: str, password: str = DEMO_PASSWORD, **extra):
    data = {"employee_no": employee_no, "password": password, "csrf_token": _token(client)}
    return client.post("/login", data=data | extra)


def _employee(app, employee_no: str) -> dict:
    with app.app_context():
        e = db.session.scalar(sa.select(Employee).where(Employee.employee_no == employee_no))
        return {"id": e.id, "failed_logins": e.failed_logins, "locked_until": e.locked_until,
                "must_change_password": e.must_change_password, "password_hash": e.password_hash,
                "last_login_at": e.last_login_at}


def _update_employee(app, employee_no: str, **values) -> None:
    with app.app_context():
        db.session.execute(sa.update(Employee).where(Employee.employee_no == employee_no)
                           .values(**values))
        db.session.commit()


def _no_traceback(html: str) -> bool:
    return "Traceback" not in html and 'File "' not in html


def _signed_in(client) -> bool:
    return client.get("/account/password").status_code == 200


# --------------------------------------------------------------------------- login and next


def test_correct_login_goes_home_then_to_the_landing_page(app, client):
    response = _post_login(client, "20001")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/hotline/"
    assert client.get("/hotline/").status_code == 200
    assert _employee(app, "20001")["last_login_at"] is not None
    # Signed in, the sign-in page sends the user home.
    assert client.get("/login").headers["Location"] == "/"


def test_next_is_honoured_for_local_paths(client):
    redirect = client.get("/reports/?period=month")
    login_url = urlsplit(redirect.headers["Location"])
    assert login_url.path == "/login"
    next_url = parse_qs(login_url.query)["next"][0]
    assert next_url == "/reports/?period=month"
    page = client.get(redirect.headers["Location"]).get_data(as_text=True)
    assert _Inputs(page).fields["next"]["value"] == next_url
    response = _post_login(client, "20002", next=next_url)  # agent lead: may see reports
    assert response.status_code == 302
    assert response.headers["Location"] == "/reports/?period=month"


OFF_SITE = [
    "http://evil.example/phish",
    "https://evil.example",
    "//evil.example/phish",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example",
]


def test_next_never_leaves_the_site(client):
    for target in OFF_SITE:
        response = _post_login(client, "20001", next=target)
        assert response.status_code == 302, target
        location = response.headers["Location"]
        # Browsers read "\\" as "/" and drop tabs: neither may survive into the Location.
        assert "\\" not in location and "\t" not in location, (target, location)
        assert urlsplit(urljoin("https://portal.example/login", location)).netloc == \
            "portal.example", (target, location)
        assert location.startswith("/") and not location.startswith("//"), (target, location)
        client.post("/logout", data={"csrf_token": _token(client, "/account/password")})


@pytest.mark.parametrize("target", ["/hotline/\r\nSet-Cookie: evil=1", "/hotline/\nx"])
def test_next_with_control_characters_goes_home(client, target):
    response = _post_login(client, "20001", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --------------------------------------------------------------------------- wrong credentials


def test_wrong_password_and_unknown_number_look_the_same(app, client):
    wrong = _post_login(client, "20001", "not-the-password")
    unknown = _post_login(client, "99999", "not-the-password")
    expected = _zh(app, "Wrong employee number or password.")
    for response, number in ((wrong, "20001"), (unknown, "99999")):
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert _login_error(html) == expected
        inputs = _Inputs(html).fields
        assert inputs["employee_no"]["value"] == number  # what the user typed stays
        assert inputs["password"].get("value", "") == ""  # the password is never sent back
        assert "not-the-password" not in html
    assert not _signed_in(client)
    assert _employee(app, "20001")["failed_logins"] == 1


BAD_FORMS = [  # (form data, field, message next to it)
    ({"employee_no": "", "password": "x"}, "employee_no", "Please enter your employee number."),
    ({"password": "x"}, "employee_no", "Please enter your employee number."),
    ({"employee_no": "20001", "password": ""}, "password", "Please enter your password."),
    ({"employee_no": "20001"}, "password", "Please enter your password."),
    ({"employee_no": "20 001!", "password": "x"}, "employee_no", "Employee numbers are digits."),
    ({"employee_no": "<script>", "password": "x"}, "employee_no",
     "Employee numbers are digits."),
]


def test_missing_or_malformed_fields_get_a_field_error(app, client):
    for data, field, message in BAD_FORMS:
        response = client.post("/login", data=data | {"csrf_token": _token(client)})
        html = response.get_data(as_text=True)
        assert response.status_code == 400, data
        assert _field_errors(html, field) == [_zh(app, message)], data
        if data.get("employee_no"):  # what the user typed stays, escaped
            assert _Inputs(html).fields["employee_no"]["value"] == data["employee_no"]
        assert "<script>" not in html
        assert _no_traceback(html)


def test_over_long_values_get_a_field_error_not_a_500(app, client):
    for field, data in (("employee_no", {"employee_no": "1" * 500, "password": "x"}),
                        ("password", {"employee_no": "20001", "password": "p" * 5000})):
        response = client.post("/login", data=data | {"csrf_token": _token(client)})
        html = response.get_data(as_text=True)
        assert response.status_code == 400, field
        assert len(_field_errors(html, field)) == 1, field
        assert _no_traceback(html)
        if field == "employee_no":
            assert _Inputs(html).fields["employee_no"]["value"] == data["employee_no"]
    assert _employee(app, "20001")["failed_logins"] == 0  # never reached the password check


def test_missing_csrf_token_gives_the_friendly_400_page(app, client):
    response = client.post("/login", data={"employee_no": "20001", "password": DEMO_PASSWORD})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'data-status="400"' in html
    assert _zh(app, "The form expired or its security token is missing. Reload the page and "
                    "try again; what you typed was not saved.") in html
    assert _no_traceback(html)
    assert not _signed_in(client)


def test_a_token_from_another_session_is_refused(app, client):
    other = app.test_client()
    response = client.post("/login", data={"employee_no": "20001", "password": DEMO_PASSWORD,
                                           "csrf_token": _token(other)})
    assert response.status_code == 400
    assert 'data-status="400"' in response.get_data(as_text=True)
    assert not _signed_in(client)


# --------------------------------------------------------------------------- lockout


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(app, client):
    max_failures = app.config["LOGIN_MAX_FAILURES"]
    minutes = app.config["LOGIN_LOCK_MINUTES"]
    assert (max_failures, minutes) == (5, 15)
    wrong = _zh(app, "Wrong employee number or password.")

    # A success in between resets the count: failures must come in a row.
    for _ in range(4):
        assert _login_error(_post_login(client, "30001", "wrong").get_data(as_text=True)) == wrong
    assert _employee(app, "30001")["failed_logins"] == 4
    assert _post_login(client, "30001").status_code == 302
    assert _employee(app, "30001")["failed_logins"] == 0
    client.post("/logout", data={"csrf_token": _token(client, "/account/password")})

    for attempt in range(1, 6):
        response = _post_login(client, "30001", "wrong")
        assert response.status_code == 400
        message = _login_error(response.get_data(as_text=True))
        if attempt < 5:
            assert message == wrong
        else:
            assert message == _zh(app, "%(n)s wrong passwords in a row: the account is locked "
                                       "for %(m)s minutes.", n=5, m=15)
    state = _employee(app, "30001")
    lock = state["locked_until"] - utcnow()
    assert timedelta(minutes=14) < lock <= timedelta(minutes=15)

    # The sixth attempt, even with the right password, is refused.
    response = _post_login(client, "30001")
    assert response.status_code == 400
    assert _login_error(response.get_data(as_text=True)) == _zh(
        app, "This account is locked. Try again in %(minutes)s minutes.", minutes=15)
    assert not _signed_in(client)
    # Other accounts are not affected.
    other = app.test_client()
    assert _post_login(other, "31001").status_code == 302

    # Once the lock has run out, the right password works and the failures are reset.
    _update_employee(app, "30001", locked_until=utcnow() - timedelta(seconds=1))
    response = _post_login(client, "30001")
    assert response.status_code == 302
    state = _employee(app, "30001")
    assert state["failed_logins"] == 0 and state["locked_until"] is None
    assert _signed_in(client)


def test_deactivated_employee_cannot_sign_in(app, client):
    _update_employee(app, "30003", active=False)
    response = _post_login(client, "30003")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _login_error(html) == _zh(
        app, "This account is deactivated. Please contact the administrator.")
    assert _Inputs(html).fields["employee_no"]["value"] == "30003"
    assert not _signed_in(client)


def test_deactivation_ends_an_open_session(app, client):
    assert _post_login(client, "30003").status_code == 302
    assert client.get("/stores/").status_code == 200
    _update_employee(app, "30003", active=False)
    response = client.get("/stores/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


# --------------------------------------------------------------------------- passwords


def _create_employee(app, one_time_password: str) -> int:
    with app.app_context(), acting_as(None, "test-admin"), transaction():
        employee = masterdata.save_employee(
            Employee(),
            {"employee_no": "70001", "name": "新员工", "org_unit_id": factories.org_unit("HQ").id},
            [factories.group("agent").id],
            one_time_password,
        )
        return employee.id


def test_admin_created_user_must_change_the_password_first(app, client):
    one_time = "Einmal-2026"
    employee_id = _create_employee(app, one_time)
    assert _employee(app, "70001")["must_change_password"] is True

    response = _post_login(client, "70001", one_time)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"
    # Nothing else opens until the password is changed.
    for path in ("/", "/hotline/", "/admin/", "/reports/", "/login"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/password", path
    page = client.get("/account/password")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    fields = _Inputs(html).fields
    assert "current_password" not in fields  # the one-time password was just typed
    assert {"new_password", "confirm"} <= set(fields)

    def change(new, confirm):
        token = _token(client, "/account/password")
        return client.post("/account/password",
                           data={"new_password": new, "confirm": confirm, "csrf_token": token})

    response = change("short1", "short1")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _field_errors(html, "new_password") == [
        _zh(app, "The new password needs at least %(n)s characters.", n=10)]
    assert "short1" not in html

    response = change("MyOwnPass-2026", "MyOwnPass-2062")
    assert response.status_code == 400
    assert _field_errors(response.get_data(as_text=True), "confirm") == [
        _zh(app, "The two passwords differ.")]

    response = change(one_time, one_time)
    assert response.status_code == 400
    assert _field_errors(response.get_data(as_text=True), "new_password") == [
        _zh(app, "The new password must differ from the old one.")]

    response = change("", "")
    assert response.status_code == 400
    assert _field_errors(response.get_data(as_text=True), "new_password") == [
        _zh(app, "Please enter a new password.")]
    assert _employee(app, "70001")["must_change_password"] is True

    response = change("MyOwnPass-2026", "MyOwnPass-2026")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/hotline/"
    assert client.get("/hotline/").status_code == 200
    state = _employee(app, "70001")
    assert state["must_change_password"] is False

    # The audit trail records the change, made by the employee, without any hash value.
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.table_name == "employees",
                                        AuditEvent.record_id == str(employee_id))
            .order_by(AuditEvent.id)
        ).all()
        trail = [(e.action, e.actor_id, e.changes) for e in events]
    assert [action for action, _, _ in trail] == ["create", "update"]
    _, actor_id, changes = trail[-1]
    assert actor_id == employee_id
    assert changes["password_hash"][0] != changes["password_hash"][1]
    assert changes["must_change_password"] == ["True", "False"]
    dumped = json.dumps([c for _, _, c in trail], ensure_ascii=False)
    for secret in (state["password_hash"], "scrypt", "pbkdf2", one_time, "MyOwnPass-2026"):
        assert secret not in dumped

    # From now on the new password opens the landing page directly; the one-time one is dead.
    client.post("/logout", data={"csrf_token": _token(client, "/account/password")})
    assert _post_login(client, "70001", one_time).status_code == 400
    response = _post_login(client, "70001", "MyOwnPass-2026")
    assert response.headers["Location"] == "/"
    assert client.get("/", follow_redirects=True).request.path == "/hotline/"


def test_change_my_password_needs_the_current_one(app, client):
    assert _post_login(client, "40001").status_code == 302
    page = client.get("/account/password").get_data(as_text=True)
    assert "current_password" in _Inputs(page).fields
    old_hash = _employee(app, "40001")["password_hash"]

    def change(current):
        return client.post("/account/password", data={
            "current_password": current, "new_password": "Lager-Neu-1", "confirm": "Lager-Neu-1",
            "csrf_token": _token(client, "/account/password")})

    for current in ("wrong-one", ""):
        response = change(current)
        assert response.status_code == 400
        assert _field_errors(response.get_data(as_text=True), "current_password") == [
            _zh(app, "The current password is wrong.")]
        assert _employee(app, "40001")["password_hash"] == old_hash

    response = change(DEMO_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _employee(app, "40001")["password_hash"] != old_hash
    client.post("/logout", data={"csrf_token": _token(client, "/account/password")})
    assert _post_login(client, "40001").status_code == 400
    assert _post_login(client, "40001", "Lager-Neu-1").status_code == 302


# --------------------------------------------------------------------------- logout, session


def test_logout_by_post_clears_the_session(client):
    assert _post_login(client, "20001").status_code == 302
    assert client.get("/hotline/").status_code == 200
    response = client.post("/logout", data={"csrf_token": _token(client, "/account/password")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    with client.session_transaction() as session:
        assert "_user_id" not in session
    response = client.get("/hotline/")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login" and parse_qs(location.query)["next"] == ["/hotline/"]


def test_logout_by_get_is_not_allowed(client):
    assert _post_login(client, "20001").status_code == 302
    response = client.get("/logout")
    assert response.status_code == 405
    assert 'data-status="405"' in response.get_data(as_text=True)
    assert _signed_in(client)


def test_expired_session_asks_to_sign_in_again(app, client, monkeypatch):
    assert _post_login(client, "20001").status_code == 302
    token = _token(client, "/account/password")
    lifetime = app.permanent_session_lifetime.total_seconds()
    real = itsdangerous.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp",
                        lambda self: real(self) + int(lifetime) + 60)
    response = client.get("/hotline/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    # A form sent with the expired session is refused with the friendly page.
    response = client.post("/account/password", data={
        "current_password": DEMO_PASSWORD, "new_password": "Neu-Pass-99", "confirm": "Neu-Pass-99",
        "csrf_token": token})
    assert response.status_code == 400
    assert 'data-status="400"' in response.get_data(as_text=True)


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[-1]


def _flags(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_session_cookie_flags_over_http(client):
    response = _post_login(client, "20001")
    flags = _flags(_session_cookie(response))
    assert "httponly" in flags and "samesite=lax" in flags
    assert "secure" not in flags


def test_session_cookie_is_secure_over_https(app):
    client = app.test_client()
    https = {"base_url": "https://localhost"}
    flags = _flags(_session_cookie(client.get("/login", **https)))
    assert {"secure", "httponly", "samesite=lax"} <= flags
    token = _token(client, "/login", **https)
    # Over HTTPS Flask-WTF also checks the Referer, which a browser sends (same-origin policy).
    response = client.post("/login", data={"employee_no": "20001", "password": DEMO_PASSWORD,
                                           "csrf_token": token},
                           headers={"Referer": "https://localhost/login"}, **https)
    assert response.status_code == 302
    assert {"secure", "httponly", "samesite=lax"} <= _flags(_session_cookie(response))


# --------------------------------------------------------------------------- headers


def _csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no CSP on {response.request.path}"
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def test_content_security_policy_on_pages(client):
    responses = [client.get("/login"), client.get("/nowhere")]
    _post_login(client, "20001")
    responses += [client.get("/hotline/"), client.get("/admin/"), client.get("/account/password")]
    assert [r.status_code for r in responses] == [200, 404, 200, 403, 200]
    for response in responses:
        directives = _csp(response)
        assert "'self'" in directives["script-src"]
        html = response.get_data(as_text=True)
        # The policy forbids inline code, so the pages must not carry any.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), response.request.path
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", html), response.request.path
