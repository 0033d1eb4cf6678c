"""Warehouse demo data: a parts catalogue of glass, furniture and appliance spare parts,
opening stock in 上海中心仓, requisitions, returns, damage and stock counts — all made through
the services by the warehouse's own demo users, like real work. Running it twice adds nothing.
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
    StockCount,
    StockCountLine,
    StockReceipt,
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


def _part(no: str) -> Part:
    return db.session.scalar(sa.select(Part).where(Part.part_no == no))


def seed_requisitions() -> int:
    """领料单 raised by 上海徐汇责任中心 outside a dispatch (the dispatches raise their own, see
    demo_stores): a stock top-up waiting for the supervisor, and one the supervisor cancelled.
    """
    from portal.services.warehouse import requisitions
    from portal.services.warehouse.stock import LineInput

    if db.session.scalar(sa.select(Requisition.id).where(Requisition.remark.like(
            f"{DEMO_MARK}%")).limit(1)):
        return 0
    branch, warehouse = _unit("S4001"), _unit("W01")
    rep, supervisor = _employee("30001"), _employee("30002")
    waiting = requisitions.raise_requisition(
        None, branch, warehouse, [LineInput(_part("PJ-001"), Decimal(1)),
                                  LineInput(_part("PJ-003"), Decimal(6))], rep,
        remark=f"{DEMO_MARK}（门店备件补充）")
    cancelled = requisitions.raise_requisition(
        None, branch, warehouse, [LineInput(_part("LY-001"), Decimal(4)),
                                  LineInput(_part("LY-003"), Decimal("2.5"))], rep,
        remark=f"{DEMO_MARK}（重复申请）")
    requisitions.cancel_requisition(cancelled, supervisor, "与已审批的领料单重复")
    return 2 if waiting else 1


def seed_returns_and_damage() -> int:
    """Returns and damage reported by the clerk (40001), decided by the manager (40002):
    waiting, approved (a return booked back in), refused."""
    from portal.services.warehouse import returns

    if db.session.scalar(sa.select(ReturnReport.id).limit(1)) or db.session.scalar(
            sa.select(DamageReport.id).limit(1)):
        return 0
    warehouse, clerk, manager = _unit("W01"), _employee("40001"), _employee("40002")
    branch = _unit("S4001")
    waiting = returns.report_return(warehouse, returns.ReturnDraft(
        part=_part("PJ-005"), quantity=Decimal(2), reason="型号错发，客户退回",
        returned_by="陈志强", branch=branch), clerk)
    received = returns.report_return(warehouse, returns.ReturnDraft(
        part=_part("JJ-004"), quantity=Decimal(3), reason="施工剩余，未拆封",
        returned_by="赵师傅", branch=branch), clerk)
    returns.decide_return(received, manager, "approve", "同意退库")
    returns.receive_return(received, clerk, StockCondition.GOOD)
    approved = returns.report_return(warehouse, returns.ReturnDraft(
        part=_part("KT-001"), quantity=Decimal(1), reason="遥控器不匹配",
        returned_by="客户", branch=branch), clerk)
    returns.decide_return(approved, manager, "approve", "同意，待实物入库")
    refused = returns.report_return(warehouse, returns.ReturnDraft(
        part=_part("RS-001"), quantity=Decimal(2), reason="客户不需要了",
        returned_by="陈志强", branch=branch), clerk)
    returns.decide_return(refused, manager, "refuse", "已安装使用过的配件不予退货")

    returns.report_damage(warehouse, returns.DamageDraft(
        part=_part("PJ-011"), quantity=Decimal("1.5"), cause="搬运时边角碰裂",
        proposal=DamageProposal.TO_DAMAGED), clerk)
    moved = returns.report_damage(warehouse, returns.DamageDraft(
        part=_part("PJ-012"), quantity=Decimal(1), cause="叉车作业时碰碎",
        proposal=DamageProposal.TO_DAMAGED), clerk)
    returns.decide_damage(moved, manager, "approve", "转残品库")
    written_off = returns.report_damage(warehouse, returns.DamageDraft(
        part=_part("JJ-003"), quantity=Decimal(5), cause="受潮生锈",
        proposal=DamageProposal.WRITE_OFF), clerk)
    returns.decide_damage(written_off, manager, "refuse", "可除锈后继续使用，不予报损")
    return 7 if waiting else 6


def seed_counts() -> int:
    """盘点 in 上海中心仓: the clerk counted 辅料 (one difference, with its reason) and submitted,
    the manager approved and the adjustment posted; a count of 工具 is still open."""
    from portal.services.warehouse import stock_counts as counts

    if db.session.scalar(sa.select(StockCount.id).limit(1)):
        return 0
    warehouse, clerk, manager = _unit("W01"), _employee("40001"), _employee("40002")
    count = counts.open_count(warehouse, clerk, category="辅料")
    lines = db.session.scalars(sa.select(StockCountLine).where(
        StockCountLine.count_id == count.id).order_by(StockCountLine.id)).all()
    for n, line in enumerate(lines):
        counted = line.expected - (2 if n == 0 else 0)
        counts.enter_line(count, line, clerk, counted=str(counted),
                          reason="施工领用未登记" if n == 0 else None)
    counts.submit_count(count, clerk)
    # submit_count freezes the variances with bulk UPDATEs; approve_count then selects the
    # lines without populate_existing, so lines this session already holds would keep
    # variance None. In the app the two are separate requests; here they share a session.
    for line in lines:
        db.session.expire(line)
    counts.approve_count(count, manager)
    counts.open_count(warehouse, clerk, category="工具")
    return 2


def seed_warehouse() -> int:
    """Parts and opening stock (before the demo tickets dispatch against them)."""
    return seed_parts() + seed_opening_stock()


def seed_warehouse_work() -> int:
    """What the warehouse did after the tickets' issues; 0 records on a second run."""
    return seed_requisitions() + seed_returns_and_damage() + seed_counts()
