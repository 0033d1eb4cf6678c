"""Printed documents: what a reader of the PDF finds in it, extracted as text by poppler.

xhtml2pdf reports err == 0 even when it drew the Chinese in Helvetica (boxes) or dropped a
row that did not fit on a page, so every check here reads the text back out of the PDF.
"""

import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

from portal.extensions import db
from portal.models import Callback, CallbackKind, CustomerAttribute, CustomerKind
from portal.models.base import utcnow
from portal.services.core import uow
from portal.services.documents import pdf
from portal.services.hotline import contact_letters
from tests import factories

RARE_NAME = "欧阳璟燊堃"  # beyond the 3,500 common characters
MIXED = "YH-G12 型玻璃门 2 扇，报价 ¥420.00，联系 Mr. Wang 分机 8021"


# --------------------------------------------------------------------------- helpers


def pdf_text(data: bytes, page: int | None = None) -> str:
    """The text a reader copies out of the PDF (poppler's pdftotext), one page or all."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    result = subprocess.run(["pdftotext", "-layout", *pages, "-", "-"], input=data,
                            capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def flat(text: str) -> str:
    """Text without spaces and line breaks: a value wrapped over two lines still matches."""
    return "".join(text.split())


def pdf_fonts(data: bytes) -> list[dict]:
    result = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True)
    lines = result.stdout.decode().splitlines()[2:]
    fonts = []
    for line in lines:
        parts = line.split()
        # name, type (1-2 words), encoding, emb, sub, uni, object id, generation
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return fonts


def make_ticket(**fields):
    customer = factories.customer(
        name=RARE_NAME, kind=CustomerKind.PERSON, contact_person="欧阳先生",
        attribute=CustomerAttribute.ANNUAL_CONTRACT, street="漕溪北路201号 B座 1203室")
    product = factories.product(customer, serial="SN-PDF-0001", model="YH-G12",
                                spec="2400×1200 mm 12 mm")
    values = dict(product=product, short_text="玻璃门地弹簧漏油", long_text=MIXED)
    values.update(fields)
    return factories.ticket(customer, **values)


def make_letter(ticket=None, **fields):
    values = dict(subject="关于玻璃门维修的安排", to_unit="上海璟燊堃装饰工程有限公司",
                  to_person="欧阳璟", cc="上海徐汇责任中心", from_unit="售后服务部",
                  from_person="李晓梅", sent_at=utcnow() - timedelta(hours=1), content=MIXED,
                  ticket_number=ticket.number if ticket else None)
    values.update(fields)
    with uow.transaction():  # services only flush: the letter outlives the app context
        return contact_letters.create_letter(contact_letters.LetterDraft(**values),
                                             factories.employee("20001"))


def render(job) -> bytes:
    return pdf.render_job(job, printed_by=factories.employee("20001"))


# --------------------------------------------------------------------------- the font


def test_the_cjk_font_is_embedded_as_a_subset(ctx):
    data = render(pdf.repair_receipt(make_ticket()))
    fonts = pdf_fonts(data)
    wqy = [f for f in fonts if "WenQuanYi" in f["name"]]
    assert wqy and all(f["emb"] == f["sub"] == f["uni"] == "yes" for f in wqy), fonts
    # xhtml2pdf names Helvetica for empty paragraphs; no text is drawn with it, and it is
    # one of the 14 fonts every viewer has. Anything else not embedded would be a problem.
    assert {f["name"] for f in fonts if f["emb"] != "yes"} <= {"Helvetica"}, fonts


def test_the_font_is_registered_once_at_start_up(app):
    from reportlab.pdfbase import pdfmetrics

    font = app.extensions["pdf"]
    assert font.embedded and font.name in pdfmetrics.getRegisteredFontNames()
    assert Path(font.path).name == "wqy-microhei.ttc"
    assert pdf.init_pdf(app) is font  # idempotent: a second call registers nothing


def _run_isolated(code: str) -> subprocess.CompletedProcess:
    # Font registration is per process: a missing font is tried in a process of its own.
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, cwd=Path(__file__).parent.parent, timeout=120)


def test_without_a_cjk_font_it_warns_and_falls_back_to_stsong(tmp_path):
    result = _run_isolated(f"""
        import logging, sys
        logging.basicConfig(level=logging.WARNING)
        from portal import create_app
        from portal.services.documents import pdf
        pdf.FONT_CANDIDATES = ()
        app = create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                           "PDF_FONT_PATH": "{tmp_path}/missing.ttc"}})
        with app.app_context():
            font = pdf.init_pdf(app)
            print("FONT", font.name, font.embedded)
    """)
    assert result.returncode == 0, result.stderr
    assert "FONT STSong-Light False" in result.stdout
    assert "No CJK font for PDF documents" in result.stderr
    assert "fonts-wqy-microhei" in result.stderr


def test_a_font_reportlab_cannot_embed_is_skipped_for_the_next(tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    result = _run_isolated(f"""
        import logging
        logging.basicConfig(level=logging.WARNING)
        from portal import create_app
        from portal.services.documents import pdf
        app = create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                           "PDF_FONT_PATH": "{broken}"}})
        print("FONT", pdf.init_pdf(app).path)
    """)
    assert result.returncode == 0, result.stderr
    assert "cannot be embedded" in result.stderr
    assert "FONT /usr/share/fonts/truetype/wqy/wqy-microhei.ttc" in result.stdout


# --------------------------------------------------------------------------- 客户报修服务单


def test_repair_receipt_prints_the_customer_the_number_and_the_form(ctx):
    ticket = make_ticket()
    text = pdf_text(render(pdf.repair_receipt(ticket)))
    assert RARE_NAME in text and "欧阳先生" in text
    assert ticket.number in text and "SN-PDF-0001" in text
    assert ticket.customer.phone_mobile in text
    assert "漕溪北路201号 B座 1203室" in text
    assert flat(MIXED) in flat(text)
    for label in ("客户报修服务单", "客户名称", "联系人", "电话", "地址", "报修时间", "客户属性",
                  "待服务内容", "处理方案", "处理结果", "已完成服务", "未完成服务",
                  "需返修、更换设备", "其它见备注", "备注", "您的系统设备已经验收并正常工作",
                  "是否已交付", "没有附件", "很满意", "满意", "一般", "不满意", "服务态度",
                  "技术水平", "响应速度", "宝贵意见", "客户签字确认", "日期"):
        assert label in text, label


def test_repair_receipt_ticks_the_customers_attribute_only(ctx):
    text = flat(pdf_text(render(pdf.repair_receipt(make_ticket()))))
    assert "■按年合同客户" in text
    assert "□保内客户" in text and "□按次合同客户" in text and "□《联络函》服务客户" in text
    assert "□已完成服务" in text  # an open ticket: the result is ticked by hand on site


def test_repair_receipt_header_and_footer_on_the_page(ctx):
    ticket = make_ticket()
    text = pdf_text(render(pdf.repair_receipt(ticket)))
    assert "售后服务门户" in text and f"编号：{ticket.number}" in text
    assert "第1页/共1页" in flat(text)
    assert "打印时间：" in text and "打印人：李晓梅（20001）" in text


def test_long_repair_receipt_flows_on_with_its_header_repeated(ctx):
    long_text = "\n".join(f"第{n}项：{MIXED}。客户要求逐项检查并拍照留存，完成后由物业签字确认。"
                          for n in range(1, 121))
    ticket = make_ticket(long_text=long_text)
    data = render(pdf.repair_receipt(ticket))
    pages = pdf.page_count(data)
    assert pages >= 3
    for page in range(1, pages):  # the last page may start after the block has ended
        text = pdf_text(data, page)
        assert "待服务内容" in text, page
        assert ticket.number in text and f"第{page}页/共{pages}页" in flat(text)
    whole = pdf_text(data)
    assert all(f"第{n}项" in whole for n in range(1, 121))  # nothing dropped at a page break


# --------------------------------------------------------------------------- 售后服务联络函


def test_contact_letter_prints_every_field_and_both_signature_blocks(ctx):
    ticket = make_ticket()
    letter = make_letter(ticket, feedback="已收悉，同意周六上午施工。",
                         receiver_confirmed_at=utcnow())
    text = pdf_text(render(pdf.contact_letter(letter)))
    assert letter.number in text and letter.number.startswith("LXH")
    for value in ("关于玻璃门维修的安排", "上海璟燊堃装饰工程有限公司", "欧阳璟",
                  "上海徐汇责任中心", "售后服务部", "李晓梅", "已收悉，同意周六上午施工。",
                  ticket.number, RARE_NAME):
        assert value in text, value
    assert flat(MIXED) in flat(text)
    for label in ("售后服务联络函", "编号", "关于", "收件单位", "收件人", "抄送", "发件单位",
                  "发件人", "发件时间", "页数", "联络内容", "回馈意见", "发件方", "收件方",
                  "（公章）", "确认签字", "确认时间"):
        assert label in text, label
    assert "页数共1页" in flat(text)


def test_empty_optional_fields_print_as_lines_to_fill_in(ctx):
    letter = make_letter(cc=None, sent_at=None, feedback=None)
    text = pdf_text(render(pdf.contact_letter(letter)))
    assert text.count("确认时间：______年___月___日") == 2  # neither side has confirmed yet
    assert "回馈意见" in text


def test_long_contact_letter_runs_to_three_pages_with_its_header_repeated(ctx):
    content = "\n".join(f"（{n}）{MIXED}。请贵单位于收到本函后3个工作日内确认施工时间，并安排物业"
                        f"开放B1停车场及货梯。" for n in range(1, 91))
    letter = make_letter(content=content)
    data = render(pdf.contact_letter(letter))
    pages = pdf.page_count(data)
    assert pages >= 3 and letter.pages == pages  # 页数 is counted from the print
    for page in range(1, pages + 1):
        text = pdf_text(data, page)
        assert f"编号：{letter.number}" in text, page
        assert f"第{page}页/共{pages}页" in flat(text), page
    for page in range(1, pages):
        assert "联络内容" in pdf_text(data, page), page  # the table header, on every page
    whole = pdf_text(data)
    assert all(f"（{n}）" in whole for n in range(1, 91))
    assert f"页数共{pages}页" in flat(pdf_text(data, 1))


def test_saving_a_long_letter_is_one_entry_in_the_audit_trail(ctx):
    from portal.services.core.audit import history

    letter = make_letter(content="\n".join(f"（{n}）{MIXED}。" for n in range(1, 200)))
    assert letter.pages >= 3
    events = history(letter)
    assert [e.action for e in events] == ["create"]
    assert events[0].changes["pages"][1] == str(letter.pages)


def test_a_paragraph_longer_than_a_page_is_printed_whole(ctx):
    # One table row cannot split across pages, and xhtml2pdf drops a row taller than the
    # page without an error; the service cuts long paragraphs into rows that fit.
    content = "客户反映玻璃门关不上，" * 700 + "结尾标记END-OF-LETTER"
    letter = make_letter(content=content)
    data = render(pdf.contact_letter(letter))
    assert pdf.page_count(data) >= 3
    text = flat(pdf_text(data))
    assert "END-OF-LETTER" in text
    assert text.count("映") == 700  # one in each sentence, none in the page header or footer


def test_paragraphs_cut_long_lines_at_a_sentence_end():
    line = "甲。" * 300
    pieces = pdf.paragraphs(f"第一行\n\n{line}\n  \n最后", max_chars=100)
    assert pieces[0] == "第一行" and pieces[-1] == "最后"
    middle = pieces[1:-1]
    assert "".join(middle) == line
    assert all(len(p) <= 100 and p.endswith("。") for p in middle)
    assert pdf.paragraphs("x" * 250, max_chars=100) == ["x" * 100, "x" * 100, "x" * 50]
    commas = pdf.paragraphs("甲乙丙丁，" * 50, max_chars=100)
    assert all(p.endswith("，") for p in commas) and "".join(commas) == "甲乙丙丁，" * 50
    assert pdf.paragraphs(None) == []


# --------------------------------------------------------------------------- 保养到期通知书


def test_expiry_notice_for_a_contract_expiry_callback(ctx):
    ticket = make_ticket()
    end = date(2027, 3, 31)
    callback = Callback(kind=CallbackKind.CONTRACT_EXPIRY, customer=ticket.customer,
                        due_at=utcnow(), contract_end=end)
    db.session.add(callback)
    db.session.commit()
    job = pdf.expiry_notice_for(ticket.customer, callback.id)
    assert job.filename == f"保养到期通知书-{ticket.customer.code}-20270331.pdf"
    text = pdf_text(render(job))
    assert RARE_NAME in text and "2027年03月31日" in text and "SN-PDF-0001" in text
    for label in ("保养到期通知书", "客户名称", "合同类别", "合同到期日", "按年合同", "续约回执",
                  "同意续约", "客户签字", "售后服务部（公章）"):
        assert label in text, label
    assert "■按年合同" in flat(text)


def test_expiry_notice_finds_the_latest_callback_or_leaves_the_date_to_fill_in(ctx):
    customer = make_ticket().customer
    blank = pdf_text(render(pdf.expiry_notice_for(customer)))
    assert "合同到期日 ______年___月___日" in " ".join(blank.split())
    db.session.add(Callback(kind=CallbackKind.CONTRACT_EXPIRY, customer=customer,
                            due_at=utcnow(), contract_end=date(2027, 1, 15)))
    db.session.commit()
    assert "2027年01月15日" in pdf_text(render(pdf.expiry_notice_for(customer)))
    other = factories.customer()
    callback = Callback(kind=CallbackKind.CONTRACT_EXPIRY, customer=other, due_at=utcnow())
    db.session.add(callback)
    db.session.commit()
    assert pdf.expiry_notice_for(customer, callback.id) is None  # not this customer's
