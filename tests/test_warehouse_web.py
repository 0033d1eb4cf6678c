"""The warehouse screens through the test client: every page, the scanner endpoints, the blind
count sheet, decisions and refusals, and who may see what."""

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    CountStatus,
    Part,
    RequisitionStatus,
    ReturnStatus,
    StockCount,
    StockCountLine,
    StockReceipt,
)
from portal.services.core import uow
from portal.services.warehouse import stock_counts
from tests import factories
from tests.test_warehouse_factories import (
    CLERK,
    MANAGER,
    part,
    requisition,
    sign_in,
    stock_in,
    w02_clerk,
    warehouse,
)
from tests.webforms import csrf

HTMX = {"HX-Request": "true"}
BOOKS = 7391  # an unmistakable book quantity: it must never reach a clerk's browser


@pytest.fixture
def stocked(app):
    """Three parts in 上海中心仓, one of them held 7391 times."""
    with app.app_context():
        spring = part(part_no="PJ-DHS-01", name="玻璃门地弹簧", barcode="6901234500017",
                      price=Decimal("420.00"), min_stock=Decimal(9000))
        hinge = part(part_no="PJ-HY-02", name="不锈钢合页", barcode="6901234500024")
        strip = part(part_no="PJ-JT-03", name="防水胶条", unit="米", piece_counted=False,
                     barcode="6901234500031")
        stock_in(spring, BOOKS)
        stock_in(hinge, 12)
        stock_in(strip, "30.5")
        return {"spring": spring.id, "hinge": hinge.id, "strip": strip.id}


def _token(client, path="/warehouse/") -> str:
    return csrf(client.get(path).get_data(as_text=True))


def _open_count(app, by=CLERK) -> tuple[str, int]:
    with app.app_context(), uow.transaction():
        count = stock_counts.open_count(warehouse(), factories.employee(by))
        return count.number, count.id


def _line_ids(app, count_id) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(sa.select(Part.part_no, StockCountLine.id).join(
            StockCountLine, StockCountLine.part_id == Part.id).where(
            StockCountLine.count_id == count_id)).all()
        return dict(rows)


def test_every_warehouse_page_opens_for_the_clerk(app, client, auth, stocked):
    with app.app_context():
        req = requisition([(db.session.get(Part, stocked["hinge"]), 2)]).number
        receipt = db.session.scalar(sa.select(StockReceipt.number).limit(1))
    number, _ = _open_count(app)
    sign_in(client, auth, CLERK)
    pages = ["/warehouse/", "/warehouse/parts", "/warehouse/parts?q=合页",
             "/warehouse/parts/below-minimum", f"/warehouse/parts/{stocked['spring']}",
             "/warehouse/stock", "/warehouse/stock?q=PJ-", "/warehouse/ledger",
             "/warehouse/ledger?kind=receipt&q=PJ-HY", "/warehouse/transfers/new",
             "/warehouse/receipts", "/warehouse/receipts/new", f"/warehouse/receipts/{receipt}",
             "/warehouse/receipts/parts?q=地弹簧", "/warehouse/requisitions",
             "/warehouse/requisitions?view=issued", f"/warehouse/requisitions/{req}",
             "/warehouse/returns", "/warehouse/returns/new", "/warehouse/damage",
             "/warehouse/damage/new", "/warehouse/counts", f"/warehouse/counts/{number}",
             f"/warehouse/counts/{number}/print", "/warehouse/kpis",
             "/warehouse/daily-issues?day=2026-11-02"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    overview = client.get("/warehouse/").get_data(as_text=True)
    assert "上海中心仓" in overview and 'data-testid="kpi-table"' in overview
    assert "玻璃门地弹簧" in client.get("/warehouse/parts/below-minimum").get_data(as_text=True)
    assert client.get("/warehouse/parts/new").status_code == 200  # part.edit: clerks keep it


def test_the_service_manager_chooses_the_warehouse(app, client, auth, stocked):
    with app.app_context():
        w02 = warehouse("W02").id
    sign_in(client, auth, "60001")
    assert "上海中心仓" in client.get("/warehouse/").get_data(as_text=True)
    page = client.get(f"/warehouse/stock?wh={w02}").get_data(as_text=True)
    assert "广州中心仓" in page and "PJ-DHS-01" not in page
    assert "广州中心仓" in client.get("/warehouse/").get_data(as_text=True)  # remembered


def test_receipt_by_scanner_with_bad_codes_and_a_double_click(app, client, auth, stocked):
    sign_in(client, auth, CLERK)
    page = client.get("/warehouse/receipts/new").get_data(as_text=True)
    token, submit_token = csrf(page), re.search(r'name="submit_token"[^>]*value="([^"]+)"',
                                                page).group(1)
    row = client.post("/warehouse/receipts/line", data={"code": "6901234500024",
                                                        "csrf_token": token}, headers=HTMX)
    assert row.status_code == 200 and f'data-part-id="{stocked["hinge"]}"' in row.text
    unknown = client.post("/warehouse/receipts/line", data={"code": "69000NOPE",
                                                            "csrf_token": token}, headers=HTMX)
    assert unknown.status_code == 200 and "“69000NOPE”" in unknown.text
    bad = client.post("/warehouse/receipts", data={
        "csrf_token": token, "submit_token": submit_token, "part_id": [str(stocked["hinge"])],
        "quantity": ["1.5"], "condition": ["good"]})
    assert bad.status_code == 400 and "whole pieces" in bad.text
    assert f'data-part-id="{stocked["hinge"]}"' in bad.text and 'value="1.5"' in bad.text
    form = {"csrf_token": token, "submit_token": submit_token, "supplier": "佛山五金厂",
            "part_id": [str(stocked["hinge"]), str(stocked["strip"])],
            "quantity": ["5", "2.25"], "condition": ["good", "good"]}
    first = client.post("/warehouse/receipts", data=form)
    again = client.post("/warehouse/receipts", data=form)  # the same form, clicked twice
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StockReceipt)) == 4
        assert factories.org_unit("W01") and stock_on_hand(stocked["hinge"]) == 17
        assert stock_on_hand(stocked["strip"]) == Decimal("32.75")


def stock_on_hand(part_id: int) -> Decimal:
    from portal.services.warehouse import stock

    return stock.on_hand(warehouse().id, part_id)


def test_the_count_sheet_is_blind_in_every_response_a_clerk_gets(app, client, auth, stocked):
    number, count_id = _open_count(app)
    lines = _line_ids(app, count_id)
    sign_in(client, auth, CLERK)
    token = _token(client, f"/warehouse/counts/{number}")
    responses = [client.get(f"/warehouse/counts/{number}"),
                 client.get(f"/warehouse/counts/{number}/print"),
                 client.get(f"/warehouse/counts/{number}?q=PJ-DHS")]
    for _ in range(3):
        responses.append(client.post(f"/warehouse/counts/{number}/scan", headers=HTMX,
                                     data={"code": "6901234500017", "csrf_token": token}))
    scan = responses[-1]
    assert scan.headers["X-Scan-Result"] == "added"
    assert "+1 PJ-DHS-01 玻璃门地弹簧: 3 个 counted" in scan.text
    responses.append(client.post(f"/warehouse/counts/{number}/lines/{lines['PJ-HY-02']}",
                                 data={"counted": "11", "reason": "", "csrf_token": token},
                                 headers=HTMX))
    responses.append(client.post(f"/warehouse/counts/{number}/submit",
                                 data={"csrf_token": token, "uncounted_as_zero": "y"}))
    assert responses[-1].status_code == 409  # differences without a reason
    assert "without a reason" in responses[-1].text
    for response in responses:
        assert str(BOOKS) not in response.text, response.request.path
        assert "7,391" not in response.text
    assert client.get(f"/warehouse/counts/{number}/review").status_code == 403
    auth.logout()
    sign_in(client, auth, MANAGER)
    review = client.get(f"/warehouse/counts/{number}/review?all=1").text
    assert str(BOOKS) in review  # the manager's adjustment sheet shows the books


def test_a_scan_answers_unknown_codes_and_asks_quantities_for_metres(app, client, auth,
                                                                      stocked):
    number, count_id = _open_count(app)
    sign_in(client, auth, CLERK)
    token = _token(client, f"/warehouse/counts/{number}")
    unknown = client.post(f"/warehouse/counts/{number}/scan", headers=HTMX,
                          data={"code": "123ABC", "csrf_token": token})
    assert unknown.status_code == 200 and unknown.headers["X-Scan-Result"] == "error"
    assert "“123ABC”" in unknown.text
    asked = client.post(f"/warehouse/counts/{number}/scan", headers=HTMX,
                        data={"code": "PJ-JT-03", "csrf_token": token})
    assert asked.headers["X-Scan-Result"] == "ask" and "data-autofocus" in asked.text
    line_id = _line_ids(app, count_id)["PJ-JT-03"]
    added = client.post(f"/warehouse/counts/{number}/lines/{line_id}", headers=HTMX,
                        data={"counted": "12.5", "add": "1", "csrf_token": token})
    assert added.headers["X-Scan-Result"] == "added" and 'data-counted="12.5"' in added.text
    bad = client.post(f"/warehouse/counts/{number}/lines/{line_id}", headers=HTMX,
                      data={"counted": "-3", "csrf_token": token})
    assert bad.headers["X-Scan-Result"] == "error" and "cannot be negative" in bad.text
    plain = client.post(f"/warehouse/counts/{number}/scan",
                        data={"code": "nope", "csrf_token": token})  # no script: a redirect
    assert plain.status_code == 302


def test_manager_approves_a_count_and_a_stale_approval_is_refused(app, client, auth, stocked):
    number, count_id = _open_count(app)
    lines = _line_ids(app, count_id)
    with app.app_context(), uow.transaction():
        count, clerk = db.session.get(StockCount, count_id), factories.employee(CLERK)
        for part_no, counted in (("PJ-DHS-01", "7390"), ("PJ-HY-02", "12"),
                                 ("PJ-JT-03", "30.5")):
            stock_counts.enter_line(count, db.session.get(StockCountLine, lines[part_no]),
                                    clerk, counted=counted, reason="搬运损坏")
        stock_counts.submit_count(count, clerk)
    sign_in(client, auth, MANAGER)
    review = client.get(f"/warehouse/counts/{number}/review").text
    assert 'data-variance="-1"' in review and "¥-420.00" in review
    version = re.search(r'data-version="(\d+)"', review).group(1)
    token = csrf(review)
    stale = client.post(f"/warehouse/counts/{number}/decide",
                        data={"action": "approve", "version": str(int(version) - 1),
                              "csrf_token": token})
    assert stale.status_code == 409 and "since you opened it" in stale.text, stale.text
    done = client.post(f"/warehouse/counts/{number}/decide",
                       data={"action": "approve", "version": version, "csrf_token": token})
    assert done.status_code == 302
    twice = client.post(f"/warehouse/counts/{number}/decide", follow_redirects=True,
                        data={"action": "approve", "version": version, "csrf_token": token})
    assert "approved already" in twice.text
    with app.app_context():
        assert db.session.get(StockCount, count_id).status == CountStatus.APPROVED
        assert stock_on_hand(stocked["spring"]) == BOOKS - 1
    auth.logout()
    sign_in(client, auth, CLERK)
    forbidden = client.post(f"/warehouse/counts/{number}/decide",
                            data={"action": "approve", "version": version,
                                  "csrf_token": _token(client)})
    assert forbidden.status_code == 403


def test_issue_from_the_queue_waits_when_short_and_the_branch_sees_it(app, client, auth,
                                                                      stocked):
    with app.app_context():
        hinge = db.session.get(Part, stocked["hinge"])
        number = requisition([(hinge, 20)]).number
    sign_in(client, auth, CLERK)
    queue = client.get("/warehouse/requisitions").text
    assert number in queue and "Short" in queue
    token = _token(client)
    short = client.post(f"/warehouse/requisitions/{number}/issue", data={"csrf_token": token},
                        follow_redirects=True)
    assert "it waits. Nothing was issued" in short.text and 'data-missing="8"' in short.text
    assert 'data-status="waiting"' in short.text  # kept: the queue shows it waiting
    with app.app_context():
        assert stock_on_hand(stocked["hinge"]) == 12
    stock_in_web(app, stocked["hinge"], 8)
    issued = client.post(f"/warehouse/requisitions/{number}/issue",
                         data={"csrf_token": token}, follow_redirects=True)
    assert issued.status_code == 200 and 'data-status="issued"' in issued.text
    auth.logout()
    sign_in(client, auth, "30002")  # the branch's supervisor reads the status
    page = client.get(f"/warehouse/requisitions/{number}")
    assert page.status_code == 200 and 'data-status="issued"' in page.text
    auth.logout()
    sign_in(client, auth, "31001")  # another branch: not there
    assert client.get(f"/warehouse/requisitions/{number}").status_code == 404


def stock_in_web(app, part_id: int, quantity) -> None:
    with app.app_context():
        stock_in(db.session.get(Part, part_id), quantity)


def test_branch_supervisor_approves_a_requisition_on_its_page(app, client, auth, stocked):
    with app.app_context():
        number = requisition([(db.session.get(Part, stocked["hinge"]), 1)],
                             approve=False).number
    sign_in(client, auth, "30002")
    page = client.get(f"/warehouse/requisitions/{number}").text
    assert 'data-action="approve"' in page
    client.post(f"/warehouse/requisitions/{number}/transition",
                data={"action": "approve", "csrf_token": csrf(page)})
    with app.app_context():
        from portal.models import Requisition

        assert db.session.scalar(sa.select(Requisition.status)) == RequisitionStatus.APPROVED


def test_another_warehouse_documents_are_not_there(app, client, auth, stocked):
    with app.app_context():
        clip = part()
        stock_in(clip, 2, "W02")
        req = requisition([(clip, 1)], warehouse_code="W02").number
        with uow.transaction():
            count = stock_counts.open_count(warehouse("W02"), w02_clerk()).number
    sign_in(client, auth, CLERK)
    assert client.get(f"/warehouse/requisitions/{req}").status_code == 404
    assert client.get(f"/warehouse/counts/{count}").status_code == 404
    refused = client.post(f"/warehouse/requisitions/{req}/issue",
                          data={"csrf_token": _token(client)})
    assert refused.status_code == 404


def test_return_and_damage_through_their_pages(app, client, auth, stocked):
    sign_in(client, auth, CLERK)
    token = _token(client, "/warehouse/returns/new")
    bad = client.post("/warehouse/returns/new", data={
        "csrf_token": token, "code": "NOPE-1", "quantity": "1", "returned_by": "王业务",
        "reason": "错发"})
    assert bad.status_code == 400 and "“NOPE-1”" in bad.text
    created = client.post("/warehouse/returns/new", data={
        "csrf_token": token, "code": "PJ-HY-02", "quantity": "2", "returned_by": "王业务",
        "reason": "错发型号"})
    assert created.status_code == 302
    number = created.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/warehouse/returns/{number}/note").status_code == 404  # not in yet
    damage = client.post("/warehouse/damage/new", data={
        "csrf_token": token, "code": "6901234500024", "quantity": "1", "condition": "good",
        "cause": "运输挤压", "proposal": "to_damaged"})
    assert damage.status_code == 302
    damage_number = damage.headers["Location"].rsplit("/", 1)[1]
    auth.logout()
    sign_in(client, auth, MANAGER)
    token = _token(client)
    client.post(f"/warehouse/returns/{number}/decide", data={"action": "approve",
                                                             "csrf_token": token})
    refusal = client.post(f"/warehouse/damage/{damage_number}/decide",
                          data={"action": "refuse", "csrf_token": token})
    assert refusal.status_code == 400 and "reason" in refusal.text
    client.post(f"/warehouse/damage/{damage_number}/decide",
                data={"action": "approve", "csrf_token": token})
    auth.logout()
    sign_in(client, auth, CLERK)
    received = client.post(f"/warehouse/returns/{number}/receive", follow_redirects=True,
                           data={"csrf_token": _token(client), "quantity": "2",
                                 "condition": "damaged"})
    assert 'data-testid="return-note"' in received.text and number in received.text
    with app.app_context():
        from portal.models import ReturnReport, StockCondition
        from portal.services.warehouse import stock

        assert db.session.scalar(sa.select(ReturnReport.status)) == ReturnStatus.RECEIVED
        hinge = stocked["hinge"]
        assert stock.on_hand(warehouse().id, hinge) == 11
        assert stock.on_hand(warehouse().id, hinge, StockCondition.DAMAGED) == 3


def test_manager_maintains_the_catalogue(app, client, auth, stocked):
    sign_in(client, auth, MANAGER)
    token = _token(client, "/warehouse/parts/new")
    fields = {"csrf_token": token, "part_no": "pj-new-9", "name": "淋浴房滑轮", "unit": "个",
              "category": "淋浴房配件", "price": "18.50", "barcode": "6901234500017",
              "min_stock": "5", "piece_counted": "y", "active": "y"}
    clash = client.post("/warehouse/parts/new", data=fields)
    assert clash.status_code == 409 and "already used by PJ-DHS-01" in clash.text
    fields["barcode"] = "6901234599999"
    saved = client.post("/warehouse/parts/new", data=fields)
    assert saved.status_code == 302
    with app.app_context():
        new = db.session.scalar(sa.select(Part).where(Part.part_no == "PJ-NEW-9"))
        assert new.name == "淋浴房滑轮" and new.min_stock == 5


def test_demo_warehouse_data_is_complete_and_idempotent(app, client, auth):
    from portal.demo_warehouse import PARTS, seed_warehouse
    from portal.models import StockBalance
    from portal.services.core.audit import acting_as
    from portal.services.warehouse import stock

    with app.app_context(), acting_as(None, "seed-demo"):
        assert seed_warehouse() > 0
        assert seed_warehouse() == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Part)) == len(PARTS)
        assert len({p.barcode for p in db.session.scalars(sa.select(Part))}) == len(PARTS)
        held = set(db.session.scalars(sa.select(StockBalance.warehouse_id).distinct()))
        assert held == {warehouse("W01").id}  # W02 has no staff in the demo: it starts empty
        # Requisitions come with the demo's dispatches (tests/test_demo_data.py).
        assert stock.below_minimum_count(warehouse().id) == 3
        assert stock.ledger_mismatches() == []
    sign_in(client, auth, CLERK)
    assert client.get("/warehouse/").status_code == 200


# --------------------------------------------------------------------------- duties


def _documents(app, stocked) -> dict[str, str]:
    """One of each warehouse document in 上海中心仓, at the step where a decision is due."""
    from portal.models import DamageProposal
    from portal.services.warehouse import returns

    with app.app_context(), uow.transaction():
        clerk, hinge = factories.employee(CLERK), db.session.get(Part, stocked["hinge"])
        req = requisition([(hinge, 1)])
        count = stock_counts.open_count(warehouse(), clerk)
        reported = returns.report_return(warehouse(), returns.ReturnDraft(
            part=hinge, quantity=Decimal(1), reason="错发", returned_by="王业务"), clerk)
        approved = returns.report_return(warehouse(), returns.ReturnDraft(
            part=hinge, quantity=Decimal(1), reason="退订", returned_by="王业务"), clerk)
        returns.decide_return(approved, factories.employee(MANAGER), "approve")
        damage = returns.report_damage(warehouse(), returns.DamageDraft(
            part=hinge, quantity=Decimal(1), cause="碰撞", proposal=DamageProposal.WRITE_OFF),
            clerk)
        line = db.session.scalar(sa.select(StockCountLine.id).where(
            StockCountLine.count_id == count.id).limit(1))
        return {"req": req.number, "count": count.number, "line": str(line),
                "return": reported.number, "approved": approved.number,
                "damage": damage.number, "part": str(stocked["hinge"])}


def _writes(d: dict[str, str]) -> list[tuple[str, str]]:
    """Every warehouse write (and the forms that lead to one), as (method, path)."""
    return [
        ("GET", "/warehouse/receipts/new"), ("POST", "/warehouse/receipts"),
        ("POST", "/warehouse/receipts/line"), ("GET", "/warehouse/receipts/parts?q=合页"),
        ("GET", "/warehouse/transfers/new"), ("POST", "/warehouse/transfers/new"),
        ("GET", "/warehouse/parts/new"), ("POST", "/warehouse/parts/new"),
        ("GET", f"/warehouse/parts/{d['part']}/edit"),
        ("POST", f"/warehouse/parts/{d['part']}/edit"),
        ("POST", "/warehouse/counts"), ("POST", f"/warehouse/counts/{d['count']}/scan"),
        ("POST", f"/warehouse/counts/{d['count']}/lines/{d['line']}"),
        ("POST", f"/warehouse/counts/{d['count']}/submit"),
        ("POST", f"/warehouse/counts/{d['count']}/cancel"),
        ("GET", f"/warehouse/counts/{d['count']}/review"),
        ("POST", f"/warehouse/counts/{d['count']}/decide"),
        ("POST", f"/warehouse/requisitions/{d['req']}/issue"),
        ("POST", f"/warehouse/requisitions/{d['req']}/transition"),
        ("GET", "/warehouse/returns/new"), ("POST", "/warehouse/returns/new"),
        ("POST", f"/warehouse/returns/{d['return']}/decide"),
        ("POST", f"/warehouse/returns/{d['approved']}/receive"),
        ("GET", "/warehouse/damage/new"), ("POST", "/warehouse/damage/new"),
        ("POST", f"/warehouse/damage/{d['damage']}/decide"),
    ]


def _snapshot(app) -> dict:
    from portal.models import DamageReport, Requisition, ReturnReport, StockMovement

    with app.app_context():
        return {
            "movements": db.session.scalar(sa.select(sa.func.count()).select_from(
                StockMovement)),
            "receipts": db.session.scalar(sa.select(sa.func.count()).select_from(StockReceipt)),
            "parts": db.session.scalar(sa.select(sa.func.count()).select_from(Part)),
            "counts": sorted((c.status.value, c.version) for c in db.session.scalars(
                sa.select(StockCount))),
            "lines": sorted(str(c) for c in db.session.scalars(sa.select(StockCountLine.counted))),
            "statuses": sorted(str(r.status.value) for m in (Requisition, ReturnReport,
                                                              DamageReport)
                               for r in db.session.scalars(sa.select(m))),
        }


def _links_and_forms(html: str) -> tuple[set[str], set[str]]:
    links = set(re.findall(r'href="(/warehouse/[^"#]*)"', html))
    posts = set(re.findall(r'<form method="post" action="(/warehouse/[^"]*)"', html))
    return {link.replace("&amp;", "&") for link in links}, posts


def test_the_service_manager_reads_everything_and_writes_nothing(app, client, auth, stocked):
    """60001 holds warehouse.view only: every warehouse write answers 403 and changes nothing,
    and none of the pages he reads shows a link that answers 403 or a form to post."""
    d = _documents(app, stocked)
    before = _snapshot(app)
    sign_in(client, auth, "60001")
    token = _token(client)
    for method, path in _writes(d):
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={
                "csrf_token": token, "action": "approve", "code": "PJ-HY-02", "quantity": "1",
                "counted": "1", "condition": "good", "part_id": d["part"], "remark": "x"})
        assert response.status_code == 403, (method, path)
    assert _snapshot(app) == before
    pages = ["/warehouse/", "/warehouse/stock", "/warehouse/receipts", "/warehouse/counts",
             f"/warehouse/counts/{d['count']}", "/warehouse/returns", "/warehouse/damage",
             f"/warehouse/returns/{d['return']}", f"/warehouse/returns/{d['approved']}",
             f"/warehouse/damage/{d['damage']}", f"/warehouse/requisitions/{d['req']}",
             "/warehouse/parts", f"/warehouse/parts/{d['part']}", "/warehouse/requisitions",
             "/warehouse/ledger", "/warehouse/parts/below-minimum", "/warehouse/kpis",
             "/warehouse/daily-issues"]
    for page in pages:
        html = client.get(page).text
        links, posts = _links_and_forms(html)
        assert posts == set(), page
        for link in links:
            assert client.get(link).status_code != 403, (page, link)
        assert 'data-testid="scan-input"' not in html and 'name="counted"' not in html


def test_the_clerk_is_shown_only_what_answers(app, client, auth, stocked):
    """The clerk's pages link and post only where the clerk's duties reach (no approvals)."""
    d = _documents(app, stocked)
    sign_in(client, auth, CLERK)
    for page in ("/warehouse/", "/warehouse/counts", f"/warehouse/counts/{d['count']}",
                 f"/warehouse/returns/{d['return']}", f"/warehouse/damage/{d['damage']}",
                 f"/warehouse/requisitions/{d['req']}", f"/warehouse/parts/{d['part']}"):
        links, posts = _links_and_forms(client.get(page).text)
        for link in links:
            assert client.get(link).status_code != 403, (page, link)
        assert not {p for p in posts if p.endswith("/decide")}, page
    assert 'data-testid="receive-form"' in client.get(f"/warehouse/returns/{d['approved']}").text


def test_the_branch_sees_its_requisition_without_warehouse_links(app, client, auth, stocked):
    """A store rep or technician reads the requisition; part pages are the warehouse's, so
    the part is named, not linked. Neither may cancel it; the branch supervisor may."""
    with app.app_context():
        ticket = factories.ticket()  # a Shanghai customer: S4001
        number = requisition([(db.session.get(Part, stocked["hinge"]), 1)], ticket=ticket).number
    for who in ("30001", "30003"):
        sign_in(client, auth, who)
        page = client.get(f"/warehouse/requisitions/{number}")
        assert page.status_code == 200 and "PJ-HY-02" in page.text
        links, posts = _links_and_forms(page.text)
        assert not [link for link in links if link.startswith("/warehouse/parts")], who
        assert posts == set() and 'data-action="cancel"' not in page.text, who
        for link in re.findall(r'href="(/(?:hotline|stores)/[^"#]*)"', page.text):
            assert client.get(link).status_code != 403, (who, link)
        refusal = client.post(f"/warehouse/requisitions/{number}/transition",
                              data={"action": "cancel", "remark": "不要了",
                                    "csrf_token": csrf(page.text)})
        assert refusal.status_code == 403, who
        auth.logout()
    with app.app_context():
        from portal.models import Requisition

        assert db.session.scalar(sa.select(Requisition.status)) == RequisitionStatus.APPROVED
    sign_in(client, auth, "30002")
    page = client.get(f"/warehouse/requisitions/{number}").text
    assert 'data-action="cancel"' in page
    done = client.post(f"/warehouse/requisitions/{number}/transition", follow_redirects=True,
                       data={"action": "cancel", "remark": "客户取消", "csrf_token": csrf(page)})
    assert 'data-status="cancelled"' in done.text and "客户取消" in done.text


def test_returns_and_damage_lists_filter_by_status(app, client, auth, stocked):
    """`?status=…` filters the list (it used to reach render() as the HTTP status: a 500)."""
    d = _documents(app, stocked)
    sign_in(client, auth, CLERK)
    reported = client.get("/warehouse/returns?status=reported")
    assert reported.status_code == 200
    assert d["return"] in reported.text and d["approved"] not in reported.text
    approved = client.get("/warehouse/returns?status=approved").text
    assert d["approved"] in approved and d["return"] not in approved
    assert client.get("/warehouse/returns?status=nonsense").status_code == 200  # all shown
    damage = client.get("/warehouse/damage?status=reported")
    assert damage.status_code == 200 and d["damage"] in damage.text
    none = client.get("/warehouse/damage?status=approved")
    assert none.status_code == 200 and d["damage"] not in none.text


@pytest.mark.parametrize("kind", ["returns", "damage"])
def test_a_manager_cannot_decide_on_his_own_report(app, client, auth, stocked, kind):
    sign_in(client, auth, MANAGER)
    token = _token(client, f"/warehouse/{kind}/new")
    fields = {"csrf_token": token, "code": "PJ-HY-02", "quantity": "1"}
    fields.update({"returned_by": "王业务", "reason": "错发"} if kind == "returns" else
                  {"condition": "good", "cause": "碰撞", "proposal": "write_off"})
    created = client.post(f"/warehouse/{kind}/new", data=fields)
    assert created.status_code == 302
    page = client.get(created.headers["Location"]).text
    number = created.headers["Location"].rsplit("/", 1)[1]
    assert f"You reported {number}: another manager must decide on it." in page
    assert 'data-testid="decision-form"' not in page
    for action, remark in (("approve", ""), ("refuse", "不同意")):
        refusal = client.post(f"/warehouse/{kind}/{number}/decide",
                              data={"action": action, "remark": remark, "csrf_token": token})
        assert refusal.status_code == 409 and "another manager must decide" in refusal.text
    assert 'data-status="reported"' in client.get(f"/warehouse/{kind}/{number}").text
