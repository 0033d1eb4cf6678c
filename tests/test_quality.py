"""Quality (质检): the inspection queue, the check and its sign-off, rework back to dispatch,
checklist versions, and the handover with the customer's acceptance."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.demo_quality import seed_checklists
from portal.extensions import db
from portal.models import (
    Acceptance,
    Accessories,
    AuditEvent,
    Callback,
    CallbackKind,
    CheckVerdict,
    DispatchCategory,
    Employee,
    ItemOutcome,
    PermissionGroup,
    Priority,
    QualityCheck,
    Satisfaction,
    Ticket,
    TicketStatus,
)
from portal.models.base import utcnow
from portal.services.core import uow
from portal.services.core.workflow import TransitionRefused
from portal.services.quality import checks as quality
from portal.services.stores import dispatch
from portal.services.tickets.lifecycle import available_actions, transition
from tests import factories


def finished_ticket(category: str = "装饰玻璃", **fields) -> Ticket:
    """A ticket taken through the stores flow: surveyed, dispatched to 30003, worked, finished."""
    seed_checklists()
    owner = factories.customer()
    product = factories.product(owner, category=category)
    ticket = factories.ticket(owner=owner, product=product, **fields)
    transition(ticket, "survey_done", factories.employee("30001"))
    redispatch_and_finish(ticket)
    return ticket


def redispatch_and_finish(ticket: Ticket, tech_no: str = "30003"):
    """The branch (re-)dispatches the ticket and the technician finishes it."""
    tech = factories.employee(tech_no)
    job = dispatch.create_dispatch(ticket, dispatch.DispatchDraft(
        category=DispatchCategory.FIRST_INSTALL, planned_date=utcnow() + timedelta(hours=1),
        technician_ids=[tech.id], planned_hours=Decimal("1"),
        qa_inspector_id=factories.employee("50001").id, confirm_warnings=True),
        factories.employee("30002"))
    dispatch.start_job(job, tech)
    dispatch.log_work(job, tech, Decimal("1"), None, "安装")
    dispatch.finish_job(job, tech, "完工")
    db.session.commit()  # one request each in real life: what was done stays done
    return job


def answers(ticket: Ticket, fail: dict | None = None, skip: tuple = (),
            measured: Decimal = Decimal("1")) -> list[quality.Answer]:
    """Every item passed (measured items within limits), except those in `fail` (label → note)."""
    fail = fail or {}
    out = []
    for item in quality.checklist_for(ticket).items:
        if item.label in skip:
            continue
        value = measured if item.measured else None
        if item.label in fail:
            out.append(quality.Answer(item.id, ItemOutcome.FAIL, fail[item.label], value))
        else:
            out.append(quality.Answer(item.id, ItemOutcome.PASS, None, value))
    return out


def refusals(ticket: Ticket) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.table_name == "tickets", AuditEvent.record_id == str(ticket.id),
        AuditEvent.action == "refused").order_by(AuditEvent.id)))


def south_inspector() -> Employee:
    """A QA inspector of 华南大区 (R-SOUTH): none exists in the demo data."""
    inspector = Employee(employee_no="50009", name="冯检", org_unit=factories.org_unit("R-SOUTH"),
                         password_hash="x", must_change_password=False)
    inspector.groups = [db.session.scalar(sa.select(PermissionGroup).where(
        PermissionGroup.code == "qa_inspector"))]
    db.session.add(inspector)
    db.session.commit()
    return inspector


# --------------------------------------------------------------------------- queue


def test_finished_work_waits_in_the_region_queue_oldest_first(ctx):
    first = finished_ticket()
    second = finished_ticket(category="家电")
    rows = quality.queue(factories.employee("50001"))
    assert [r.ticket.id for r in rows] == [first.id, second.id]
    row = rows[0]
    assert first.status == TicketStatus.QA_PENDING
    assert row.dispatch.number.startswith("PG")
    assert [t.employee_no for t in row.technicians] == ["30003"]
    assert [i.employee_no for i in row.inspectors] == ["50001"]
    assert row.attempt == 1 and not row.rework
    assert quality.queue(south_inspector()) == []


# --------------------------------------------------------------------------- sign-off


def test_all_passed_signs_locks_and_moves_to_handover(ctx):
    ticket = finished_ticket()
    inspector = factories.employee("50001")
    check = quality.sign_check(ticket, answers(ticket), inspector, note="安装规范")
    assert ticket.status == TicketStatus.HANDOVER_READY
    assert check.locked and check.verdict == CheckVerdict.PASSED
    assert (check.signed_name, check.signed_by_id) == ("郑检", inspector.id)
    assert abs((utcnow() - check.signed_at).total_seconds()) < 5
    assert check.attempt == 1 and check.checklist.category == "装饰玻璃"
    assert check.dispatch_id == quality.active_dispatch(ticket).id
    event = ticket.events[-1]
    assert (event.action, event.to_status) == ("qa_pass", TicketStatus.HANDOVER_READY)
    assert check.number in event.remark


def test_signing_with_an_unanswered_item_is_refused_and_audited(ctx):
    ticket = finished_ticket()
    with pytest.raises(quality.CheckIncomplete) as exc:
        quality.sign_check(ticket, answers(ticket, skip=("现场清洁",)),
                           factories.employee("50001"))
    assert "现场清洁" in exc.value.message and len(exc.value.item_ids) == 1
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == TicketStatus.QA_PENDING
    assert db.session.scalar(sa.select(sa.func.count(QualityCheck.id))) == 0  # nothing half-saved
    [audit] = refusals(ticket)
    assert "现场清洁" in audit.changes["quality"][1] and audit.actor_label.endswith("(50001)")


def test_a_passed_measured_item_needs_its_value(ctx):
    ticket = finished_ticket()
    level = next(i for i in quality.checklist_for(ticket).items if i.measured)
    given = [a if a.item_id != level.id else quality.Answer(a.item_id, ItemOutcome.PASS)
             for a in answers(ticket)]
    with pytest.raises(quality.CheckIncomplete) as exc:
        quality.sign_check(ticket, given, factories.employee("50001"))
    assert exc.value.item_ids == [level.id]


def test_a_value_outside_the_limits_is_a_fail_whatever_was_ticked(ctx):
    ticket = finished_ticket()
    check = quality.sign_check(ticket, answers(ticket, measured=Decimal("3.5")),
                               factories.employee("50001"))
    assert check.verdict == CheckVerdict.FAILED
    [failed] = check.failed_results
    assert failed.item.label == "水平垂直度" and failed.out_of_limits
    assert ticket.status == TicketStatus.REWORK
    assert "水平垂直度 3.5mm (±2 mm)" in ticket.events[-1].remark


def test_signing_twice_and_editing_a_signed_check_are_refused(ctx):
    ticket = finished_ticket()
    inspector = factories.employee("50001")
    check = quality.sign_check(ticket, answers(ticket), inspector)
    db.session.commit()
    number, signed_at = check.number, check.signed_at
    with pytest.raises(quality.QualityRefused) as exc:
        quality.sign_check(ticket, answers(ticket), inspector)
    assert number in exc.value.message and "郑检" in exc.value.message
    with pytest.raises(quality.QualityRefused):
        quality.save_check(db.session.get(Ticket, ticket.id),
                           answers(ticket, fail={"玻璃完好": "改成不合格"}), inspector)
    check = db.session.scalar(sa.select(QualityCheck).where(QualityCheck.number == number))
    assert check.signed_at == signed_at and check.verdict == CheckVerdict.PASSED
    assert all(r.outcome == ItemOutcome.PASS for r in check.results)
    assert len(refusals(ticket)) == 2


def test_a_draft_keeps_answers_and_stays_open(ctx):
    ticket = finished_ticket()
    inspector = factories.employee("50001")
    draft = quality.save_check(ticket, answers(ticket, skip=("附件移交", "现场清洁")),
                               inspector, note="先检查到这里")
    db.session.commit()
    assert not draft.locked and ticket.status == TicketStatus.QA_PENDING
    assert sum(r.outcome is None for r in draft.results) == 2
    with pytest.raises(quality.QualityRefused):  # someone saved since this form was opened
        quality.save_check(ticket, answers(ticket), inspector,
                           expected_version=draft.version - 1)
    ticket = db.session.get(Ticket, ticket.id)
    signed = quality.sign_check(ticket, answers(ticket), inspector,
                                expected_version=quality.current_check(ticket).version)
    assert signed.id == draft.id and signed.verdict == CheckVerdict.PASSED


def test_an_inspector_of_another_region_is_refused_as_not_found(ctx):
    ticket = finished_ticket()
    stranger = south_inspector()
    with pytest.raises(quality.OutOfRegion) as exc:
        quality.sign_check(ticket, answers(ticket), stranger)
    assert exc.value.status == 404
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.QA_PENDING
    assert refusals(ticket)[0].actor_id == stranger.id


def test_the_ticket_form_cannot_skip_the_check_or_the_acceptance(ctx):
    ticket = finished_ticket()
    inspector = factories.employee("50001")
    for action in ("qa_pass", "qa_fail"):
        with pytest.raises(TransitionRefused):
            transition(ticket, action, inspector, remark="x")
        db.session.rollback()
    assert available_actions(ticket, inspector) == []
    quality.sign_check(ticket, answers(ticket), inspector)
    rep = factories.employee("30001")
    assert "accept_handover" not in {t.action for t in available_actions(ticket, rep)}
    with pytest.raises(TransitionRefused):
        transition(ticket, "accept_handover", rep)
    db.session.rollback()
    with pytest.raises(TransitionRefused):  # the agent no longer closes without acceptance
        transition(db.session.get(Ticket, ticket.id), "close", factories.employee("20001"))


# --------------------------------------------------------------------------- rework


def test_failed_check_goes_back_to_dispatch_first_and_needs_a_second_check(ctx):
    urgent = factories.ticket(urgent=True, short_text="紧急报修")
    transition(urgent, "survey_done", factories.employee("30001"))
    ticket = finished_ticket()
    inspector = factories.employee("50001")
    first = quality.sign_check(ticket, answers(ticket, fail={"密封与缝隙": "胶条断开"}),
                               inspector)
    assert first.verdict == CheckVerdict.FAILED and ticket.status == TicketStatus.REWORK
    assert "密封与缝隙: 胶条断开" in ticket.events[-1].remark

    waiting = dispatch.waiting_tickets(factories.org_unit("S4001").id)
    assert [t.id for t in waiting] == [ticket.id, urgent.id]  # rework before urgent

    old_job = quality.active_dispatch(ticket)
    job = redispatch_and_finish(ticket)
    assert (job.category, job.priority) == (DispatchCategory.REINSTALL, Priority.REWORK)
    db.session.refresh(old_job)
    assert not old_job.active
    assert ticket.status == TicketStatus.QA_PENDING
    [row] = quality.queue(inspector)
    assert row.rework and row.attempt == 2 and row.dispatch.id == job.id

    second = quality.sign_check(ticket, answers(ticket), inspector)
    assert (second.attempt, second.dispatch_id) == (2, job.id)
    assert ticket.status == TicketStatus.HANDOVER_READY
    assert [c.attempt for c in quality.checks_of(ticket)] == [2, 1]
    assert db.session.get(QualityCheck, first.id).verdict == CheckVerdict.FAILED


# --------------------------------------------------------------------------- checklists


def test_editing_a_checklist_makes_a_new_version_and_old_checks_keep_theirs(ctx):
    admin = factories.employee("10001")
    v1 = quality.save_checklist("淋浴房", "淋浴房检查表", [
        quality.ItemDraft("玻璃完好"), quality.ItemDraft("挡水条")], admin)
    owner = factories.customer()
    product = factories.product(owner, category="淋浴房")
    ticket = factories.ticket(owner=owner, product=product)
    transition(ticket, "survey_done", factories.employee("30001"))
    redispatch_and_finish(ticket)
    draft = quality.save_check(ticket, [quality.Answer(v1.items[0].id, ItemOutcome.PASS)],
                               factories.employee("50001"))
    assert draft.checklist_id == v1.id

    v2 = quality.save_checklist("淋浴房", "淋浴房检查表", [
        quality.ItemDraft("玻璃完好无划伤"), quality.ItemDraft("挡水条"),
        quality.ItemDraft("水平垂直度", measured=True, unit="mm",
                          lower_limit=Decimal("-2"), upper_limit=Decimal("2"))], admin)
    assert (v2.version, v2.current) == (2, True)
    db.session.refresh(v1)
    assert (v1.version, v1.current) == (1, False)
    assert [i.label for i in v1.items] == ["玻璃完好", "挡水条"]  # the old version is untouched
    assert quality.current_checklist("淋浴房").id == v2.id
    assert [c.version for c in quality.versions_of("淋浴房")] == [2, 1]

    # The open check goes on with its version and items, up to the signature.
    ticket = db.session.get(Ticket, ticket.id)
    signed = quality.sign_check(ticket, [quality.Answer(i.id, ItemOutcome.PASS)
                                         for i in v1.items], factories.employee("50001"))
    assert signed.checklist_id == v1.id
    assert [r.item.label for r in signed.results] == ["玻璃完好", "挡水条"]
    assert quality.checks_using(v1) == 1 and quality.checks_using(v2) == 0

    # A new check uses the new version.
    other = factories.ticket(owner=owner, product=product)
    transition(other, "survey_done", factories.employee("30001"))
    redispatch_and_finish(other)
    assert quality.checklist_for(other).id == v2.id


def test_saving_an_unchanged_checklist_keeps_its_version(ctx):
    admin = factories.employee("10001")
    items = [quality.ItemDraft("固定牢固"), quality.ItemDraft("现场清洁", hint="垃圾带走")]
    first = quality.save_checklist("地板", "地板检查表", items, admin)
    again = quality.save_checklist("地板", "地板检查表", items, admin)
    assert again.id == first.id and again.version == 1


@pytest.mark.parametrize("items, message", [
    ([], "at least one item"),
    ([quality.ItemDraft("  ")], "at least one item"),
    ([quality.ItemDraft("水平", measured=True, unit="mm")], "limits"),
    ([quality.ItemDraft("水平", measured=True, lower_limit=Decimal("2"),
                        upper_limit=Decimal("-2"))], "lower limit"),
    ([quality.ItemDraft("玻璃完好"), quality.ItemDraft("玻璃完好")], "its own name"),
])
def test_checklist_rules(ctx, items, message):
    with force_locale("en"), pytest.raises(quality.DomainError) as exc:
        quality.save_checklist("地板", "地板检查表", items, factories.employee("10001"))
    assert message in exc.value.message
    assert exc.value.field == "items"


def test_a_product_without_its_own_checklist_uses_the_general_one(ctx):
    seed_checklists()
    ticket = factories.ticket()  # no product at all
    assert quality.checklist_for(ticket).category == quality.GENERAL_CATEGORY


def test_demo_checklists_are_seeded_once(ctx):
    assert seed_checklists() == 4
    assert seed_checklists() == 0
    glass = quality.current_checklist("装饰玻璃")
    assert [i.label for i in glass.items] == ["玻璃完好", "密封与缝隙", "固定牢固", "水平垂直度",
                                              "现场清洁", "附件移交"]
    level = glass.items[3]
    assert (level.measured, level.unit, level.lower_limit, level.upper_limit) == (
        True, "mm", Decimal("-2"), Decimal("2"))
    assert level.limits_text == "±2 mm"


# --------------------------------------------------------------------------- handover


def _passed() -> Ticket:
    ticket = finished_ticket()
    quality.sign_check(ticket, answers(ticket), factories.employee("50001"))
    db.session.commit()
    return ticket


def _acceptance(**changes) -> quality.AcceptanceDraft:
    values = dict(work_complete=True, system_works=True, accessories=Accessories.NONE,
                  satisfaction=Satisfaction.SATISFIED, customer_name="王先生")
    values.update(changes)
    return quality.AcceptanceDraft(**values)


def test_acceptance_closes_the_work_and_schedules_the_callback_in_three_days(ctx):
    ticket = _passed()
    job = quality.active_dispatch(ticket)
    record = quality.accept_handover(ticket, _acceptance(), factories.employee("30001"))
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_at is not None
    assert (record.customer_name, record.accessories) == ("王先生", Accessories.NONE)
    db.session.refresh(job)
    assert job.handed_over_at == record.accepted_at
    callback = db.session.scalars(sa.select(Callback).where(Callback.ticket_id == ticket.id)).one()
    assert callback.kind == CallbackKind.AFTER_SERVICE
    assert abs((callback.due_at - utcnow()).total_seconds() - 3 * 86400) < 10
    assert ticket.events[-1].action == "accept_handover"
    assert "王先生" in ticket.events[-1].remark
    with pytest.raises(quality.QualityRefused):
        quality.accept_handover(ticket, _acceptance(), factories.employee("50001"))


def test_no_acceptance_without_complete_and_working(ctx):
    ticket = _passed()
    with pytest.raises(quality.QualityRefused) as exc:
        quality.accept_handover(ticket, _acceptance(system_works=False),
                                factories.employee("50001"))
    assert exc.value.field == "work_complete"
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.HANDOVER_READY
    assert db.session.scalar(sa.select(sa.func.count(Acceptance.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Callback.id))) == 0


def test_no_acceptance_before_the_check_passed(ctx):
    ticket = finished_ticket()
    with pytest.raises(quality.QualityRefused):
        quality.accept_handover(ticket, _acceptance(), factories.employee("50001"))
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.QA_PENDING


def test_two_inspectors_signing_at_once_sign_once(app):
    """Two browsers of one check press "sign" together: one signs, the other is refused."""
    import threading

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("concurrent writers are a PostgreSQL property; SQLite serialises them")
        ticket_id = finished_ticket().id
        db.session.remove()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def sign():
        with app.app_context():
            ticket = db.session.get(Ticket, ticket_id)
            given = answers(ticket)
            start.wait()
            try:
                with uow.transaction():  # each browser's request commits on its own
                    quality.sign_check(ticket, given, factories.employee("50001"))
                outcomes.append("signed")
            except quality.QualityRefused:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["refused", "signed"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(QualityCheck.id))) == 1
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.status == TicketStatus.HANDOVER_READY
        assert [e.action for e in ticket.events].count("qa_pass") == 1
