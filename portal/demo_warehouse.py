"""Warehouse demo data: a parts catalogue of glass, furniture and appliance spare parts,
opening stock in 上海中心仓 and 广州中心仓, and requisitions in every stage — all made through
the services, like real work. Running it twice adds nothing.
"""

from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    DamageProposal,
    DamageReport,
    Employee,
    OrgUnit,
    Part,
    Requisition,
    ReturnReport,
    StockCondition,
    StockReceipt,
    Ticket,
)

# part no., name, spec, unit, category, price, min stock, piece-counted
PARTS = (
    ("PJ-001", "玻璃门地弹簧", "单缸 承重150kg", "个", "玻璃五金", "420.00", 6, True),
    ("PJ-002", "不锈钢合页", "304 4寸", "副", "玻璃五金", "36.50", 20, True),
    ("PJ-003", "硅酮密封胶", "中性 透明 300ml", "支", "辅料", "28.00", 50, True),
    ("PJ-004", "玻璃夹", "90°墙-玻璃 不锈钢", "个", "玻璃五金", "15.00", 40, True),
    ("PJ-005", "玻璃门拉手", "不锈钢 600mm", "副", "玻璃五金", "85.00", 10, True),
    ("PJ-006", "玻璃门地锁", "不锈钢 单开", "把", "玻璃五金", "65.00", 10, True),
    ("PJ-007", "门顶夹", "上夹 铝合金", "个", "玻璃五金", "48.00", 10, True),
    ("PJ-008", "门底夹", "下夹 铝合金", "个", "玻璃五金", "48.00", 10, True),
    ("PJ-009", "闭门器", "液压 60kg", "个", "玻璃五金", "120.00", 5, True),
    ("PJ-010", "玻璃吸盘", "双爪 承重80kg", "个", "工具", "95.00", 2, True),
    ("PJ-011", "钢化玻璃", "10mm 透明", "平方米", "玻璃", "180.00", 20, False),
    ("PJ-012", "钢化玻璃", "12mm 透明", "平方米", "玻璃", "220.00", 10, False),
    ("LY-001", "淋浴房滑轮", "双轮 不锈钢", "个", "淋浴房配件", "18.00", 30, True),
    ("LY-002", "淋浴房磁吸条", "90°/180°", "米", "淋浴房配件", "12.00", 20, False),
    ("LY-003", "淋浴房防水胶条", "8mm玻璃用", "米", "淋浴房配件", "8.50", 50, False),
    ("LY-004", "淋浴房挡水条", "铝合金 1米", "根", "淋浴房配件", "45.00", 10, True),
    ("LY-005", "淋浴房拉杆", "不锈钢 可调", "根", "淋浴房配件", "68.00", 8, True),
    ("JJ-001", "办公椅气压棒", "三级 100mm", "根", "办公家具配件", "55.00", 15, True),
    ("JJ-002", "办公椅五星脚", "尼龙 320mm", "个", "办公家具配件", "78.00", 8, True),
    ("JJ-003", "办公椅脚轮", "PU 50mm", "个", "办公家具配件", "6.50", 100, True),
    ("JJ-004", "抽屉滑轨", "三节 450mm", "副", "办公家具配件", "32.00", 30, True),
    ("JJ-005", "文件柜锁芯", "通用 铁皮柜", "个", "办公家具配件", "22.00", 20, True),
    ("JJ-006", "三合一连接件", "15mm板 一套10个", "包", "办公家具配件", "12.00", 20, True),
    ("JJ-007", "阻尼铰链", "全盖 35mm", "个", "办公家具配件", "9.80", 60, True),
    ("JJ-008", "家具调节脚", "M8 可调", "个", "办公家具配件", "4.50", 80, True),
    ("JJ-009", "柜门拉手", "铝合金 128mm", "个", "办公家具配件", "7.50", 50, True),
    ("JJ-010", "封边条", "PVC 22mm 暖白", "米", "办公家具配件", "1.20", 200, False),
    ("KT-001", "空调遥控器", "格力通用", "个", "空调配件", "35.00", 20, True),
    ("KT-002", "空调启动电容", "35μF 450V", "个", "空调配件", "28.00", 15, True),
    ("KT-003", "空调排水管", "16mm", "米", "空调配件", "3.50", 100, False),
    ("KT-004", "R410A冷媒", "钢瓶装", "千克", "空调配件", "85.00", 20, False),
    ("KT-005", "空调铜管", "6.35/9.52mm 保温", "米", "空调配件", "42.00", 50, False),
    ("KT-006", "空调外机挂架", "1.5匹 加厚", "副", "空调配件", "60.00", 10, True),
    ("RS-001", "热水器镁棒", "20×300mm", "根", "热水器配件", "38.00", 20, True),
    ("RS-002", "热水器温控器", "海尔通用", "个", "热水器配件", "65.00", 8, True),
    ("RS-003", "热水器安全阀", "0.8MPa", "个", "热水器配件", "32.00", 10, True),
    ("RS-004", "热水器加热管", "2000W", "根", "热水器配件", "120.00", 5, True),
    ("FL-001", "生料带", "20m/卷", "卷", "辅料", "2.00", 100, True),
    ("FL-002", "膨胀螺栓", "M8×80", "个", "辅料", "0.80", 500, True),
    ("FL-003", "保温棉管", "9.52mm", "米", "辅料", "2.50", 100, False),
)

# Opening stock (期初库存) as a multiple of the part's minimum stock; a few are left low so
# the below-minimum list and the waiting requisition have something to show.
OPENING_FACTOR = {"W01": Decimal(3), "W02": Decimal(2)}
LOW_IN_W01 = {"PJ-009": 2, "JJ-002": 3, "RS-004": 1}
OPENING_REMARK = "期初库存"
DEMO_MARK = "演示领料"


def _barcode(n: int) -> str:
    """An EAN-13 in the 69 (China) range with a correct check digit."""
    body = f"690123{n:06d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _employee(no: str) -> Employee:
    return db.session.scalar(sa.select(Employee).where(Employee.employee_no == no))


def _unit(code: str) -> OrgUnit:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


def seed_parts() -> int:
    existing = set(db.session.scalars(sa.select(Part.part_no)))
    added = 0
    for n, (part_no, name, spec, unit, category, price, minimum, piece) in enumerate(PARTS, 1):
        if part_no in existing:
            continue
        db.session.add(Part(part_no=part_no, name=name, spec=spec, unit=unit, category=category,
                            price=Decimal(price), barcode=_barcode(n), min_stock=Decimal(minimum),
                            piece_counted=piece))
        added += 1
    db.session.flush()
    return added


def seed_opening_stock() -> int:
    """One opening receipt per warehouse, booked by a user who works there."""
    from portal.services.warehouse.stock import LineInput, book_receipt

    booked = 0
    # W02 has no warehouse staff in the demo, and nobody else may book its goods in: it
    # starts empty (a Guangzhou requisition waits for stock).
    for code, by in (("W01", "40001"),):
        warehouse = _unit(code)
        done = db.session.scalar(sa.select(StockReceipt.id).where(
            StockReceipt.warehouse_id == warehouse.id, StockReceipt.remark == OPENING_REMARK))
        if done:
            continue
        lines = []
        for part in db.session.scalars(sa.select(Part).order_by(Part.part_no)):
            quantity = part.min_stock * OPENING_FACTOR[code]
            if code == "W01" and part.part_no in LOW_IN_W01:
                quantity = Decimal(LOW_IN_W01[part.part_no])
            lines.append(LineInput(part, quantity))
        book_receipt(warehouse, lines, _employee(by), supplier="上线前盘点",
                     delivery_note="QC-2026", remark=OPENING_REMARK)
        lines = [LineInput(p, Decimal(2), StockCondition.GIVEAWAY) for p in db.session.scalars(
            sa.select(Part).where(Part.category == "辅料"))]
        book_receipt(warehouse, lines, _employee(by), supplier="赠品", remark=OPENING_REMARK)
        booked += 2
    return booked


def seed_requisitions() -> int:
    """领料单 of 上海徐汇责任中心 from 上海中心仓: awaiting approval, to issue, short, issued."""
    from portal.services.warehouse import requisitions
    from portal.services.warehouse.stock import LineInput

    if db.session.scalar(sa.select(Requisition.id).where(Requisition.remark.like(
            f"{DEMO_MARK}%")).limit(1)):
        return 0
    branch, warehouse = _unit("S4001"), _unit("W01")
    supervisor, clerk = _employee("30002"), _employee("40001")
    tickets = list(db.session.scalars(sa.select(Ticket).where(Ticket.branch_id == branch.id)
                                      .order_by(Ticket.id).limit(4)))

    def part(no: str) -> Part:
        return db.session.scalar(sa.select(Part).where(Part.part_no == no))

    plans = (
        ("submitted", [("PJ-001", 1), ("PJ-003", 2)]),
        ("approved", [("LY-001", 4), ("LY-003", "2.5")]),
        ("short", [("PJ-009", 3), ("PJ-004", 4)]),  # only 2 闭门器 on hand: it waits
        ("issued", [("KT-002", 1), ("KT-003", 3), ("FL-001", 2)]),
    )
    for i, (stage, lines) in enumerate(plans):
        req = requisitions.raise_requisition(
            tickets[i] if i < len(tickets) else None, branch, warehouse,
            [LineInput(part(no), Decimal(str(q))) for no, q in lines], supervisor,
            remark=f"{DEMO_MARK}（{stage}）")
        if stage != "submitted":
            requisitions.approve_requisition(req, supervisor)
        if stage in ("short", "issued"):
            requisitions.issue_requisition(req, clerk)
    return len(plans)


def seed_returns_and_damage() -> int:
    """One return report and one damage report waiting for the manager."""
    from portal.services.warehouse import returns

    if db.session.scalar(sa.select(ReturnReport.id).limit(1)) or db.session.scalar(
            sa.select(DamageReport.id).limit(1)):
        return 0
    warehouse, clerk = _unit("W01"), _employee("40001")

    def part(no: str) -> Part:
        return db.session.scalar(sa.select(Part).where(Part.part_no == no))

    returns.report_return(warehouse, returns.ReturnDraft(
        part=part("PJ-005"), quantity=Decimal(2), reason="型号错发，客户退回",
        returned_by="陈志强", branch=_unit("S4001")), clerk)
    returns.report_damage(warehouse, returns.DamageDraft(
        part=part("PJ-011"), quantity=Decimal("1.5"), cause="搬运时边角碰裂",
        proposal=DamageProposal.TO_DAMAGED), clerk)
    return 2


def seed_warehouse() -> int:
    """Everything above; returns how many records were added (0 on a second run)."""
    return (seed_parts() + seed_opening_stock() + seed_requisitions()
            + seed_returns_and_damage())
