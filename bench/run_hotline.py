"""Hotline response times, end to end through Flask, on a database built by bench/generate.py.

Each request goes through the real application with its test client: routing, sign-in
session, permission check, service, SQL and template rendering (no network, no web server).
Signed in as agent 20001. Reports median / p90 / p99 per scenario, and how much of it was SQL.

    .venv/bin/python bench/run_hotline.py                                    # bench/bench.db
    .venv/bin/python bench/run_hotline.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test_h6
    .venv/bin/python bench/run_hotline.py -n 200 --markdown --explain
"""

import argparse
import math
import os
import random
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from common import DEFAULT_URL, PG_EXAMPLE, bench_app, database_url

AGENT, PASSWORD = "20001", "demo1234"
TARGETS_MS = {"lookup": 50, "tickets": 100, "save": 50}
HTMX = {"HX-Request": "true"}
TICKET_LINK = re.compile(rb'href="/hotline/tickets/BX')


@dataclass
class Scenario:
    name: str
    group: str  # lookup / tickets / save: which target applies
    request: Callable[[random.Random], tuple[str, str, dict | None]]  # method, url, form
    times: list[float] = field(default_factory=list)
    cpu_times: list[float] = field(default_factory=list)  # this process only: Flask + SQLite
    sql_times: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    found: list[int] = field(default_factory=list)  # results shown (lookup) / rows (list)


class SqlMeter:
    """Time and count the statements of one request (cursor execute, not row fetching)."""

    def __init__(self, engine: sa.Engine):
        self.total = 0.0
        self.count = 0
        self.capture: list[tuple[str, object]] | None = None
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.total, self.count = 0.0, 0

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()
        if self.capture is not None:
            self.capture.append((statement, parameters))

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.total += time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
        self.count += 1


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def draw_samples(count: int, seed: int) -> dict:
    """Existing phones, names, ticket numbers and customers, chosen at random by id."""
    from portal.extensions import db
    from portal.models import OrgKind, OrgUnit

    rng = random.Random(seed)

    def ids(table: str, k: int) -> list[int]:
        top = db.session.scalar(sa.text(f"SELECT max(id) FROM {table}")) or 0
        if not top:
            raise SystemExit(f"{table} is empty: run bench/generate.py first")
        return [rng.randrange(1, top + 1) for _ in range(k)]

    def column(sql: str, table: str, k: int) -> list:
        rows = db.session.execute(sa.text(sql).bindparams(sa.bindparam("ids", expanding=True)),
                                  {"ids": ids(table, k * 3)}).scalars().all()
        rng.shuffle(rows)
        return rows[:k]

    first, last = db.session.execute(sa.text(
        "SELECT min(created_at), max(created_at) FROM tickets")).one()
    if isinstance(first, str):  # SQLite hands back text from a bare aggregate
        from datetime import datetime

        first, last = datetime.fromisoformat(first), datetime.fromisoformat(last)
    return {
        "phones": column("SELECT digits FROM customer_phones WHERE id IN :ids",
                         "customer_phones", count),
        "names": [n[:2] for n in column(
            "SELECT name FROM customers WHERE id IN :ids AND kind = 'person'", "customers",
            count)],
        "numbers": column("SELECT number FROM tickets WHERE id IN :ids", "tickets", count),
        "products": db.session.execute(sa.text(
            "SELECT customer_id, id FROM products WHERE id IN :ids AND customer_id IS NOT NULL")
            .bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": ids("products", count)}).all(),
        "branches": list(db.session.scalars(sa.select(OrgUnit.id).where(
            OrgUnit.kind == OrgKind.BRANCH))),
        "first_day": first.date(), "last_day": last.date(),
    }


def scenarios(samples: dict) -> list[Scenario]:
    from portal.models import TicketStatus

    def pick(rng, key):
        return rng.choice(samples[key])

    def lookup(make_query):
        return lambda rng: ("GET", "/hotline/?" + urlencode({"q": make_query(rng)}), None)

    def ticket_list(page: int, make=lambda rng: {}):
        """The filter form as HTMX sends it: every field, most of them blank."""
        def request(rng):
            args = {"view": "all", "q": "", "status": "", "branch": "", "kind": "",
                    "class": "", "from": "", "to": "", "sort": "newest", **make(rng)}
            if page > 1:
                args["page"] = str(page)
            return "GET", "/hotline/tickets?" + urlencode(args), None
        return request

    def by_status(rng):
        return {"status": rng.choice(list(TicketStatus)).value,
                "branch": str(rng.choice(samples["branches"]))}

    def by_number(rng):  # BX2025-0012: the first 11 characters, up to 100 tickets
        return {"q": pick(rng, "numbers")[:-2]}

    def by_dates(rng):  # a 30-day window somewhere in the two years
        span = (samples["last_day"] - samples["first_day"]).days - 31
        start = samples["first_day"] + timedelta(days=rng.randrange(max(span, 1)))
        return {"from": start.isoformat(), "to": (start + timedelta(days=30)).isoformat()}

    def save_call(rng):
        customer_id, product_id = rng.choice(samples["products"])
        return "POST", "/hotline/calls", {
            "submit_token": secrets.token_urlsafe(16), "customer_id": str(customer_id),
            "category": "business", "product_id": str(product_id),
            "content": "客户来电咨询延保价格，已告知。", "handling_opinion": "已回复客户",
        }

    return [
        Scenario("lookup: phone, last 4 digits", "lookup",
                 lookup(lambda rng: pick(rng, "phones")[-4:])),
        Scenario("lookup: phone, last 6 digits", "lookup",
                 lookup(lambda rng: pick(rng, "phones")[-6:])),
        Scenario("lookup: phone, first 7 digits", "lookup",
                 lookup(lambda rng: pick(rng, "phones")[:7])),
        Scenario("lookup: full phone", "lookup", lookup(lambda rng: pick(rng, "phones"))),
        Scenario("lookup: name prefix (2 chars)", "lookup", lookup(lambda rng: pick(rng, "names"))),
        Scenario("tickets: no filter, p1", "tickets", ticket_list(1)),
        Scenario("tickets: status + branch, p1", "tickets", ticket_list(1, by_status)),
        Scenario("tickets: status + branch, p2", "tickets", ticket_list(2, by_status)),
        Scenario("tickets: number prefix, p1", "tickets", ticket_list(1, by_number)),
        Scenario("tickets: number prefix, p2", "tickets", ticket_list(2, by_number)),
        Scenario("tickets: 30-day range, p1", "tickets", ticket_list(1, by_dates)),
        Scenario("tickets: 30-day range, p2", "tickets", ticket_list(2, by_dates)),
        Scenario("save call record", "save", save_call),
    ]


def send(client, rng, scenario: Scenario, meter: SqlMeter, record: bool) -> None:
    method, url, form = scenario.request(rng)
    meter.reset()
    cpu, start = time.process_time(), time.perf_counter()
    if method == "GET":
        response = client.get(url, headers=HTMX)
    else:
        response = client.post(url, data=form, headers=HTMX)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    body = response.get_data()
    if response.status_code != 200:
        raise SystemExit(f"{method} {url} answered {response.status_code}:\n{body[:2000]!r}")
    if record:
        scenario.times.append(elapsed * 1000)
        scenario.cpu_times.append(cpu * 1000)
        scenario.sql_times.append(meter.total * 1000)
        scenario.queries.append(meter.count)
        if scenario.group == "lookup":
            scenario.found.append(body.count(b'class="result-name"'))
        elif scenario.group == "tickets":
            scenario.found.append(len(TICKET_LINK.findall(body)))


def sign_in(client) -> None:
    response = client.post("/login", data={"employee_no": AGENT, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"sign-in as {AGENT} failed ({response.status_code})")


def explain(app, client, rng, items: list[Scenario], meter: SqlMeter) -> None:
    """One request per scenario, then the plan of each SELECT it ran (EXPLAIN ANALYZE on PG)."""
    from portal.extensions import db

    for scenario in items:
        meter.capture = []
        send(client, rng, scenario, meter, record=False)
        captured, meter.capture = meter.capture, None
        print(f"\n=== {scenario.name}")
        with app.app_context(), db.engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
            for statement, params in captured:
                if not statement.lstrip().upper().startswith("SELECT"):
                    print(f"-- (not explained) {' '.join(statement.split())[:150]}")
                    continue
                if "FROM employee" in statement or "FROM permission_groups" in statement:
                    continue  # the signed-in user's own row and groups: tiny tables
                print("-- " + " ".join(statement.split())[:600])
                rows = conn.exec_driver_sql(prefix + statement, params).all()
                for row in rows:
                    print("   " + (row[0] if postgres else f"{row[-1]}"))


def report(items: list[Scenario], markdown: bool) -> str:
    head = ("scenario", "n", "median ms", "p90 ms", "p99 ms", "max ms", "SQL median ms",
            "CPU median ms", "queries", "shown", "target ms", "met")
    rows = []
    for s in items:
        target = TARGETS_MS[s.group]
        median = percentile(s.times, 50)
        shown = f"{sum(s.found) / len(s.found):.1f}" if s.found else ""
        rows.append((s.name, str(len(s.times)), f"{median:.1f}", f"{percentile(s.times, 90):.1f}",
                     f"{percentile(s.times, 99):.1f}", f"{max(s.times):.1f}",
                     f"{percentile(s.sql_times, 50):.1f}", f"{percentile(s.cpu_times, 50):.1f}",
                     f"{sum(s.queries) / len(s.queries):.0f}", shown, f"< {target}",
                     "yes" if median < target else "NO"))
    if markdown:
        lines = ["| " + " | ".join(head) + " |",
                 "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(str(x[i])) for x in (head, *rows)) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join(fmt.format(*r) for r in (head, *rows))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL,
                        help=f"default {DEFAULT_URL}; PostgreSQL e.g. {PG_EXAMPLE}")
    parser.add_argument("-n", "--requests", type=int, default=200, help="per scenario")
    parser.add_argument("--warmup", type=int, default=20, help="unrecorded requests first")
    parser.add_argument("--only", help="run the scenarios whose name contains this text")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    parser.add_argument("--explain", action="store_true",
                        help="print the query plans of one request per scenario")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    url = database_url(args.url)

    import logging

    app = bench_app(url, WTF_CSRF_ENABLED=False)
    logging.getLogger().setLevel(logging.WARNING)
    from portal.extensions import db

    with app.app_context():
        meter = SqlMeter(db.engine)
        dialect = db.engine.dialect.name
        version = db.session.scalar(sa.text(
            "SELECT version()" if dialect == "postgresql" else "SELECT sqlite_version()"))
        sizes = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))
                 for t in ("customers", "customer_phones", "products", "call_records", "tickets")}
        samples = draw_samples(args.requests + args.warmup, args.seed)
        db.session.remove()
    items = scenarios(samples)
    if args.only:
        items = [s for s in items if args.only in s.name]
    rng = random.Random(args.seed)
    client = app.test_client()
    sign_in(client)
    print(f"database: {dialect} {version.split(' on ')[0]}; "
          + ", ".join(f"{t} {n:,}" for t, n in sizes.items()))
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if args.explain:
        explain(app, client, rng, items, meter)
        print()
    with app.app_context():
        calls_before = db.session.scalar(sa.text("SELECT count(*) FROM call_records"))
    for scenario in items:
        for i in range(args.warmup + args.requests):
            send(client, rng, scenario, meter, record=i >= args.warmup)
        print(f"  {scenario.name}: median {percentile(scenario.times, 50):.1f} ms", flush=True)
    with app.app_context():
        saved = db.session.scalar(sa.text("SELECT count(*) FROM call_records")) - calls_before
        db.session.remove()
    expected = sum(args.warmup + args.requests for s in items if s.group == "save")
    if saved != expected:
        raise SystemExit(f"{saved} call records saved, {expected} expected")
    print("load average at end: {:.2f} {:.2f} {:.2f} ({} CPUs)".format(*os.getloadavg(),
                                                                    os.cpu_count()))
    print()
    print(report(items, markdown=False))
    if args.markdown:
        print()
        print(report(items, markdown=True))


if __name__ == "__main__":
    main()
