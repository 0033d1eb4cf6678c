"""Demo data for quality (质检): default installation checklists per product category, and
the QA steps of a demo ticket taken through the quality service like real work.

Idempotent like the rest of the demo seed: a category that has a checklist is left alone.
"""

from decimal import Decimal

from portal.extensions import db
from portal.models import Accessories, Employee, ItemOutcome, Satisfaction, Ticket
from portal.services.quality import checks as quality
from portal.services.quality.checks import ItemDraft

LEVEL = ItemDraft("水平垂直度", "水平尺 / 线坠测量偏差", True, "mm", Decimal("-2"), Decimal("2"))
SITE_CLEANED = ItemDraft("现场清洁", "垃圾带走，地面、台面擦拭干净")
ACCESSORIES = ItemDraft("附件移交", "钥匙、说明书、保修卡、备用件交给客户")

# category, checklist name, items (label, hint; measured items with unit and limits)
CHECKLISTS = (
    ("装饰玻璃", "装饰玻璃安装质量检查表", (
        ItemDraft("玻璃完好", "无破损、崩边、划伤"),
        ItemDraft("密封与缝隙", "胶条连续，缝隙均匀，打胶饱满"),
        ItemDraft("固定牢固", "夹具、合页、地弹簧紧固无松动"),
        LEVEL, SITE_CLEANED, ACCESSORIES)),
    ("办公家具", "办公家具安装质量检查表", (
        ItemDraft("玻璃完好", "玻璃台面、柜门玻璃无破损（无玻璃件选“不适用”）"),
        ItemDraft("密封与缝隙", "门缝、抽屉缝均匀，开合顺畅"),
        ItemDraft("固定牢固", "连接件、靠墙固定件紧固"),
        LEVEL, SITE_CLEANED, ACCESSORIES)),
    ("家电", "家电安装质量检查表", (
        ItemDraft("外观完好", "机身、面板无磕碰划伤"),
        ItemDraft("密封与缝隙", "穿墙孔封堵，管路保温包扎到位"),
        ItemDraft("固定牢固", "支架、挂板膨胀螺栓紧固"),
        LEVEL,
        ItemDraft("试机运行正常", "通电试运行，功能正常无异响"),
        SITE_CLEANED, ACCESSORIES)),
    (quality.GENERAL_CATEGORY, "通用安装质量检查表", (
        ItemDraft("产品外观完好"), ItemDraft("固定牢固"), ItemDraft("功能正常"),
        SITE_CLEANED, ACCESSORIES)),
)


def seed_checklists(by: Employee | None = None) -> int:
    """Version 1 of the default checklists, for categories that have none yet."""
    author = by or db.session.scalar(db.select(Employee).where(Employee.employee_no == "10001"))
    added = 0
    for category, name, items in CHECKLISTS:
        if quality.current_checklist(category) is None:
            quality.save_checklist(category, name, list(items), author)
            added += 1
    return added


def pass_check(ticket: Ticket, inspector: Employee) -> None:
    """The inspector finds everything in order (measured items 1 mm off) and signs."""
    checklist = quality.checklist_for(ticket)
    answers = [quality.Answer(item.id, ItemOutcome.PASS,
                              measured=Decimal("1") if item.measured else None)
               for item in checklist.items]
    quality.sign_check(ticket, answers, inspector)


def accept_handover(ticket: Ticket, by: Employee) -> None:
    quality.accept_handover(ticket, quality.AcceptanceDraft(
        work_complete=True, system_works=True, accessories=Accessories.YES,
        satisfaction=Satisfaction.VERY_SATISFIED, customer_name=ticket.customer.name), by)


def fail_check(ticket: Ticket, inspector: Employee) -> None:
    """The inspector finds the level out of limits (or a fixing loose) and signs: rework."""
    checklist = quality.checklist_for(ticket)
    answers = []
    failed = False
    for item in checklist.items:
        if item.measured:
            answers.append(quality.Answer(item.id, ItemOutcome.PASS, measured=Decimal("4")))
            failed = True  # 4 mm is outside ±2 mm: a fail whatever was ticked
        elif not failed and item.label == "固定牢固":
            answers.append(quality.Answer(item.id, ItemOutcome.FAIL, note="合页螺丝松动"))
            failed = True
        else:
            answers.append(quality.Answer(item.id, ItemOutcome.PASS))
    if not failed:  # a checklist without those items: the first one fails
        answers[0] = quality.Answer(answers[0].item_id, ItemOutcome.FAIL, note="需返工")
    quality.sign_check(ticket, answers, inspector, note="复检前请按失败项返工")


def dispatch(ticket: Ticket, supervisor: Employee, technician_no: str = "30003",
             parts: list | None = None, planned=None, qa_inspector_no: str | None = None,
             note: str | None = None):
    """The supervisor books the branch's technician (tomorrow morning unless `planned`),
    with the parts requisition when `parts`, a list of (Part, quantity), is given."""
    from datetime import timedelta

    from portal.models.base import utcnow
    from portal.models.stores import DispatchCategory
    from portal.services.stores import dispatch as dispatching

    technician = _employee(technician_no)
    if planned is None:
        planned = (utcnow() + timedelta(days=1)).replace(hour=1, minute=0, second=0,
                                                          microsecond=0)
    inspector = _employee(qa_inspector_no) if qa_inspector_no else None
    draft = dispatching.DispatchDraft(
        category=DispatchCategory.FIRST_INSTALL, planned_date=planned,
        technician_ids=[technician.id], qa_inspector_id=inspector.id if inspector else None,
        promised_handover_at=planned + timedelta(days=2), note=note,
        confirm_warnings=True, parts=parts or [])
    return dispatching.create_dispatch(ticket, draft, supervisor)


def _job(ticket: Ticket):
    from portal.services.quality.checks import active_dispatch

    return active_dispatch(ticket)


def start_work(ticket: Ticket, technician: Employee) -> None:
    from portal.services.stores import dispatch as dispatching

    dispatching.start_job(_job(ticket), technician)


def log_hours(ticket: Ticket, technician: Employee, hours: str = "2",
              parts_used: str | None = None, note: str | None = None) -> None:
    from portal.services.stores import dispatch as dispatching

    dispatching.log_work(_job(ticket), technician, Decimal(hours), parts_used, note)


def finish_work(ticket: Ticket, technician: Employee) -> None:
    """Hours on the job (unless logged already), then finished: the ticket waits for QA."""
    from portal.services.stores import dispatch as dispatching

    job = _job(ticket)
    if not job.work_logs:
        dispatching.log_work(job, technician, Decimal("2"), None, None)
    dispatching.finish_job(job, technician)


def _employee(no: str) -> Employee:
    return db.session.scalar(db.select(Employee).where(Employee.employee_no == no))


# Steps of the demo path that write a record of their own go through their verb, never a
# bare transition (the engine refuses those on the generic path).
STEPS = {"dispatch": dispatch, "start_work": start_work, "finish_work": finish_work,
         "qa_pass": pass_check, "qa_fail": fail_check, "accept_handover": accept_handover}


def demo_step(ticket: Ticket, action: str, by: Employee) -> None:
    """One step of a demo ticket's path, through the verb that does it for real."""
    from portal.services.tickets.lifecycle import transition

    step = STEPS.get(action)
    if step is None:
        transition(ticket, action, by)
    else:
        step(ticket, by)
