"""The store documents in print: 委托安装估价单, 委托安装派工单 (three copies), 产品外观检查报告,
客户商品领取收据 — what a reader extracts from the PDF, and who may print it.

Every record is made through the store services, as the branch makes it. As for the hotline's
documents (test_pdf_documents), the checks read the text back out of the PDF with poppler:
xhtml2pdf reports success even when it drew boxes or dropped a row.
"""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    DispatchCategory,
    Estimate,
    InspectionPosition,
    LineKind,
    PaymentMethod,
    PriceItem,
    Priority,
    ProblemPoint,
    Ticket,
    Warranty,
)
from portal.models.base import utcnow
from portal.services.core import uow
from portal.services.documents import pdf
from portal.services.documents import stores as documents
from portal.services.stores import dispatch, estimates, goods_in, reception
from portal.timeutil import to_local
from tests import factories
from tests.test_pdf_documents import RARE_NAME, flat, make_ticket, pdf_fonts, pdf_text

D = Decimal
LINE_HEAD = "项目及说明"  # a column head of the estimate's line table


def render(job) -> bytes:
    return pdf.render_job(job, printed_by=factories.employee("30001"))


def received(ticket=None):
    """A ticket at S4001 (上海徐汇) whose customer is 欧阳璟燊堃, received at the counter."""
    ticket = ticket or make_ticket()
    reception.record_reception(ticket, reception.ReceptionInput(
        request="客户要求更换会议室玻璃门地弹簧，报价请含配件 ¥420.00。", warranty=Warranty.OUT),
        factories.employee("30001"), survey_done=True)
    return ticket


def _item(code: str) -> PriceItem:
    return db.session.scalar(sa.select(PriceItem).where(PriceItem.code == code))


def estimate_for(ticket, extra_lines: int = 0, approve: bool = True) -> Estimate:
    """Revision 1: 1 m² of partition, a floor spring, transport (¥740.00), optionally approved."""
    rep = factories.employee("30001")
    record = estimates.start(ticket, rep)
    estimates.update_header(record, estimates.EstimateHeader(
        promised_at=utcnow() + timedelta(days=3), payment_method=PaymentMethod.MOBILE,
        without_asking="更换损坏的密封胶条（¥50 以内）"), by=rep)
    # 1.5 h × ¥80 × 2 → ¥240.00
    estimates.add_price_line(record, _item("AZ-001"), D("2"), by=rep)
    estimates.add_price_line(record, _item("PJ-001"), D("1"), by=rep)  # ¥420.00
    estimates.add_price_line(record, _item("YS-001"), D("1"), by=rep)  # ¥80.00
    for n in range(1, extra_lines + 1):
        estimates.add_free_line(record, LineKind.PART, f"第{n}段隔断密封胶条", D("1"), D("10"),
                                by=rep)
    if approve:
        estimates.approve(record, "欧阳璟", None, rep)
    return record


def dispatched(ticket=None, note: str | None = None):
    """Dispatched by the supervisor (30002), started by the technician who logs 1.5 h.

    The work is paid (warranty OUT): without a ticket the customer first approves the
    estimate, as the ticket's dispatch step demands; a given ticket must already have it.
    """
    if ticket is None:
        ticket = received()
        estimate_for(ticket)
    tech = factories.employee("30003")
    record = dispatch.create_dispatch(ticket, dispatch.DispatchDraft(
        category=DispatchCategory.MAINTENANCE, priority=Priority.BOOKED_RETURN,
        planned_date=utcnow() + timedelta(hours=2), technician_ids=[tech.id],
        qa_inspector_id=factories.employee("50001").id,
        cleaner_id=factories.employee("30001").id, planned_hours=D("3"),
        promised_handover_at=utcnow() + timedelta(days=2), note=note,
        confirm_warnings=True), factories.employee("30002"))
    dispatch.start_job(record, tech)
    dispatch.log_work(record, tech, D("1.5"), "玻璃门地弹簧 ×1", "拆除旧地弹簧，清理地槽")
    return record


def inspected(ticket=None):
    """Corner 2 scratched and worn (NG), the rest OK, plus an added item (a handle)."""
    ticket = ticket or received()
    lines = [reception.InspectionLineInput(position=p, ok=True)
             for p in reception.FIXED_POSITIONS]
    lines[3] = reception.InspectionLineInput(
        InspectionPosition.CORNER_2, ok=False,
        problems=(ProblemPoint.SCRATCHED, ProblemPoint.WORN), description="右上角划痕约2cm")
    lines.append(reception.InspectionLineInput(InspectionPosition.ADDED, ok=True,
                                               label="不锈钢拉手"))
    return reception.save_inspection(ticket, lines, factories.employee("30001"))


def taken_in(ticket=None):
    return goods_in.take_in(ticket or make_ticket(), "玻璃门地弹簧 1 个（含盖板）",
                            "外壳有油污", factories.employee("30001"))


# --------------------------------------------------------------------------- 委托安装估价单


def test_estimate_prints_customer_lines_totals_terms_and_approval(ctx):
    ticket = received()
    record = estimate_for(ticket)
    job = documents.estimate(record)
    assert job.filename == f"委托安装估价单-{ticket.number}-R1.pdf"
    text = pdf_text(render(job))
    assert RARE_NAME in text and ticket.number in text and f"{ticket.number}-R1" in text
    for label in ("委托安装估价单", "客户名称", "联系人", "电话", "地址", "保修范围",
                  "客户反映的问题及委托内容", "序号", "类别", LINE_HEAD, "单价（¥）", "金额（¥）",
                  "工时费", "配件费", "运输及其它", "总计", "金额大写", "承诺交工时间",
                  "无需再征询客户即可进行的工作", "付款方式", "客户签字确认", "服务代表",
                  "服务销售订单"):
        assert label in text, label
    assert "AZ-001 钢化玻璃隔断安装" in text and "PJ-001 玻璃门地弹簧" in text
    assert "客户要求更换会议室玻璃门地弹簧" in text  # the reception's record of the request
    whole = flat(text)
    for value in ("¥240.00", "¥420.00", "¥80.00", "¥740.00", "人民币柒佰肆拾元整",
                  "■保修范围外", "□保修范围内", "■微信/支付宝", "□现金",
                  "更换损坏的密封胶条（¥50以内）", "客户签字确认欧阳璟"):
        assert value in whole, value
    order = estimates.order_for(record)
    assert order.number in text
    assert to_local(record.promised_at).strftime("%Y-%m-%d %H:%M") in text
    assert to_local(record.approved_at).strftime("%Y-%m-%d %H:%M") in text
    assert "替代" not in text and "SUPERSEDED" not in text  # revision 1 supersedes nothing


def test_additional_work_revision_says_what_it_supersedes_and_waits_for_a_signature(ctx):
    ticket = received()
    first = estimate_for(ticket)
    second = estimates.add_work(first, factories.employee("30001"))
    job = documents.estimate(second)
    assert job.filename == f"委托安装估价单-{ticket.number}-R2.pdf"
    assert job.ascii_filename == f"estimate-{ticket.number}-R2.pdf"
    text = pdf_text(render(job))
    assert f"编号：{ticket.number}-R2" in text
    assert "第2版（替代第1版）" in flat(text)
    # Not yet approved: blank lines for the customer's signature and date, no order yet.
    assert "日期______年___月___日" in flat(text)
    assert "欧阳璟" not in text.replace(RARE_NAME, "")
    # A promised time is not copied into additional work: it is left to fill in.
    assert "承诺交工时间______年___月___日" in flat(text)
    estimates.update_header(second, estimates.EstimateHeader(
        promised_at=utcnow() + timedelta(days=4), payment_method=PaymentMethod.CASH),
        by=factories.employee("30001"))
    estimates.approve(second, "欧阳璟", None, factories.employee("30001"))
    old = pdf_text(render(documents.estimate(first)))
    assert "本版已被后续版本替代" in old and "SUPERSEDED" in old


def test_three_page_estimate_repeats_its_table_header_on_every_page(ctx):
    ticket = received()
    record = estimate_for(ticket, extra_lines=66, approve=False)
    assert len(record.lines) == 69
    data = render(documents.estimate(record))
    pages = pdf.page_count(data)
    assert pages == 3
    with_lines = 0
    for page in range(1, pages + 1):
        text = pdf_text(data, page)
        assert f"编号：{ticket.number}-R1" in text and f"第{page}页/共{pages}页" in flat(text)
        if "隔断密封胶条" in text:
            with_lines += 1
            assert LINE_HEAD in text and "单价（¥）" in text, page  # the repeated header
    assert with_lines == 3  # the lines themselves run onto the third page
    whole = flat(pdf_text(data))
    assert all(f"第{n}段隔断密封胶条" in whole for n in range(1, 67))  # no row dropped
    assert "¥1,400.00" in whole  # 740 + 66 × 10
    assert "人民币壹仟肆佰元整" in whole
    # The statement the customer signs stays with the signature lines.
    last = flat(pdf_text(data, pages))
    assert "本人确认并同意按此施工" in last and "客户签字确认" in last


# --------------------------------------------------------------------------- 委托安装派工单

COPIES = ("第一联·客户联", "第二联·安装联", "第三联·服务代表联")


def test_dispatch_order_prints_three_copies_each_on_its_own_page(ctx):
    record = dispatched()  # after the approved estimate, which gives the items and the cost
    ticket = record.ticket
    job = documents.dispatch(record)
    assert job.filename == f"委托安装派工单-{record.number}.pdf"
    assert record.number.startswith("PG")
    data = render(job)
    assert pdf.page_count(data) == 3
    # Its own layout (one page template per copy) embeds the CJK font like every document.
    fonts = pdf_fonts(data)
    assert any("WenQuanYi" in f["name"] and f["emb"] == "yes" for f in fonts), fonts
    assert {f["name"] for f in fonts if f["emb"] != "yes"} <= {"Helvetica"}, fonts
    for page, copy in enumerate(COPIES, start=1):
        text = pdf_text(data, page)
        whole = flat(text)
        assert copy in whole, page  # in the page header
        assert f"（{copy.replace('·', '：')}）" in whole, page  # under the title
        assert f"编号：{record.number}" in text and f"第{page}页/共3页" in whole
        assert RARE_NAME in text and record.number in text and ticket.number in text
        for other in COPIES:
            if other != copy:
                assert other not in whole, (page, other)
        for label in ("委托安装派工单", "派工单号", "优先工作", "服务代表", "客户信息", "产品信息",
                      "派工时间", "承诺交工时间", "修正时间", "竣工时间", "安装大类",
                      "安装要求或故障现象描述", "安装项目及可能需要更换的配件", "建议安装项目",
                      "安装人员", "质检员", "清洁人员", "签字", "一式三联"):
            assert label in text, (page, label)
        for value in ("预约回厂", "■2保养", "□1第一次安装", "□3第二次安装", "□4其它",
                      "赵师傅", "郑检", "陈志强", "刘海涛", "玻璃门地弹簧漏油",
                      "漕溪北路201号", "1203室", "AZ-001钢化玻璃隔断安装", "¥740.00",
                      "拆除旧地弹簧，清理地槽"):
            assert value in whole, (page, value)


def test_a_long_dispatch_order_keeps_each_copys_name_on_its_further_pages(ctx):
    note = "\n".join(f"第{n}项：进场前与物业确认货梯时间，施工区域铺设保护膜，完工后清理现场。"
                     for n in range(1, 41))
    data = render(documents.dispatch(dispatched(note=note)))
    pages = pdf.page_count(data)
    assert pages > 3 and pages % 3 == 0  # every copy the same length, each from a new page
    per_copy = pages // 3
    for page in range(1, pages + 1):
        whole = flat(pdf_text(data, page))
        assert COPIES[(page - 1) // per_copy] in whole, page


# --------------------------------------------------------------------------- 产品外观检查报告


def test_inspection_report_ticks_the_ng_points_and_waits_for_the_customer(ctx):
    report = inspected()
    ticket = db.session.get(Ticket, report.ticket_id)
    job = documents.inspection(report)
    assert job.filename == f"产品外观检查报告-{ticket.number}-1.pdf"
    text = pdf_text(render(job))
    assert RARE_NAME in text and ticket.number in text
    for label in ("产品外观检查报告", "客户姓名", "派工单号", "服务代表", "检查日期", "检查项目",
                  "OK", "NG", "问题点", "故障部位描述", "玻璃正面", "玻璃背面", "四角",
                  "添加项：不锈钢拉手", "故障部位示意图", "感谢您的光顾！请您确认以上检查结果。",
                  "客户署名"):
        assert label in text, label
    whole = flat(text)
    # The NG row: OK empty, NG ticked, scratched and worn ticked, the other points empty.
    assert "四角·右上（2）□■□坏□脏污■划伤■磨损□变形右上角划痕约2cm" in whole
    assert "玻璃正面■□□坏□脏污□划伤□磨损□变形" in whole  # an OK row
    assert whole.count("■划伤") == 1 and whole.count("■磨损") == 1
    assert "确认时间______年___月___日" in whole  # not confirmed yet: blank to sign
    reception.confirm_inspection(report, "欧阳璟", by=factories.employee("30001"))
    confirmed = flat(pdf_text(render(documents.inspection(report))))
    at = to_local(report.confirmed_at).strftime("%Y-%m-%d%H:%M")
    assert f"客户署名欧阳璟确认时间{at}" in confirmed


# --------------------------------------------------------------------------- 客户商品领取收据


def test_goods_receipt_while_the_goods_are_at_the_branch(ctx):
    receipt = taken_in()
    job = documents.goods_receipt(receipt)
    assert job.filename == f"客户商品领取收据-{receipt.number}.pdf"
    assert receipt.number.startswith("SJ")
    text = pdf_text(render(job))
    assert RARE_NAME in text and receipt.number in text and receipt.ticket.number in text
    for label in ("客户商品领取收据", "收到商品（含附件）", "商品状况", "收货时间", "收货人",
                  "责任中心", "商品领回（客户签收）", "客户签字", "领回日期", "经办人"):
        assert label in text, label
    whole = flat(text)
    assert "玻璃门地弹簧1个（含盖板）" in whole and "外壳有油污" in whole
    assert "陈志强（30001）" in whole and "上海徐汇责任中心" in whole
    assert "领回日期______年___月___日" in whole  # blank while the goods are here
    assert "已作废" not in whole and "VOID" not in whole and "收据状态有效" in whole


def test_returned_goods_receipt_prints_void_with_when_and_who(ctx):
    receipt = taken_in()
    goods_in.hand_back(receipt, RARE_NAME, factories.employee("30001"))
    text = pdf_text(render(documents.goods_receipt(receipt)))
    at = to_local(receipt.returned_at).strftime("%Y-%m-%d %H:%M")
    assert f"已作废 / VOID — 已于 {at} 由 {RARE_NAME} 签收领回" in " ".join(text.split())
    whole = flat(text)
    assert f"客户签字{RARE_NAME}" in whole and "经办人陈志强" in whole


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(("amount", "words"), [
    ("0", "零元整"), ("0.05", "伍分"), ("0.5", "伍角"), ("10", "壹拾元整"),
    ("740", "柒佰肆拾元整"), ("1005.5", "壹仟零伍元伍角"), ("1400", "壹仟肆佰元整"),
    ("100000.07", "壹拾万元零柒分"), ("10005000", "壹仟万伍仟元整"),
    ("12345678.9", "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角"), ("30020.01", "叁万零贰拾元零壹分"),
    ("99999999.99", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"), ("-12.3", "负壹拾贰元叁角"),
])
def test_amounts_in_chinese_capitals(amount, words):
    assert documents.rmb_upper(D(amount)) == words


def test_numbers_on_the_forms():
    assert documents.number(D("2.00")) == "2" and documents.number(D("1.50")) == "1.5"
    assert documents.number(D("0.25")) == "0.25" and documents.number(D("10")) == "10"
    assert documents.yuan(D("1234.5")) == "¥1,234.50" and documents.money(D("0")) == "0.00"


# --------------------------------------------------------------------------- through the browser


@pytest.fixture
def store_records(app):
    """One record of each document for the S4001 ticket; their URLs, file names, numbers."""
    with app.app_context(), uow.transaction():  # services flush: the set-up commits itself
        ticket = received()
        report = inspected(ticket)
        estimate = estimate_for(ticket)
        job = dispatched(ticket)
        receipt = taken_in(ticket)
        return {
            f"/documents/estimates/{estimate.id}.pdf":
                (f"委托安装估价单-{ticket.number}-R1.pdf", f"estimate-{ticket.number}-R1.pdf"),
            f"/documents/dispatches/{job.id}.pdf":
                (f"委托安装派工单-{job.number}.pdf", f"dispatch-order-{job.number}.pdf"),
            f"/documents/inspections/{report.id}.pdf":
                (f"产品外观检查报告-{ticket.number}-1.pdf",
                 f"inspection-report-{ticket.number}-1.pdf"),
            f"/documents/goods/{receipt.id}.pdf":
                (f"客户商品领取收据-{receipt.number}.pdf", f"goods-receipt-{receipt.number}.pdf"),
        }


def test_store_rep_prints_each_document_inline_with_a_chinese_file_name(client, auth,
                                                                         store_records):
    auth.login("30001")
    for url, (name, ascii_name) in store_records.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
        assert response.headers["Content-Disposition"] == (
            f'inline; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(name, safe="")}')
        assert "no-store" in response.headers["Cache-Control"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        text = pdf_text(response.data)
        assert RARE_NAME in text, url
        assert "打印人：陈志强（30001）" in text, url


def test_hotline_agent_and_technician_may_print_too(client, auth, store_records):
    url = next(u for u in store_records if u.startswith("/documents/goods/"))
    auth.login("20001")  # 400 hotline: every branch's tickets
    assert client.get(url).status_code == 200
    auth.logout()
    auth.login("30003")  # technician of the branch
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(("employee_no", "status"), [
    ("31001", 404),  # store rep of S4002 (杭州西湖): S4001's records "do not exist" for them
    ("40001", 403),  # warehouse clerk: neither stores nor hotline rights
])
def test_others_may_not_print_the_store_documents(client, auth, store_records, employee_no,
                                                  status):
    auth.login(employee_no)
    for url in store_records:
        response = client.get(url)
        assert response.status_code == status, url
        assert response.mimetype == "text/html"
        assert RARE_NAME.encode() not in response.data


def test_anonymous_store_print_goes_to_sign_in(client, store_records):
    for url in store_records:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_unknown_store_records_are_404(client, auth):
    auth.login("30001")
    for kind in ("estimates", "dispatches", "inspections", "goods"):
        assert client.get(f"/documents/{kind}/999999.pdf").status_code == 404, kind
