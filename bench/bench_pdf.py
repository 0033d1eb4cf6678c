"""PDF render times (issue 7): a one-page repair receipt and a three-page contact letter.

Targets: the one-page 客户报修服务单 under 300 ms median, a three-page document under 1 s.
Measured twice: the render alone (services.pdf.render_job) and the whole GET request a
user makes (sign-in session, permission and org check, database, render, response).
The records live in a throw-away SQLite database built like scripts/docs_preview.py does.

    .venv/bin/python bench/bench_pdf.py [--runs 30]
"""

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from docs_preview import build_samples, sample_app  # noqa: E402

TARGETS = {"one-page repair receipt": 0.300, "three-page contact letter": 1.0}


def timed(fn, runs: int) -> list[float]:
    fn()  # warm-up: template compilation, first glyph subsets
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def report(name: str, kind: str, times: list[float], pages: int) -> bool:
    median = statistics.median(times)
    target = TARGETS[name]
    ok = median < target
    print(f"{name:<27} {kind:<8} pages={pages}  median={median * 1000:7.1f} ms  "
          f"p90={sorted(times)[int(len(times) * 0.9) - 1] * 1000:7.1f} ms  "
          f"min={min(times) * 1000:7.1f} ms  target<{target * 1000:.0f} ms  "
          f"{'OK' if ok else 'SLOW'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    from portal.services.documents import pdf

    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        app = sample_app(Path(tmp) / "bench.db")
        with app.test_request_context():
            samples = build_samples(letter_paragraphs=24)
            agent = samples["agent"]
            ticket_no, letter_no = samples["ticket"].number, samples["long_letter"].number
            jobs = {"one-page repair receipt": pdf.repair_receipt(samples["ticket"]),
                    "three-page contact letter": pdf.contact_letter(samples["long_letter"])}
            for name, job in jobs.items():
                pages = pdf.page_count(pdf.render_job(job, printed_by=agent))
                times = timed(lambda job=job: pdf.render_job(job, printed_by=agent), args.runs)
                ok &= report(name, "render", times, pages)

        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/login", data={"employee_no": "20001", "password": "demo1234",
                                    "csrf_token": token})
        urls = {"one-page repair receipt": f"/documents/tickets/{ticket_no}/repair-receipt.pdf",
                "three-page contact letter": f"/documents/letters/{letter_no}/print.pdf"}
        for name, url in urls.items():
            response = client.get(url)
            assert response.status_code == 200 and response.mimetype == "application/pdf", url
            times = timed(lambda url=url: client.get(url), args.runs)
            ok &= report(name, "request", times, pdf.page_count(response.data))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
