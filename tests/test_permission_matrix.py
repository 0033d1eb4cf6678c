"""Every route × every demo account: the menu and the server's permission checks agree.

Routes come from `app.url_map`, so a route added later is covered automatically. What a view
requires is read from the `required_permissions` attribute that `permission_required` puts on
the view; a view without it must be listed below as public or login-only, so a new route that
forgot its permission decorator fails `test_every_endpoint_is_classified`.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import url_for

from portal.blueprints.admin.registry import KINDS
from portal.extensions import db
from portal.models import Employee
from portal.services.core.duties import AREAS, PERMISSIONS
from tests import factories

DEMO_PASSWORD = "demo1234"

# The demo accounts and the permission group each one belongs to.
ACCOUNTS = {
    "10001": "admin",
    "20001": "agent",
    "20002": "agent_lead",
    "30001": "store_rep",
    "30002": "store_supervisor",
    "30003": "technician",
    "31001": "store_rep",
    "40001": "warehouse_clerk",
    "40002": "warehouse_manager",
    "50001": "qa_inspector",
    "60001": "service_manager",
}

# The business requirement (issue): the landing pages each group opens, in menu order; the
# first one is where the home page sends the user.
LANDING = {
    "admin": ["/admin/"],
    "agent": ["/hotline/"],
    "agent_lead": ["/hotline/", "/reports/"],
    "store_rep": ["/stores/"],
    "technician": ["/stores/"],
    "store_supervisor": ["/stores/", "/reports/"],
    "warehouse_clerk": ["/warehouse/"],
    "warehouse_manager": ["/warehouse/", "/reports/"],
    "qa_inspector": ["/qa/"],
    "service_manager": ["/hotline/", "/stores/", "/warehouse/", "/qa/", "/reports/"],
}
SIX_LANDINGS = ["/hotline/", "/stores/", "/warehouse/", "/qa/", "/reports/", "/admin/"]

# Views without `required_permissions`. Values: the GET status expected (anonymous, signed in),
# or None for a POST-only route.
PUBLIC = {
    "static": (200, 200),
    "auth.login": (200, 302),  # a signed-in user is sent home
    "main.healthz": (200, 200),
    "auth.set_language": None,
}
LOGIN_ONLY = {
    "main.home": 302,  # redirects to the first landing page
    "auth.change_password": 200,
    "auth.logout": None,
}

# Form data for POST routes: what would change something if the request were accepted.
POST_DATA = {
    "auth.login": {"employee_no": "20001", "password": DEMO_PASSWORD},
    "auth.logout": {},
    "auth.change_password": {"current_password": DEMO_PASSWORD,
                             "new_password": "a-brand-new-pass", "confirm": "a-brand-new-pass"},
    "auth.set_language": {"locale": "en"},
}
ADMIN_POST_DATA = {  # fields of every master data form; unknown ones are ignored
    "code": "HACK1", "name": "篡改的名称", "employee_no": "77777", "serial": "HACK-SN-1",
    "category": "装饰玻璃", "unit": "个", "valid_from": "2026-01-01", "kind": "branch",
    "one_time_password": "hack-pass-123", "phone_mobile": "13900000000", "active": "0",
}


@dataclass(frozen=True)
class Target:
    endpoint: str
    url: str
    methods: frozenset
    required: tuple | None  # permissions, any one of which opens the view
    # Accounts that may see the record in the URL (None: all who hold the permission); for
    # the others the record "does not exist" (404), see permissions.ensure_visible.
    visible_to: frozenset | None = None

    @property
    def public(self) -> bool:
        return self.endpoint in PUBLIC


# Master data kinds without reference data: how to make one record to build URLs with.
MAKE_RECORD = {
    "customers": factories.customer,
    "products": lambda: factories.product(factories.customer()),
}
MARK = "权限矩阵测试"  # short text of the tickets made here, so a second call finds them


@dataclass(frozen=True)
class Records:
    """Existing records to fill URL variables with, and who may see the scoped ones."""

    master: dict  # slug → id of the newest record of that master data kind
    customer_id: int
    product_id: int
    ticket_number: str
    ticket_viewers: frozenset
    other_number: str  # a ticket of another branch (S4002)
    other_viewers: frozenset
    feedback_number: str
    feedback_engineer: str
    callback_id: int
    call_record_id: int


def _records() -> Records:
    from portal.models import (
        Callback,
        CallbackKind,
        CallCategory,
        CallRecord,
        Product,
        Ticket,
        TicketStatus,
    )
    from portal.services.core.duties import visible_org_ids
    from portal.services.hotline import calls
    from portal.services.tickets import lifecycle as tickets
    from portal.services.tickets.workflow import schedule_callback

    master = {}
    for slug, kind in KINDS.items():
        newest = sa.select(sa.func.max(kind.model.id))
        if db.session.scalar(newest) is None and slug in MAKE_RECORD:
            MAKE_RECORD[slug]()
        master[slug] = db.session.scalar(newest)
        assert master[slug], f"no {slug} record to build URLs with: add a builder to MAKE_RECORD"
    product = db.session.scalar(sa.select(Product).where(Product.customer_id.is_not(None))
                                .order_by(Product.id.desc()).limit(1))
    owner = product.customer

    mine = sa.select(Ticket).where(Ticket.short_text == MARK).order_by(Ticket.id)
    if not db.session.scalars(mine).first():
        agent, branch = factories.employee("20001"), factories.org_unit("S4001")
        ticket = tickets.create_ticket(tickets.TicketDraft(
            customer=owner, product=product, short_text=MARK, branch_id=branch.id), agent)
        awaiting = tickets.create_ticket(tickets.TicketDraft(
            customer=owner, short_text=MARK, branch_id=branch.id), agent)
        awaiting.status = TicketStatus.AWAITING_FEEDBACK
        awaiting.feedback_engineer = factories.employee("30003")
        tickets.create_ticket(tickets.TicketDraft(
            customer=owner, short_text=MARK, branch_id=factories.org_unit("S4002").id), agent)
        schedule_callback(ticket, CallbackKind.AFTER_SERVICE, timedelta(days=3))
        db.session.commit()
        calls.save_call(calls.CallDraft(content=MARK, category=CallCategory.GENERAL,
                                        customer=owner), agent)
    ticket, awaiting, other = db.session.scalars(mine).all()[:3]

    def sees(employee_no: str, record=ticket) -> bool:
        ids = visible_org_ids(factories.employee(employee_no))
        return ids is None or record.branch_id in ids

    return Records(
        master=master, customer_id=owner.id, product_id=product.id,
        ticket_number=ticket.number,
        ticket_viewers=frozenset(no for no in ACCOUNTS if sees(no)),
        other_number=other.number,
        other_viewers=frozenset(no for no in ACCOUNTS if sees(no, other)),
        feedback_number=awaiting.number,
        feedback_engineer=awaiting.feedback_engineer.employee_no,
        callback_id=db.session.scalar(
            sa.select(Callback.id).where(Callback.ticket_id == ticket.id)),
        call_record_id=db.session.scalar(
            sa.select(CallRecord.id).where(CallRecord.content == MARK)),
    )


def _url_values(rule, rec: Records) -> list[tuple[dict, frozenset | None]]:
    """Values for the rule's URL variables (plus any query the view needs), with the accounts
    that may see the record (None: everyone allowed); one entry per URL to try."""
    args = frozenset(rule.arguments)
    endpoint = rule.endpoint
    if endpoint == "static":
        return [({"filename": "css/portal.css"}, None)]
    if endpoint == "hotline.new_ticket":  # opened from a caller card: needs the customer
        return [({"customer": rec.customer_id}, None)]
    if not args:
        return [({}, None)]
    if endpoint.startswith("admin.") and args == {"slug"}:
        return [({"slug": slug}, None) for slug in KINDS]
    if endpoint.startswith("admin.") and args == {"slug", "record_id"}:
        return [({"slug": slug, "record_id": rec.master[slug]}, None) for slug in KINDS]
    if endpoint.startswith("hotline.feedback_") and args == {"number"}:
        # Only the engineer named on the ticket answers it; for anyone else it is not there.
        return [({"number": rec.feedback_number}, frozenset({rec.feedback_engineer}))]
    if args == {"number"} and endpoint.startswith(TICKET_ROUTES):
        return [({"number": rec.ticket_number}, rec.ticket_viewers),
                ({"number": rec.other_number}, rec.other_viewers)]
    if args == {"customer_id"}:
        return [({"customer_id": rec.customer_id}, None)]
    if args == {"customer_id", "product_id"}:
        return [({"customer_id": rec.customer_id, "product_id": rec.product_id}, None)]
    if args == {"callback_id"}:
        return [({"callback_id": rec.callback_id}, None)]
    if endpoint == "hotline.mark_reviewed":
        return [({"record_id": rec.call_record_id}, None)]
    # A route this table does not know yet: a value that names no record. The permission
    # check still runs first (403 for the others); those allowed get the friendly 404.
    return [({name: NO_RECORD[type(rule._converters[name]).__name__] for name in args},
             frozenset())]


# Routes whose <number> is a ticket's: tried with a ticket of S4001 and one of S4002.
TICKET_ROUTES = ("hotline.ticket_", "stores.", "qa.", "documents.repair_receipt")

NO_RECORD = {"IntegerConverter": 999_999_999, "UnicodeConverter": "NO-SUCH-RECORD",
             "PathConverter": "NO-SUCH-RECORD", "UUIDConverter": "0" * 32}


def _targets(app) -> list[Target]:
    with app.test_request_context():
        rec = _records()
        adapter = app.url_map.bind("localhost")
        out = []
        for rule in app.url_map.iter_rules():
            view = app.view_functions[rule.endpoint]
            required = getattr(view, "required_permissions", None)
            for values, visible_to in _url_values(rule, rec):
                url = url_for(rule.endpoint, **values)
                method = "GET" if "GET" in rule.methods else "POST"
                matched, _ = adapter.match(urlsplit(url).path, method=method, return_rule=True)
                assert matched is rule, f"{url} does not reach {rule.rule}"
                out.append(Target(rule.endpoint, url, frozenset(rule.methods), required,
                                  visible_to))
    return out


def _permissions(app, employee_no: str) -> set[str]:
    with app.app_context():
        employee = db.session.scalar(sa.select(Employee).where(Employee.employee_no == employee_no))
        assert employee.group_codes == {ACCOUNTS[employee_no]}
        return set(employee.permissions)


def _allowed(target: Target, perms: set[str]) -> bool:
    return bool(set(target.required) & perms)


def _csrf_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _login(client, employee_no: str) -> None:
    token = _csrf_token(client, "/login")
    response = client.post("/login", data={"employee_no": employee_no,
                                           "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"{employee_no} could not sign in"


def _is_login_redirect(response, url: str) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/login" and parse_qs(location.query).get("next") == [url]


def _friendly_error(response, status: int) -> str | None:
    """None if `response` is the friendly error page for `status`, else what is wrong."""
    body = response.get_data(as_text=True)
    if response.status_code != status:
        return f"status {response.status_code}, expected {status}"
    if f'data-status="{status}"' not in body:
        return f"no friendly error page (data-status=\"{status}\")"
    if "Traceback" in body or 'File "' in body:
        return "traceback text in the error page"
    return None


class _Sidebar(HTMLParser):
    """Collects (data-area, href) of the links inside <nav class="sidebar">."""

    def __init__(self, html: str):
        super().__init__()
        self.depth = 0
        self.areas: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and (self.depth or "sidebar" in (attrs.get("class") or "").split()):
            self.depth += 1
        elif tag == "a" and self.depth and "data-area" in attrs:
            self.areas.append((attrs["data-area"], attrs.get("href")))

    def handle_endtag(self, tag):
        if tag == "nav" and self.depth:
            self.depth -= 1


def _count(table):
    """Rows of `table`; refused attempts kept on record (QA) are not a change."""
    stmt = sa.select(sa.func.count()).select_from(table)
    return stmt.where(table.c.action != "refused") if table.name == "audit_events" else stmt


def _snapshot(app):
    """What a refused POST must leave alone: row counts (the audit trail records every business
    change) and the employee columns the audit trail leaves out."""
    with app.app_context():
        counts = db.session.execute(sa.select(*(  # one round trip for all tables
            _count(t).scalar_subquery().label(t.name)
            for t in db.metadata.sorted_tables))).one()._asdict()
        employees = db.session.execute(
            sa.select(Employee.id, Employee.active, Employee.locale, Employee.failed_logins,
                      Employee.locked_until, Employee.password_hash,
                      Employee.must_change_password).order_by(Employee.id)
        ).all()
        return counts, employees


def _post_data(target: Target) -> dict:
    if target.endpoint.startswith("admin."):
        return dict(ADMIN_POST_DATA)
    return dict(POST_DATA.get(target.endpoint, {}))


# --------------------------------------------------------------------------- classification


def test_every_endpoint_is_classified(app):
    unclassified, contradictory, unknown = [], [], []
    for endpoint, view in app.view_functions.items():
        required = getattr(view, "required_permissions", None)
        listed = endpoint in PUBLIC or endpoint in LOGIN_ONLY
        if required:
            if listed:
                contradictory.append(endpoint)
            unknown += [f"{endpoint}: {p}" for p in required if p not in PERMISSIONS]
        elif not listed:
            unclassified.append(endpoint)
    assert not unclassified, (
        f"views without @permission_required and not listed as public or login-only: "
        f"{unclassified}")
    assert not contradictory, f"listed as public/login-only but permission-guarded: {contradictory}"
    assert not unknown, f"permissions outside the vocabulary: {unknown}"
    other_methods = [f"{rule.rule}: {sorted(rule.methods - {'GET', 'HEAD', 'OPTIONS', 'POST'})}"
                     for rule in app.url_map.iter_rules()
                     if rule.methods - {"GET", "HEAD", "OPTIONS", "POST"}]
    assert not other_methods, f"methods this matrix does not exercise yet: {other_methods}"
    stale = (set(PUBLIC) | set(LOGIN_ONLY)) - set(app.view_functions)
    assert not stale, f"listed endpoints that no longer exist: {stale}"
    assert not set(PUBLIC) & set(LOGIN_ONLY)


def test_landing_table_matches_the_menu_areas():
    area_urls = {f"/{code}/" for code, *_ in AREAS}
    assert area_urls == set(SIX_LANDINGS)
    assert set(LANDING) == set(ACCOUNTS.values())


# --------------------------------------------------------------------------- GET matrix


@pytest.mark.parametrize("employee_no", list(ACCOUNTS))
def test_get_routes_menu_and_landing_agree(app, client, employee_no):
    group = ACCOUNTS[employee_no]
    targets = [t for t in _targets(app) if "GET" in t.methods]
    perms = _permissions(app, employee_no)
    _login(client, employee_no)

    problems, statuses = [], {}
    for target in targets:
        response = client.get(target.url)
        statuses[target.url] = response.status_code
        where = f"{employee_no} ({group}) GET {target.url}"
        if target.required:
            hidden = target.visible_to is not None and employee_no not in target.visible_to
            if _allowed(target, perms) and hidden:
                if error := _friendly_error(response, 404):  # the record is not theirs
                    problems.append(f"{where}: {error}")
            elif _allowed(target, perms):
                if response.status_code != 200:
                    problems.append(f"{where}: {response.status_code}, expected 200")
            elif error := _friendly_error(response, 403):
                problems.append(f"{where}: {error}")
        elif target.public:
            expected = PUBLIC[target.endpoint][1]
            if response.status_code != expected:
                problems.append(f"{where}: {response.status_code}, expected {expected}")
        elif response.status_code != LOGIN_ONLY[target.endpoint]:
            problems.append(f"{where}: {response.status_code}, "
                            f"expected {LOGIN_ONLY[target.endpoint]}")
    assert not problems, "\n".join(problems)

    # The landing table of the issue: exactly these of the six open, the others answer 403.
    expected = LANDING[group]
    for url in SIX_LANDINGS:
        assert statuses[url] == (200 if url in expected else 403), (employee_no, url)

    # Home sends the user to the first landing page; its menu lists exactly the open areas.
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == expected[0]
    opened = [url for url in SIX_LANDINGS if statuses[url] == 200]
    for page in (expected[0], "/account/password"):
        menu = _Sidebar(client.get(page).get_data(as_text=True)).areas
        assert [href for _, href in menu] == expected, (employee_no, page, menu)
        assert [f"/{code}/" for code, _ in menu] == expected
        assert sorted(href for _, href in menu) == sorted(opened)


def test_anonymous_gets_are_sent_to_login(app, client):
    problems = []
    for target in _targets(app):
        if "GET" not in target.methods:
            continue
        response = client.get(target.url)
        if target.public:
            expected = PUBLIC[target.endpoint][0]
            if response.status_code != expected:
                problems.append(f"GET {target.url}: {response.status_code}, expected {expected}")
        elif not _is_login_redirect(response, target.url):
            problems.append(f"GET {target.url}: {response.status_code} "
                            f"{response.headers.get('Location')}, expected /login?next=")
    assert not problems, "\n".join(problems)

    # The sign-in page carries the `next` the redirect asked for.
    page = client.get("/login?next=/hotline/", follow_redirects=True).get_data(as_text=True)
    assert re.search(r'name="next"[^>]*value="/hotline/"', page)


# --------------------------------------------------------------------------- POST routes


def _post_targets(app) -> list[Target]:
    targets = [t for t in _targets(app) if "POST" in t.methods]
    assert {t.endpoint for t in targets} >= {"auth.logout", "auth.set_language",
                                             "admin.set_active"}
    return targets


def test_anonymous_posts_are_refused(app, client):
    problems = []
    targets = _post_targets(app)
    before = _snapshot(app)
    for target in targets:
        data = _post_data(target)
        response = client.post(target.url, data=data)  # no CSRF token
        if not (response.status_code == 400 or _is_login_redirect(response, target.url)):
            problems.append(f"POST {target.url} without token: {response.status_code}")
        elif response.status_code == 400 and (error := _friendly_error(response, 400)):
            problems.append(f"POST {target.url} without token: {error}")
        if target.public:
            continue
        # Even with a valid token (an anonymous session has one) sign-in is required.
        data["csrf_token"] = _csrf_token(client, "/login")
        response = client.post(target.url, data=data)
        if not _is_login_redirect(response, target.url):
            problems.append(f"POST {target.url} with token: {response.status_code} "
                            f"{response.headers.get('Location')}, expected /login?next=")
    assert not problems, "\n".join(problems)
    assert _snapshot(app) == before


def _allowed_account(target: Target, permissions: dict[str, set[str]]) -> str | None:
    for employee_no, perms in permissions.items():
        if target.required is None or _allowed(target, perms):
            return employee_no
    return None


class _SignedIn(dict):
    """One signed-in test client per account, created on first use."""

    def __init__(self, app):
        super().__init__()
        self.app = app

    def __missing__(self, employee_no):
        client = self[employee_no] = self.app.test_client()
        _login(client, employee_no)
        return client


def test_posts_without_csrf_token_are_refused_and_change_nothing(app):
    permissions = {no: _permissions(app, no) for no in ACCOUNTS}
    clients = _SignedIn(app)
    problems = []
    for target in _post_targets(app):
        employee_no = _allowed_account(target, permissions)
        assert employee_no, f"no demo account may POST {target.url}"
        client = clients[employee_no]
        before = _snapshot(app)
        response = client.post(target.url, data=_post_data(target))
        where = f"{employee_no} POST {target.url} without token"
        if error := _friendly_error(response, 400):
            problems.append(f"{where}: {error}")
        if _snapshot(app) != before:
            problems.append(f"{where}: data changed")
        if client.get("/account/password").status_code != 200:
            problems.append(f"{where}: the session did not survive")
    assert not problems, "\n".join(problems)


def test_forbidden_posts_with_token_answer_403_and_change_nothing(app):
    """A valid token is no key: the permission check guards POSTs too. Each route is tried by
    one account that lacks the permission, taking the accounts in turn."""
    permissions = {no: _permissions(app, no) for no in ACCOUNTS}
    clients, tokens = _SignedIn(app), {}
    problems = []
    guarded = [t for t in _post_targets(app) if t.required is not None]
    for i, target in enumerate(guarded):
        forbidden = [no for no, perms in permissions.items() if not _allowed(target, perms)]
        if not forbidden:
            continue
        employee_no = forbidden[i % len(forbidden)]
        client = clients[employee_no]
        if employee_no not in tokens:
            tokens[employee_no] = _csrf_token(client, "/account/password")
        before = _snapshot(app)
        response = client.post(target.url,
                               data=_post_data(target) | {"csrf_token": tokens[employee_no]})
        if error := _friendly_error(response, 403):
            problems.append(f"{employee_no} POST {target.url}: {error}")
        if _snapshot(app) != before:
            problems.append(f"{employee_no} POST {target.url}: data changed")
    assert not problems, "\n".join(problems)


def test_every_post_by_every_account_is_allowed_exactly_by_duty_and_org_unit(app):
    """Every guarded POST × the 11 demo accounts, records of other org units included.

    Without the route's duty: 403 and nothing written. With it but outside the record's org
    unit: 404 and nothing written. With both: never 403 and never a server error. The
    refusals run first, so an allowed request that changes data cannot hide one.
    """
    permissions = {no: _permissions(app, no) for no in ACCOUNTS}
    clients, tokens = _SignedIn(app), {}
    guarded = [t for t in _post_targets(app) if t.required is not None]
    problems, allowed = [], []

    def post(employee_no, target):
        client = clients[employee_no]
        if employee_no not in tokens:
            tokens[employee_no] = _csrf_token(client, "/account/password")
        return client.post(target.url,
                           data=_post_data(target) | {"csrf_token": tokens[employee_no]})

    for target in guarded:
        for employee_no in ACCOUNTS:
            hidden = target.visible_to is not None and employee_no not in target.visible_to
            if _allowed(target, permissions[employee_no]) and not hidden:
                allowed.append((employee_no, target))
                continue
            expected = 404 if _allowed(target, permissions[employee_no]) else 403
            before = _snapshot(app)
            response = post(employee_no, target)
            where = f"{employee_no} ({ACCOUNTS[employee_no]}) POST {target.url}"
            if error := _friendly_error(response, expected):
                problems.append(f"{where}: {error}")
            if _snapshot(app) != before:
                problems.append(f"{where}: data changed although refused")
    for employee_no, target in allowed:
        response = post(employee_no, target)
        if response.status_code == 403 or response.status_code >= 500:
            problems.append(f"{employee_no} ({ACCOUNTS[employee_no]}) POST {target.url}: "
                            f"{response.status_code} although the duty allows it")
    assert not problems, "\n".join(problems)
