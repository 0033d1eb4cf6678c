"""Stock count benchmark: open a count of 20,000 lines, then scan, through Flask's test client.

Targets (issue 5): opening < 2 s; a scan answered in < 50 ms median. Every request goes
through the real application: routing, sign-in session, CSRF, permission check, service,
SQL and template rendering (no network, no web server). Signed in as clerk 40001.

    .venv/bin/python bench/bench_warehouse.py                      # a fresh SQLite file
    .venv/bin/python bench/bench_warehouse.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test_wh

The database is rebuilt from the migrations first: point --url at a scratch database only.
"""

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_OPEN_S, TARGET_SCAN_MS = 2.0, 50.0
HTMX = {"HX-Request": "true"}


def build(url: str, parts: int):
    """A fresh schema, the demo reference data, and `parts` parts held in 上海中心仓 (with
    their receipt in the ledger, so books and ledger agree)."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.demo import seed_groups, seed_org, seed_users
    from portal.extensions import db
    from portal.models import (
        Employee,
        MovementKind,
        OrgUnit,
        Part,
        StockBalance,
        StockCondition,
        StockMovement,
    )
    from portal.services.core.audit import acting_as

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        with acting_as(None, "bench"):
            seed_groups()
            seed_org()
            seed_users()
            db.session.commit()
        w01 = db.session.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == "W01"))
        clerk = db.session.scalar(sa.select(Employee.id).where(Employee.employee_no == "40001"))
        rng = random.Random(5)
        db.session.execute(sa.insert(Part), [
            {"part_no": f"BP-{n:06d}", "name": f"基准配件{n}", "unit": "个",
             "category": f"类别{n % 40:02d}", "price": 10, "barcode": f"69{n:011d}",
             "min_stock": 0, "piece_counted": True, "active": True}
            for n in range(1, parts + 1)])
        ids = db.session.scalars(sa.select(Part.id).order_by(Part.id)).all()
        quantities = {pid: rng.randrange(1, 500) for pid in ids}
        db.session.execute(sa.insert(StockBalance), [
            {"warehouse_id": w01, "part_id": pid, "condition": StockCondition.GOOD,
             "on_hand": q} for pid, q in quantities.items()])
        db.session.execute(sa.insert(StockMovement), [
            {"warehouse_id": w01, "part_id": pid, "condition": StockCondition.GOOD,
             "kind": MovementKind.RECEIPT, "quantity": q, "balance_after": q,
             "reference": "RK-BENCH", "actor_id": clerk} for pid, q in quantities.items()])
        db.session.commit()
    return app


def signed_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"employee_no": "40001", "password": "demo1234",
                                           "csrf_token": token})
    assert response.status_code == 302, "clerk 40001 could not sign in"
    page = client.get("/warehouse/counts").get_data(as_text=True)
    return client, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def ms(seconds: float) -> float:
    return seconds * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a fresh temporary SQLite file)")
    parser.add_argument("--parts", type=int, default=20_000)
    parser.add_argument("--opens", type=int, default=3, help="counts to open (timed each)")
    parser.add_argument("--scans", type=int, default=300)
    args = parser.parse_args()
    tmp = None
    if not args.url:
        tmp = tempfile.TemporaryDirectory()
        args.url = f"sqlite:///{tmp.name}/bench_warehouse.db"

    started = time.perf_counter()
    app = build(args.url, args.parts)
    print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]} · "
          f"{args.parts:,} parts held in W01 · built in {time.perf_counter() - started:.1f} s")
    client, token = signed_in(app)

    from portal.extensions import db
    from portal.models import StockCount

    open_times, numbers = [], []
    for _ in range(args.opens):
        t0 = time.perf_counter()
        response = client.post("/warehouse/counts", data={"csrf_token": token, "category": "",
                                                          "condition": "good"})
        open_times.append(time.perf_counter() - t0)
        assert response.status_code == 302, response.status_code
        numbers.append(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        lines = db.session.scalar(sa.select(StockCount.line_count).where(
            StockCount.number == numbers[-1]))
    number = numbers[-1]
    t0 = time.perf_counter()
    sheet = client.get(f"/warehouse/counts/{number}")
    sheet_time = time.perf_counter() - t0
    assert sheet.status_code == 200

    rng = random.Random(7)
    scan_times = []
    for _ in range(args.scans):
        code = f"69{rng.randrange(1, args.parts + 1):011d}"
        t0 = time.perf_counter()
        response = client.post(f"/warehouse/counts/{number}/scan", headers=HTMX,
                               data={"code": code, "csrf_token": token})
        scan_times.append(time.perf_counter() - t0)
        assert response.headers.get("X-Scan-Result") == "added", response.get_data(as_text=True)
    scan_times.sort()

    def pct(p: float) -> float:
        return ms(scan_times[min(len(scan_times) - 1, int(p / 100 * len(scan_times)))])

    worst_open = max(open_times)
    median_scan = ms(statistics.median(scan_times))
    print(f"open a count of {lines:,} lines (POST /warehouse/counts, {args.opens}×): "
          f"median {statistics.median(open_times):.3f} s, worst {worst_open:.3f} s "
          f"(target < {TARGET_OPEN_S:.0f} s)")
    print(f"first page of its count sheet: {ms(sheet_time):.0f} ms")
    print(f"scan (POST …/scan, {args.scans}×): median {median_scan:.1f} ms, "
          f"p90 {pct(90):.1f} ms, p99 {pct(99):.1f} ms (target median < {TARGET_SCAN_MS:.0f} ms)")
    ok = worst_open < TARGET_OPEN_S and median_scan < TARGET_SCAN_MS
    print("targets met" if ok else "TARGETS MISSED")
    if tmp:
        tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
