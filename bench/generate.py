"""Build the hotline benchmark data set (压测数据) on SQLite or PostgreSQL, in minutes.

Default size: 1,000,000 customers (~1.3 products and ~1.4 indexed phones each),
2,000,000 call records over two years and 500,000 tickets (one per installation call).

The schema comes from the Alembic migrations and the reference data (groups, org units,
demo users, price list) from portal.demo through the ORM. The bulk rows bypass the ORM:
COPY on PostgreSQL, executemany in one transaction on SQLite, with the secondary indexes
dropped during the load and rebuilt from their own definitions afterwards. The
customer_phones search index is filled here, since the ORM's before_flush hook does not run.

    .venv/bin/python bench/generate.py                     # SQLite: bench/bench.db
    .venv/bin/python bench/generate.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test_h6
    .venv/bin/python bench/generate.py --scale 0.01        # a quick run, 1 % of the rows
"""

import argparse
import random
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from itertools import islice

import sqlalchemy as sa
from common import DEFAULT_URL, PG_EXAMPLE, bench_app, database_url, sqlite_path

# Two years of calls, business hours only: 08:00-20:00 China time is 00:00-12:00 UTC.
HISTORY_DAYS = 730
BUSINESS_SECONDS = 12 * 3600
CUSTOMER_YEARS_BEFORE = 3  # customers were created in the three years before the calls
EXTRA_AGENTS = 18  # 400 hotline agents besides the demo's 20001 / 20002
SQLITE_BATCH = 20_000

BIG_TABLES = ("customers", "customer_phones", "products", "call_records", "tickets",
              "ticket_events")

# city → (area code, postal code, branch code); the branch mapping of portal.demo.BRANCH_AREAS
CITY = {
    "上海市": ("021", "200030", "S4001"),
    "杭州市": ("0571", "310012", "S4002"),
    "广州市": ("020", "510620", "S4003"),
}
MOBILE_PREFIXES = [f"1{a}{b}" for a in "3456789" for b in "0123456789"]
SERIAL_PREFIX = {"钢化玻璃隔断": "YHG", "淋浴房": "DLS", "办公桌": "ZDD", "文件柜": "ZDC",
                 "空调": "GRK", "热水器": "HEC"}
FAULTS = ("空调不制冷", "空调漏水", "空调外机异响", "热水器不加热", "热水器漏水", "热水器显示E4",
          "玻璃门关不严", "地弹簧失灵", "玻璃隔断有裂纹", "淋浴房胶条老化", "淋浴房拉手松动",
          "文件柜锁坏了", "办公桌抽屉卡住", "遥控器失灵", "需要移机", "新机安装预约")
ENQUIRIES = ("咨询保修期", "询问上门时间", "咨询延保价格", "查询维修进度", "要求开具发票",
             "更改预约时间", "咨询清洗保养价格", "询问配件价格", "咨询新品", "地址变更")
COMPLAINTS = ("投诉上门迟到", "投诉维修后仍有问题", "投诉服务态度", "投诉收费不合理")
HANDLING = ("已告知客户", "已转责任中心处理", "已预约上门", "已回复客户", "已登记，待回访")
RESULTS = ("客户满意", "已解决", "待跟进", "客户表示理解")
REMARKS = ("老客户，上门前请先电话联系", "只接受周末上门", "门卫处登记后进入",
           "VIP大客户，优先处理")

OLD_STATUSES = {  # tickets older than 45 days: mostly finished
    "CALLED_BACK": 62, "CLOSED": 14, "CANCELLED": 6, "FEEDBACK_GIVEN": 3,
    "AWAITING_FEEDBACK": 2, "HFYY": 3, "DDKH": 3, "THCS": 2, "IN_WORK": 1, "DISPATCHED": 1,
    "BPZ": 1, "HANDOVER_READY": 1, "ZBHF": 1,
}
RECENT_STATUSES = {
    "TZJL": 12, "KCJS": 10, "ZGPZ": 6, "BPZ": 2, "ZBHF": 4, "DISPATCHED": 14, "IN_WORK": 14,
    "HANDOVER_READY": 8, "CLOSED": 12, "AWAITING_FEEDBACK": 4, "FEEDBACK_GIVEN": 3,
    "CALLED_BACK": 5, "HFYY": 1, "DDKH": 1, "THCS": 1, "CANCELLED": 3,
}
CLOSED_STATUSES = {"CLOSED", "AWAITING_FEEDBACK", "FEEDBACK_GIVEN", "CALLED_BACK"}
DISPATCHED_ON = {"DISPATCHED", "IN_WORK", "HANDOVER_READY"} | CLOSED_STATUSES
SERVICE_ITEMS = {"repair": 55, "maintenance": 15, "installation": 15, "inspection": 8,
                 "upgrade": 2, "store_machine": 1, "reenable": 1, "activate_new": 1,
                 "new_install": 1, "relocate": 1}
APPROVAL_ITEMS = {"upgrade", "store_machine", "reenable", "activate_new", "new_install",
                  "relocate"}


def ts(value: datetime) -> str:
    """SQLAlchemy's SQLite storage format, also valid COPY input for PostgreSQL."""
    return value.isoformat(" ", "microseconds")


def weighted(table: dict[str, int]) -> list[str]:
    return [key for key, weight in table.items() for _ in range(weight)]


class DataSet:
    """Row generators, table by table; later tables reuse what earlier ones remembered."""

    def __init__(self, counts: dict[str, int], ref: dict, seed: int):
        from portal import demo
        from portal.models.base import utcnow

        self.n = counts
        self.ref = ref
        self.rng = random.Random(seed)
        self.demo = demo
        self.now = utcnow().replace(minute=0, second=0, microsecond=0)
        self.calls_start = datetime.combine(self.now.date() - timedelta(days=HISTORY_DAYS),
                                            datetime.min.time())
        # remembered per customer (index = id), per product, and per ticket-making call
        self.mobiles: list[str | None] = [None]
        self.homes: list[str | None] = [None]
        self.offices: list[str | None] = [None]
        self.city_of = bytearray(1)
        self.first_product = array("i", [0])
        self.product_count = bytearray(1)
        self.product_kind = bytearray(1)  # index into demo.PRODUCTS
        self.product_model = bytearray(1)
        self.product_spec = bytearray(1)
        self.seed_calls: dict[str, array] = {
            k: array("q") for k in ("call", "customer", "product", "at", "agent", "fault")}
        self.ticket_created = array("q")

    # customers (客户档案) ---------------------------------------------------------------

    def customers(self) -> Iterator[tuple]:
        rng, demo = self.rng, self.demo
        rand, choice, randrange = rng.random, rng.choice, rng.randrange
        surnames, given = list(demo.SURNAMES), demo.GIVEN
        places = demo.PLACES
        cities = list(CITY)
        attributes = ["in_warranty", "in_warranty", "annual_contract", "per_visit_contract",
                      "letter_service"]
        count = self.n["customers"]
        start = self.calls_start - timedelta(days=365 * CUSTOMER_YEARS_BEFORE)
        step = 365 * CUSTOMER_YEARS_BEFORE * 86400 / max(count, 1)
        birthday0 = date(1950, 1, 1)
        for cid in range(1, count + 1):
            person = rand() < 0.8
            surname = choice(surnames)
            given_name = choice(given)
            province, city, districts, streets = places[randrange(3)]
            area, postal, _branch = CITY[city]
            if person:
                name = surname + given_name
                contact = None
            else:
                name = f"{city[:2]}{surname}{given_name}{choice(demo.COMPANIES)}"
                contact = surname + choice(("先生", "女士", "经理"))
            mobile = f"{choice(MOBILE_PREFIXES)}{randrange(10**8):08d}"
            style = rand()
            if style < 0.08:
                mobile = f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
            elif style < 0.12:
                mobile = "+86 " + mobile
            home = f"{area}-{randrange(10**7, 10**8)}" if rand() < 0.3 else None
            office = None
            if not person or rand() < 0.05:
                office = f"{area}-{randrange(10**7, 10**8)}"
            if not person and rand() < 0.3:
                mobile = None  # some companies only give a switchboard number
            self.mobiles.append(mobile)
            self.homes.append(home)
            self.offices.append(office)
            self.city_of.append(cities.index(city))
            created = start + timedelta(seconds=int(cid * step))
            yield (
                cid, f"C{cid:07d}", "person" if person else "company", name, contact,
                mobile, home, office, province, city, choice(districts),
                f"{choice(streets)}{randrange(1, 999)}号{randrange(1, 30)}0{randrange(1, 9)}室",
                postal, f"c{cid}@example.com" if rand() < 0.1 else None, choice(attributes),
                int(rand() < 0.1),
                (birthday0 + timedelta(days=randrange(20000))).isoformat() if person else None,
                None if rand() < 0.95 else choice(REMARKS),
                1, ts(created), ts(created),
            )

    CUSTOMER_COLUMNS = ("id", "code", "kind", "name", "contact_person", "phone_mobile",
                        "phone_home", "phone_office", "province", "city", "district", "street",
                        "postal_code", "email", "attribute", "vip", "birthday", "remarks",
                        "active", "created_at", "updated_at")

    def customer_phones(self) -> Iterator[tuple]:
        """One row per phone, as services.customers.sync_phone_index would write it."""
        from portal.services.core.customers import normalise_phone

        pid = 0
        for cid in range(1, self.n["customers"] + 1):
            for kind, raw in (("M", self.mobiles[cid]), ("H", self.homes[cid]),
                              ("O", self.offices[cid])):
                digits = normalise_phone(raw)
                if digits:
                    pid += 1
                    yield pid, cid, kind, digits, digits[::-1]

    PHONE_COLUMNS = ("id", "customer_id", "kind", "digits", "reversed_digits")

    # products (设备) -----------------------------------------------------------------------

    def products(self) -> Iterator[tuple]:
        rng, products = self.rng, self.demo.PRODUCTS
        rand, randrange = rng.random, rng.randrange
        today = self.now.date()
        pid = 0
        for cid in range(1, self.n["customers"] + 1):
            r = rand()
            count = 1 if r < 0.75 else 2 if r < 0.95 else 3
            self.first_product.append(pid + 1)
            self.product_count.append(count)
            for _ in range(count):
                pid += 1
                kind = randrange(len(products))
                category, sub, maker, brand, models, specs = products[kind]
                model, spec = randrange(len(models)), randrange(len(specs))
                self.product_kind.append(kind)
                self.product_model.append(model)
                self.product_spec.append(spec)
                bought = today - timedelta(days=randrange(30, 5 * 365))
                yield (
                    pid, self.serial(pid), f"69{pid:011d}", category, sub, maker, brand,
                    models[model], specs[spec], bought.isoformat(),
                    "public" if rand() < 0.3 else "private",
                    (bought + timedelta(days=365 * (1 + randrange(3)))).isoformat(),
                    cid, f"PO{bought:%Y%m}{pid:07d}", 1,
                    ts(datetime.combine(bought, datetime.min.time())),
                    ts(datetime.combine(bought, datetime.min.time())),
                )

    PRODUCT_COLUMNS = ("id", "serial", "barcode", "category", "subcategory", "manufacturer",
                       "brand", "model", "spec", "purchase_date", "use", "warranty_end",
                       "customer_id", "po_number", "active", "created_at", "updated_at")

    def serial(self, pid: int) -> str:
        return f"{SERIAL_PREFIX[self.demo.PRODUCTS[self.product_kind[pid]][1]]}{pid:09d}"

    # call records (电话记录) -----------------------------------------------------------------

    def call_records(self) -> Iterator[tuple]:
        """Calls in time order; exactly n["tickets"] of them are installation calls that
        become tickets (selection sampling, so the count is exact without a list of ids)."""
        rng, products = self.rng, self.demo.PRODUCTS
        rand, randrange, choice = rng.random, rng.randrange, rng.choice
        n_calls, n_customers = self.n["calls"], self.n["customers"]
        agents, lead = self.ref["agents"], self.ref["lead"]
        names = [s + g for s in self.demo.SURNAMES for g in self.demo.GIVEN]
        mean_gap = HISTORY_DAYS * BUSINESS_SECONDS / max(n_calls, 1)
        review_before = self.now - timedelta(days=7)
        need, left = self.n["tickets"], n_calls
        seeds = self.seed_calls
        t = 0.0
        for call_id in range(1, n_calls + 1):
            t += rng.expovariate(1 / mean_gap)
            business = int(t)
            day, second = divmod(business, BUSINESS_SECONDS)
            at = self.calls_start + timedelta(days=min(day, HISTORY_DAYS - 1), seconds=second)
            install = rand() * left < need
            left -= 1
            agent = choice(agents)
            cid = randrange(1, n_customers + 1) if install or rand() < 0.95 else None
            pid = model = spec = product_no = None
            if cid is not None:
                caller, phone = None, self.mobiles[cid] or self.offices[cid]
                count = self.product_count[cid]
                if install or rand() < 0.5:
                    pid = self.first_product[cid] + randrange(count)
                    family = products[self.product_kind[pid]]
                    model = family[4][self.product_model[pid]]
                    spec = family[5][self.product_spec[pid]]
                    product_no = self.serial(pid)
            else:
                caller = choice(names)
                phone = f"{choice(MOBILE_PREFIXES)}{randrange(10**8):08d}"
            fault = visit = opinion = result = done = None
            if install:
                need -= 1
                category = "install"
                fault = FAULTS[randrange(len(FAULTS))]
                content = f"客户来电报修：{fault}，要求尽快上门。"
                visit = ts(at + timedelta(days=1 + randrange(3)))
                opinion = "已生成报修单，转责任中心"
                for key, value in (("call", call_id), ("customer", cid), ("product", pid or 0),
                                   ("at", int((at - self.calls_start).total_seconds())),
                                   ("agent", agent), ("fault", FAULTS.index(fault))):
                    seeds[key].append(value)
            else:
                r = rand()
                if r < 0.15:
                    category, content = "complaint", choice(COMPLAINTS)
                elif r < 0.6:
                    category, content = "business", choice(ENQUIRIES)
                else:
                    category, content = "general", choice(ENQUIRIES)
                opinion = choice(HANDLING)
                result = choice(RESULTS)
                done = ts(at + timedelta(minutes=3 + randrange(60)))
            reviewed = at < review_before and rand() < 0.95
            yield (
                call_id, cid, caller, phone, ts(at), pid, product_no, model, spec, category,
                fault, visit, content, opinion, result, None, done, agent,
                f"bench-c{call_id:010d}",
                ts(at + timedelta(days=2 + randrange(5))) if reviewed else None,
                lead if reviewed else None,
            )

    CALL_COLUMNS = ("id", "customer_id", "caller_name", "phone", "called_at", "product_id",
                    "product_no", "model", "spec", "category", "fault_symptom",
                    "requested_visit_at", "content", "handling_opinion", "result", "resolver",
                    "done_at", "agent_id", "submit_token", "reviewed_at", "reviewed_by_id")

    # tickets (报修单) ------------------------------------------------------------------------

    def tickets(self) -> Iterator[tuple]:
        rng = self.rng
        rand, randrange, choice = rng.random, rng.randrange, rng.choice
        old, recent = weighted(OLD_STATUSES), weighted(RECENT_STATUSES)
        items, branches = weighted(SERVICE_ITEMS), self.ref["branches"]
        classes = ["C"] * 10 + ["A"] * 6 + ["B"] * 3 + ["D"]
        technician = self.ref["technician"]
        recent_from = self.now - timedelta(days=45)
        seeds = self.seed_calls
        branch_of_city = [branches[CITY[city][2]] for city in CITY]
        self.last_number: dict[int, int] = {}
        for i in range(len(seeds["call"])):
            tid = i + 1
            offset = seeds["at"][i] + 120 + randrange(600)
            self.ticket_created.append(offset)
            created = self.calls_start + timedelta(seconds=offset)
            status = choice(old if created < recent_from else recent)
            number = self.last_number.get(created.year, 0) + 1
            self.last_number[created.year] = number
            cid, pid = seeds["customer"][i], seeds["product"][i] or None
            serial = self.serial(pid) if pid else None
            anomaly = rand() < 0.01
            if anomaly:  # the agent typed a serial that is not in the product master data
                pid, serial = None, f"XX{randrange(10**9):09d}"
            item = choice(items)
            start = created + timedelta(days=1 + randrange(3))
            closed = created + timedelta(days=1 + randrange(7)) if status in CLOSED_STATUSES \
                else None
            fault = FAULTS[seeds["fault"][i]]
            updated = closed or created + timedelta(hours=randrange(1, 48))
            yield (
                tid, f"BX{created.year}-{number:06d}",
                "Z2" if status in ("HFYY", "DDKH", "THCS") else "Z1",
                "before" if rand() < 0.15 else "after", status, cid, pid, serial, int(anomaly),
                item, choice(classes), int(rand() < 0.04), fault,
                f"客户来电报修：{fault}，要求尽快上门。", ts(start),
                ts(start + timedelta(days=1 + randrange(5))),
                branch_of_city[self.city_of[cid]],
                technician if status in DISPATCHED_ON and rand() < 0.5 else None,
                seeds["agent"][i], seeds["call"][i], int(item in APPROVAL_ITEMS),
                0, ts(closed) if closed else None, f"bench-t{tid:010d}",
                1 + (status != "TZJL") + (status in DISPATCHED_ON) + (status in CLOSED_STATUSES),
                ts(created), ts(updated),
            )

    TICKET_COLUMNS = ("id", "number", "kind", "timing", "status", "customer_id", "product_id",
                      "serial_text", "serial_anomaly", "service_item", "service_class",
                      "urgent", "short_text", "long_text", "requested_start", "expected_end",
                      "branch_id", "responsible_id", "reporter_id", "call_record_id",
                      "needs_approval", "hq_requested", "closed_at", "submit_token", "version",
                      "created_at", "updated_at")

    def ticket_events(self) -> Iterator[tuple]:
        """The 'create' line of each ticket's timeline, as services.tickets writes it."""
        for i, offset in enumerate(self.ticket_created):
            at = ts(self.calls_start + timedelta(seconds=offset))
            yield i + 1, i + 1, at, self.seed_calls["agent"][i], "create", None, "TZJL", None

    EVENT_COLUMNS = ("id", "ticket_id", "at", "actor_id", "action", "from_status", "to_status",
                     "remark")


# loading ------------------------------------------------------------------------------------


class Loader:
    """Bulk rows straight into the DB-API connection: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, engine: sa.Engine):
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        self.conn = self.raw.driver_connection
        self.cur = self.conn.cursor()
        if self.dialect == "postgresql":
            # No FK triggers during the load (the rows are consistent by construction) and
            # room for the index builds; both only for this session.
            self.cur.execute("SET session_replication_role = replica")
            self.cur.execute("SET maintenance_work_mem = '1GB'")
            self.cur.execute("SET synchronous_commit = off")
        else:
            self.conn.commit()
            for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -1000000",
                           "temp_store = MEMORY", "locking_mode = EXCLUSIVE"):
                self.cur.execute(f"PRAGMA {pragma}")
            self.cur.execute("BEGIN")

    def drop_secondary_indexes(self, table: str) -> list[str]:
        """Drop the table's plain indexes (not PK / unique constraints); return their DDL."""
        if self.dialect == "postgresql":
            self.cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = 'public' "
                "AND tablename = %s AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", (table,))
        else:
            self.cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                             "AND tbl_name = ? AND sql IS NOT NULL", (table,))
        found = self.cur.fetchall()
        for name, _ddl in found:
            self.cur.execute(f'DROP INDEX "{name}"')
        return [ddl for _name, ddl in found]

    def load(self, table: str, columns: Iterable[str], rows: Iterator[tuple]) -> int:
        names = ", ".join(columns)
        count = 0
        if self.dialect == "postgresql":
            with self.cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join("?" for _ in names.split(", "))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
            while batch := list(islice(rows, SQLITE_BATCH)):
                self.cur.executemany(sql, batch)
                count += len(batch)
        return count

    def execute(self, sql: str, params=()) -> None:
        self.cur.execute(sql, params)

    def finish(self, tables: Iterable[str]) -> None:
        if self.dialect == "postgresql":
            for table in tables:
                self.cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT coalesce(max(id), 1) FROM {table}))")
            self.cur.execute("SET session_replication_role = DEFAULT")
        self.conn.commit()

    def analyze(self) -> None:
        if self.dialect == "postgresql":
            # VACUUM too: it sets the visibility map, so count(*) can be an index-only scan.
            self.conn.autocommit = True
            self.cur.execute("VACUUM (ANALYZE)")
        else:
            self.cur.execute("PRAGMA journal_mode = DELETE")
            self.cur.execute("PRAGMA locking_mode = NORMAL")
            self.cur.execute("ANALYZE")
            self.conn.commit()

    def close(self) -> None:
        self.cur.close()
        self.raw.invalidate()  # session settings changed: do not hand it back to the pool


# the run ------------------------------------------------------------------------------------


def reset_database(url: str) -> None:
    """Start from nothing: drop the PostgreSQL schema, or delete the SQLite file."""
    path = sqlite_path(url)
    if path is not None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def seed_reference() -> dict:
    """Groups, org, demo users and price list through the ORM, plus more hotline agents."""
    from portal import demo
    from portal.extensions import db
    from portal.models import Department, Employee, OrgUnit, PermissionGroup
    from portal.services.core.audit import acting_as

    with acting_as(None, "bench-generate"):
        demo.seed_groups()
        demo.seed_org()
        demo.seed_users()
        demo.seed_price_items()
        group = db.session.scalar(sa.select(PermissionGroup).where(PermissionGroup.code == "agent"))
        hq = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "HQ"))
        dept = db.session.scalar(sa.select(Department).where(Department.code == "D-CS"))
        rng = random.Random(20001)
        for i in range(EXTRA_AGENTS):
            no = f"{20003 + i}"
            if db.session.scalar(sa.select(Employee.id).where(Employee.employee_no == no)):
                continue
            db.session.add(Employee(
                employee_no=no, name=rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN),
                org_unit=hq, department=dept, password_hash=demo._demo_hash(),
                must_change_password=False, groups=[group], phone=f"1380000{no[:4]}"))
        db.session.commit()

    def employee(no: str) -> int:
        return db.session.scalar(sa.select(Employee.id).where(Employee.employee_no == no))

    branches = dict(db.session.execute(sa.select(OrgUnit.code, OrgUnit.id).where(
        OrgUnit.code.in_(["S4001", "S4002", "S4003"]))).all())
    agents = list(db.session.scalars(sa.select(Employee.id).where(
        Employee.employee_no.like("200%")).order_by(Employee.id)))
    return {"branches": branches, "agents": agents, "lead": employee("20002"),
            "technician": employee("30003")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL, help=f"default {DEFAULT_URL}; "
                        f"PostgreSQL e.g. {PG_EXAMPLE}")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=2_000_000)
    parser.add_argument("--tickets", type=int, default=500_000)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply all counts, e.g. 0.01 for a quick run")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    counts = {k: max(1, int(getattr(args, k) * args.scale))
              for k in ("customers", "calls", "tickets")}
    if counts["tickets"] > counts["calls"]:
        parser.error("every ticket comes from a call: --tickets must not exceed --calls")
    url = database_url(args.url)

    started = time.perf_counter()
    print(f"database: {sa.make_url(url).render_as_string(hide_password=True)}")
    print("counts: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    reset_database(url)
    # Bulk COPY, index builds and ANALYZE of millions of rows: no per-statement limit.
    app = bench_app(url, DB_STATEMENT_TIMEOUT=0)
    with app.app_context():
        from flask_migrate import upgrade

        from portal.extensions import db

        step = time.perf_counter()
        upgrade()
        ref = seed_reference()
        # End the ORM's read transaction: an open snapshot older than the bulk rows would
        # keep VACUUM from marking their pages all-visible (no index-only scans after).
        db.session.remove()
        print(f"{'schema + reference data':<24} {time.perf_counter() - step:8.1f} s")
        data = DataSet(counts, ref, args.seed)
        loader = Loader(db.engine)
        dropped = {table: loader.drop_secondary_indexes(table) for table in BIG_TABLES}
        plan: list[tuple[str, tuple[str, ...], Callable[[], Iterator[tuple]]]] = [
            ("customers", data.CUSTOMER_COLUMNS, data.customers),
            ("customer_phones", data.PHONE_COLUMNS, data.customer_phones),
            ("products", data.PRODUCT_COLUMNS, data.products),
            ("call_records", data.CALL_COLUMNS, data.call_records),
            ("tickets", data.TICKET_COLUMNS, data.tickets),
            ("ticket_events", data.EVENT_COLUMNS, data.ticket_events),
        ]
        print(f"{'table':<24} {'rows':>10} {'load s':>8} {'index s':>8}")
        for table, columns, rows in plan:
            step = time.perf_counter()
            count = loader.load(table, columns, rows())
            loaded = time.perf_counter() - step
            step = time.perf_counter()
            for ddl in dropped[table]:
                loader.execute(ddl)
            print(f"{table:<24} {count:>10,} {loaded:8.1f} {time.perf_counter() - step:8.1f}",
                  flush=True)
        for year, last in sorted(data.last_number.items()):
            loader.execute("INSERT INTO document_counters (kind, year, last_value) "
                           + ("VALUES (%s, %s, %s)" if loader.dialect == "postgresql"
                              else "VALUES (?, ?, ?)"), ("BX", year, last))
        loader.finish(BIG_TABLES)
        step = time.perf_counter()
        loader.analyze()
        loader.close()
        print(f"{'analyze':<24} {'':>10} {time.perf_counter() - step:8.1f}")
        if loader.dialect == "postgresql":
            size = db.session.scalar(sa.text("SELECT pg_database_size(current_database())"))
        else:
            size = sqlite_path(url).stat().st_size
        db.session.remove()
    print(f"total {time.perf_counter() - started:.1f} s, database size {size / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
