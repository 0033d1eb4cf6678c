"""Quality review (质量审查) on constructed data: every expected figure is worked out by hand."""

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.demo_quality import seed_checklists
from portal.extensions import db
from portal.models import (
    AssignmentRole,
    CheckResult,
    CheckVerdict,
    Dispatch,
    DispatchAssignment,
    DispatchCategory,
    Employee,
    ItemOutcome,
    PermissionGroup,
    QualityCheck,
)
from portal.models.base import utcnow
from portal.services.quality import checks as quality
from portal.services.quality import review as quality_review
from tests import factories

IN_PERIOD = timedelta(days=1)  # signed yesterday: inside the default 30-day period
BEFORE = timedelta(days=40)  # signed before the period began


def _technician(no: str, name: str, branch: str) -> Employee:
    tech = Employee(employee_no=no, name=name, org_unit=factories.org_unit(branch),
                    password_hash="x", must_change_password=False)
    tech.groups = [db.session.scalar(sa.select(PermissionGroup).where(
        PermissionGroup.code == "technician"))]
    db.session.add(tech)
    db.session.commit()
    return tech


_numbers = iter(range(1, 1000))


def _check(ticket, tech: Employee, attempt: int, verdict: CheckVerdict | None,
           ago: timedelta = IN_PERIOD, failed: tuple = ()) -> QualityCheck:
    """A signed check (verdict None: an unsigned draft) of `tech`'s dispatch on the ticket."""
    n = next(_numbers)
    job = Dispatch(number=f"PGT{n:05d}", ticket_id=ticket.id, branch_id=ticket.branch_id,
                   category=DispatchCategory.FIRST_INSTALL, planned_date=utcnow() - ago,
                   planned_hours=Decimal(1), dispatched_by_id=factories.employee("30002").id)
    job.assignments.append(DispatchAssignment(employee_id=tech.id,
                                              role=AssignmentRole.TECHNICIAN))
    db.session.add(job)
    db.session.flush()
    checklist = quality.checklist_for(ticket)
    inspector = factories.employee("50001")
    check = QualityCheck(number=f"ZJT{n:05d}", ticket_id=ticket.id, dispatch_id=job.id,
                         checklist=checklist, attempt=attempt, inspector_id=inspector.id,
                         verdict=verdict)
    if verdict is not None:
        check.signed_at, check.signed_name = utcnow() - ago, inspector.name
    for item in checklist.items:
        outcome = ItemOutcome.FAIL if item.label in failed else ItemOutcome.PASS
        check.results.append(CheckResult(item=item, outcome=outcome))
    db.session.add(check)
    db.session.commit()
    return check


def _constructed():
    """Tickets A–G (see the test for what each one contributes)."""
    seed_checklists()
    zhao = factories.employee("30003")  # 赵师傅, 上海徐汇
    qian = _technician("30008", "钱师傅", "S4001")
    sun = _technician("31008", "孙师傅", "S4002")
    ma = _technician("32008", "马师傅", "S4003")
    xuhui, xihu, tianhe = (factories.org_unit(c).id for c in ("S4001", "S4002", "S4003"))
    owner = factories.customer()
    glass = factories.product(owner, category="装饰玻璃")  # tickets A and B: a repeat repair
    south = factories.product(owner, category="装饰玻璃")  # tickets F and F2, in 华南

    def ticket(branch, category=None, product=None):
        product = product or factories.product(owner, category=category)
        return factories.ticket(owner=owner, product=product, branch_id=branch)

    a = ticket(xuhui, product=glass)
    _check(a, zhao, 1, CheckVerdict.PASSED)
    b = ticket(xuhui, product=glass)
    _check(b, zhao, 1, CheckVerdict.FAILED, failed=("水平垂直度", "密封与缝隙"))
    _check(b, qian, 2, CheckVerdict.PASSED)
    c = ticket(xuhui, "家电")
    _check(c, qian, 1, CheckVerdict.FAILED, failed=("密封与缝隙",))
    _check(c, qian, 2, CheckVerdict.FAILED, failed=("密封与缝隙",))
    _check(c, qian, 3, CheckVerdict.PASSED)
    d = ticket(xihu, "办公家具")
    _check(d, sun, 1, CheckVerdict.PASSED)
    e = ticket(xihu, "办公家具")
    _check(e, sun, 1, CheckVerdict.FAILED, ago=BEFORE, failed=("固定牢固",))
    _check(e, sun, 2, CheckVerdict.PASSED)
    f = ticket(tianhe, product=south)
    _check(f, ma, 1, CheckVerdict.FAILED, failed=("玻璃完好",))
    ticket(tianhe, product=south)  # F2: no check, only the repeat repair
    g = ticket(xuhui, "装饰玻璃")
    _check(g, zhao, 1, None)  # an unsigned draft counts for nothing
    return glass, south


def _by_label(lines) -> dict:
    return {p.label: (p.inspected, p.first_pass, p.reworks, p.percent) for p in lines}


def test_first_time_pass_rate_by_branch_technician_and_category(ctx):
    glass, south = _constructed()
    start, end = quality_review.default_period()
    review = quality_review.review(factories.employee("50001"), start, end)

    # 50001 sees 华东 only (A–E; F is 华南). Inspected = tickets whose FIRST check was signed
    # in the period: A, B, C, D (E's first check is 40 days old) → 4.
    # First-time passes: A and D → 2 → 2 / 4 = 50 %.
    # Rework = failed checks signed in the period: B#1, C#1, C#2 → 3 (E#1 is before it).
    assert (review.total.inspected, review.total.first_pass, review.rework_count,
            review.total.percent) == (4, 2, 3, 50)

    # 上海徐汇: A pass, B fail, C fail → 1 / 3 = 33 %; reworks B#1, C#1, C#2 = 3.
    # 杭州西湖: D pass → 1 / 1 = 100 %; E#2 passed but is not a first check; no rework.
    assert _by_label(review.by_branch) == {
        "上海徐汇责任中心": (3, 1, 3, 33), "杭州西湖责任中心": (1, 1, 0, 100)}

    # 赵师傅 did the first installations of A (pass) and B (fail) → 1 / 2, rework B#1.
    # 钱师傅 did C's first installation (fail) → 0 / 1, reworks C#1 and C#2; his passed
    # re-installation B#2 is not a first-time pass. 孙师傅: D (pass) → 1 / 1.
    assert _by_label(review.by_technician) == {
        "赵师傅": (2, 1, 1, 50), "钱师傅": (1, 0, 2, 0), "孙师傅": (1, 1, 0, 100)}

    # 装饰玻璃: A, B → 1 / 2, rework B#1; 家电: C → 0 / 1, reworks 2; 办公家具: D → 1 / 1.
    assert _by_label(review.by_category) == {
        "装饰玻璃": (2, 1, 1, 50), "家电": (1, 0, 2, 0), "办公家具": (1, 1, 0, 100)}

    # Failed items in the period: 密封与缝隙 in B#1, C#1, C#2 → 3; 水平垂直度 in B#1 → 1.
    assert review.top_failed == [("密封与缝隙", 3), ("水平垂直度", 1)]

    # Repeat repairs of the region: A and B are on the same product; F / F2 are in 华南.
    assert [(p.id, n) for p, n, _ in review.repeat_repairs] == [(glass.id, 2)]


def test_hq_sees_every_region(ctx):
    glass, south = _constructed()
    start, end = quality_review.default_period()
    review = quality_review.review(factories.employee("60001"), start, end)
    # F adds one inspected ticket that failed first time: 2 / 5 = 40 %, reworks 3 + 1 = 4.
    assert (review.total.inspected, review.total.first_pass, review.rework_count,
            review.total.percent) == (5, 2, 4, 40)
    assert _by_label(review.by_branch)["广州天河责任中心"] == (1, 0, 1, 0)
    # F#1 failed 玻璃完好; equal counts are listed by name.
    assert review.top_failed == [("密封与缝隙", 3), ("水平垂直度", 1), ("玻璃完好", 1)]
    assert {p.id for p, _, _ in review.repeat_repairs} == {glass.id, south.id}


def test_the_period_limits_the_figures(ctx):
    _constructed()
    today = quality_review.default_period()[1]
    old = quality_review.review(factories.employee("50001"), today - timedelta(days=45),
                                today - timedelta(days=35))
    # Only E#1 (40 days ago): E's first check, failed → 0 / 1, one rework, 固定牢固 failed.
    assert (old.total.inspected, old.total.first_pass, old.rework_count) == (1, 0, 1)
    assert old.top_failed == [("固定牢固", 1)]


def test_review_page_shows_table_and_chart(app, client, auth):
    with app.app_context():
        _constructed()
    auth.login("50001")
    page = client.get("/qa/review")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="total-rate">50%<' in html
    assert 'data-testid="rework-count">3<' in html
    assert "<svg" in html and 'data-label="赵师傅" data-percent="50"' in html
    assert "<script" not in html.split("</head>")[1]  # the chart is drawn by the server
    fragment = client.get("/qa/review?start=2000-01-01&end=2000-01-31",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'data-testid="total-rate">—<' in fragment
    auth.logout()
    auth.login("30001")
    assert client.get("/qa/review").status_code == 403
