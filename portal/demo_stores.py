"""Demo tickets in every stage, each walked through the real verbs by the demo user who would
do it: the agent takes the call and opens the ticket; the store rep receives the customer
(warranty decision), inspects the product with the customer, writes the estimate the customer
approves (service order, invoice); the supervisor approves what needs it and dispatches with a
parts requisition; the warehouse clerk issues it; the technician starts, logs hours and
finishes; QA passes or fails (rework, re-dispatch); the customer accepts the handover; the
hotline calls back. Appointments and goods taken in for repair sit on some tickets.

Nothing here sets a status by hand: a step the workflow refuses would stop the seed.
"""

import random
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.demo_quality import (
    accept_handover,
    dispatch,
    fail_check,
    finish_work,
    log_hours,
    pass_check,
    start_work,
)
from portal.extensions import db
from portal.models import (
    AppointmentStatus,
    CallCategory,
    Customer,
    Employee,
    InspectionPosition,
    OrgUnit,
    Part,
    PaymentMethod,
    PriceItem,
    ProblemPoint,
    Requisition,
    Satisfaction,
    ServiceItem,
    Ticket,
    TicketKind,
    TicketTiming,
    Warranty,
)
from portal.models.base import utcnow

FAULTS = {
    "装饰玻璃": ("玻璃门关不严", "地弹簧漏油", "淋浴房胶条老化", "隔断玻璃有裂纹"),
    "办公家具": ("抽屉锁坏", "文件柜门变形", "办公桌桌腿松动"),
    "家电": ("空调不制冷", "热水器不加热", "空调外机噪音大"),
}
INSTALL_TEXT = {ServiceItem.NEW_INSTALL: "新房安装预约", ServiceItem.RELOCATE: "移机到新办公室"}

# Labour, part and transport lines of the estimate, by product category (price list codes).
ESTIMATE_LINES = {
    "装饰玻璃": (("AZ-002", "1"), ("PJ-003", "2"), ("YS-001", "1")),
    "办公家具": (("AZ-005", "1"), ("BY-002", "3"), ("YS-001", "1")),
    "家电": (("AZ-006", "1"), ("BY-003", "1"), ("YS-001", "1")),
}
EXTRA_LINE = {"装饰玻璃": ("PJ-001", "1"), "办公家具": ("PJ-002", "2"), "家电": ("BY-003", "1")}
# Parts requisitioned with the dispatch (领料单), by product category: all in stock at W01.
DISPATCH_PARTS = {
    "装饰玻璃": (("PJ-003", 2), ("PJ-004", 4)),
    "办公家具": (("JJ-006", 1), ("JJ-008", 4)),
    "家电": (("KT-003", 3), ("FL-001", 2), ("FL-002", 4)),
}
SHORT_PARTS = (("PJ-009", 3),)  # only 2 闭门器 on hand in W01: the requisition waits

# Every scenario a demo ticket may be in, in the order they are handed out: with 40 tickets
# (the test suite's seed) every one of them is there at least once.
PLAN = (
    "new", "surveyed", "quoted", "priced", "approval", "approved", "refused", "hq",
    "dispatched", "dispatched_short", "in_work", "extra_work", "qa_pending", "rework",
    "rework_dispatched", "handover", "rework_passed", "closed", "called_back", "feedback",
    "z2_replied", "z2_delivered", "cancelled", "hz_new", "hz_quoted", "gz_new",
    "paid_called_back", "install_called_back", "unreachable", "goods_in",
)
REPEAT = ("new", "surveyed", "dispatched", "in_work", "qa_pending", "handover", "closed",
          "called_back", "priced", "approval", "urgent_new", "paid_called_back")
PAID = {"quoted", "priced", "extra_work", "paid_called_back"}
APPROVAL = {"approval": ServiceItem.NEW_INSTALL, "approved": ServiceItem.NEW_INSTALL,
            "refused": ServiceItem.RELOCATE, "hq": ServiceItem.RELOCATE,
            "install_called_back": ServiceItem.NEW_INSTALL}
BRANCH_OF = {"hz_new": "S4002", "hz_quoted": "S4002", "gz_new": "S4003"}
# How far along the ticket path each scenario goes (after reception and dispatch).
WORK_PATH = {
    "dispatched": (), "dispatched_short": (), "in_work": ("start",),
    "extra_work": ("start", "extra"), "goods_in": ("start",),
    "qa_pending": ("start", "finish"), "rework": ("start", "finish", "fail"),
    "rework_dispatched": ("start", "finish", "fail", "redispatch"),
    "handover": ("start", "finish", "pass"),
    "rework_passed": ("start", "finish", "fail", "redispatch", "start", "finish", "pass"),
    "closed": ("start", "finish", "pass", "handover"),
    "unreachable": ("start", "finish", "pass", "handover", "unreachable"),
    "called_back": ("start", "finish", "pass", "handover", "survey"),
    "feedback": ("start", "finish", "pass", "handover", "feedback"),
    "paid_called_back": ("start", "extra", "extra_approved", "finish", "pass", "handover",
                         "survey"),
    "install_called_back": ("start", "finish", "pass", "handover", "survey"),
}


def plan(count: int) -> list[str]:
    scenarios = list(PLAN[:count])
    while len(scenarios) < count:
        scenarios.append(REPEAT[(len(scenarios) - len(PLAN)) % len(REPEAT)])
    return scenarios


def _employee(no: str) -> Employee:
    return db.session.scalar(sa.select(Employee).where(Employee.employee_no == no))


def _part(no: str) -> Part:
    return db.session.scalar(sa.select(Part).where(Part.part_no == no))


def _price(code: str) -> PriceItem:
    return db.session.scalar(sa.select(PriceItem).where(PriceItem.code == code))


class _Customers:
    """Products of the demo customers per branch city, split by warranty at reception: paid
    work goes to products out of warranty, free work to the others. Handed out in turn."""

    CITY = {"S4001": "上海市", "S4002": "杭州市", "S4003": "广州市"}

    def __init__(self, today):
        self.pools: dict[tuple[str, bool], list] = {}
        self.turn: dict[tuple[str, bool], int] = {}
        customers = db.session.scalars(sa.select(Customer).order_by(Customer.id)).all()
        for customer in customers:
            for product in customer.products:
                in_warranty = product.warranty_end is not None and product.warranty_end >= today
                self.pools.setdefault((customer.city, in_warranty), []).append(
                    (customer, product))

    def take(self, branch: str, paid: bool):
        city = self.CITY[branch]
        for key in ((city, not paid), (city, paid)):
            pool = self.pools.get(key)
            if pool:
                n = self.turn.get(key, 0)
                self.turn[key] = n + 1
                return pool[n % len(pool)]
        return None, None


def seed_tickets(count: int = 60) -> int:
    """`count` tickets spread over every stage of the demo path (see PLAN)."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)):
        return 0
    rng = random.Random(7)
    today = utcnow().date()
    pool = _Customers(today)
    made = 0
    for n, scenario in enumerate(plan(count)):
        branch = BRANCH_OF.get(scenario, "S4001")
        customer, product = pool.take(branch, scenario in PAID)
        if customer is None:
            continue  # no demo customer in that city (a very small seed)
        _Walk(scenario, customer, product, n, rng).run()
        made += 1
    return made


class _Walk:
    """One demo ticket taken from the call to its scenario's stage."""

    def __init__(self, scenario: str, customer: Customer, product, n: int, rng: random.Random):
        self.scenario, self.customer, self.product, self.n, self.rng = (
            scenario, customer, product, n, rng)
        self.category = product.category if product and product.category in FAULTS else "装饰玻璃"
        self.agent = _employee("20001" if n % 2 else "20002")
        self.rep = _employee("31001" if BRANCH_OF.get(scenario) == "S4002" else "30001")
        self.supervisor, self.technician = _employee("30002"), _employee("30003")
        self.qa, self.clerk = _employee("50001"), _employee("40001")
        self.ticket: Ticket | None = None

    # ------------------------------------------------------------------ the hotline
    def open_ticket(self) -> None:
        from portal.services.hotline.calls import CallDraft, save_call
        from portal.services.tickets.lifecycle import TicketDraft, create_ticket

        item = APPROVAL.get(self.scenario, ServiceItem.REPAIR)
        fault = INSTALL_TEXT.get(item) or self.rng.choice(FAULTS[self.category])
        z2 = self.scenario.startswith("z2")
        if z2:
            fault = "到货玻璃破损，要求换货"
        call, _ = save_call(CallDraft(
            content=f"客户来电反映：{fault}", category=CallCategory.INSTALL,
            customer=self.customer, product=self.product, fault_symptom=fault), self.agent)
        self.ticket = create_ticket(TicketDraft(
            customer=self.customer, product=self.product, short_text=fault,
            kind=TicketKind.Z2 if z2 else TicketKind.Z1,
            timing=TicketTiming.BEFORE if item != ServiceItem.REPAIR else TicketTiming.AFTER,
            service_item=item, urgent=self.scenario == "urgent_new" or self.n % 9 == 0,
            call_record_id=call.id), call.agent)

    # ------------------------------------------------------------------ the store
    def reception(self, warranty: Warranty) -> None:
        from portal.services.stores.reception import ReceptionInput, record_reception

        reason = "需现场判断是否人为损坏" if warranty == Warranty.PENDING else None
        record_reception(self.ticket, ReceptionInput(
            request=f"客户要求：{self.ticket.short_text}，尽快上门处理", warranty=warranty,
            warranty_reason=reason), self.rep, survey_done=True)

    def inspection(self) -> None:
        from portal.services.stores import reception as store

        lines = []
        for position in store.FIXED_POSITIONS:
            if position == InspectionPosition.CORNER_2 and self.n % 3 == 0:
                lines.append(store.InspectionLineInput(
                    position, False, (ProblemPoint.SCRATCHED,), "右上角边框有2cm划痕"))
            else:
                lines.append(store.InspectionLineInput(position, True))
        report = store.save_inspection(self.ticket, lines, self.rep)
        store.confirm_inspection(report, self.customer.contact_person or self.customer.name,
                                 by=self.rep)

    def estimate(self, approve: bool, invoice: bool = False):
        from portal.services.stores import estimates

        estimate = estimates.start(self.ticket, self.rep)
        estimates.update_header(estimate, estimates.EstimateHeader(
            promised_at=utcnow() + timedelta(days=5), without_asking="更换密封胶等小辅料",
            payment_method=PaymentMethod.MOBILE, note="价格含上门费"), by=self.rep)
        for code, quantity in ESTIMATE_LINES[self.category]:
            estimates.add_price_line(estimate, _price(code), Decimal(quantity), by=self.rep)
        if not approve:
            return estimate
        order = estimates.approve(estimate, self.customer.contact_person or self.customer.name,
                                  None, self.rep)
        if invoice:
            estimates.record_invoice(order, f"FP2026{self.n:06d}", order.amount, None,
                                     by=self.rep)
        return estimate

    def additional_work(self, approve: bool) -> None:
        from portal.services.stores import estimates

        revision = estimates.add_work(estimates.approved(self.ticket), self.rep)
        code, quantity = EXTRA_LINE[self.category]
        estimates.add_price_line(revision, _price(code), Decimal(quantity), by=self.rep)
        estimates.update_header(revision, estimates.EstimateHeader(
            promised_at=utcnow() + timedelta(days=7), without_asking=revision.without_asking,
            payment_method=revision.payment_method,
            note="施工中发现需追加配件，客户确认后继续"), by=self.rep)
        if approve:
            estimates.approve(revision, self.customer.contact_person or self.customer.name,
                              None, self.rep)

    def decide(self, action: str, remark: str | None = None) -> None:
        from portal.services.stores.approvals import decide

        decide(self.ticket, action, self.supervisor, remark)

    def dispatch(self, short: bool = False, now: bool = False) -> None:
        from portal.services.warehouse.requisitions import issue_requisition

        lines = SHORT_PARTS if short else DISPATCH_PARTS[self.category]
        parts = [(_part(no), Decimal(q)) for no, q in lines]
        planned = utcnow().replace(second=0, microsecond=0) if now else None
        job = dispatch(self.ticket, self.supervisor, parts=parts, planned=planned,
                       qa_inspector_no="50001" if self.n % 2 else None,
                       note="带齐工具，提前电话联系客户")
        requisition = db.session.scalar(sa.select(Requisition).where(
            Requisition.ticket_id == self.ticket.id, Requisition.remark == job.number))
        if requisition is not None and (short or self.n % 4 != 1):
            issue_requisition(requisition, self.clerk)  # short: it waits for stock

    def appointment(self, outcome=None) -> None:
        from portal.services.stores import appointments

        start = (utcnow() + timedelta(days=1 + self.n % 5)).replace(
            hour=1 + self.n % 7, minute=0, second=0, microsecond=0)
        booked = appointments.book(self.ticket, start, start + timedelta(hours=1),
                                   self.technician if self.n % 2 else None,
                                   "客户要求上午上门", self.rep)
        if outcome is not None:
            appointments.mark(booked, outcome, self.rep)

    def goods_in(self):
        from portal.services.stores import goods_in

        goods = (f"{self.product.subcategory} {self.product.model}" if self.product
                 else "客户商品")
        receipt = goods_in.take_in(self.ticket, goods, "外观完好，有使用痕迹", self.rep)
        goods_in.update_repair_card(receipt, Decimal("1.5"), "PJ-003 硅酮密封胶 ×1",
                                    "店内检修", by=self.rep)
        return receipt

    def hand_back(self, receipt) -> None:
        from portal.services.stores import goods_in

        goods_in.hand_back(receipt, self.customer.contact_person or self.customer.name,
                           self.rep)

    # ------------------------------------------------------------------ the callback
    def callback(self, how: str) -> None:
        from portal.models import Callback, CallbackStatus
        from portal.services.hotline import callbacks

        due = db.session.scalar(sa.select(Callback).where(
            Callback.ticket_id == self.ticket.id, Callback.status == CallbackStatus.DUE))
        if how == "unreachable":
            callbacks.record_unreachable(due, self.agent)
            return
        overall = (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED)[self.n % 2]
        answers = callbacks.SurveyAnswers(
            overall=overall if how == "survey" else Satisfaction.AVERAGE,
            reasons=() if how == "survey" else ("response",),
            rating_attitude=Satisfaction.VERY_SATISFIED, rating_skill=overall,
            rating_arrival=Satisfaction.SATISFIED, rating_promise=overall,
            suggestions="师傅很专业" if how == "survey"
            else "客户反映上门时间比约定晚，请工程师回复",
            engineer_no="30003" if how == "feedback" else None)
        callbacks.record_survey(due, answers, self.agent)

    # ------------------------------------------------------------------ the walk
    def run(self) -> None:
        from portal.services.tickets.lifecycle import transition

        s = self.scenario
        self.open_ticket()
        if s in ("new", "urgent_new", "hz_new", "gz_new"):
            return
        if s == "cancelled":
            transition(self.ticket, "cancel", self.agent, "客户重复报修，已合并到前一张报修单")
            return
        if s.startswith("z2"):
            transition(self.ticket, "reply_sales", self.agent, "已通知销售部门安排换货")
            if s == "z2_delivered":
                transition(self.ticket, "goods_delivered", self.agent, "新玻璃已送达客户")
            return
        warranty = Warranty.OUT if s in PAID else (
            Warranty.PENDING if self.n % 7 == 3 else Warranty.IN)
        self.reception(warranty)
        self.inspection()
        if s in ("surveyed",):
            self.appointment((None, AppointmentStatus.NO_SHOW, None)[self.n % 3])
            return
        if s in ("quoted", "hz_quoted"):
            self.estimate(approve=False)
            return
        paid = s in PAID
        if paid:
            self.estimate(approve=True, invoice=self.n % 2 == 0)
        if s == "priced":
            self.appointment(AppointmentStatus.DONE if self.n % 2 else None)
            return
        if self.ticket.needs_approval:
            if s == "approval":
                return
            if s == "refused":
                self.decide("refuse", "移机目的地不在服务范围内，请客户联系当地门店")
                return
            self.decide("approve", "同意安装，按标准工时派工")
            if s == "approved":
                return
            if s == "hq":
                self.decide("request_hq", "需总部确认新址供电条件")
                transition(self.ticket, "department_reply", self.agent,
                           "总部工程部回复：新址供电满足要求，可以施工")
                return
        path = WORK_PATH[s]
        self.dispatch(short=s == "dispatched_short", now=bool(path))
        receipt = self.goods_in() if s == "goods_in" or (s == "closed" and self.n % 2) else None
        for step in path:
            self.step(step)
        if receipt is not None and s == "closed":
            self.hand_back(receipt)  # repaired in the store, back against the signature

    def step(self, step: str) -> None:
        if step == "start":
            start_work(self.ticket, self.technician)
            log_hours(self.ticket, self.technician, ("1.5", "2", "2.5", "3")[self.n % 4],
                      "硅酮密封胶 ×1" if self.n % 3 == 0 else None, "按派工单施工")
        elif step == "finish":
            finish_work(self.ticket, self.technician)
        elif step == "pass":
            pass_check(self.ticket, self.qa)
        elif step == "fail":
            fail_check(self.ticket, self.qa)
        elif step == "redispatch":
            self.dispatch(now=True)
        elif step == "handover":
            accept_handover(self.ticket, self.rep)
        elif step == "extra":
            self.additional_work(approve=False)
        elif step == "extra_approved":
            from portal.services.stores import estimates

            estimates.approve(estimates.awaiting_customer(self.ticket),
                              self.customer.contact_person or self.customer.name, None, self.rep)
        elif step in ("survey", "feedback", "unreachable"):
            self.callback(step)


def branch(code: str) -> OrgUnit:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
