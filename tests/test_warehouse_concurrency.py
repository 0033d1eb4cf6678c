"""Concurrency on PostgreSQL: each thread has its own connection and transaction, as two
clerks at two scanners would. SQLite serialises writers, so these run on PostgreSQL only.
"""

import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.extensions import db
from portal.models import (
    MovementKind,
    Part,
    Requisition,
    RequisitionStatus,
    StockCount,
    StockCountLine,
    StockMovement,
)
from portal.services import DomainError
from portal.services.core import uow
from portal.services.core.workflow import StaleRecord
from portal.services.warehouse import requisitions as req_service
from portal.services.warehouse import stock, stock_counts
from tests import factories
from tests.test_warehouse_factories import (
    CLERK,
    MANAGER,
    part,
    requisition,
    stock_in,
    warehouse,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row-lock concurrency is a PostgreSQL property; SQLite serialises writers")


def _run(app, work, args_list) -> list:
    """Run work(*args) in one thread per args, all released at once; results in order."""
    start = threading.Barrier(len(args_list))
    results: list = [None] * len(args_list)

    def runner(i, args):
        try:
            # English, so the refusals asserted below read the same whatever the catalogue holds.
            with app.app_context(), force_locale("en"):
                start.wait()
                try:
                    results[i] = work(*args)
                finally:
                    db.session.rollback()
                    db.session.remove()
        except BaseException as exc:  # noqa: BLE001 — every outcome is judged by the test
            results[i] = exc

    threads = [threading.Thread(target=runner, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _issue(requisition_id: int):
    """What a clerk's click does: issue and commit, or roll back and report the refusal as
    the route would."""
    req = db.session.get(Requisition, requisition_id)
    try:
        with uow.transaction():
            result = req_service.issue_requisition(req, factories.employee(CLERK))
    except stock.NotEnoughStock as exc:
        return ("not enough", exc.message)
    return ("issued", None) if result.issued else ("waiting", None)


def test_two_clerks_issuing_the_last_unit_one_succeeds_one_is_told(app, monkeypatch):
    with app.app_context():
        last = part(name="玻璃门地弹簧")
        stock_in(last, 1)
        ids = [requisition([(last, 1)]).id, requisition([(last, 1)]).id]
        last_id = last.id
    # Both clerks have seen "1 on hand" before either books: the race the lock must decide.
    both_checked = threading.Barrier(2)
    real_shortages = req_service.shortages

    def shortages_then_wait(req):
        found = real_shortages(req)
        both_checked.wait(10)
        return found

    monkeypatch.setattr(req_service, "shortages", shortages_then_wait)
    outcomes = _run(app, _issue, [(i,) for i in ids])
    assert sorted(o[0] for o in outcomes) == ["issued", "not enough"], outcomes
    message = next(o[1] for o in outcomes if o[0] == "not enough")
    assert "Not enough stock of" in message and "0 个 on hand, 1 needed" in message
    with app.app_context():
        assert stock.on_hand(warehouse().id, last_id) == 0
        statuses = db.session.scalars(sa.select(Requisition.status).order_by(Requisition.id))
        assert sorted(s.value for s in statuses) == ["approved", "issued"]
        assert stock.ledger_mismatches() == []


def test_parallel_issues_of_the_last_units_never_drive_stock_negative(app):
    with app.app_context():
        scarce = part()
        stock_in(scarce, 5)
        ids = [requisition([(scarce, 1)]).id for _ in range(24)]
        scarce_id = scarce.id
    outcomes = _run(app, _issue, [(i,) for i in ids])
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert sum(o[0] == "issued" for o in outcomes) == 5
    assert {o[0] for o in outcomes} <= {"issued", "waiting", "not enough"}
    with app.app_context():
        assert stock.on_hand(warehouse().id, scarce_id) == 0
        issued = db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement).where(
            StockMovement.kind == MovementKind.ISSUE))
        assert issued == 5
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Requisition).where(
            Requisition.status == RequisitionStatus.ISSUED)) == 5
        assert stock.ledger_mismatches() == []


def test_counts_opened_and_approved_while_clerks_issue_keep_the_ledger_exact(app):
    """Two counts are opened while clerks issue, and approved (one twice, a double click)
    while they issue again. The shelf is counted in a quiet moment: P2 and P3 as found (no
    variance may appear: every movement since each snapshot is accounted for), P1 two short.
    P1's −2 is posted once — the other count is told it was overtaken — and the ledger sums
    to every balance."""
    with app.app_context():
        parts = [part(part_no=f"CC-P{i}") for i in (1, 2, 3)]
        for p in parts:
            stock_in(p, 200)
        part_ids = [p.id for p in parts]
        first = [requisition([(parts[i % 3], 1)]).id for i in range(30)]
        second = [requisition([(parts[i % 3], 1)]).id for i in range(30)]

    def open_count():
        with uow.transaction():
            return stock_counts.open_count(warehouse(), factories.employee(CLERK)).id

    outcomes = _run(app, lambda job, arg: job(*arg),
                    [(_issue, (i,)) for i in first] + [(open_count, ()), (open_count, ())])
    assert all(o == ("issued", None) for o in outcomes[:-2]), outcomes
    count_ids = outcomes[-2:]
    assert all(isinstance(i, int) for i in count_ids), count_ids

    versions = {}
    with app.app_context(), uow.transaction():  # the clerks count the shelf for both sheets
        clerk = factories.employee(CLERK)
        for count_id in count_ids:
            count = db.session.get(StockCount, count_id)
            for pid in part_ids:
                line = db.session.scalar(sa.select(StockCountLine).where(
                    StockCountLine.count_id == count_id, StockCountLine.part_id == pid))
                shelf = stock.on_hand(warehouse().id, pid) - (2 if pid == part_ids[0] else 0)
                stock_counts.enter_line(count, line, clerk, counted=str(shelf), reason="丢失")
            stock_counts.submit_count(count, clerk)
            versions[count_id] = count.version

    def approve(count_id):
        count = db.session.get(StockCount, count_id)
        try:
            with uow.transaction():
                result = stock_counts.approve_count(count, factories.employee(MANAGER),
                                                    versions[count_id])
        except StaleRecord as exc:
            return ("refused", exc.message)
        return ("already", 0) if result.already else ("posted", result.movements)

    a, b = count_ids
    outcomes = _run(app, lambda job, arg: job(*arg),
                    [(_issue, (i,)) for i in second] + [(approve, (a,)), (approve, (a,)),
                                                        (approve, (b,))])
    assert all(o == ("issued", None) for o in outcomes[:-3]), outcomes
    decisions = outcomes[-3:]
    assert sum(n for kind, n in decisions if kind == "posted") == 1, decisions
    assert all("adjusted by TZ" in n for kind, n in decisions if kind == "refused"), decisions

    with app.app_context():
        for count_id in count_ids:
            variances = dict(db.session.execute(sa.select(
                StockCountLine.part_id, StockCountLine.variance).where(
                StockCountLine.count_id == count_id)).all())
            assert variances == {part_ids[0]: -2, part_ids[1]: 0, part_ids[2]: 0}
        finals = [stock.on_hand(warehouse().id, pid) for pid in part_ids]
        assert finals == [200 - 20 - 2, 200 - 20, 200 - 20]
        assert stock.ledger_mismatches() == []
        assert all(m.balance_after >= 0 for m in db.session.scalars(sa.select(StockMovement)))


def test_an_issue_in_flight_while_a_count_opens_is_neither_lost_nor_counted_twice(
        app, monkeypatch):
    """Clerk A's issue has written its ledger row but not committed; clerk B's receipt of
    another part commits after it (a higher ledger id); then the count opens. The opening
    must wait for A: otherwise its snapshot misses A's issue while its watermark (B's id)
    says A happened before the snapshot, and A's unit would vanish from the books."""
    with app.app_context():
        a_part, b_part = part(part_no="IF-A"), part(part_no="IF-B")
        stock_in(a_part, 10)
        stock_in(b_part, 10)
        a_req = requisition([(a_part, 1)]).id
        a_part_id, b_part_id = a_part.id, b_part.id
    a_flushed, go_on = threading.Event(), threading.Event()
    real_post = req_service.post

    def post_then_pause(postings, *args, **kw):
        movements = real_post(postings, *args, **kw)
        if postings[0].part.id == a_part_id:
            db.session.flush()  # A's ledger row exists, uncommitted
            a_flushed.set()
            go_on.wait(10)
        return movements

    monkeypatch.setattr(req_service, "post", post_then_pause)
    results: dict = {}

    def in_thread(name, work):
        def run():
            with app.app_context():
                try:
                    results[name] = work()
                except BaseException as exc:  # noqa: BLE001
                    results[name] = exc
                finally:
                    db.session.remove()
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    clerk_a = in_thread("a", lambda: _issue(a_req))
    assert a_flushed.wait(10)
    in_thread("b", lambda: stock_in(db.session.get(Part, b_part_id), 1).number).join(10)
    assert str(results.get("b")).startswith("RK"), results
    def open_count():
        with uow.transaction():
            return stock_counts.open_count(warehouse(), factories.employee(CLERK)).id

    opening = in_thread("count", open_count)
    opening.join(0.5)
    go_on.set()
    clerk_a.join(10)
    opening.join(10)
    assert results["a"] == ("issued", None)
    with app.app_context(), uow.transaction():
        count = db.session.get(StockCount, results["count"])
        clerk = factories.employee(CLERK)
        for line in db.session.scalars(sa.select(StockCountLine).where(
                StockCountLine.count_id == count.id)):  # the shelf: 9 of A, 11 of B
            shelf = "9" if line.part_id == a_part_id else "11"
            stock_counts.enter_line(count, line, clerk, counted=shelf)
        stock_counts.submit_count(count, clerk)  # no variance, so no reason is asked
        assert set(db.session.scalars(sa.select(StockCountLine.variance).where(
            StockCountLine.count_id == count.id))) == {0}


def test_two_managers_approving_a_return_or_damage_at_once_book_it_once(app):
    from portal.models import DamageProposal
    from portal.services.warehouse import returns

    with app.app_context(), uow.transaction():
        glass = part()
        stock_in(glass, 4)
        report_id = returns.report_damage(warehouse(), returns.DamageDraft(
            part=glass, quantity=Decimal(3), cause="碰撞", proposal=DamageProposal.WRITE_OFF),
            factories.employee(CLERK)).id
        glass_id = glass.id

    def approve():
        from portal.models import DamageReport

        try:
            with uow.transaction():
                returns.decide_damage(db.session.get(DamageReport, report_id),
                                      factories.employee(MANAGER), "approve")
        except DomainError as exc:
            return exc.message
        return "ok"

    assert _run(app, approve, [(), ()]) == ["ok", "ok"]
    with app.app_context():
        assert stock.on_hand(warehouse().id, glass_id) == 1 and stock.ledger_mismatches() == []
