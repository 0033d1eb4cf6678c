"""The demo data a new user finds after `seed-demo`: every stage of the work has records
behind it, every printed document has an example to open, and the workflow's invariants
hold on it — because the seed walked the real verbs, as the demo users who do them.

The module seeds once (like tests/test_crawl.py) with the suite's 40 customers.
"""

import re
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from portal.demo import seed_all
from portal.extensions import db
from portal.models import (
    Acceptance,
    Appointment,
    AppointmentStatus,
    AssignmentRole,
    Callback,
    CallbackKind,
    CallbackStatus,
    CallRecord,
    CheckVerdict,
    Complaint,
    ComplaintStatus,
    ContactLetter,
    CountStatus,
    Customer,
    DamageReport,
    DamageStatus,
    Dispatch,
    Estimate,
    EstimateStatus,
    GoodsReceipt,
    Inspection,
    MovementKind,
    QualityCheck,
    Reception,
    Requisition,
    RequisitionStatus,
    ReturnReport,
    ReturnStatus,
    ServiceOrder,
    StockBalance,
    StockCount,
    StockMovement,
    StoreTask,
    Ticket,
    TicketEvent,
    TicketStatus,
    Warranty,
)
from portal.services.core.uow import transaction
from tests.conftest import _wipe
from tests.test_permission_matrix import _login

S = TicketStatus
DEMO_PATH = (S.TZJL, S.KCJS, S.ZGPZ, S.BPZ, S.ZBHF, S.DISPATCHED, S.IN_WORK, S.QA_PENDING,
             S.REWORK, S.HANDOVER_READY, S.CLOSED, S.AWAITING_FEEDBACK, S.CALLED_BACK,
             S.HFYY, S.DDKH, S.CANCELLED)
WORKING = (S.DISPATCHED, S.IN_WORK, S.QA_PENDING)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _all_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


@pytest.fixture(scope="module")
def demo(app):
    with app.app_context():
        db.session.remove()
        _wipe()
        started = time.perf_counter()
        with transaction():
            counts = seed_all(customers=40)
        seconds = time.perf_counter() - started
        db.session.remove()
    yield {"counts": counts, "seconds": seconds}
    with app.app_context():
        db.session.remove()


@pytest.fixture(autouse=True)
def _clean_database():
    """The module shares one seeded demo (the suite's per-test wipe would drop it)."""
    yield


@pytest.fixture
def session(app, demo):
    with app.app_context():
        yield db.session
        db.session.remove()


def test_every_stage_of_the_demo_path_has_tickets(session):
    statuses = Counter(session.scalars(sa.select(Ticket.status)))
    missing = [s.value for s in DEMO_PATH if not statuses[s]]
    assert not missing, missing
    assert sum(statuses.values()) >= 35


def test_the_records_behind_the_stages_are_there(session):
    assert _count(Reception, Reception.warranty == Warranty.OUT)
    assert _count(Inspection, Inspection.confirmed_at.is_not(None))
    assert _count(Estimate, Estimate.status == EstimateStatus.DRAFT)
    assert _count(Estimate, Estimate.status == EstimateStatus.SUPERSEDED)
    assert _count(ServiceOrder, ServiceOrder.invoice_number.is_not(None))
    # Additional work waiting for the customer on a ticket in work.
    assert session.scalar(sa.select(sa.func.count()).select_from(Estimate).join(
        Ticket, Ticket.id == Estimate.ticket_id).where(
        Estimate.status == EstimateStatus.DRAFT, Estimate.revision > 1,
        Ticket.status == S.IN_WORK))
    for status in (RequisitionStatus.SUBMITTED, RequisitionStatus.APPROVED,
                   RequisitionStatus.WAITING, RequisitionStatus.ISSUED,
                   RequisitionStatus.CANCELLED):
        assert _count(Requisition, Requisition.status == status), status
    assert _count(Requisition, Requisition.ticket_id.is_not(None),
                  Requisition.status == RequisitionStatus.ISSUED)
    # QA: passes and fails, a rework re-dispatched and passed on its second attempt.
    assert _count(QualityCheck, QualityCheck.verdict == CheckVerdict.PASSED)
    assert _count(QualityCheck, QualityCheck.verdict == CheckVerdict.FAILED)
    assert _count(QualityCheck, QualityCheck.attempt > 1,
                  QualityCheck.verdict == CheckVerdict.PASSED)
    assert _count(Acceptance)
    assert _count(Appointment, Appointment.status == AppointmentStatus.BOOKED)
    assert _count(Appointment, Appointment.status == AppointmentStatus.NO_SHOW)
    assert _count(StoreTask, StoreTask.done_at.is_(None))
    assert _count(GoodsReceipt, GoodsReceipt.returned_at.is_(None), GoodsReceipt.repair_hours > 0)
    assert _count(GoodsReceipt, GoodsReceipt.returned_at.is_not(None))
    assert _count(Callback, Callback.status == CallbackStatus.DONE)
    assert _count(Callback, Callback.status == CallbackStatus.DUE, Callback.attempts > 0)
    assert _count(Callback, Callback.kind == CallbackKind.CONTRACT_EXPIRY)
    assert _count(CallRecord, CallRecord.reviewed_at.is_not(None))


def test_complaints_at_several_stages(session):
    statuses = set(session.scalars(sa.select(Complaint.status)))
    assert {ComplaintStatus.REGISTERED, ComplaintStatus.INVALID, ComplaintStatus.ASSIGNED,
            ComplaintStatus.PROPOSED, ComplaintStatus.APPROVED, ComplaintStatus.CONFIRMED,
            ComplaintStatus.FOLLOWED_UP, ComplaintStatus.CLOSED} <= statuses
    assert _count(Complaint, Complaint.serious)
    assert _count(Complaint, Complaint.investigation.is_not(None),
                  Complaint.status == ComplaintStatus.ASSIGNED)


def test_warehouse_decisions_by_someone_else_than_the_reporter(session):
    for model, statuses in ((ReturnReport, (ReturnStatus.REPORTED, ReturnStatus.APPROVED,
                                            ReturnStatus.RECEIVED, ReturnStatus.REFUSED)),
                            (DamageReport, (DamageStatus.REPORTED, DamageStatus.APPROVED,
                                            DamageStatus.REFUSED))):
        for status in statuses:
            assert _count(model, model.status == status), (model, status)
    counts = Counter(session.scalars(sa.select(StockCount.status)))
    assert counts[CountStatus.APPROVED] and counts[CountStatus.OPEN]
    for count in session.scalars(sa.select(StockCount).where(
            StockCount.status == CountStatus.APPROVED)):
        assert count.decided_by_id not in (None, count.opened_by_id, count.submitted_by_id)


PRINTED = {
    "repair receipt": sa.select(Ticket.id).where(Ticket.status == S.CLOSED),
    "contact letter": sa.select(ContactLetter.id),
    "contract expiry notice": sa.select(Callback.id).where(
        Callback.kind == CallbackKind.CONTRACT_EXPIRY),
    "estimate": sa.select(Estimate.id),
    "dispatch order": sa.select(Dispatch.id),
    "inspection report": sa.select(Inspection.id),
    "goods receipt": sa.select(GoodsReceipt.id),
}
DOCUMENT_OF_LINK = (("repair-receipt.pdf", "repair receipt"), ("print.pdf", "contact letter"),
                    ("expiry-notice.pdf", "contract expiry notice"),
                    ("/estimates/", "estimate"), ("/dispatches/", "dispatch order"),
                    ("/inspections/", "inspection report"), ("/goods/", "goods receipt"))


@pytest.mark.parametrize("document", list(PRINTED))
def test_each_printed_document_has_a_record(session, document):
    assert session.scalar(PRINTED[document].limit(1)) is not None, document


def _hrefs(client, page: str) -> list[str]:
    response = client.get(page)
    assert response.status_code == 200, page
    return [h.replace("&amp;", "&")
            for h in re.findall(r'href="([^"]+)"', response.get_data(as_text=True))]


def test_a_new_user_reaches_each_document_by_clicking(app, demo):
    """From a ticket's pages (and one click further), the hotline's letter and callback
    pages, the print links answer with a PDF: every document has an example to open."""
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket.number).join(
            GoodsReceipt, GoodsReceipt.ticket_id == Ticket.id).limit(1))
        worked = db.session.scalar(sa.select(Ticket.number).where(
            Ticket.status.in_([S.CLOSED, S.CALLED_BACK]),
            Ticket.id.in_(sa.select(Estimate.ticket_id))).order_by(Ticket.id).limit(1))
        letter = db.session.scalar(sa.select(ContactLetter.number).limit(1))
        callback = db.session.scalar(sa.select(Callback.id).where(
            Callback.kind == CallbackKind.CONTRACT_EXPIRY).limit(1))
        db.session.remove()
    starts = {"30001": [f"/stores/tickets/{ticket}", f"/stores/tickets/{worked}"],
              "20001": [f"/hotline/tickets/{worked}", f"/documents/letters/{letter}",
                        f"/hotline/callbacks/{callback}"]}
    found = set()
    for employee_no, pages in starts.items():
        client = app.test_client()
        _login(client, employee_no)
        seen = set(pages)
        for page in pages:
            links = _hrefs(client, page)
            for link in list(links):
                one_click = link.startswith((page + "/", "/stores/goods/"))
                if ".pdf" not in link and one_click and link not in seen:
                    seen.add(link)
                    links += _hrefs(client, link)
            for link in links:
                if ".pdf" not in link:
                    continue
                response = client.get(link)
                assert response.status_code == 200, (employee_no, page, link)
                assert response.mimetype == "application/pdf", link
                found |= {doc for marker, doc in DOCUMENT_OF_LINK if marker in link}
    assert found == set(PRINTED), set(PRINTED) - found


# --------------------------------------------------------------------------- invariants


def _events(session, action: str):
    return session.scalars(sa.select(TicketEvent).where(TicketEvent.action == action))


def test_no_ticket_in_work_without_an_active_dispatch_and_technician(session):
    for ticket in session.scalars(sa.select(Ticket).where(Ticket.status.in_(WORKING))):
        active = [d for d in session.scalars(sa.select(Dispatch).where(
            Dispatch.ticket_id == ticket.id, Dispatch.active))]
        assert len(active) == 1, ticket.number
        assert any(a.role == AssignmentRole.TECHNICIAN for a in active[0].assignments)


def test_only_an_assigned_technician_starts_and_finishes(session):
    for action in ("start_work", "finish_work"):
        events = list(_events(session, action))
        assert events, action
        for event in events:
            assigned = session.scalar(sa.select(sa.func.count()).select_from(Dispatch).where(
                Dispatch.ticket_id == event.ticket_id,
                Dispatch.assignments.any(employee_id=event.actor_id,
                                         role=AssignmentRole.TECHNICIAN)))
            assert assigned, (action, event.ticket_id)


def test_approval_and_price_come_before_dispatch(session):
    for event in _events(session, "dispatch"):
        ticket = session.get(Ticket, event.ticket_id)
        earlier = [e for e in ticket.events if e.id < event.id]
        if ticket.needs_approval:
            assert any(e.action == "approve" for e in earlier), ticket.number
        warranty = session.scalar(sa.select(Reception.warranty).where(
            Reception.ticket_id == ticket.id))
        if warranty == Warranty.OUT:
            approved = session.scalar(sa.select(sa.func.min(Estimate.approved_at)).where(
                Estimate.ticket_id == ticket.id, Estimate.approved_at.is_not(None)))
            assert approved is not None and approved <= event.at, ticket.number


def test_nothing_reaches_qa_with_unapproved_additional_work(session):
    for event in _events(session, "finish_work"):
        drafts = session.scalar(sa.select(sa.func.count()).select_from(Estimate).where(
            Estimate.ticket_id == event.ticket_id, Estimate.status == EstimateStatus.DRAFT,
            Estimate.revision > 1))
        assert not drafts, event.ticket_id


def test_stock_is_never_negative_and_equals_the_ledger(session):
    ledger = dict(((w, p, c), q) for w, p, c, q in session.execute(
        sa.select(StockMovement.warehouse_id, StockMovement.part_id, StockMovement.condition,
                  sa.func.sum(StockMovement.quantity))
        .group_by(StockMovement.warehouse_id, StockMovement.part_id,
                  StockMovement.condition)))
    balances = {(b.warehouse_id, b.part_id, b.condition): b.on_hand
                for b in session.scalars(sa.select(StockBalance))}
    assert balances and all(q >= 0 for q in balances.values())
    for key, quantity in ledger.items():
        assert balances.get(key, 0) == quantity, key
    assert all(q == ledger.get(k, 0) for k, q in balances.items())
    assert session.scalar(sa.select(sa.func.min(StockMovement.balance_after))) >= 0


def test_a_count_posts_once(session):
    approved = session.scalars(sa.select(StockCount).where(
        StockCount.status == CountStatus.APPROVED)).all()
    assert approved
    for count in approved:
        assert count.adjustment_number
        posted = session.scalar(sa.select(sa.func.count(sa.distinct(StockMovement.reference)))
                                .where(StockMovement.kind == MovementKind.ADJUSTMENT,
                                       StockMovement.reference == count.adjustment_number))
        assert posted == 1
    references = session.scalars(sa.select(StockCount.adjustment_number).where(
        StockCount.adjustment_number.is_not(None))).all()
    assert len(references) == len(set(references))


def test_numbers_are_unique(session):
    for column in (Ticket.number, Dispatch.number, Requisition.number, Complaint.number,
                   ContactLetter.number, GoodsReceipt.number, QualityCheck.number):
        numbers = session.scalars(sa.select(column)).all()
        assert len(numbers) == len(set(numbers)), column


def test_a_second_run_adds_nothing(app, demo):
    with app.app_context():
        before = _all_counts()
        with transaction():
            counts = seed_all(customers=40)
        db.session.remove()
        assert set(counts.values()) == {0}, counts
        assert _all_counts() == before
        assert _count(Customer) == 40
