"""Document numbers: readable, per kind and year, gap-free, safe under concurrency."""

import threading

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import DocumentCounter
from portal.services.core.numbering import next_number


def test_numbers_are_sequential_per_kind_and_year(ctx):
    assert next_number("BX", 2026) == "BX2026-000001"
    assert next_number("BX", 2026) == "BX2026-000002"
    assert next_number("TS", 2026) == "TS2026-000001"
    assert next_number("BX", 2027) == "BX2027-000001"
    db.session.commit()


def test_a_rolled_back_transaction_gives_its_number_back(ctx):
    assert next_number("BX", 2026) == "BX2026-000001"
    db.session.commit()
    assert next_number("BX", 2026) == "BX2026-000002"
    db.session.rollback()  # the business action failed: no gap in the sequence
    assert next_number("BX", 2026) == "BX2026-000002"
    db.session.commit()


def test_fifty_parallel_allocations_give_fifty_consecutive_numbers(app):
    """Concurrency on the real database: every thread has its own connection and transaction."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row-lock concurrency is a PostgreSQL property; SQLite serialises writers")
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(50)
    lock = threading.Lock()

    def allocate():
        try:
            with app.app_context():
                start.wait()
                number = next_number("BX", 2026)
                db.session.commit()
                with lock:
                    numbers.append(number)
                db.session.remove()
        except BaseException as exc:  # reported below, so a failure names its cause
            errors.append(exc)

    threads = [threading.Thread(target=allocate) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(numbers) == [f"BX2026-{n:06d}" for n in range(1, 51)]
    with app.app_context():
        counter = db.session.get(DocumentCounter, ("BX", 2026))
        assert counter.last_value == 50
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentCounter)) == 1
