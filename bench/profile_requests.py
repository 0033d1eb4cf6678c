"""Where a request's CPU goes: one request kind, in process, under cProfile.

    .venv/bin/python bench/profile_requests.py card                 # 200 caller cards
    .venv/bin/python bench/profile_requests.py lookup6 -n 500 --top 40
    .venv/bin/python bench/profile_requests.py all    # CPU ms, statements, Python calls
    .venv/bin/python bench/profile_requests.py card,detail --no-profile

The load harness (load.py) measures CPU per request over HTTP; this script says which
functions spend it. It signs in as agent 20001 on the bench database (default: the
PostgreSQL `bench` data set) and runs the kinds of `locustfile.py` through the Flask test
client, HTMX headers included where the browser sends them. Each kind is warmed up first,
so template compilation and first-use caches are not counted.
"""

import argparse
import cProfile
import pstats
import random
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_app, database_url  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
HTMX = {"HX-Request": "true"}


def samples(rng: random.Random) -> dict:
    from portal.extensions import db

    def pick(sql: str, table: str, k: int = 400) -> list:
        top = db.session.scalar(sa.text(f"SELECT max(id) FROM {table}"))
        ids = [rng.randrange(1, top + 1) for _ in range(k)]
        return db.session.execute(sa.text(sql).bindparams(sa.bindparam("ids", expanding=True)),
                                  {"ids": ids}).all()

    return {
        "phones": [r[0] for r in pick("SELECT digits FROM customer_phones WHERE id IN :ids",
                                      "customer_phones")],
        "names": [r[0][:2] for r in pick(
            "SELECT name FROM customers WHERE id IN :ids AND kind = 'person'", "customers")],
        "numbers": [r[0] for r in pick("SELECT number FROM tickets WHERE id IN :ids", "tickets")],
        "products": [tuple(r) for r in pick(
            "SELECT customer_id, id FROM products WHERE id IN :ids AND customer_id IS NOT NULL",
            "products")],
        "branches": [r[0] for r in db.session.execute(sa.text(
            "SELECT id FROM org_units WHERE kind = 'branch'"))],
    }


def kinds(s: dict):
    def lookup(n):
        return lambda rng: ("GET", "/hotline/?" + urlencode({"q": rng.choice(s["phones"])[-n:]}),
                            None, HTMX)

    def tickets(rng):
        from portal.models import TicketStatus

        args = {"view": "all", "q": "", "status": rng.choice(list(TicketStatus)).value,
                "branch": str(rng.choice(s["branches"])), "kind": "", "class": "", "from": "",
                "to": "", "sort": "newest"}
        return "GET", "/hotline/tickets?" + urlencode(args), None, HTMX

    def save(rng):
        customer_id, product_id = rng.choice(s["products"])
        return "POST", "/hotline/calls", {
            "submit_token": secrets.token_urlsafe(16), "customer_id": str(customer_id),
            "category": "business", "product_id": str(product_id),
            "content": "客户来电咨询延保价格，已告知。", "handling_opinion": "已回复客户"}, HTMX

    return {
        "lookup4": lookup(4), "lookup6": lookup(6),
        "name": lambda rng: ("GET", "/hotline/?" + urlencode({"q": rng.choice(s["names"])}),
                             None, HTMX),
        "card": lambda rng: ("GET", f"/hotline/customers/{rng.choice(s['products'])[0]}",
                             None, {}),
        "tickets": tickets,
        "detail": lambda rng: ("GET", f"/hotline/tickets/{rng.choice(s['numbers'])}", None, {}),
        "save": save,
    }


class Statements:
    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args):
        self.count += 1


def run(client, make, rng, n: int) -> tuple[float, float]:
    cpu = 0.0
    for _ in range(n):
        method, url, form, headers = make(rng)
        start = time.process_time()
        response = client.open(url, method=method, data=form, headers=headers)
        cpu += time.process_time() - start
        if response.status_code != 200:
            raise SystemExit(f"{method} {url} answered {response.status_code}")
    return cpu * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", help="lookup4, lookup6, name, card, tickets, detail, save "
                        "(several with commas: a summary line each), or all")
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()

    app = bench_app(database_url(args.url), WTF_CSRF_ENABLED=False)
    rng = random.Random(7)
    with app.app_context():
        from portal.extensions import db

        found = samples(rng)
        meter = Statements(db.engine)
    client = app.test_client()
    if client.post("/login", data={"employee_no": "20001", "password": "demo1234"}
                   ).status_code != 302:
        raise SystemExit("sign-in as 20001 failed")
    table = kinds(found)
    names = list(table) if args.kind == "all" else args.kind.split(",")
    summary = args.no_profile or len(names) > 1
    for name in names:
        run(client, table[name], rng, 20)
        meter.count = 0
        if summary:
            ms = run(client, table[name], rng, args.n)
            statements = meter.count / args.n
            # Python function calls per request: unlike CPU time, the same on a busy machine.
            profile = cProfile.Profile()
            profile.enable()
            run(client, table[name], rng, 50)
            profile.disable()
            calls = pstats.Stats(profile).total_calls / 50
            print(f"{name:8} {ms:6.2f} ms CPU  {statements:5.1f} statements  "
                  f"{calls:8.0f} calls")
            continue
        profile = cProfile.Profile(time.process_time)  # CPU, not waits on the database
        profile.enable()
        ms = run(client, table[name], rng, args.n)
        profile.disable()
        print(f"{name}: {ms:.2f} ms CPU per request (under cProfile), "
              f"{meter.count / args.n:.1f} statements")
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
