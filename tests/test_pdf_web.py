"""打印 / PDF through the browser: who may print what, how the file arrives, and the contact
letter screens (write from a ticket or a complaint, list, search, correct, print again)."""

import re
from datetime import date, timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Callback,
    CallbackKind,
    ComplaintCategory,
    ComplaintChannel,
    ContactLetter,
)
from portal.models.base import utcnow
from portal.services.core import uow
from portal.services.hotline import complaints
from portal.timeutil import to_local
from tests import factories
from tests.test_pdf_documents import RARE_NAME, flat, make_letter, make_ticket, pdf_text


@pytest.fixture
def shanghai_ticket(app):
    """A ticket of branch S4001 (上海徐汇), whose store rep is 30001; 31001 is in S4002."""
    with app.app_context():
        ticket = make_ticket()
        assert ticket.branch.code == "S4001"
        return ticket.number


def _letter_form(client, auth, path: str) -> tuple[str, dict]:
    """The form's CSRF token and prefilled values, read from the page like a browser would."""
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    values = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))
    textarea = re.search(r'<textarea[^>]*name="content"[^>]*>\s*(.*?)</textarea>', html, re.S)
    values["content"] = textarea.group(1) if textarea else ""
    return token, values


def _post_letter(client, path: str, token: str, values: dict, **changes):
    data = {**values, **changes, "csrf_token": token}
    data.pop("q", None)
    return client.post(path, data=data)


# --------------------------------------------------------------------------- the PDF response


def test_repair_receipt_opens_inline_with_a_chinese_file_name(client, auth, shanghai_ticket):
    auth.login("20001")
    response = client.get(f"/documents/tickets/{shanghai_ticket}/repair-receipt.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    name = f"报修服务单-{shanghai_ticket}.pdf"
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="repair-receipt-{shanghai_ticket}.pdf"; '
        f"filename*=UTF-8''{quote(name, safe='')}")
    assert "%E6%8A%A5%E4%BF%AE%E6%9C%8D%E5%8A%A1%E5%8D%95" in response.headers[
        "Content-Disposition"]  # 报修服务单, RFC 5987 percent-encoded UTF-8
    assert "no-store" in response.headers["Cache-Control"]
    # Chrome's PDF viewer is blanked by object-src 'none'; framing stays forbidden.
    assert "object-src" not in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    text = pdf_text(response.data)
    assert RARE_NAME in text and shanghai_ticket in text
    assert "打印人：李晓梅（20001）" in text  # who printed it, on every page


def test_store_rep_prints_own_branch_ticket(client, auth, shanghai_ticket):
    auth.login("30001")
    response = client.get(f"/documents/tickets/{shanghai_ticket}/repair-receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"


@pytest.mark.parametrize(("employee_no", "status"), [
    ("31001", 404),  # store rep of another branch: the ticket "does not exist" for them
    ("40001", 403),  # warehouse clerk: no hotline or stores rights at all
    ("50001", 403),  # QA inspector
])
def test_others_may_not_print_the_repair_receipt(client, auth, shanghai_ticket, employee_no,
                                                 status):
    auth.login(employee_no)
    response = client.get(f"/documents/tickets/{shanghai_ticket}/repair-receipt.pdf")
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert RARE_NAME.encode() not in response.data


def test_anonymous_print_goes_to_sign_in(client, shanghai_ticket):
    url = f"/documents/tickets/{shanghai_ticket}/repair-receipt.pdf"
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_unknown_ticket_is_404(client, auth):
    auth.login("20001")
    assert client.get("/documents/tickets/BX2026-999999/repair-receipt.pdf").status_code == 404


# --------------------------------------------------------------------------- 保养到期通知书


def test_expiry_notice_from_a_contract_expiry_callback(app, client, auth):
    with app.app_context():
        customer = make_ticket().customer
        callback = Callback(kind=CallbackKind.CONTRACT_EXPIRY, customer=customer,
                            due_at=utcnow(), contract_end=date(2027, 5, 1))
        db.session.add(callback)
        db.session.commit()
        ids = customer.id, callback.id, customer.code
    customer_id, callback_id, code = ids
    auth.login("20001")
    response = client.get(f"/documents/customers/{customer_id}/expiry-notice.pdf"
                          f"?callback={callback_id}")
    assert response.status_code == 200
    assert quote(f"保养到期通知书-{code}-20270501.pdf", safe="") in response.headers[
        "Content-Disposition"]
    assert "2027年05月01日" in pdf_text(response.data)
    by_date = client.get(f"/documents/customers/{customer_id}/expiry-notice.pdf?end=2027-06-30")
    assert "2027年06月30日" in pdf_text(by_date.data)
    assert client.get(f"/documents/customers/{customer_id}/expiry-notice.pdf?end=30.6."
                      ).status_code == 400


def test_expiry_notice_refuses_another_customers_callback_and_store_users(app, client, auth):
    with app.app_context():
        mine, other = factories.customer(), factories.customer()
        callback = Callback(kind=CallbackKind.CONTRACT_EXPIRY, customer=other, due_at=utcnow())
        db.session.add(callback)
        db.session.commit()
        mine_id, callback_id = mine.id, callback.id
    auth.login("20001")
    url = f"/documents/customers/{mine_id}/expiry-notice.pdf"
    assert client.get(f"{url}?callback={callback_id}").status_code == 404
    auth.logout()
    auth.login("30001")
    assert client.get(url).status_code == 403


# --------------------------------------------------------------------------- contact letters


def test_agent_writes_a_letter_from_a_ticket_and_prints_it(app, client, auth, shanghai_ticket):
    auth.login("20001")
    new = f"/documents/letters/new?ticket={shanghai_ticket}"
    token, values = _letter_form(client, auth, new)
    assert values["to_unit"] == RARE_NAME and values["ticket_number"] == shanghai_ticket
    assert values["from_person"] == "李晓梅" and values["cc"] == "上海徐汇责任中心"
    assert shanghai_ticket in values["subject"]
    response = _post_letter(client, "/documents/letters", token, values,
                            content="请于周六上午安排上门更换地弹簧，费用 ¥420.00。")
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"LXH\d{4}-\d{6}", number)
    detail = client.get(f"/documents/letters/{number}").get_data(as_text=True)
    assert "请于周六上午安排上门更换地弹簧" in detail and shanghai_ticket in detail
    printed = client.get(f"/documents/letters/{number}/print.pdf")
    assert printed.status_code == 200
    assert quote(f"联络函-{number}.pdf", safe="") in printed.headers["Content-Disposition"]
    assert f'filename="contact-letter-{number}.pdf"' in printed.headers["Content-Disposition"]
    text = pdf_text(printed.data)
    assert RARE_NAME in text and "¥420.00" in text and number in text
    with app.app_context():
        letter = db.session.scalar(sa.select(ContactLetter).where(ContactLetter.number == number))
        assert letter.ticket.number == shanghai_ticket and letter.customer.name == RARE_NAME
        assert letter.pages == 1 and letter.created_by.employee_no == "20001"


def test_a_double_submitted_letter_is_saved_once(app, client, auth):
    auth.login("20001")
    token, values = _letter_form(client, auth, "/documents/letters/new")
    values.update(subject="关于年度保养", to_unit="某单位", content="内容")
    first = _post_letter(client, "/documents/letters", token, values)
    second = _post_letter(client, "/documents/letters", token, values)
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactLetter)) == 1


def test_letter_form_refuses_missing_fields_and_unknown_tickets(client, auth):
    auth.login("20001")
    token, values = _letter_form(client, auth, "/documents/letters/new")
    response = _post_letter(client, "/documents/letters", token, values, subject="",
                            content="x", to_unit="某单位")
    assert response.status_code == 400
    response = _post_letter(client, "/documents/letters", token, values, subject="关于",
                            content="x", to_unit="某单位", ticket_number="BX2026-999999")
    assert response.status_code == 400
    assert "BX2026-999999" in response.get_data(as_text=True)


def test_letter_from_a_complaint_carries_its_content_and_ticket(app, client, auth,
                                                                 shanghai_ticket):
    with app.app_context(), uow.transaction():  # services flush: the set-up commits itself
        complaint = complaints.register(complaints.ComplaintDraft(
            content="安装师傅迟到两小时，且未清理现场。", channel=ComplaintChannel.PHONE,
            category=ComplaintCategory.ATTITUDE, ticket_number=shanghai_ticket),
            factories.employee("20001"))
        complaint_number = complaint.number
    auth.login("20001")
    token, values = _letter_form(client, auth,
                                 f"/documents/letters/new?complaint={complaint_number}")
    assert values["complaint_number"] == complaint_number
    assert values["content"] == "安装师傅迟到两小时，且未清理现场。"
    assert values["ticket_number"] == shanghai_ticket
    response = _post_letter(client, "/documents/letters", token, values)
    assert response.status_code == 302
    with app.app_context():
        letter = db.session.scalar(sa.select(ContactLetter))
        assert letter.complaint.number == complaint_number
        assert letter.ticket.number == shanghai_ticket


def test_store_rep_writes_letters_only_for_own_branch(app, client, auth, shanghai_ticket):
    auth.login("31001")  # 杭州西湖: the Shanghai ticket is not theirs
    assert client.get(f"/documents/letters/new?ticket={shanghai_ticket}").status_code == 404
    token, values = _letter_form(client, auth, "/documents/letters/new")
    response = _post_letter(client, "/documents/letters", token, values, subject="关于",
                            to_unit="某单位", content="x", ticket_number=shanghai_ticket)
    assert response.status_code == 400
    auth.logout()
    auth.login("30001")  # 上海徐汇: their own branch
    token, values = _letter_form(client, auth, f"/documents/letters/new?ticket={shanghai_ticket}")
    assert values["from_unit"] == "上海徐汇责任中心" and values["cc"] == ""
    response = _post_letter(client, "/documents/letters", token, values, content="上门时间确认")
    assert response.status_code == 302


def test_store_users_see_only_their_branchs_letters(app, client, auth, shanghai_ticket):
    with app.app_context():
        ticket = factories.ticket(factories.customer(), short_text="x")
        shanghai = make_letter(ticket, subject="关于上海的工单")
        hangzhou_customer = factories.customer(province="浙江省", city="杭州市",
                                               district="西湖区")
        hangzhou = make_letter(factories.ticket(hangzhou_customer), subject="关于杭州的工单")
        free = make_letter(subject="总部的通知")  # free-standing, written at HQ
        numbers = shanghai.number, hangzhou.number, free.number
    shanghai_no, hangzhou_no, free_no = numbers
    auth.login("31001")
    listing = client.get("/documents/letters").get_data(as_text=True)
    assert hangzhou_no in listing and shanghai_no not in listing and free_no not in listing
    assert client.get(f"/documents/letters/{shanghai_no}").status_code == 404
    assert client.get(f"/documents/letters/{shanghai_no}/print.pdf").status_code == 404
    assert client.get(f"/documents/letters/{shanghai_no}/edit").status_code == 404
    assert client.get(f"/documents/letters/{hangzhou_no}/print.pdf").status_code == 200
    auth.logout()
    auth.login("20001")  # the hotline sees every letter
    listing = client.get("/documents/letters").get_data(as_text=True)
    assert all(n in listing for n in numbers)


def test_letters_search_and_page(app, client, auth):
    with app.app_context():
        for n in range(22):
            make_letter(subject=f"关于第{n}号事项", to_unit="某单位", content=f"内容{n}")
        make_letter(subject="关于年度保养合同", to_unit="上海璟燊堃装饰工程有限公司",
                    content="续约")
    auth.login("20001")
    first = client.get("/documents/letters").get_data(as_text=True)
    assert first.count('data-number="LXH') == 20
    second = client.get("/documents/letters?page=2").get_data(as_text=True)
    assert second.count('data-number="LXH') == 3
    found = client.get("/documents/letters?q=璟燊堃").get_data(as_text=True)
    assert found.count('data-number="LXH') == 1 and "关于年度保养合同" in found
    fragment = client.get("/documents/letters?q=年度保养", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "关于年度保养合同" in body
    assert client.get("/documents/letters?q=%25").status_code == 200


def test_recipient_feedback_and_confirmation_are_recorded(app, client, auth):
    with app.app_context():
        number = make_letter().number
    auth.login("20001")
    token, values = _letter_form(client, auth, f"/documents/letters/{number}/edit")
    now = to_local(utcnow()).replace(tzinfo=None)
    response = _post_letter(client, f"/documents/letters/{number}/edit", token, values,
                            content=values["content"], feedback="同意周六施工。",
                            receiver_confirmed_at=now.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 302
    text = pdf_text(client.get(f"/documents/letters/{number}/print.pdf").data)
    assert "同意周六施工。" in text
    assert f"确认时间：{now:%Y-%m-%d %H:%M}" in text
    before_sending = (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = _post_letter(client, f"/documents/letters/{number}/edit", token, values,
                            content=values["content"], receiver_confirmed_at=before_sending)
    assert response.status_code == 400
    history = client.get(f"/documents/letters/{number}").get_data(as_text=True)
    assert "同意周六施工。" in history and "feedback" in history  # the audit trail kept it


def test_long_letter_pages_are_counted_when_saved(app, client, auth):
    auth.login("20001")
    token, values = _letter_form(client, auth, "/documents/letters/new")
    content = "\n".join(f"第{n}条：请贵单位于收到本函后三个工作日内确认施工时间，并安排物业开放"
                        f"B1停车场及货梯，费用 ¥{n * 10}.00。" for n in range(1, 120))
    response = _post_letter(client, "/documents/letters", token, values, subject="关于多项事宜",
                            to_unit="某单位", content=content)
    number = response.headers["Location"].rsplit("/", 1)[1]
    data = client.get(f"/documents/letters/{number}/print.pdf").data
    with app.app_context():
        pages = db.session.scalar(sa.select(ContactLetter.pages))
    assert pages >= 3
    assert f"页数共{pages}页" in flat(pdf_text(data, 1))
    assert f"第{pages}页/共{pages}页" in flat(pdf_text(data, pages))
