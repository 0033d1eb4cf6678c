"""Locks after wrong passwords: the same answers for every number, at most five passwords
checked however many guesses arrive at once, the lock in the audit trail, the admin's unlock."""

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from markupsafe import escape

from portal import create_app
from portal.extensions import db
from portal.models import AuditEvent, Employee, UnknownSignIn
from portal.models.base import utcnow
from portal.services.core import auth

DEMO_PASSWORD = "demo1234"


def _zh(app, msgid: str, **variables) -> str:
    with app.test_request_context(), force_locale("zh_CN"):
        return str(escape(gettext(msgid, **variables)))


def _token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _answer(response) -> tuple[int, str | None]:
    match = re.search(r'data-testid="login-error">([^<]*)<', response.get_data(as_text=True))
    return response.status_code, match.group(1) if match else None


def _post(client, employee_no: str, password: str, token: str | None = None):
    return client.post("/login", data={"employee_no": employee_no, "password": password,
                                       "csrf_token": token or _token(client)})


def _state(app, employee_no: str) -> Employee:
    with app.app_context():
        employee = db.session.scalar(sa.select(Employee)
                                     .where(Employee.employee_no == employee_no))
        db.session.expunge(employee)
        return employee


def _lock_events(app, employee_id: int, action: str = "lock") -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.table_name == "employees", AuditEvent.record_id == str(employee_id),
            AuditEvent.action == action)).all()
        for event in events:
            db.session.expunge(event)
        return events


@pytest.fixture
def hash_checks(monkeypatch):
    """Counts the password hash checks sign-in makes (the dummy one included)."""
    calls = []
    real = auth.check_password_hash

    def spy(pwhash, password):
        calls.append(password)
        return real(pwhash, password)

    monkeypatch.setattr(auth, "check_password_hash", spy)
    return calls


# --------------------------------------------------------------------------- the same answers


def test_unknown_number_wrong_password_and_lock_answer_alike(app, client, hash_checks):
    """A guesser cannot tell a number that exists from one that does not: the same status and
    message at each attempt, the lock after the same count, and as many hash checks."""
    answers, checks = {}, {}
    for number in ("30001", "99999"):  # a store rep, and a number that names nobody
        answers[number], checks[number] = [], []
        for attempt in range(7):
            before = len(hash_checks)
            password = DEMO_PASSWORD if attempt == 6 else f"guess-{attempt}"
            answers[number].append(_answer(_post(client, number, password)))
            checks[number].append(len(hash_checks) - before)
    wrong = (400, _zh(app, "Wrong employee number or password."))
    locks = (400, _zh(app, "%(n)s wrong passwords in a row: the account is locked for "
                           "%(m)s minutes.", n=5, m=15))
    locked = (400, _zh(app, "This account is locked. Try again in %(minutes)s minutes.",
                       minutes=15))
    # The seventh is the right password of 30001: the lock holds, and says nothing more.
    assert answers["30001"] == [wrong] * 4 + [locks, locked, locked]
    assert answers["99999"] == answers["30001"]
    assert checks["30001"] == checks["99999"] == [1] * 5 + [0, 0]  # none once locked
    assert _state(app, "30001").locked_until > utcnow()


def test_four_wrong_then_right_signs_in_and_starts_the_count_again(app, client):
    for attempt in range(4):
        _post(client, "30001", f"guess-{attempt}")
    assert _post(client, "30001", DEMO_PASSWORD).status_code == 302
    state = _state(app, "30001")
    assert (state.failed_logins, state.locked_until) == (0, None)
    assert _lock_events(app, state.id) == []


def test_a_lock_that_ran_out_counts_afresh(app, client):
    for attempt in range(5):
        _post(client, "30001", f"guess-{attempt}")
    with app.app_context():
        db.session.execute(sa.update(Employee).where(Employee.employee_no == "30001")
                           .values(locked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert _answer(_post(client, "30001", "again-wrong")) == (
        400, _zh(app, "Wrong employee number or password."))
    state = _state(app, "30001")
    assert (state.failed_logins, state.locked_until) == (1, None)


def test_an_unknown_number_locks_across_app_processes(app):
    """Two app servers (or workers) over one database: the unknown number's count is in the
    database like an employee's, so it locks at the fifth guess wherever they land."""
    config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI",
                                                "SQLALCHEMY_ENGINE_OPTIONS", "SECRET_KEY")}
    other = create_app(config | {"TESTING": True, "RATELIMIT_ENABLED": False, "REDIS_URL": None})
    try:
        answers = {}
        for number in ("30001", "99999"):
            clients = [app.test_client(), other.test_client()]
            answers[number] = [_answer(_post(clients[i % 2], number, f"guess-{i}"))
                               for i in range(6)]
        assert answers["99999"] == answers["30001"]
        assert answers["99999"][4][1] == _zh(app, "%(n)s wrong passwords in a row: the "
                                                  "account is locked for %(m)s minutes.", n=5, m=15)
    finally:
        with other.app_context():
            db.engine.dispose()


def test_unknown_numbers_quiet_for_a_day_are_forgotten(app, client):
    with app.app_context():
        db.session.add_all([
            UnknownSignIn(employee_no="88888", failed_logins=4,
                          updated_at=utcnow() - timedelta(days=2)),
            UnknownSignIn(employee_no="88887", failed_logins=4, updated_at=utcnow())])
        db.session.commit()
    _post(client, "77777", "guess")  # any first failure tidies up
    with app.app_context():
        left = db.session.scalars(sa.select(UnknownSignIn.employee_no)
                                  .order_by(UnknownSignIn.employee_no)).all()
    assert left == ["77777", "88887"]


# --------------------------------------------------------------------------- parallel guesses


GUESSES = 40


def test_forty_parallel_guesses_check_at_most_five_passwords(app, monkeypatch):
    """40 sign-ins at once on one account, one of them with the right password.

    The spy holds every hash check until each of the 40 requests has either been answered or
    is checking its own hash: every guess has arrived before the first check ends (as on a
    real server, where a check takes ~100 ms and a reservation ~1 ms). Before the fix the
    count was read before the check, and all 40 passwords were checked.
    """
    real, progress = auth.check_password_hash, threading.Condition()
    state = {"checks": 0, "checking": 0, "answered": 0}

    def spy(pwhash, password):
        with progress:
            state["checks"] += 1
            state["checking"] += 1
            progress.notify_all()
            progress.wait_for(lambda: state["answered"] + state["checking"] >= GUESSES,
                              timeout=30)
        return real(pwhash, password)

    monkeypatch.setattr(auth, "check_password_hash", spy)
    right = 17
    clients = [app.test_client() for _ in range(GUESSES)]
    tokens = [_token(c) for c in clients]
    start, answers = threading.Barrier(GUESSES), [None] * GUESSES

    def guess(i):
        start.wait()
        try:
            response = _post(clients[i], "20001", DEMO_PASSWORD if i == right else f"g{i}",
                             tokens[i])
            answers[i] = _answer(response)
        finally:
            with progress:
                state["answered"] += 1
                progress.notify_all()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert state["checks"] == 5  # LOGIN_MAX_FAILURES, not one more
    locked = (400, _zh(app, "This account is locked. Try again in %(minutes)s minutes.",
                       minutes=15))
    assert answers.count(locked) == GUESSES - 5  # refused without a look at the password
    employee = _state(app, "20001")
    signed_in = answers[right] == (302, None)
    if signed_in and employee.locked_until is None:
        # The right password held the fifth slot: four wrong, then right, as in a row.
        assert employee.failed_logins == 0
        assert _lock_events(app, employee.id) == []
    else:
        # The usual case: the lock stands (a guess racing the right one is not forgiven).
        assert answers[right] in ((302, None), locked)
        assert employee.locked_until > utcnow() and employee.failed_logins == 5
        assert len(_lock_events(app, employee.id)) == 1
    assert sum(a == (302, None) for a in answers) == int(signed_in)


# --------------------------------------------------------------------------- audit, unlock


def test_a_lockout_is_in_the_audit_trail(app, client):
    employee_id = _state(app, "10001").id  # the administrator's own account locks too
    for attempt in range(5):
        _post(client, "10001", f"guess-{attempt}")
    state = _state(app, "10001")
    [event] = _lock_events(app, employee_id)  # written although each sign-in rolled back
    assert event.actor_id is None and event.actor_label == "127.0.0.1"
    assert event.changes["failed_logins"] == [None, "5"]
    assert event.changes["locked_until"][1] == state.locked_until.isoformat(sep=" ")
    # Attempts while locked add nothing; a number that names nobody writes nothing.
    _post(client, "10001", "again")
    for attempt in range(5):
        _post(client, "99999", f"guess-{attempt}")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "lock")) == 1


def _admin(app):
    client = app.test_client()
    assert _post(client, "10001", DEMO_PASSWORD).status_code == 302
    return client


def test_the_admin_sees_locked_accounts_and_unlocks_one(app, client):
    for attempt in range(5):
        _post(client, "30001", f"guess-{attempt}")
    admin = _admin(app)
    landing = admin.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/lockouts/"' in landing
    page = admin.get("/admin/lockouts/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    row = re.search(r'<tr data-employee="30001">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    state = _state(app, "30001")
    assert cells[0].strip() == escape(f"{state.name} (30001)")
    assert cells[3].strip() == "5" and cells[4].strip() == "127.0.0.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cells[1].strip())  # since
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cells[2].strip())  # until
    assert 'data-confirm="' in row and 'name="csrf_token"' in row
    assert html.count("<tr data-employee=") == 1  # only the locked one

    url = f"/admin/lockouts/{state.id}/unlock"
    assert admin.post(url).status_code == 400  # no CSRF token
    assert _state(app, "30001").locked_until is not None
    response = admin.post(url, data={"csrf_token": _token(admin, "/admin/lockouts/")})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/lockouts/"
    after = admin.get("/admin/lockouts/").get_data(as_text=True)
    assert "<tr data-employee=" not in after
    assert _zh(app, "%(employee)s can sign in again.", employee=f"{state.name} (30001)") in after
    unlocked = _state(app, "30001")
    assert (unlocked.failed_logins, unlocked.locked_until) == (0, None)
    [event] = _lock_events(app, state.id, "unlock")
    assert event.actor_id == _state(app, "10001").id
    assert event.changes["failed_logins"] == ["5", "0"]
    assert event.changes["locked_until"][1] is None
    assert _post(app.test_client(), "30001", DEMO_PASSWORD).status_code == 302

    # Unlocking again: nothing to unlock, said so, nothing written.
    response = admin.post(url, data={"csrf_token": _token(admin, "/admin/lockouts/")},
                          follow_redirects=True)
    assert _zh(app, "This account is not locked (any more).") in response.get_data(as_text=True)
    assert len(_lock_events(app, state.id, "unlock")) == 1


def test_only_the_admin_may_see_or_unlock(app, client):
    for attempt in range(5):
        _post(client, "30001", f"guess-{attempt}")
    locked = _state(app, "30001")
    agent = app.test_client()
    assert _post(agent, "20001", DEMO_PASSWORD).status_code == 302
    assert agent.get("/admin/lockouts/").status_code == 403
    response = agent.post(f"/admin/lockouts/{locked.id}/unlock",
                          data={"csrf_token": _token(agent, "/account/password")})
    assert response.status_code == 403
    assert _state(app, "30001").locked_until == locked.locked_until
    assert _lock_events(app, locked.id, "unlock") == []
