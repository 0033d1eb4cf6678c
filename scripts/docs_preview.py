"""Render every printed document to PDF and PNG for a look by eye (`make docs-preview`).

Builds sample records in a throw-away SQLite database (the instance database is not
touched): a customer with rare characters in the name (璟, 燊, 堃), a ticket with mixed
Chinese, Latin, digits and ¥, a short and a three-page contact letter, and a contract
expiry callback; and through the store services a reception, an inspection report with NG
points, an approved estimate and a three-page additional-work revision, a dispatch with
work logs, and two goods receipts (one returned, so void). Writes
build/docs-preview/<document>.pdf and one PNG per page (<document>-<page>.png, by pdftoppm
from poppler-utils).

    .venv/bin/python scripts/docs_preview.py [--out build/docs-preview] [--dpi 80]
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LONG_PARAGRAPH = (
    "经现场勘察，客户办公室的钢化玻璃隔断（型号 YH-G12，规格 2400×1200 mm 12 mm）共有 3 处"
    "密封胶条老化、1 扇玻璃门地弹簧漏油。依照保养合同第 4 条，本次更换配件费用 ¥420.00 由"
    "本公司承担，人工费按价格公告 AZ-002 计 2.0 小时 × ¥80.00 = ¥160.00。请贵单位于收到本函"
    "后 3 个工作日内确认施工时间，并安排物业开放 B1 停车场及货梯，以便安装人员携带工具进场。"
)


def sample_app(db_path: Path):
    """The real application on a fresh SQLite file, with the demo reference data."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.demo import seed_groups, seed_org, seed_price_items, seed_users
    from portal.services.core import uow
    from portal.services.core.audit import acting_as

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
                      "SECRET_KEY": "docs-preview", "TESTING": True})
    with app.app_context():
        upgrade()
        with acting_as(None, "docs-preview"), uow.transaction():
            seed_groups()
            seed_org()
            seed_users()
            seed_price_items()
    return app


def build_samples(letter_paragraphs: int = 24) -> dict:
    """One record per document; call inside an app context. Returns them by name."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import (
        Callback,
        CallbackKind,
        Customer,
        CustomerAttribute,
        CustomerKind,
        Employee,
        Product,
    )
    from portal.services.core import uow
    from portal.services.core.audit import acting_as
    from portal.services.hotline import contact_letters
    from portal.services.tickets import lifecycle as tickets

    def employee(no: str) -> Employee:
        return db.session.scalar(sa.select(Employee).where(Employee.employee_no == no))

    agent = employee("20001")
    # Services only flush: one transaction commits the samples, as a CLI command would.
    with acting_as(agent.id, "docs-preview"), uow.transaction():
        customer = Customer(
            code="C900001", kind=CustomerKind.COMPANY, name="上海璟燊堃装饰工程有限公司",
            contact_person="欧阳璟 (Jing OuYang)", phone_mobile="13916880001",
            phone_office="021-64881234", province="上海市", city="上海市", district="徐汇区",
            street="漕溪北路201号 B座 1203室", attribute=CustomerAttribute.ANNUAL_CONTRACT)
        product = Product(serial="SN-YH2026-0001", category="装饰玻璃", brand="耀华玻璃",
                          model="YH-G12", spec="2400×1200 mm 12 mm",
                          warranty_end=date.today() + timedelta(days=200), customer=customer)
        db.session.add_all([customer, product])
        db.session.flush()
        ticket = tickets.create_ticket(tickets.TicketDraft(
            customer=customer, product=product, short_text="玻璃门地弹簧漏油，门关不严",
            long_text="客户反映：B座 12 楼会议室玻璃门（YH-G12）地弹簧漏油约 2 周，门无法自动"
                      "回位。报价 ¥420.00 含配件；客户要求周六 9:30 前上门，联系 Mr. Wang "
                      "分机 8021。"), agent)
        short = contact_letters.create_letter(contact_letters.LetterDraft(
            subject="关于 YH-G12 玻璃门地弹簧更换的施工安排", to_unit=customer.name,
            to_person="欧阳璟", cc="上海徐汇责任中心", from_unit="售后服务部 400热线",
            from_person=agent.name, sent_at=ticket.created_at,
            content=LONG_PARAGRAPH, ticket_number=ticket.number), agent)
        long = contact_letters.create_letter(contact_letters.LetterDraft(
            subject="关于 2026 年度保养合同执行情况的说明（共 24 项）", to_unit=customer.name,
            to_person="欧阳璟", from_unit="售后服务部", from_person=agent.name,
            content="\n".join(f"{n}. {LONG_PARAGRAPH}" for n in range(1, letter_paragraphs + 1)),
            feedback="已收悉，同意 3 月 14 日（周六）上午施工。", ticket_number=ticket.number),
            agent)
        callback = Callback(kind=CallbackKind.CONTRACT_EXPIRY, customer=customer,
                            due_at=ticket.created_at,
                            contract_end=date.today() + timedelta(days=30))
        db.session.add(callback)
    return {"customer": customer, "ticket": ticket, "letter": short, "long_letter": long,
            "callback": callback, "agent": agent}


ESTIMATE_LINE = "第 {n} 段隔断密封胶条更换（含旧胶清理）"


def build_store_samples(samples: dict, estimate_lines: int = 60) -> dict:
    """The store documents' records for the sample ticket, built through the services.

    Reception (survey done) → inspection report with NG points, confirmed → estimate
    revision 1, approved → dispatch with technician, QA inspector and cleaner, started, hours
    logged → additional work: revision 2 with `estimate_lines` lines (three pages), waiting
    for the customer → goods taken in twice, one lot handed back (void receipt).
    """
    from decimal import Decimal

    from portal.models import (
        DispatchCategory,
        InspectionPosition,
        LineKind,
        PaymentMethod,
        Priority,
        ProblemPoint,
        Warranty,
    )
    from portal.models.base import utcnow
    from portal.services.core import uow
    from portal.services.core.audit import acting_as
    from portal.services.stores import dispatch, estimates, goods_in, reception

    def employee(no: str):
        import sqlalchemy as sa

        from portal.extensions import db
        from portal.models import Employee

        return db.session.scalar(sa.select(Employee).where(Employee.employee_no == no))

    ticket = samples["ticket"]
    rep, boss, tech = employee("30001"), employee("30002"), employee("30003")
    # Services only flush: one transaction commits the samples, as a CLI command would.
    with uow.transaction():
        with acting_as(rep.id, "docs-preview"):
            reception.record_reception(ticket, reception.ReceptionInput(
                request="客户要求更换会议室玻璃门地弹簧，并检查隔断密封胶条；希望周六上午施工。",
                warranty=Warranty.OUT), rep, survey_done=True)
            lines = [reception.InspectionLineInput(position=p, ok=True)
                     for p in reception.FIXED_POSITIONS]
            lines[0] = reception.InspectionLineInput(
                InspectionPosition.GLASS_FRONT, ok=False,
                problems=(ProblemPoint.SCRATCHED, ProblemPoint.DIRTY),
                description="门扇正面距把手 20 cm 处划痕约 3 cm，表面有胶渍")
            lines[4] = reception.InspectionLineInput(
                InspectionPosition.CORNER_3, ok=False, problems=(ProblemPoint.BROKEN,),
                description="左下角崩边约 5 mm")
            lines.append(reception.InspectionLineInput(InspectionPosition.ADDED, ok=True,
                                                       label="不锈钢拉手"))
            report = reception.save_inspection(ticket, lines, rep)
            reception.confirm_inspection(report, "欧阳璟", by=rep)

            first = estimates.start(ticket, rep)
            estimates.update_header(first, estimates.EstimateHeader(
                promised_at=utcnow() + timedelta(days=3), payment_method=PaymentMethod.MOBILE,
                without_asking="更换损坏的密封胶条（¥50 以内）；清洁玻璃表面胶渍。"), by=rep)
            for code, quantity in (("AZ-002", "1"), ("PJ-001", "1"), ("PJ-003", "2")):
                item = _price_item(code)
                estimates.add_price_line(first, item, Decimal(quantity), by=rep)
            estimates.add_free_line(first, LineKind.TRANSPORT, "上门运输费（徐汇区内）",
                                    Decimal(1), Decimal("60.00"), by=rep)
            estimates.approve(first, "欧阳璟", None, rep)

        with acting_as(boss.id, "docs-preview"):
            job = dispatch.create_dispatch(ticket, dispatch.DispatchDraft(
                category=DispatchCategory.MAINTENANCE, priority=Priority.BOOKED_RETURN,
                planned_date=utcnow() + timedelta(hours=2), technician_ids=[tech.id],
                qa_inspector_id=employee("50001").id, cleaner_id=rep.id,
                promised_handover_at=utcnow() + timedelta(days=3),
                note="带好玻璃吸盘和地弹簧专用扳手；B1 停车场进场，货梯需提前预约。",
                confirm_warnings=True), boss)
        with acting_as(tech.id, "docs-preview"):
            dispatch.start_job(job, tech)
            dispatch.log_work(job, tech, Decimal("1.5"), "玻璃门地弹簧 ×1",
                              "拆除旧地弹簧，清理地槽")
            dispatch.log_work(job, tech, Decimal("0.75"), None, "安装调试，门扇回位正常")

        with acting_as(rep.id, "docs-preview"):
            second = estimates.add_work(first, rep)
            for n in range(1, estimate_lines + 1):
                estimates.add_free_line(second, LineKind.LABOUR if n % 3 else LineKind.PART,
                                        ESTIMATE_LINE.format(n=n), Decimal("1.5"),
                                        Decimal("35.00"), hours=Decimal("0.5"), by=rep)
            estimates.update_header(second, estimates.EstimateHeader(
                promised_at=utcnow() + timedelta(days=5), payment_method=PaymentMethod.MOBILE,
                without_asking=second.without_asking, note="追加：隔断密封胶条全部更换。"), by=rep)

            kept = goods_in.take_in(ticket, "玻璃门地弹簧（旧件）1 个，含盖板及 2 颗固定螺丝",
                                    "外壳有油污，盖板轻微划伤", rep)
            returned = goods_in.take_in(ticket, "不锈钢拉手 1 副（璟燊堃定制款）", None, rep)
            goods_in.hand_back(returned, "欧阳璟", rep)
    return {"inspection": report, "estimate": first, "long_estimate": second,
            "dispatch": job, "goods": kept, "goods_void": returned}


def _price_item(code: str):
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import PriceItem

    return db.session.scalar(sa.select(PriceItem).where(PriceItem.code == code))


def store_jobs(samples: dict) -> dict:
    from portal.services.documents import stores as documents

    return {
        "estimate": documents.estimate(samples["estimate"]),
        "estimate_long": documents.estimate(samples["long_estimate"]),
        "dispatch_order": documents.dispatch(samples["dispatch"]),
        "inspection_report": documents.inspection(samples["inspection"]),
        "goods_receipt": documents.goods_receipt(samples["goods"]),
        "goods_receipt_void": documents.goods_receipt(samples["goods_void"]),
    }


def jobs(samples: dict) -> dict:
    from portal.services.documents import pdf

    return {
        "repair_receipt": pdf.repair_receipt(samples["ticket"]),
        "contact_letter": pdf.contact_letter(samples["letter"]),
        "contact_letter_long": pdf.contact_letter(samples["long_letter"]),
        "expiry_notice": pdf.expiry_notice(samples["customer"],
                                           samples["callback"].contract_end,
                                           samples["callback"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "docs-preview"))
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args()
    if not shutil.which("pdftoppm"):
        print("pdftoppm is missing: install the Debian package poppler-utils", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from portal.services.documents import pdf

    with tempfile.TemporaryDirectory() as tmp:
        app = sample_app(Path(tmp) / "preview.db")
        with app.test_request_context():
            samples = build_samples()
            samples.update(build_store_samples(samples))
            for name, job in {**jobs(samples), **store_jobs(samples)}.items():
                data = pdf.render_job(job, printed_by=samples["agent"])
                (out / f"{name}.pdf").write_bytes(data)
                for old in out.glob(f"{name}-*.png"):
                    old.unlink()
                subprocess.run(["pdftoppm", "-r", str(args.dpi), "-png", str(out / f"{name}.pdf"),
                                str(out / name)], check=True)
                print(f"{name}: {pdf.page_count(data)} page(s) → {out / name}.pdf")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
