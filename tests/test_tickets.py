"""Service tickets: creation rules and every row of the one transition table."""

import pytest
import sqlalchemy as sa

from portal.demo_quality import demo_step, seed_checklists
from portal.extensions import db
from portal.models import (
    Acceptance,
    Accessories,
    BranchArea,
    Callback,
    CallbackKind,
    CheckVerdict,
    QualityCheck,
    Satisfaction,
    ServiceItem,
    Ticket,
    TicketKind,
    TicketStatus,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.quality import checks as quality
from portal.services.tickets.lifecycle import (
    StaleTicket,
    TicketDraft,
    TransitionRefused,
    available_actions,
    create_ticket,
    transition,
)
from portal.services.tickets.workflow import TRANSITIONS
from tests import factories

# A demo user holding each permission, and one who does not.
HOLDER = {"stores.view": "30001", "stores.supervise": "30002", "hotline.view": "20001",
          "qa.inspect": "50001", "qa.handover": "30001"}
OUTSIDER = {"stores.view": "20001", "stores.supervise": "30001", "hotline.view": "40001",
            "qa.inspect": "30001", "qa.handover": "20001"}


def _record_behind(step, ticket: Ticket) -> None:
    """The QA rows move only on their record: a signed check, or the customer's acceptance."""
    inspector = factories.employee("50001")
    now = utcnow()
    if step.action in ("qa_pass", "qa_fail"):
        seed_checklists()
        verdict = CheckVerdict.PASSED if step.action == "qa_pass" else CheckVerdict.FAILED
        db.session.add(QualityCheck(
            number=f"ZJT{ticket.id:06d}", ticket_id=ticket.id,
            checklist=quality.checklist_for(ticket), attempt=quality.current_attempt(ticket),
            inspector_id=inspector.id, verdict=verdict, signed_at=now,
            signed_name=inspector.name, signed_by_id=inspector.id))
    elif step.action == "accept_handover":
        db.session.add(Acceptance(
            ticket_id=ticket.id, work_complete=True, system_works=True,
            accessories=Accessories.YES, satisfaction=Satisfaction.SATISFIED,
            customer_name="王先生", accepted_at=now, recorded_by_id=inspector.id))
    db.session.commit()


def _ticket_in(status: TicketStatus, kind: TicketKind, needs_approval: bool) -> Ticket:
    ticket = factories.ticket(kind=kind)
    ticket.status = status  # set up the row under test directly
    ticket.needs_approval = needs_approval
    db.session.commit()
    return ticket


def _row_id(t) -> str:
    return f"{t.action}:{t.source.value}"


@pytest.mark.parametrize("step", TRANSITIONS, ids=_row_id)
def test_each_transition_moves_the_ticket_and_records_it(ctx, step):
    kind = sorted(step.kinds, key=lambda k: k.value)[0]
    ticket = _ticket_in(step.source, kind, needs_approval=step.action in ("approve", "refuse"))
    ticket.hq_requested = step.action == "department_reply"
    actor = factories.employee(HOLDER[step.permission])
    engineer = factories.employee("30003") if step.action == "request_feedback" else None
    if step.action == "give_feedback":
        ticket.feedback_engineer = actor
        db.session.commit()
    _record_behind(step, ticket)
    transition(ticket, step.action, actor, remark="备注", engineer=engineer)
    assert ticket.status == (step.target or step.source)
    last = ticket.events[-1]
    assert (last.action, last.from_status, last.to_status, last.actor_id) == (
        step.action, step.source, step.target or step.source, actor.id)
    assert last.remark == "备注"


@pytest.mark.parametrize("step", TRANSITIONS, ids=_row_id)
def test_each_transition_is_refused_without_its_permission(ctx, step):
    kind = sorted(step.kinds, key=lambda k: k.value)[0]
    ticket = _ticket_in(step.source, kind, needs_approval=step.action in ("approve", "refuse"))
    ticket.hq_requested = step.action == "department_reply"
    _record_behind(step, ticket)
    with pytest.raises(TransitionRefused):
        transition(ticket, step.action, factories.employee(OUTSIDER[step.permission]),
                   remark="x", engineer=factories.employee("30003"))
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).status == step.source


def test_moves_not_in_the_table_are_refused_with_409(ctx):
    table = {(t.source, t.action, k) for t in TRANSITIONS for k in t.kinds}
    actions = sorted({t.action for t in TRANSITIONS})
    admin_like = factories.employee("60001")  # sees everything; still bound by the table
    ticket = factories.ticket()
    refused = 0
    for status in TicketStatus:
        for action in actions:
            if (status, action, TicketKind.Z1) in table:
                continue
            ticket.status = status
            db.session.commit()
            with pytest.raises(TransitionRefused) as exc:
                transition(ticket, action, admin_like, remark="x")
            assert exc.value.status == 409
            db.session.rollback()
            refused += 1
    assert refused > 100


def test_approval_items_wait_for_the_supervisor(ctx):
    ticket = factories.ticket(service_item=ServiceItem.RELOCATE)
    assert ticket.needs_approval
    transition(ticket, "survey_done", factories.employee("30001"))
    with pytest.raises(TransitionRefused):
        transition(ticket, "dispatch", factories.employee("30002"))
    db.session.rollback()
    transition(ticket, "approve", factories.employee("30002"))
    transition(ticket, "dispatch", factories.employee("30002"))
    assert ticket.status == TicketStatus.DISPATCHED


def test_ordinary_repair_skips_approval(ctx):
    ticket = factories.ticket(service_item=ServiceItem.REPAIR)
    transition(ticket, "survey_done", factories.employee("30001"))
    with pytest.raises(TransitionRefused):
        transition(ticket, "approve", factories.employee("30002"))
    db.session.rollback()
    transition(ticket, "dispatch", factories.employee("30002"))
    assert ticket.status == TicketStatus.DISPATCHED


def test_refusal_needs_a_remark(ctx):
    ticket = factories.ticket(service_item=ServiceItem.UPGRADE)
    transition(ticket, "survey_done", factories.employee("30001"))
    with pytest.raises(DomainError) as exc:
        transition(ticket, "refuse", factories.employee("30002"), remark="  ")
    assert exc.value.field == "remark"


def test_closing_schedules_a_callback_in_three_days(ctx):
    seed_checklists()
    ticket = factories.ticket()
    for action, who in (("survey_done", "30001"), ("dispatch", "30002"), ("start_work", "30003"),
                        ("finish_work", "30003"), ("qa_pass", "50001"),
                        ("accept_handover", "30001")):
        demo_step(ticket, action, factories.employee(who))
    callback = db.session.scalars(sa.select(Callback).where(Callback.ticket_id == ticket.id)).one()
    assert callback.kind == CallbackKind.AFTER_SERVICE
    assert abs((callback.due_at - ticket.closed_at).total_seconds() - 3 * 86400) < 5


def test_feedback_only_by_the_named_engineer(ctx):
    ticket = _ticket_in(TicketStatus.CLOSED, TicketKind.Z1, False)
    transition(ticket, "request_feedback", factories.employee("20001"),
               engineer=factories.employee("30003"))
    assert ticket.status == TicketStatus.AWAITING_FEEDBACK
    with pytest.raises(TransitionRefused):
        transition(ticket, "give_feedback", factories.employee("30001"), remark="已处理")
    db.session.rollback()
    transition(ticket, "give_feedback", factories.employee("30003"), remark="已上门更换")
    assert ticket.status == TicketStatus.FEEDBACK_GIVEN


def test_request_feedback_needs_an_engineer(ctx):
    ticket = _ticket_in(TicketStatus.CLOSED, TicketKind.Z1, False)
    with pytest.raises(DomainError) as exc:
        transition(ticket, "request_feedback", factories.employee("20001"))
    assert exc.value.field == "engineer"


def test_hq_support_request_then_reply(ctx):
    ticket = factories.ticket()
    transition(ticket, "survey_done", factories.employee("30001"))
    with pytest.raises(TransitionRefused):  # no request yet: nobody can have replied
        transition(ticket, "department_reply", factories.employee("20001"), remark="总部答复")
    db.session.rollback()
    transition(ticket, "request_hq", factories.employee("30002"), remark="需要总部技术支持")
    assert ticket.status == TicketStatus.KCJS and ticket.hq_requested
    with pytest.raises(TransitionRefused):
        transition(ticket, "request_hq", factories.employee("30002"), remark="再次")
    db.session.rollback()
    transition(ticket, "department_reply", factories.employee("20001"), remark="同意更换")
    assert ticket.status == TicketStatus.ZBHF


def test_stale_version_is_refused(ctx):
    ticket = factories.ticket()
    seen = ticket.version
    transition(ticket, "survey_done", factories.employee("30001"))
    with pytest.raises(StaleTicket):
        transition(ticket, "cancel", factories.employee("20001"), remark="重复",
                   expected_version=seen)


def test_buttons_follow_table_and_permissions(ctx):
    ticket = factories.ticket()
    agent_actions = {t.action for t in available_actions(ticket, factories.employee("20001"))}
    rep_actions = {t.action for t in available_actions(ticket, factories.employee("30001"))}
    assert agent_actions == {"cancel"}
    assert rep_actions == {"survey_done"}


def test_unknown_serial_is_allowed_and_flagged(ctx):
    ticket = factories.ticket(serial_text="sn-not-registered")
    assert ticket.serial_anomaly and ticket.serial_text == "SN-NOT-REGISTERED"
    known = factories.product(serial="SN-KNOWN-1")
    ticket2 = factories.ticket(serial_text="sn-known-1")
    assert not ticket2.serial_anomaly and ticket2.product_id == known.id


def test_branch_comes_from_the_most_specific_area(ctx):
    hangzhou = factories.org_unit("S4002")
    guangzhou = factories.org_unit("S4003")
    db.session.add(BranchArea(province="浙江省", city="杭州市", district="滨江区",
                              branch=guangzhou))
    db.session.commit()
    general = factories.customer(province="浙江省", city="杭州市", district="西湖区")
    special = factories.customer(province="浙江省", city="杭州市", district="滨江区")
    assert factories.ticket(owner=general).branch_id == hangzhou.id
    assert factories.ticket(owner=special).branch_id == guangzhou.id


def test_service_site_wins_over_home_address(ctx):
    customer = factories.customer(province="上海市", city="上海市",
                                  service_province="广东省", service_city="广州市")
    assert factories.ticket(owner=customer).branch.code == "S4003"


def test_no_branch_for_the_address_asks_the_agent(ctx):
    customer = factories.customer(province="西藏自治区", city="拉萨市", district="城关区")
    with pytest.raises(DomainError) as exc:
        create_ticket(TicketDraft(customer=customer, short_text="x"),
                      factories.employee("20001"))
    assert exc.value.field == "branch_id"


def test_numbers_are_sequential(ctx):
    first, second = factories.ticket(), factories.ticket()
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
