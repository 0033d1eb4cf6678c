"""Realistic Chinese demo data: org, users for every group, customers, products, price list.

Every record is looked up by its natural key first, so running the seed twice adds nothing.
"""

import random
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import (
    BranchArea,
    Customer,
    CustomerAttribute,
    CustomerKind,
    Department,
    Employee,
    OrgKind,
    OrgUnit,
    PermissionGroup,
    PriceItem,
    PriceKind,
    Product,
    ProductUse,
)
from portal.services.core.audit import acting_as
from portal.services.core.auth import hash_password
from portal.services.core.duties import GROUPS

ORG_UNITS = (
    # code, name, kind, parent code, work center, address
    ("HQ", "总部", OrgKind.HQ, None, None, "上海市浦东新区张江路88号"),
    ("R-EAST", "华东大区", OrgKind.REGION, "HQ", None, "上海市"),
    ("R-SOUTH", "华南大区", OrgKind.REGION, "HQ", None, "广州市"),
    ("S4001", "上海徐汇责任中心", OrgKind.BRANCH, "R-EAST", "S4001", "上海市徐汇区漕溪北路201号"),
    ("S4002", "杭州西湖责任中心", OrgKind.BRANCH, "R-EAST", "S4002", "杭州市西湖区文三路90号"),
    ("S4003", "广州天河责任中心", OrgKind.BRANCH, "R-SOUTH", "S4003", "广州市天河区体育东路118号"),
    ("W01", "上海中心仓", OrgKind.WAREHOUSE, "R-EAST", None, "上海市闵行区莘庄工业区申富路8号"),
    ("W02", "广州中心仓", OrgKind.WAREHOUSE, "R-SOUTH", None, "广州市白云区太和镇物流园"),
)

# Which branch serves which area (region → branch mapping, 按地址分派责任中心).
BRANCH_AREAS = (
    ("上海市", "", "", "S4001"),
    ("浙江省", "杭州市", "", "S4002"),
    ("广东省", "广州市", "", "S4003"),
)

DEPARTMENTS = (
    ("D-CS", "客服部", "HQ"), ("D-IT", "信息技术部", "HQ"), ("D-QA", "质量管理部", "R-EAST"),
    ("D-S4001", "徐汇安装服务部", "S4001"), ("D-S4002", "西湖安装服务部", "S4002"),
    ("D-S4003", "天河安装服务部", "S4003"), ("D-W01", "上海仓储部", "W01"),
    ("D-W02", "广州仓储部", "W02"),
)

# employee no., name, groups, org unit, department, skills
USERS = (
    ("10001", "王建国", ("admin",), "HQ", "D-IT", None),
    ("20001", "李晓梅", ("agent",), "HQ", "D-CS", None),
    ("20002", "张丽华", ("agent_lead",), "HQ", "D-CS", None),
    ("30001", "陈志强", ("store_rep",), "S4001", "D-S4001", None),
    ("30002", "刘海涛", ("store_supervisor",), "S4001", "D-S4001", None),
    ("30003", "赵师傅", ("technician",), "S4001", "D-S4001", "玻璃安装,门窗安装,家具安装"),
    ("31001", "周敏", ("store_rep",), "S4002", "D-S4002", None),
    ("40001", "孙永红", ("warehouse_clerk",), "W01", "D-W01", None),
    ("40002", "吴国平", ("warehouse_manager",), "W01", "D-W01", None),
    ("50001", "郑检", ("qa_inspector",), "R-EAST", "D-QA", None),
    ("60001", "黄总", ("service_manager",), "HQ", "D-CS", None),
)

PRICE_ITEMS = (
    # code, name, kind, unit, hours, rate, price
    ("AZ-001", "钢化玻璃隔断安装", PriceKind.INSTALLATION, "平方米", "1.50", "80", "0"),
    ("AZ-002", "玻璃门安装", PriceKind.INSTALLATION, "樘", "2.00", "80", "0"),
    ("AZ-003", "淋浴房安装", PriceKind.INSTALLATION, "套", "3.00", "80", "0"),
    ("AZ-004", "办公桌椅组装", PriceKind.INSTALLATION, "套", "1.00", "60", "0"),
    ("AZ-005", "文件柜安装", PriceKind.INSTALLATION, "组", "1.50", "60", "0"),
    ("AZ-006", "家电上门安装", PriceKind.INSTALLATION, "台", "1.00", "70", "0"),
    ("AZ-007", "移机（拆装）", PriceKind.INSTALLATION, "台", "2.50", "70", "0"),
    ("BY-001", "玻璃隔断年度保养", PriceKind.MAINTENANCE, "次", "2.00", "80", "0"),
    ("BY-002", "密封胶条检查更换", PriceKind.MAINTENANCE, "米", "0.20", "80", "0"),
    ("BY-003", "家电清洗保养", PriceKind.MAINTENANCE, "台", "1.50", "70", "0"),
    ("PJ-001", "玻璃门地弹簧", PriceKind.PART, "个", "0", "0", "420.00"),
    ("PJ-002", "不锈钢合页", PriceKind.PART, "副", "0", "0", "36.50"),
    ("PJ-003", "硅酮密封胶", PriceKind.PART, "支", "0", "0", "28.00"),
    ("PJ-004", "玻璃夹", PriceKind.PART, "个", "0", "0", "15.00"),
    ("YS-001", "市内运输", PriceKind.TRANSPORT, "次", "0", "0", "80.00"),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
         "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志明", "晓燕", "璟",
         "燊", "堃", "子涵", "雨轩", "浩然")
COMPANIES = ("科技有限公司", "贸易有限公司", "装饰工程有限公司", "酒店管理有限公司", "物业服务有限公司")
PLACES = (
    ("上海市", "上海市", ("徐汇区", "浦东新区", "静安区", "闵行区"), ("漕溪北路", "张江路", "南京西路", "莘庄路")),
    ("浙江省", "杭州市", ("西湖区", "拱墅区", "滨江区"), ("文三路", "莫干山路", "江南大道")),
    ("广东省", "广州市", ("天河区", "越秀区", "海珠区"), ("体育东路", "中山五路", "新港中路")),
)
PRODUCTS = (
    ("装饰玻璃", "钢化玻璃隔断", "耀华玻璃", "YH", ("YH-G10", "YH-G12"), ("1800×900 mm 10 mm", "2400×1200 mm 12 mm")),
    ("装饰玻璃", "淋浴房", "德立", "DL", ("DL-S8", "DL-S10"), ("900×900 mm 8 mm",)),
    ("办公家具", "办公桌", "震旦", "AURORA", ("ZD-D160",), ("1600×800 mm",)),
    ("办公家具", "文件柜", "震旦", "AURORA", ("ZD-C90",), ("900×400×1800 mm",)),
    ("家电", "空调", "格力", "GREE", ("KFR-35GW", "KFR-72LW"), ("1.5匹", "3匹")),
    ("家电", "热水器", "海尔", "Haier", ("EC6002", "EC8003"), ("60升", "80升")),
)


@cache
def _demo_hash() -> str:
    # One scrypt hash for all demo users: hashing eleven times would slow every test setup.
    return hash_password(current_app.config["DEMO_PASSWORD"])


def _get_or_add(model, key: str, value, **fields):
    existing = db.session.scalar(sa.select(model).where(getattr(model, key) == value))
    if existing is not None:
        return existing, False
    record = model(**{key: value}, **fields)
    db.session.add(record)
    return record, True


def seed_groups() -> int:
    added = 0
    for code, (name, perms) in GROUPS.items():
        group, new = _get_or_add(PermissionGroup, "code", code, name=name)
        added += new
        if not perms <= group.permissions:  # a newer release grants the group more
            group.permissions = group.permissions | perms
    db.session.flush()
    return added


def seed_org() -> int:
    added = 0
    for code, name, kind, parent, wc, address in ORG_UNITS:
        parent_unit = _by_code(OrgUnit, parent) if parent else None
        _, new = _get_or_add(OrgUnit, "code", code, name=name, kind=kind, parent=parent_unit,
                             work_center=wc, address=address)
        added += new
        db.session.flush()
    for code, name, unit in DEPARTMENTS:
        _, new = _get_or_add(Department, "code", code, name=name, org_unit=_by_code(OrgUnit, unit))
        added += new
    for province, city, district, branch in BRANCH_AREAS:
        exists = db.session.scalar(sa.select(BranchArea.id).where(
            BranchArea.province == province, BranchArea.city == city,
            BranchArea.district == district))
        if exists is None:
            db.session.add(BranchArea(province=province, city=city, district=district,
                                      branch=_by_code(OrgUnit, branch)))
            added += 1
    db.session.flush()
    return added


def _by_code(model, code: str):
    return db.session.scalar(sa.select(model).where(model.code == code))


def seed_users() -> int:
    added = 0
    for no, name, groups, unit, dept, skills in USERS:
        employee, new = _get_or_add(
            Employee, "employee_no", no, name=name, org_unit=_by_code(OrgUnit, unit),
            department=_by_code(Department, dept), skills=skills, password_hash=_demo_hash(),
            must_change_password=False, phone=f"1380000{no[:4]}",
        )
        if new:
            employee.groups = [_by_code(PermissionGroup, g) for g in groups]
            added += 1
    db.session.flush()
    return added


def seed_price_items() -> int:
    added = 0
    for code, name, kind, unit, hours, rate, price in PRICE_ITEMS:
        _, new = _get_or_add(PriceItem, "code", code, name=name, kind=kind, unit=unit,
                             standard_hours=Decimal(hours), hourly_rate=Decimal(rate),
                             price=Decimal(price), valid_from=date(2026, 1, 1))
        added += new
    db.session.flush()
    return added


def seed_customers(count: int) -> int:
    rng = random.Random(2026)  # the same demo data on every machine
    existing = set(db.session.scalars(sa.select(Customer.code)))
    added = 0
    today = date(2026, 11, 1)
    for i in range(1, count + 1):
        code = f"C{i:06d}"
        person = rng.random() < 0.8
        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
        province, city, districts, streets = rng.choice(PLACES)
        district = rng.choice(districts)
        area = {"上海市": "021", "杭州市": "0571", "广州市": "020"}[city]
        fields = dict(
            kind=CustomerKind.PERSON if person else CustomerKind.COMPANY,
            name=surname + given if person else f"{city[:2]}{surname}{given}{rng.choice(COMPANIES)}",
            contact_person=None if person else surname + rng.choice(("先生", "女士", "经理")),
            phone_mobile=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            phone_home=f"{area}-{rng.randrange(10**7, 10**8)}" if rng.random() < 0.3 else None,
            phone_office=f"{area}-{rng.randrange(10**7, 10**8)}" if not person else None,
            province=province, city=city, district=district,
            street=f"{rng.choice(streets)}{rng.randrange(1, 999)}号{rng.randrange(1, 30)}0{rng.randrange(1, 9)}室",
            postal_code={"上海市": "200030", "杭州市": "310012", "广州市": "510620"}[city],
            attribute=rng.choice(list(CustomerAttribute)),
            vip=rng.random() < 0.1,
            birthday=date(1960, 1, 1) + timedelta(days=rng.randrange(15000)) if person else None,
        )
        if code in existing:
            continue
        customer = Customer(code=code, **fields)
        db.session.add(customer)
        for j in range(rng.choice((1, 1, 2, 3))):
            category, sub, maker, brand, models, specs = rng.choice(PRODUCTS)
            bought = today - timedelta(days=rng.randrange(30, 1500))
            customer.products.append(Product(
                serial=f"SN{i:06d}{j}", barcode=f"69{i:08d}{j}", category=category,
                subcategory=sub, manufacturer=maker, brand=brand, model=rng.choice(models),
                spec=rng.choice(specs), purchase_date=bought,
                warranty_end=bought + timedelta(days=365 * rng.choice((1, 2, 3))),
                use=rng.choice(list(ProductUse)), po_number=f"PO{bought:%Y%m}{i:05d}",
            ))
        added += 1
    db.session.flush()
    return added


def _employee(no: str) -> Employee:
    return db.session.scalar(sa.select(Employee).where(Employee.employee_no == no))


def seed_all(customers: int = 200) -> dict[str, int]:
    """Seed everything, attributed to `seed-demo` in the audit trail.

    Master data first; then every stage of the work, walked through the real verbs by the
    demo user who would do it (demo_stores, demo_hotline, demo_warehouse). Inside the CLI's
    one transaction: nothing here commits.
    """
    from portal.demo_hotline import seed_hotline
    from portal.demo_quality import seed_checklists
    from portal.demo_stores import seed_tickets
    from portal.demo_warehouse import seed_warehouse, seed_warehouse_work

    with acting_as(None, "seed-demo"):
        counts = {
            "permission groups": seed_groups(),
            "org units and departments": seed_org(),
            "employees": seed_users(),
            "price items": seed_price_items(),
            "customers": seed_customers(customers),
        }
        db.session.flush()
        counts["quality checklists"] = seed_checklists()
        counts["warehouse records"] = seed_warehouse()  # parts and stock before dispatches
        counts["tickets"] = seed_tickets(min(60, customers))
        counts["warehouse records"] += seed_warehouse_work()
        counts["hotline records"] = seed_hotline()
    return counts
