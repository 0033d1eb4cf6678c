"""Hotline demo data made through the hotline verbs: complaints at every stage of their
workflow (registered by an agent, judged, assigned, handled by the handler, approved by the
service manager, confirmed, followed up, closed), contact letters (售后服务联络函), the weekly
review of call records, and the contract expiry notices (保养到期通知书) the scheduler sends.

Each part runs once: a second seed finds its records and adds nothing.
"""

from datetime import date, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    CallRecord,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ContactLetter,
    Customer,
    CustomerAttribute,
    Employee,
    Product,
    Ticket,
    TicketStatus,
)
from portal.models.base import utcnow

# (stage reached, category, channel, serious, content, ticket status to attach to)
COMPLAINTS = (
    ("registered", ComplaintCategory.ATTITUDE, ComplaintChannel.PHONE, True,
     "客户投诉上门师傅态度生硬，要求主管回电", TicketStatus.CLOSED),
    ("invalid", ComplaintCategory.PRICE, ComplaintChannel.PHONE, False,
     "客户认为保外维修上门费偏高", None),
    ("assigned", ComplaintCategory.DELIVERY, ComplaintChannel.EMAIL, False,
     "到货玻璃有破损，换货迟迟未到", None),
    ("handling", ComplaintCategory.INSTALL_QUALITY, ComplaintChannel.PHONE, False,
     "安装后玻璃门关闭时有异响", TicketStatus.HANDOVER_READY),
    ("proposed", ComplaintCategory.INSTALL_QUALITY, ComplaintChannel.STORE, True,
     "隔断安装后一周胶条脱落，客户要求返工并赔偿", TicketStatus.REWORK),
    ("approved", ComplaintCategory.PRODUCT_QUALITY, ComplaintChannel.PHONE, False,
     "热水器更换温控器后仍不加热", TicketStatus.IN_WORK),
    ("confirmed", ComplaintCategory.ATTITUDE, ComplaintChannel.CALLBACK, False,
     "回访时客户反映师傅未按约定时间到达", TicketStatus.CALLED_BACK),
    ("followed_up", ComplaintCategory.OTHER, ComplaintChannel.PHONE, False,
     "400热线等待时间过长", None),
    ("closed", ComplaintCategory.INSTALL_QUALITY, ComplaintChannel.PHONE, False,
     "空调安装后排水管漏水，弄湿地板", TicketStatus.CLOSED),
)
STAGES = ("registered", "assigned", "handling", "proposed", "approved", "confirmed",
          "followed_up", "closed")


def _employee(no: str) -> Employee:
    return db.session.scalar(sa.select(Employee).where(Employee.employee_no == no))


def _ticket_in(status: TicketStatus | None, taken: set[int]) -> Ticket | None:
    if status is None:
        return None
    ticket = db.session.scalar(sa.select(Ticket).where(
        Ticket.status == status, Ticket.id.not_in(taken or {0})).order_by(Ticket.id).limit(1))
    if ticket is not None:
        taken.add(ticket.id)
    return ticket


def seed_complaints() -> int:
    from portal.services.hotline import complaints
    from portal.services.hotline.workflow import StepInput

    if db.session.scalar(sa.select(Complaint.id).limit(1)):
        return 0
    agent, lead, manager = _employee("20001"), _employee("20002"), _employee("60001")
    customers = db.session.scalars(sa.select(Customer).order_by(Customer.id)).all()
    taken: set[int] = set()
    made = 0
    for n, (stage, category, channel, serious, content, status) in enumerate(COMPLAINTS):
        ticket = _ticket_in(status, taken)
        customer = ticket.customer if ticket else customers[(n * 3) % len(customers)]
        complaint = complaints.register(complaints.ComplaintDraft(
            content=content, channel=channel, category=category, customer=customer,
            ticket_number=ticket.number if ticket else None, serious=serious), agent)
        made += 1
        if stage == "invalid":
            complaints.act(complaint, "judge_invalid", lead, StepInput(
                judgement="上门费按价格公告板收取，已向客户耐心解释，客户表示理解"))
            continue
        reached = STAGES.index(stage)
        if reached < 1:
            continue
        # Store matters go to the branch's rep, the rest to the hotline team lead.
        handler = _employee("30001") if ticket is not None else lead
        complaints.act(complaint, "assign", agent, StepInput(
            judgement="投诉属实，转责任部门处理", handler_no=handler.employee_no,
            serious=serious))
        handling = StepInput(
            investigation="已电话联系客户并查看施工记录", cause="施工后未做最终检查",
            proposals="上门返修并赠送一次保养\n退还上门费",
            chosen_solution="上门返修并赠送一次保养")
        if reached >= 2:
            complaints.act(complaint, "save_handling", handler, handling)
        if reached >= 3:
            complaints.act(complaint, "propose", handler, handling)
        if reached >= 4:
            complaints.act(complaint, "approve", manager, StepInput(remark="同意，三天内完成"))
        if reached >= 5:
            complaints.act(complaint, "confirm", agent, StepInput(
                confirmation=f"{complaint.complainant}电话确认同意处理方案"))
        if reached >= 6:
            complaints.act(complaint, "follow_up", handler, StepInput(
                follow_up="回访客户，问题已解决，客户满意"))
        if reached >= 7:
            complaints.act(complaint, "close", agent, StepInput(
                summary="施工质量问题，已返修；已对施工班组进行培训"))
    return made


def seed_letters() -> int:
    """Contact letters: the hotline to a customer about a complaint, a branch about its
    ticket, HQ to a branch; one with the recipient's feedback and both confirmations."""
    from portal.services.hotline import contact_letters as letters

    if db.session.scalar(sa.select(ContactLetter.id).limit(1)):
        return 0
    agent, rep = _employee("20001"), _employee("30001")
    now = utcnow().replace(microsecond=0)
    made = 0
    complaint = db.session.scalar(sa.select(Complaint).where(Complaint.ticket_id.is_not(None))
                                  .order_by(Complaint.id).limit(1))
    if complaint is not None:
        values = letters.defaults(agent, complaint=complaint)
        letters.create_letter(letters.LetterDraft(
            subject=values["subject"], to_unit=values["to_unit"], from_unit=values["from_unit"],
            content="关于您反映的问题，我司已安排责任中心处理，处理结果将于三个工作日内回复。",
            to_person=values.get("to_person"), from_person=values.get("from_person"),
            sent_at=now - timedelta(hours=2), complaint_number=complaint.number), agent)
        made += 1
    ticket = db.session.scalar(sa.select(Ticket).where(
        Ticket.status == TicketStatus.DISPATCHED).order_by(Ticket.id).limit(1))
    if ticket is not None:
        values = letters.defaults(rep, ticket=ticket)
        letters.create_letter(letters.LetterDraft(
            subject=values["subject"], to_unit=values["to_unit"], from_unit=values["from_unit"],
            content="我中心已派工，师傅将按约定时间上门，请保持电话畅通。所需配件已从上海中心仓领料。",
            to_person=values.get("to_person"), from_person=values.get("from_person"),
            sent_at=now - timedelta(hours=1), feedback="客户已确认上门时间",
            sender_confirmed_at=now - timedelta(minutes=50),
            receiver_confirmed_at=now - timedelta(minutes=30),
            ticket_number=ticket.number), rep)
        made += 1
    letters.create_letter(letters.LetterDraft(
        subject="关于春节期间400热线值班安排", to_unit="上海徐汇责任中心", from_unit="总部",
        content="春节期间400热线照常24小时服务，各责任中心请安排值班人员并报客服部备案。",
        to_person="刘海涛", cc="杭州西湖责任中心、广州天河责任中心", from_person=agent.name,
        sent_at=now), agent)
    return made + 1


def seed_call_review() -> int:
    """The team lead reviews this week's first few call records."""
    from portal.services.hotline.calls import mark_reviewed

    lead = _employee("20002")
    reviewed = db.session.scalar(sa.select(sa.func.count()).select_from(CallRecord).where(
        CallRecord.reviewed_at.is_not(None)))
    if reviewed:
        return 0
    records = db.session.scalars(sa.select(CallRecord).order_by(CallRecord.id).limit(5)).all()
    for record in records:
        mark_reviewed(record, lead, "记录完整")
    return len(records)


def seed_contract_notices(today: date | None = None) -> int:
    """保养到期通知书: the scheduler, as the callback worklist runs it, for today — or, when no
    annual-contract customer's contract ends within the month, for the day that makes the
    soonest one due (so the demo always has a notice to open and print)."""
    from portal.models import Callback, CallbackKind
    from portal.services.hotline import callbacks

    if db.session.scalar(sa.select(Callback.id).where(
            Callback.kind == CallbackKind.CONTRACT_EXPIRY).limit(1)):
        return 0
    today = today or callbacks.local_today()
    made = callbacks.schedule_contract_expiry_callbacks(today)
    if made:
        return len(made)
    ends = sa.select(sa.func.max(Product.warranty_end).label("end")).join(
        Customer, Customer.id == Product.customer_id).where(
        Customer.attribute == CustomerAttribute.ANNUAL_CONTRACT, Customer.active,
        Product.active).group_by(Product.customer_id).subquery()
    soonest = db.session.scalar(sa.select(sa.func.min(ends.c.end)).where(ends.c.end > today))
    if soonest is None:
        return 0
    return len(callbacks.schedule_contract_expiry_callbacks(
        max(today, soonest - timedelta(days=20))))


def seed_hotline() -> int:
    return seed_complaints() + seed_letters() + seed_call_review() + seed_contract_notices()
