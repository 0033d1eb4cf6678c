"""Branch store pages on the generated data set (bench/generate.py): queue, workspace, board.

Signs in as the store rep 30001 (branch S4001, a third of the 500,000 tickets) and the
supervisor 30002, and times each page end to end through Flask, like run_hotline.py.
Target (issue 4): the branch queue under 100 ms at the median.

    .venv/bin/python bench/run_stores.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test_h6
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_URL, bench_app, database_url  # noqa: E402


def sign_in(app, employee_no: str):
    client = app.test_client()
    response = client.post("/login", data={"employee_no": employee_no, "password": "demo1234"})
    assert response.status_code == 302, response.status_code
    return client


def timed(client, urls: list[str], warmup: int) -> list[float]:
    for url in urls[:warmup]:
        client.get(url)
    times = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("-n", "--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    url = database_url(args.url)
    app = bench_app(url, WTF_CSRF_ENABLED=False)
    rng = random.Random(4)
    with app.app_context():
        from portal.extensions import db

        numbers = list(db.session.scalars(sa.text(
            "SELECT t.number FROM tickets t JOIN org_units o ON o.id = t.branch_id "
            "WHERE o.code = 'S4001' ORDER BY t.id DESC LIMIT 2000")))
        pages = db.session.scalar(sa.text(
            "SELECT count(*) FROM tickets t JOIN org_units o ON o.id = t.branch_id "
            "WHERE o.code = 'S4001' AND t.status NOT IN "
            "('CLOSED','AWAITING_FEEDBACK','FEEDBACK_GIVEN','CALLED_BACK','CANCELLED')")) // 20
    rep, boss = sign_in(app, "30001"), sign_in(app, "30002")
    n = args.requests
    scenarios = [
        ("branch queue, page 1", rep, ["/stores/"] * n, 100),
        ("branch queue, random page", rep,
         [f"/stores/?page={rng.randint(1, max(pages, 1))}" for _ in range(n)], 100),
        ("ticket workspace", rep,
         [f"/stores/tickets/{rng.choice(numbers)}" for _ in range(n)], 100),
        ("dispatch board", boss, ["/stores/dispatch"] * n, 100),
        ("daily assignment log", rep, ["/stores/dispatch/log"] * n, 100),
    ]
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"| scenario ({backend}) | n | median ms | p90 ms | target ms | met |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, client, urls, target in scenarios:
        times = timed(client, urls, args.warmup)
        median = statistics.median(times)
        p90 = statistics.quantiles(times, n=10)[-1]
        print(f"| {name} | {len(times)} | {median:.1f} | {p90:.1f} | < {target} | "
              f"{'yes' if median < target else 'NO'} |")


if __name__ == "__main__":
    main()
