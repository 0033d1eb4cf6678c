"""Returns (退货) and damage (残损): the manager decides, then stock moves — once."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    DamageProposal,
    DamageStatus,
    MovementKind,
    ReturnStatus,
    StockCondition,
    StockMovement,
)
from portal.services import DomainError
from portal.services.core.workflow import RemarkRequired, TransitionRefused
from portal.services.warehouse import returns, stock
from tests import factories
from tests.test_warehouse_factories import (
    CLERK,
    MANAGER,
    done,
    english_messages,  # noqa: F401 (autouse)
    on_hand,
    part,
    refused,
    stock_in,
    warehouse,
)

GOOD, DAMAGED = StockCondition.GOOD, StockCondition.DAMAGED


def _report_return(record, quantity=3, by=CLERK, **kw):
    draft = returns.ReturnDraft(part=record, quantity=Decimal(quantity), reason="客户退订",
                                returned_by="王业务", **kw)
    report = returns.report_return(warehouse(), draft, factories.employee(by))
    done()
    return report


def test_return_report_approved_then_booked_in_as_damaged_with_its_note(ctx):
    spring = part(price=Decimal("420.00"))
    report = _report_return(spring)
    assert report.number.startswith("TH") and report.value == Decimal("1260.00")
    assert report.status == ReturnStatus.REPORTED and on_hand(spring) == 0
    clerk, manager = factories.employee(CLERK), factories.employee(MANAGER)
    with refused(DomainError, match="not possible now"):
        returns.receive_return(report, clerk, GOOD)  # not approved yet: nothing comes in
    with refused(TransitionRefused, match="Your duties do not include this action"):
        returns.decide_return(report, clerk, "approve")
    returns.decide_return(report, manager, "approve", expected_version=report.version)
    assert report.status == ReturnStatus.APPROVED and report.decided_by == manager
    with refused(DomainError, match="More than the 3 reported"):
        returns.receive_return(report, clerk, DAMAGED, Decimal(4))
    returns.receive_return(report, clerk, DAMAGED, Decimal(2))
    returns.receive_return(report, clerk, DAMAGED, Decimal(2))  # a second click books nothing
    assert report.status == ReturnStatus.RECEIVED and report.received_quantity == 2
    assert on_hand(spring, condition=DAMAGED) == 2 and on_hand(spring) == 0
    (movement,) = db.session.scalars(sa.select(StockMovement)).all()
    assert (movement.kind, movement.reference, movement.reason) == (
        MovementKind.RETURN, report.number, "客户退订")
    rows = returns.monthly_returns(warehouse().id, date.today())
    assert [(r[0], r[1].id, r[2], r[3], r[4]) for r in rows] == [
        ("王业务", spring.id, "客户退订", 3, Decimal("1260.00"))]


def test_refused_return_keeps_its_reason_and_books_nothing(ctx):
    clip = part()
    report = _report_return(clip)
    manager = factories.employee(MANAGER)
    with refused(RemarkRequired, match="reason"):
        returns.decide_return(report, manager, "refuse", "  ")
    returns.decide_return(report, manager, "refuse", "已超过退货期限")
    assert report.status == ReturnStatus.REFUSED and report.refusal_reason == "已超过退货期限"
    with refused(DomainError, match="not possible now"):
        returns.receive_return(report, factories.employee(CLERK), GOOD)
    assert on_hand(clip) == 0


def test_damage_approval_moves_good_to_damaged_once(ctx):
    glass = part(name="钢化玻璃", unit="平方米", piece_counted=False, price=Decimal("120.00"))
    stock_in(glass, 10)
    report = returns.report_damage(warehouse(), returns.DamageDraft(
        part=glass, quantity=Decimal("2.5"), cause="搬运碰撞", proposal=DamageProposal.TO_DAMAGED),
        factories.employee(CLERK))
    assert report.number.startswith("BS") and report.value == Decimal("300.00")
    assert on_hand(glass) == 10  # nothing moves before the manager decides
    manager = factories.employee(MANAGER)
    returns.decide_damage(report, manager, "approve", expected_version=report.version)
    returns.decide_damage(report, manager, "approve")
    assert report.status == DamageStatus.APPROVED
    assert on_hand(glass) == Decimal("7.5") and on_hand(glass, condition=DAMAGED) == Decimal("2.5")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement)) == 3
    assert stock.ledger_mismatches() == []


def test_damage_write_off_and_refusal(ctx):
    seal = part(name="硅酮密封胶", price=Decimal("28.00"))
    stock_in(seal, 4)
    clerk, manager = factories.employee(CLERK), factories.employee(MANAGER)

    def report(quantity, proposal=DamageProposal.WRITE_OFF):
        return returns.report_damage(warehouse(), returns.DamageDraft(
            part=seal, quantity=Decimal(quantity), cause="过期硬化", proposal=proposal), clerk)

    written_off = report(1)
    returns.decide_damage(written_off, manager, "approve")
    assert on_hand(seal) == 3 and on_hand(seal, condition=DAMAGED) == 0
    declined = report(2)
    returns.decide_damage(declined, manager, "refuse", "请先与供应商确认")
    assert declined.status == DamageStatus.REFUSED and on_hand(seal) == 3
    assert declined.refusal_reason == "请先与供应商确认" and declined.decided_by == manager
    too_many = report(9)
    with refused(stock.NotEnoughStock, match="3 个 on hand, 9 needed"):
        returns.decide_damage(too_many, manager, "approve")
    assert too_many.status == DamageStatus.REPORTED and on_hand(seal) == 3
    with refused(DomainError, match="cause"):
        returns.report_damage(warehouse(), returns.DamageDraft(
            part=seal, quantity=Decimal(1), cause=" ", proposal=DamageProposal.WRITE_OFF), clerk)
    rows = returns.monthly_damage(warehouse().id, date.today())
    assert [(r[0].id, r[1], r[3], r[4]) for r in rows] == [(seal.id, "过期硬化", 1,
                                                           Decimal("28.00"))]


def test_reports_for_another_warehouse_are_refused(ctx):
    clip = part()
    draft = returns.ReturnDraft(part=clip, quantity=Decimal(1), reason="x", returned_by="y")
    with pytest.raises(stock.WrongWarehouse, match="广州中心仓"):
        returns.report_return(warehouse("W02"), draft, factories.employee(CLERK))


def _damage(record, quantity=1, by=CLERK):
    report = returns.report_damage(warehouse(), returns.DamageDraft(
        part=record, quantity=Decimal(quantity), cause="搬运碰撞",
        proposal=DamageProposal.WRITE_OFF), factories.employee(by))
    done()
    return report


@pytest.mark.parametrize("action, remark", [("approve", None), ("refuse", "不同意")])
def test_the_manager_who_reported_a_return_cannot_decide_on_it(ctx, action, remark):
    """Separation of duties (SPEC §1): whoever reports a return does not approve it."""
    clip = part()
    report = _report_return(clip, by=MANAGER)
    with refused(TransitionRefused, match=f"You reported {report.number}: another manager"):
        returns.decide_return(report, factories.employee(MANAGER), action, remark)
    assert report.status == ReturnStatus.REPORTED and report.decided_by is None


@pytest.mark.parametrize("action, remark", [("approve", None), ("refuse", "不同意")])
def test_the_manager_who_reported_damage_cannot_decide_on_it(ctx, action, remark):
    glass = part()
    stock_in(glass, 4)
    report = _damage(glass, 2, by=MANAGER)
    with refused(TransitionRefused, match=f"You reported {report.number}: another manager"):
        returns.decide_damage(report, factories.employee(MANAGER), action, remark)
    assert report.status == DamageStatus.REPORTED and on_hand(glass) == 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement).where(
        StockMovement.kind == MovementKind.DAMAGE)) == 0


@pytest.mark.parametrize("verb", ["return", "damage", "receipt", "transfer"])
def test_the_service_manager_reads_but_books_and_reports_nothing(ctx, verb):
    """60001 holds warehouse.view only: booking goods in, moving stock and reporting damage
    or returns are refused, and nothing is written."""
    clip = part()
    stock_in(clip, 3)
    boss = factories.employee("60001")
    with refused(TransitionRefused, match="Your duties do not include this action"):
        if verb == "return":
            returns.report_return(warehouse(), returns.ReturnDraft(
                part=clip, quantity=Decimal(1), reason="x", returned_by="y"), boss)
        elif verb == "damage":
            returns.report_damage(warehouse(), returns.DamageDraft(
                part=clip, quantity=Decimal(1), cause="x", proposal=DamageProposal.WRITE_OFF),
                boss)
        elif verb == "receipt":
            stock.book_receipt(warehouse(), [stock.LineInput(clip, Decimal(5))], boss)
        else:
            stock.transfer(warehouse(), clip, Decimal(1), boss, GOOD, DAMAGED, reason="x")
    assert on_hand(clip) == 3 and on_hand(clip, condition=DAMAGED) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement)) == 1


def test_the_service_manager_cannot_decide_or_book_a_return(ctx):
    report = _report_return(part())
    boss = factories.employee("60001")
    with refused(TransitionRefused, match="Your duties do not include this action"):
        returns.decide_return(report, boss, "approve")
    returns.decide_return(report, factories.employee(MANAGER), "approve")
    with refused(TransitionRefused, match="Your duties do not include this action"):
        returns.receive_return(report, boss, GOOD)
    assert report.status == ReturnStatus.APPROVED
