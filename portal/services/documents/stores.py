"""The branch's printed store documents, each built as a `PrintJob` from its record.

委托安装估价单 (an estimate revision), 委托安装派工单 (a dispatch, three copies in one PDF),
产品外观检查报告 (an appearance inspection) and 客户商品领取收据 (a goods receipt). Like the
hotline's documents in `pdf`, each is one print template under templates/pdf/ plus one
small function here; the documents blueprint renders the job.
"""

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AssignmentRole,
    Dispatch,
    Employee,
    Estimate,
    GoodsReceipt,
    Inspection,
    InspectionPosition,
    Reception,
    Ticket,
)
from portal.services.documents import pdf
from portal.services.stores import estimates

# --------------------------------------------------------------------------- formatting
# Printed in Chinese whatever the UI language, like the labels in the print templates.


def money(value: Decimal | None) -> str:
    """1,234.50 — an amount in a column headed （¥）."""
    return "" if value is None else f"{Decimal(value):,.2f}"


def yuan(value: Decimal | None) -> str:
    """¥1,234.50 — an amount on its own."""
    return "" if value is None else f"¥{money(value)}"


def number(value: Decimal | None) -> str:
    """A quantity or hours without trailing zeros: 2, 2.5, 2.25."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def rmb_upper(value: Decimal) -> str:
    """人民币大写, the amount in words as written on receipts and invoices: 柒佰肆拾元整.

    The usual rules: 整 after 元, none after 角 or 分; an inner run of zeros is one 零;
    拾 is written with its digit (壹拾).
    """
    cents = int(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)
    sign, cents = ("负", -cents) if cents < 0 else ("", cents)
    whole, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    text = _integer_upper(whole) + "元" if whole else ""
    if not jiao and not fen:
        return sign + text + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif whole:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    return sign + text


def _integer_upper(n: int) -> str:
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    text, gap = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            gap = bool(text)
            continue
        if text and (gap or group < 1000):
            text += "零"
        text += _group_upper(group) + _GROUPS[index]
        gap = False
    return text


def _group_upper(group: int) -> str:
    text, zero = "", False
    for place in (3, 2, 1, 0):
        digit = group // 10 ** place % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += _DIGITS[digit] + _PLACES[place]
    return text


HELPERS = {"money": money, "yuan": yuan, "number": number, "rmb_upper": rmb_upper}


# --------------------------------------------------------------------------- the documents


def _ticket(ticket_id: int) -> Ticket:
    return db.session.get(Ticket, ticket_id)


def _reception(ticket: Ticket) -> Reception | None:
    return db.session.scalar(sa.select(Reception).where(Reception.ticket_id == ticket.id))


def _request(ticket: Ticket, reception: Reception | None) -> list[str]:
    """What the customer asked for: the ticket's description, then the reception's record."""
    texts = [ticket.short_text]
    detail = reception.request if reception else ticket.long_text
    if detail and detail.strip() != ticket.short_text.strip():
        texts.append(detail)
    return pdf.paragraphs("\n".join(t for t in texts if t))


def _service_rep(ticket: Ticket, reception: Reception | None) -> Employee | None:
    """The service representative (服务代表) of the ticket: who received the customer."""
    if reception is not None:
        return reception.received_by
    return ticket.responsible


def estimate(record: Estimate) -> pdf.PrintJob:
    """委托安装估价单, one revision: what the customer approves and signs."""
    ticket = _ticket(record.ticket_id)
    reception = _reception(ticket)
    customer = ticket.customer
    return pdf.PrintJob(
        template="pdf/estimate.html", title="委托安装估价单",
        number=f"{ticket.number}-R{record.revision}", file_stem="委托安装估价单",
        ascii_stem="estimate",
        context=dict(
            HELPERS, estimate=record, ticket=ticket, customer=customer, reception=reception,
            contact=customer.contact_person or customer.name,
            phones=" / ".join(customer.phones),
            address=customer.service_address or customer.address,
            request=_request(ticket, reception),
            without_asking=pdf.paragraphs(record.without_asking),
            note=pdf.paragraphs(record.note),
            order=estimates.order_for(record),
        ),
    )


def dispatch(record: Dispatch) -> pdf.PrintJob:
    """委托安装派工单 in three copies: customer, installer and service representative."""
    ticket = _ticket(record.ticket_id)
    reception = _reception(ticket)
    customer = ticket.customer
    people = {role: [a.employee for a in record.assignments if a.role == role]
              for role in AssignmentRole}
    return pdf.PrintJob(
        template="pdf/dispatch_order.html", title="委托安装派工单", number=record.number,
        file_stem="委托安装派工单", ascii_stem="dispatch-order",
        context=dict(
            HELPERS, dispatch=record, ticket=ticket, customer=customer,
            product=ticket.product,
            address=customer.service_address or customer.address,
            request=_request(ticket, reception),
            note=pdf.paragraphs(record.note),
            estimate=estimates.approved(ticket),
            technicians=people[AssignmentRole.TECHNICIAN],
            inspectors=people[AssignmentRole.QA],
            cleaners=people[AssignmentRole.CLEANER],
            service_rep=_service_rep(ticket, reception),
        ),
    )


def inspection(record: Inspection) -> pdf.PrintJob:
    """产品外观检查报告: each position OK, or NG with its problem points ticked."""
    ticket = _ticket(record.ticket_id)
    ordinal = db.session.scalar(sa.select(sa.func.count()).select_from(Inspection).where(
        Inspection.ticket_id == ticket.id, Inspection.id <= record.id))
    current = db.session.scalar(sa.select(Dispatch).where(
        Dispatch.ticket_id == ticket.id, Dispatch.active).order_by(Dispatch.id.desc()).limit(1))
    added = any(line.position == InspectionPosition.ADDED for line in record.lines)
    return pdf.PrintJob(
        template="pdf/inspection_report.html", title="产品外观检查报告",
        number=f"{ticket.number}-{ordinal}", file_stem="产品外观检查报告",
        ascii_stem="inspection-report",
        context=dict(
            HELPERS, inspection=record, ticket=ticket, customer=ticket.customer,
            product=ticket.product, dispatch=current,
            rows=[(line, {p.value for p in line.problem_points}) for line in record.lines],
            # Like the paper form, an empty 添加项 row to fill in when none was recorded.
            blank_added=not added,
        ),
    )


def goods_receipt(record: GoodsReceipt) -> pdf.PrintJob:
    """客户商品领取收据: the customer's claim on the goods; void once they are returned."""
    ticket = _ticket(record.ticket_id)
    customer = ticket.customer
    return pdf.PrintJob(
        template="pdf/goods_receipt.html", title="客户商品领取收据", number=record.number,
        file_stem="客户商品领取收据", ascii_stem="goods-receipt",
        context=dict(
            HELPERS, receipt=record, ticket=ticket, customer=customer,
            contact=customer.contact_person or customer.name,
            phones=" / ".join(customer.phones),
            address=customer.service_address or customer.address,
            goods=pdf.paragraphs(record.goods), condition=pdf.paragraphs(record.condition),
            returned_by=db.session.get(Employee, record.returned_by_id)
            if record.returned_by_id else None,
        ),
    )
