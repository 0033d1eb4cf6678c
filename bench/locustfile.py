"""Locust users for the HTTP load harness (bench/load.py drives them; see bench/README.md).

* `AgentUser`: the hotline agent. Signs in once (CSRF token from /login), then per call:
  lookup with the last 4 digits → with 6 digits (HTMX fragments) → the caller card (a full
  page: the result is a plain link) → 30 % save a call from the card's own form → 10 % the
  ticket list filtered by status + branch and one ticket from it. Think time between calls.
* `KindUser`: one request kind in a closed loop (no think time), for CPU ms per request.
* `SignInUser`: signs in once and then idles (the sign-in storm).
* `FloorUser`: GET / on the bare-Flask floor (bench/floor_app.py).

The callers, names, tickets and accounts come from a JSON file that bench/load.py draws
from the bench database (`BENCH_SAMPLES`, or `Samples.load(path)`). Standalone:

    .venv/bin/python bench/load.py --write-samples /tmp/samples.json
    BENCH_SAMPLES=/tmp/samples.json .venv/bin/locust -f bench/locustfile.py AgentUser \\
        --host http://127.0.0.1:5055 --headless -u 20 -r 5 -t 60s

Every request is sent without following redirects and counts as a failure unless it
answers 2xx or 3xx (a 3xx to /login — a lost session — is a failure too).
"""

import json
import os
import random
import re
import secrets
from urllib.parse import urlencode

from locust import FastHttpUser, between, constant, task

HTMX = {"HX-Request": "true"}
FORM = "application/x-www-form-urlencoded"
INPUT = re.compile(r"<input\b[^>]*>")
VALUE = re.compile(r'\bvalue="([^"]*)"')
PRODUCT_SELECT = re.compile(r'<select\b[^>]*\bname="product_id"[^>]*>(.*?)</select>', re.S)
OPTION_ID = re.compile(r'<option\b[^>]*\bvalue="(\d+)"')
TICKET_LINK = re.compile(r'href="/hotline/tickets/(BX[0-9A-Z-]+)"')


class Samples:
    """What exists in the bench data set: callers (customer id, phone digits), products..."""

    data: dict | None = None

    @classmethod
    def load(cls, path: str | None = None) -> dict:
        if cls.data is None or path:
            path = path or os.environ.get("BENCH_SAMPLES")
            if not path:
                raise RuntimeError("no samples: set BENCH_SAMPLES (bench/load.py --write-samples)")
            with open(path, encoding="utf-8") as fh:
                cls.data = json.load(fh)
        return cls.data


def hidden_inputs(html: str) -> dict[str, str]:
    """name → value of the page's <input> elements (csrf_token, submit_token, customer_id...)."""
    fields = {}
    for tag in INPUT.findall(html):
        name = re.search(r'\bname="([^"]+)"', tag)
        if name and name.group(1) not in fields:
            value = VALUE.search(tag)
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


class PortalUser(FastHttpUser):
    abstract = True
    # A 400-agent run queues requests for seconds: do not let the client give up first.
    network_timeout = 120.0
    connection_timeout = 120.0

    def on_start(self) -> None:
        self.samples = Samples.load()
        self.rng = random.Random()
        agents = self.samples["agents"]
        # Spread the users over the bench data set's agent accounts (20001, 20003–20020).
        self.account = agents[next(_counter) % len(agents)]
        self.csrf = None

    # -- one request, checked -------------------------------------------------------------

    def call(self, method: str, url: str, name: str, *, form: dict | None = None,
             htmx: bool = False, expect: str | None = None) -> str | None:
        """Send one request; a failure unless 2xx/3xx (3xx not to /login) and `expect` shows."""
        headers = dict(HTMX) if htmx else {}
        body = None
        if form is not None:
            headers["Content-Type"] = FORM
            if self.csrf:
                headers["X-CSRFToken"] = self.csrf  # what base.html's hx-headers sends
            body = urlencode(form)
        with self.client.request(method, url, name=name, data=body, headers=headers,
                                 allow_redirects=False, catch_response=True) as response:
            status = response.status_code or 0
            text = response.text or ""
            location = response.headers.get("Location", "") if response.headers else ""
            if not 200 <= status < 400:
                response.failure(f"HTTP {status}")
                return None
            if 300 <= status < 400 and "/login" in location and not url.startswith("/login"):
                response.failure(f"HTTP {status} to {location} (session lost)")
                return None
            if expect and expect not in text:
                response.failure(f"HTTP {status} without {expect!r}")
                return None
            response.success()
            return text if status < 300 else location

    def sign_in(self) -> bool:
        page = self.call("GET", "/login", "sign-in: GET /login", expect='name="csrf_token"')
        if page is None:
            return False
        token = hidden_inputs(page).get("csrf_token")
        self.csrf = None  # the sign-in form carries its own token; the session changes
        done = self.call("POST", "/login", "sign-in: POST /login",
                         form={"csrf_token": token, "employee_no": self.account,
                               "password": self.samples["password"], "next": ""})
        return done is not None

    # -- the hotline requests -------------------------------------------------------------

    def lookup(self, query: str, name: str) -> str | None:
        return self.call("GET", "/hotline/?" + urlencode({"q": query}), name, htmx=True)

    def card(self, customer_id: int) -> str | None:
        page = self.call("GET", f"/hotline/customers/{customer_id}", "caller card",
                         expect='name="submit_token"')
        if page is not None:
            self.csrf = hidden_inputs(page).get("csrf_token") or self.csrf
        return page

    def save_call(self, fields: dict, product_id: str) -> None:
        """POST the card's call form the way HTMX does (hx-post, X-CSRFToken header)."""
        form = {"csrf_token": fields.get("csrf_token", self.csrf or ""),
                "submit_token": fields.get("submit_token") or secrets.token_urlsafe(16),
                "customer_id": fields["customer_id"], "category": "business",
                "called_at": "", "product_id": product_id, "product_no": "",
                "fault_symptom": "", "requested_visit_at": "",
                "content": "客户来电咨询延保价格，已告知。", "handling_opinion": "已回复客户",
                "result": "", "resolver": "", "done_at": ""}
        self.call("POST", "/hotline/calls", "save a call", form=form, htmx=True,
                  expect='data-testid="call-form"')

    def ticket_list(self) -> str | None:
        args = {"view": "all", "q": "", "status": self.rng.choice(self.samples["statuses"]),
                "branch": str(self.rng.choice(self.samples["branches"])), "kind": "",
                "class": "", "from": "", "to": "", "sort": "newest"}
        return self.call("GET", "/hotline/tickets?" + urlencode(args),
                         "ticket list: status + branch", htmx=True)

    def ticket_detail(self, number: str | None = None) -> None:
        number = number or self.rng.choice(self.samples["tickets"])
        self.call("GET", f"/hotline/tickets/{number}", "ticket detail", expect=number)

    def name_lookup(self) -> None:
        self.lookup(self.rng.choice(self.samples["names"]), "lookup: name prefix")

    def fresh_csrf(self) -> None:
        page = self.call("GET", "/hotline/", "setup: GET /hotline/", expect='name="csrf_token"')
        if page is not None:
            self.csrf = hidden_inputs(page).get("csrf_token")


_counter = iter(range(10**9))


class AgentUser(PortalUser):
    """The hotline agent: one caller per iteration, think time between callers."""

    think = (8.0, 20.0)  # bench/load.py sets (2, 6) for the busy hour
    save_share = 0.30
    ticket_share = 0.10

    def wait_time(self):
        return between(*self.think)(self)

    def on_start(self) -> None:
        super().on_start()
        self.signed_in = self.sign_in()

    @task
    def one_caller(self) -> None:
        if not self.signed_in:
            self.signed_in = self.sign_in()
            return
        customer_id, digits = self.rng.choice(self.samples["callers"])
        self.lookup(digits[-4:], "lookup: 4 digits")
        self.lookup(digits[-6:], "lookup: 6 digits")
        page = self.card(customer_id)
        if page is not None and self.rng.random() < self.save_share:
            fields = hidden_inputs(page)
            select = PRODUCT_SELECT.search(page)
            products = OPTION_ID.findall(select.group(1)) if select else []
            self.save_call(fields, self.rng.choice(products) if products else "")
        if self.rng.random() < self.ticket_share:
            listing = self.ticket_list()
            numbers = TICKET_LINK.findall(listing or "")
            self.ticket_detail(self.rng.choice(numbers) if numbers else None)


class KindUser(PortalUser):
    """One request kind, back to back: CPU ms per request of that kind."""

    kind = "lookup6"  # bench/load.py sets it; see KINDS
    wait_time = constant(0)

    def on_start(self) -> None:
        super().on_start()
        self.sign_in()
        self.fresh_csrf()

    @task
    def one(self) -> None:
        KINDS[self.kind](self)


def _kind_save(user: KindUser) -> None:
    customer_id, product_id = user.rng.choice(user.samples["products"])
    user.save_call({"customer_id": str(customer_id)}, str(product_id))


KINDS = {
    "lookup4": lambda u: u.lookup(u.rng.choice(u.samples["callers"])[1][-4:], "lookup: 4 digits"),
    "lookup6": lambda u: u.lookup(u.rng.choice(u.samples["callers"])[1][-6:], "lookup: 6 digits"),
    "name": lambda u: u.name_lookup(),
    "card": lambda u: u.card(u.rng.choice(u.samples["callers"])[0]),
    "tickets": lambda u: u.ticket_list(),
    "detail": lambda u: u.ticket_detail(),
    "save": _kind_save,
}


class SignInUser(PortalUser):
    """Signs in once, then idles: N of them spawned over a minute is the sign-in storm."""

    wait_time = constant(10**6)

    @task
    def once(self) -> None:
        self.sign_in()


class FloorUser(FastHttpUser):
    """The bare-Flask floor (bench/floor_app.py): GET /, back to back."""

    wait_time = constant(0)

    @task
    def index(self) -> None:
        with self.client.get("/", name="floor: GET /", allow_redirects=False,
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
