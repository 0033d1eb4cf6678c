"""Service tickets: creation rules and every row of the one transition table."""

import pytest
import sqlalchemy as sa

from portal.demo_quality import demo_step, seed_checklists
from portal.extensions import db
from portal.models import (
    BranchArea,
    Callback,
    CallbackKind,
    Estimate,
    EstimateStatus,
    Reception,
    ServiceItem,
    Ticket,
    TicketKind,
    TicketStatus,
    Warranty,
)
from portal.services import DomainError
from portal.services.core.workflow import RemarkRequired, StaleRecord, TransitionRefused
from portal.services.tickets.lifecycle import (
    TicketDraft,
    available_actions,
    create_ticket,
    transition,
)
from portal.services.tickets.workflow import TICKET, TRANSITIONS
from tests import factories

# A demo user holding each duty, and one who does not.
HOLDER = {"reception.record": "30001", "ticket.approve": "30002", "ticket.handle": "20001",
          "dispatch.assign": "30002", "job.work": "30003", "qa.inspect": "50001",
          "qa.handover": "30001", "callback.survey": "20001", "feedback.give": "30003"}
OUTSIDER = {"reception.record": "30003", "ticket.approve": "30001", "ticket.handle": "30001",
            "dispatch.assign": "30001", "job.work": "30001", "qa.inspect": "30001",
            "qa.handover": "20001", "callback.survey": "30001", "feedback.give": "20001"}


def _duty(step) -> str:
    (duty,) = step.duties
    return duty


def _ticket_in(status: TicketStatus, kind: TicketKind, needs_approval: bool) -> Ticket:
    ticket = factories.ticket(kind=kind)
    ticket.status = status  # set up the row under test directly
    ticket.needs_approval = needs_approval
    db.session.commit()
    return ticket


def _for(step) -> Ticket:
    kind = sorted(step.variants, key=lambda k: k.value)[0]
    ticket = _ticket_in(step.source, kind, needs_approval=step.action in ("approve", "refuse"))
    ticket.hq_requested = step.action == "department_reply"
    return ticket


def _row_id(t) -> str:
    return f"{t.action}:{t.source.value}"


@pytest.mark.parametrize("step", TRANSITIONS, ids=_row_id)
def test_each_transition_moves_the_ticket_and_records_it(ctx, step):
    ticket = _for(step)
    actor = factories.employee(HOLDER[_duty(step)])
    engineer = factories.employee("30003") if step.action == "request_feedback" else None
    if step.action == "give_feedback":
        ticket.feedback_engineer = actor
    transition(ticket, step.action, actor, remark="备注", engineer=engineer, via=step.by_verb)
    assert ticket.status == (step.target or step.source)
    last = ticket.events[-1]
    assert (last.action, last.from_status, last.to_status, last.actor_id) == (
        step.action, step.source, step.target or step.source, actor.id)
    assert last.remark == "备注"


@pytest.mark.parametrize("step", TRANSITIONS, ids=_row_id)
def test_each_transition_is_refused_without_its_duty(ctx, step):
    ticket = _for(step)
    with pytest.raises(TransitionRefused):
        transition(ticket, step.action, factories.employee(OUTSIDER[_duty(step)]),
                   remark="x", engineer=factories.employee("30003"), via=step.by_verb)
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).status == step.source


VERB_ONLY = [s for s in TRANSITIONS if s.by_verb]


@pytest.mark.parametrize("step", VERB_ONLY, ids=_row_id)
def test_steps_with_a_record_of_their_own_are_refused_on_the_generic_path(ctx, step):
    """Dispatch, start/finish work, QA outcomes, handover, callbacks: only their verb."""
    ticket = _for(step)
    actor = factories.employee(HOLDER[_duty(step)])
    if step.action == "give_feedback":
        ticket.feedback_engineer = actor
    events = len(ticket.events)
    with pytest.raises(TransitionRefused) as exc:
        transition(ticket, step.action, actor, remark="x",
                   engineer=factories.employee("30003"))
    assert "own form" in exc.value.message or "表单" in exc.value.message
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == step.source and len(ticket.events) == events
    assert step.action not in {a.action for a in available_actions(ticket, actor)}


def test_moves_not_in_the_table_are_refused_with_409(ctx):
    table = {(t.source, t.action, k) for t in TRANSITIONS for k in t.variants}
    reads_everything = factories.employee("60001")  # sees everything; still bound by the table
    ticket = factories.ticket()
    refused = 0
    for status in TicketStatus:
        for action in TICKET.actions():
            if (status, action, TicketKind.Z1) in table:
                continue
            ticket.status = status
            db.session.commit()
            with pytest.raises(TransitionRefused) as exc:
                transition(ticket, action, reads_everything, remark="x")
            assert exc.value.status == 409
            db.session.rollback()
            refused += 1
    assert refused > 100


def _dispatch_refusal(ticket) -> str | None:
    return TICKET.refusal(ticket, "dispatch", factories.employee("30002"), via="dispatch")


def test_approval_items_wait_for_the_supervisor(ctx):
    ticket = factories.ticket(service_item=ServiceItem.RELOCATE)
    assert ticket.needs_approval
    transition(ticket, "survey_done", factories.employee("30001"))
    assert "approval" in _dispatch_refusal(ticket) or "批准" in _dispatch_refusal(ticket)
    transition(ticket, "approve", factories.employee("30002"))
    assert _dispatch_refusal(ticket) is None


def test_hq_support_does_not_stand_in_for_the_supervisors_approval(ctx):
    """新机安装 went request_hq → department reply (ZBHF): still no dispatch unapproved."""
    ticket = factories.ticket(service_item=ServiceItem.NEW_INSTALL)
    assert ticket.needs_approval
    transition(ticket, "survey_done", factories.employee("30001"))
    transition(ticket, "request_hq", factories.employee("30002"), remark="需要总部支持")
    transition(ticket, "department_reply", factories.employee("20001"), remark="同意")
    assert ticket.status == TicketStatus.ZBHF
    db.session.commit()
    assert _dispatch_refusal(ticket)
    with pytest.raises(DomainError):
        demo_step(ticket, "dispatch", factories.employee("30002"))
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == TicketStatus.ZBHF
    transition(ticket, "approve", factories.employee("30002"))
    assert ticket.status == TicketStatus.ZGPZ and _dispatch_refusal(ticket) is None
    with pytest.raises(TransitionRefused):  # approving twice is not a step
        transition(ticket, "approve", factories.employee("30002"))


def test_paid_work_needs_the_customers_approved_estimate_before_dispatch(ctx):
    ticket = factories.ticket()
    db.session.add(Reception(ticket_id=ticket.id, request="换玻璃", warranty=Warranty.OUT,
                             received_by_id=factories.employee("30001").id))
    transition(ticket, "survey_done", factories.employee("30001"))
    assert "estimate" in _dispatch_refusal(ticket) or "估价" in _dispatch_refusal(ticket)
    db.session.add(Estimate(ticket_id=ticket.id, status=EstimateStatus.APPROVED,
                            created_by_id=factories.employee("30001").id))
    db.session.flush()
    assert _dispatch_refusal(ticket) is None


def test_ordinary_repair_skips_approval(ctx):
    ticket = factories.ticket(service_item=ServiceItem.REPAIR)
    transition(ticket, "survey_done", factories.employee("30001"))
    db.session.commit()
    with pytest.raises(TransitionRefused):
        transition(ticket, "approve", factories.employee("30002"))
    db.session.rollback()
    demo_step(ticket, "dispatch", factories.employee("30002"))
    assert ticket.status == TicketStatus.DISPATCHED


def test_refusal_needs_a_remark(ctx):
    ticket = factories.ticket(service_item=ServiceItem.UPGRADE)
    transition(ticket, "survey_done", factories.employee("30001"))
    with pytest.raises(RemarkRequired) as exc:
        transition(ticket, "refuse", factories.employee("30002"), remark="  ")
    assert exc.value.field == "remark" and exc.value.status == 400


def test_closing_schedules_a_callback_in_three_days(ctx):
    seed_checklists()
    ticket = factories.ticket()
    for action, who in factories.CLOSE_PATH:
        demo_step(ticket, action, factories.employee(who))
    callback = db.session.scalars(sa.select(Callback).where(Callback.ticket_id == ticket.id)).one()
    assert callback.kind == CallbackKind.AFTER_SERVICE
    assert abs((callback.due_at - ticket.closed_at).total_seconds() - 3 * 86400) < 5


def test_feedback_only_by_the_named_engineer(ctx):
    ticket = _ticket_in(TicketStatus.CLOSED, TicketKind.Z1, False)
    transition(ticket, "request_feedback", factories.employee("20001"),
               engineer=factories.employee("30003"), via="callback")
    assert ticket.status == TicketStatus.AWAITING_FEEDBACK
    db.session.commit()
    with pytest.raises(TransitionRefused):  # another technician
        transition(ticket, "give_feedback", factories.employee("30001"), remark="已处理",
                   via="feedback")
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket.id)
    transition(ticket, "give_feedback", factories.employee("30003"), remark="已上门更换",
               via="feedback")
    assert ticket.status == TicketStatus.FEEDBACK_GIVEN


def test_request_feedback_needs_an_engineer(ctx):
    ticket = _ticket_in(TicketStatus.CLOSED, TicketKind.Z1, False)
    with pytest.raises(DomainError) as exc:
        transition(ticket, "request_feedback", factories.employee("20001"), via="callback")
    assert exc.value.field == "engineer"


def test_hq_support_request_then_reply(ctx):
    ticket = factories.ticket()
    transition(ticket, "survey_done", factories.employee("30001"))
    db.session.commit()
    with pytest.raises(TransitionRefused):  # no request yet: nobody can have replied
        transition(ticket, "department_reply", factories.employee("20001"), remark="总部答复")
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket.id)
    transition(ticket, "request_hq", factories.employee("30002"), remark="需要总部技术支持")
    assert ticket.status == TicketStatus.KCJS and ticket.hq_requested
    db.session.commit()
    with pytest.raises(TransitionRefused):
        transition(ticket, "request_hq", factories.employee("30002"), remark="再次")
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket.id)
    transition(ticket, "department_reply", factories.employee("20001"), remark="同意更换")
    assert ticket.status == TicketStatus.ZBHF


def test_stale_version_is_refused(ctx):
    ticket = factories.ticket()
    seen = ticket.version
    transition(ticket, "survey_done", factories.employee("30001"))
    with pytest.raises(StaleRecord):
        transition(ticket, "cancel", factories.employee("20001"), remark="重复",
                   expected_version=seen)


def test_buttons_follow_table_and_duties(ctx):
    ticket = factories.ticket()
    agent_actions = {t.action for t in available_actions(ticket, factories.employee("20001"))}
    rep_actions = {t.action for t in available_actions(ticket, factories.employee("30001"))}
    tech_actions = {t.action for t in available_actions(ticket, factories.employee("30003"))}
    assert agent_actions == {"cancel"}
    assert rep_actions == {"survey_done"}
    assert tech_actions == set()
    transition(ticket, "survey_done", factories.employee("30001"))
    supervisor = {t.action for t in available_actions(ticket, factories.employee("30002"))}
    assert "dispatch" not in supervisor  # the dispatch form books it, not a bare button


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
