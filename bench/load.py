"""HTTP load harness: gunicorn as `make run` starts it, on the bench data set, driven by locust.

    .venv/bin/python bench/load.py                          # 20 agents, 30 s: a quick check
    .venv/bin/python bench/load.py --mode agents --full     # 400 agents, think 8–20 s
    .venv/bin/python bench/load.py --mode busy --full       # 400 agents, think 2–6 s
    .venv/bin/python bench/load.py --mode signin --full     # 400 sign-ins within 60 s
    .venv/bin/python bench/load.py --mode kinds             # each request kind, 8 users, no think
    .venv/bin/python bench/load.py --mode kinds --via-nginx # the same through nginx (deploy/)
    .venv/bin/python bench/load.py --servers 2              # two app servers behind one nginx

Each run first measures the bare-Flask floor (bench/floor_app.py, same gunicorn settings,
8 users back to back), then the portal. Before and after the measured window it reads the
gunicorn worker processes' CPU time from /proc/<pid>/stat. It prints per request name:
count, failures, req/s, p50/p95/p99/max ms, and the workers' CPU ms per request; a Markdown
report (also into --out FILE). Details: bench/README.md, "HTTP load".
"""

# locust patches the standard library for gevent on import: it comes before everything else.
import locust  # noqa: F401, I001  (isort: skip)

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import gevent
from gevent.event import Event
from locust.env import Environment

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import locustfile  # noqa: E402  (bench/locustfile.py)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
# The settings `make run` and the deployment use (deploy/gunicorn.conf.py); -b and the app
# given on the command line override the file's.
GUNICORN = [str(Path(sys.executable).parent / "gunicorn"), "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py")]
TICK = os.sysconf("SC_CLK_TCK")
AGENTS = ["20001"] + [str(n) for n in range(20003, 20021)]  # bench/generate.py's agents


# -- /proc ------------------------------------------------------------------------------

def cpu_ms(pid: int) -> float | None:
    """utime + stime of a process (all its threads), in ms."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return sorted(int(p) for p in fh.read().split())
    except FileNotFoundError:
        return []


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def connections(port: int | list[int], pids: list[int]) -> dict[int, int]:
    """Established TCP connections on `port`(s) held by each of `pids` (the keep-alive spread)."""
    ports = {port} if isinstance(port, int) else set(port)
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as fh:
                next(fh)
                for line in fh:
                    parts = line.split()
                    if int(parts[1].rsplit(":", 1)[1], 16) in ports and parts[3] == "01":
                        inodes.add(parts[9])
        except FileNotFoundError:
            continue
    held = {}
    for pid in pids:
        count = 0
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    count += 1
        except FileNotFoundError:
            pass
        held[pid] = count
    return held


class PgBackends:
    """CPU of the PostgreSQL backends serving the bench database (when PostgreSQL is local)."""

    def __init__(self, url: str):
        self.conninfo = url.replace("postgresql+psycopg://", "postgresql://")

    def sample(self) -> dict[int, float]:
        try:
            import psycopg

            with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
                pids = [r[0] for r in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()")]
        except Exception as exc:  # noqa: BLE001 — a figure we can do without
            print(f"  (PostgreSQL backends not sampled: {exc})", file=sys.stderr)
            return {}
        return {pid: ms for pid in pids if (ms := cpu_ms(pid)) is not None}


# -- gunicorn ---------------------------------------------------------------------------

class Server:
    def __init__(self, name: str, app: str, port: int, env: dict, log: Path,
                 chdir: Path | None = None):
        self.name, self.port = name, port
        self.log = log.open("ab")
        args = [*GUNICORN, "-b", f"127.0.0.1:{port}"]
        if chdir:
            args += ["--chdir", str(chdir)]
        self.proc = subprocess.Popen([*args, app], cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{port}"

    def wait_ready(self, path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name}: gunicorn exited ({self.proc.returncode}); "
                                 f"see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as response:
                    if response.status == 200 and len(self.workers()) == 2:
                        return
            except OSError:
                pass
            gevent.sleep(0.3)
        raise SystemExit(f"{self.name}: not ready after {timeout} s; see {self.log.name}")

    def workers(self) -> list[int]:
        return children(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def warm_up(server: Server, samples: dict, rounds: int = 8) -> None:
    """Sign in and open each screen a few times, a new connection each time (so both workers
    see them): templates compiled, translations loaded, pools filled before anything is timed."""
    import http.cookiejar
    from urllib.parse import urlencode

    for i in range(rounds):
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(server.url + "/login", timeout=60).read().decode()
        token = locustfile.hidden_inputs(page)["csrf_token"]
        form = {"csrf_token": token, "employee_no": samples["agents"][i % len(samples["agents"])],
                "password": samples["password"], "next": ""}
        opener.open(server.url + "/login", urlencode(form).encode(), timeout=60).read()
        customer_id, digits = samples["callers"][i]
        listing = (f"/hotline/tickets?view=all&status={samples['statuses'][i % 5]}"
                   f"&branch={samples['branches'][0]}")
        for path in (f"/hotline/?q={digits[-6:]}", f"/hotline/customers/{customer_id}",
                     listing, f"/hotline/tickets/{samples['tickets'][i]}"):
            with opener.open(server.url + path, timeout=60) as response:
                if response.status != 200 or "/login" in response.url:
                    raise SystemExit(f"warm-up: {path} answered {response.status} "
                                     f"at {response.url}")
                response.read()


# -- --via-nginx -----------------------------------------------------------------------

def put_nginx_in_front(server: Server, port: int, path: str):
    """nginx on `port` proxying to the gunicorn `server` (deploy/nginx/portal.conf): from
    now on the users go to nginx, while the workers' CPU and connections are still read
    from gunicorn (its connections are then nginx's upstream pool)."""
    from deploy.behind_nginx import Nginx

    front = Nginx(port, f"127.0.0.1:{server.port}")
    front.wait_ready(path)
    front.title = server.name
    front.cpu_at_start = front.cpu_ms()
    server.url = front.url
    return front


def stop_fronts(fronts: list) -> None:
    """Stop the nginx instances, each after reading its CPU while its workers still live."""
    for front in fronts:
        if not hasattr(front, "cpu_total"):
            front.cpu_total = front.cpu_ms() - front.cpu_at_start
            front.stop()  # flushes the buffered access log
            front.requests = front.requests_logged()


def nginx_notes(fronts: list) -> list[str]:
    return [f"- nginx in front of the {f.title} ({f.prefix}): {f.cpu_total / 1000:.1f} s CPU "
            f"(master + workers) over the whole run, {f.requests:,} requests logged at "
            f"stop: {f.cpu_total / max(f.requests, 1):.2f} ms per request" for f in fronts]


# -- --servers N: several app servers behind one nginx -------------------------------------

class ServerGroup:
    """N gunicorns (the portal) on port, port+10, …, driven together: the phase reads all
    their workers' CPU and connections; the users go to the nginx in front of them."""

    def __init__(self, count: int, port: int, env: dict, log: Path):
        self.servers = [Server(f"portal {i + 1}", "portal:create_app()", port + 10 * i, env,
                               log.with_name(f"gunicorn-{i + 1}.log")) for i in range(count)]
        self.name, self.port = f"{count} portal servers", port
        self.ports = [s.port for s in self.servers]
        self.url = self.servers[0].url

    def wait_ready(self, path: str) -> None:
        for server in self.servers:
            server.wait_ready(path)

    def workers(self) -> list[int]:
        return [pid for server in self.servers for pid in server.workers()]

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def put_nginx_in_front_of_all(group: ServerGroup, port: int, path: str):
    from deploy.behind_nginx import Nginx

    front = Nginx(port, [f"127.0.0.1:{p}" for p in group.ports])
    front.wait_ready(path)
    front.title = group.name
    front.cpu_at_start = front.cpu_ms()
    group.url = front.url
    return front


# -- one locust phase -------------------------------------------------------------------

@dataclass
class Row:
    name: str
    count: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float
    cpu_ms: float | None = None  # workers' CPU / requests (kinds mode, floor)
    cpu_split: list[float] = field(default_factory=list)


@dataclass
class Phase:
    title: str
    seconds: float
    rows: list[Row]
    worker_cpu: dict[int, float]  # pid → ms in the window
    pg_cpu: float | None
    machine_busy: float  # share of all cores, 0..1
    locust_cpu: float  # ms
    load: tuple[float, float]  # load average at start / end
    connections: dict[int, int]  # most connections per worker seen in the window
    errors: list[str]
    ramp_rows: list[Row] = field(default_factory=list)
    users: int = 0

    @property
    def requests(self) -> int:
        return sum(r.count for r in self.rows)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def cpu_per_request(self) -> tuple[float, list[float]]:
        n = max(self.requests, 1)
        split = [self.worker_cpu[p] / n for p in sorted(self.worker_cpu)]
        return sum(split), split


def rows_of(stats, seconds: float) -> list[Row]:
    rows = []
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        if not entry.num_requests or entry.name.startswith("setup:"):
            continue
        n = entry.num_requests
        p50, p95, p99 = (float(entry.get_response_time_percentile(p)) for p in (0.5, 0.95, 0.99))
        rows.append(Row(entry.name, n, entry.num_failures, n / seconds if seconds else 0,
                        p50, p95, p99, float(entry.max_response_time or 0)))
    return rows


def run_phase(title: str, server: Server, user_class, users: int, spawn_rate: float,
              duration: float, warmup: float, pg: PgBackends | None, *,
              until_requests: tuple[str, int] | None = None, signed_in_users: bool = True
              ) -> Phase:
    """Spawn, let it settle for `warmup` s, reset the stats, measure `duration` s.

    With `until_requests=(name, n)` (the sign-in storm) nothing is reset: the window runs
    from the first spawn until `n` requests named `name` have answered.
    """
    env = Environment(user_classes=[user_class], host=server.url)
    runner = env.create_local_runner()
    spawned = Event()
    env.events.spawning_complete.add_listener(lambda user_count: spawned.set())
    signins: dict[str, tuple[list[float], list[int]]] = {}  # kept through the stats reset

    def on_request(name, response_time, exception=None, **_kw):
        if name.startswith("sign-in"):
            times, failed = signins.setdefault(name, ([], [0]))
            times.append(response_time)
            failed[0] += exception is not None

    env.events.request.add_listener(on_request)
    workers = server.workers()
    storm = until_requests is not None

    def sample():
        return ({p: cpu_ms(p) or 0.0 for p in workers}, pg.sample() if pg else {},
                machine_jiffies(), os.times(), time.monotonic())

    print(f"== {title}: {users} users, spawn rate {spawn_rate:g}/s", file=sys.stderr, flush=True)
    load_start = os.getloadavg()[0]
    if storm:
        before = sample()
    runner.start(users, spawn_rate=spawn_rate)
    spawned.wait(timeout=users / spawn_rate * 4 + 120)
    if not storm:
        # Spawned is not signed in: wait for every user's sign-in to answer, then settle.
        deadline = time.monotonic() + 180
        while signed_in_users and time.monotonic() < deadline and \
                len(signins.get("sign-in: POST /login", ([],))[0]) < users:
            gevent.sleep(0.5)
        gevent.sleep(warmup)
        env.stats.reset_all()
        before = sample()
    most: dict[int, int] = {}

    def watch_connections():
        while True:
            held = connections(getattr(server, "ports", server.port), workers)
            if sum(held.values()) > sum(most.values()):
                most.clear()
                most.update(held)
            gevent.sleep(5)

    watcher = gevent.spawn(watch_connections)
    deadline = time.monotonic() + duration
    last_print = time.monotonic()
    while time.monotonic() < deadline:
        gevent.sleep(1)
        if storm:
            entry = env.stats.get(until_requests[0], "POST")
            if entry.num_requests >= until_requests[1]:
                break
        if time.monotonic() - last_print >= 15:
            last_print = time.monotonic()
            total = env.stats.total
            print(f"   {time.monotonic() - before[4]:5.0f} s: {total.num_requests} requests, "
                  f"{total.num_failures} failures, p95 {total.get_response_time_percentile(0.95)}"
                  " ms", file=sys.stderr, flush=True)
    after = sample()
    watcher.kill()
    seconds = after[4] - before[4]
    rows = rows_of(env.stats, seconds)
    errors = [f"{e.method} {e.name}: {e.error} ×{e.occurrences}" for e in env.stats.errors.values()]
    runner.quit()
    worker_cpu = {p: after[0][p] - before[0].get(p, 0.0) for p in workers}
    gone = [p for p in workers if cpu_ms(p) is None]
    if gone or server.workers() != workers:
        errors.append(f"gunicorn workers changed during the run: {workers} → {server.workers()}")
    pg_cpu = sum(ms - before[1].get(pid, 0.0) for pid, ms in after[1].items()) if pg else None
    busy = (after[2][0] - before[2][0]) / max(after[2][1] - before[2][1], 1)
    own = (after[3].user + after[3].system - before[3].user - before[3].system) * 1000
    ramp_rows = [] if storm else [
        Row(name, len(times), failed[0], 0.0, *(nearest_rank(times, p) for p in (50, 95, 99)),
            max(times)) for name, (times, failed) in sorted(signins.items())]
    return Phase(title, seconds, rows, worker_cpu, pg_cpu, busy, own,
                 (load_start, os.getloadavg()[0]), dict(most), errors, ramp_rows, users)


def nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else 0.0


# -- samples ----------------------------------------------------------------------------

def draw_samples(url: str, count: int = 2000, seed: int = 11) -> dict:
    """Callers, names, tickets and products that exist in the bench database."""
    import sqlalchemy as sa

    from portal.models import TicketStatus

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        def random_rows(sql: str, table: str, k: int) -> list:
            top = conn.scalar(sa.text(f"SELECT max(id) FROM {table}"))
            if not top:
                raise SystemExit(f"{table} is empty: run bench/generate.py --url {url}")
            conn.exec_driver_sql(f"SELECT setseed({(seed % 1000) / 1000})")
            ids = conn.scalars(sa.text(
                "SELECT (1 + floor(random() * :top))::bigint FROM generate_series(1, :k)"),
                {"top": top, "k": k * 2}).all()
            stmt = sa.text(sql).bindparams(sa.bindparam("ids", expanding=True))
            return [list(r) for r in conn.execute(stmt, {"ids": ids}).all()][:k]

        callers = random_rows(
            "SELECT customer_id, digits FROM customer_phones WHERE id IN :ids "
            "AND length(digits) >= 8", "customer_phones", count)
        names = [r[0][:2] for r in random_rows(
            "SELECT name FROM customers WHERE id IN :ids AND kind = 'person'", "customers", count)]
        tickets = [r[0] for r in random_rows("SELECT number FROM tickets WHERE id IN :ids",
                                             "tickets", count)]
        products = random_rows("SELECT customer_id, id FROM products WHERE id IN :ids "
                               "AND customer_id IS NOT NULL AND active", "products", count)
        branches = conn.scalars(sa.text(
            "SELECT id FROM org_units WHERE kind = 'branch' ORDER BY id")).all()
        agents = conn.scalars(sa.text(
            "SELECT employee_no FROM employees WHERE employee_no = ANY(:nos) AND active "
            "ORDER BY employee_no"), {"nos": AGENTS}).all()
    engine.dispose()
    if len(agents) != len(AGENTS):
        raise SystemExit(f"agent accounts missing from the bench data set: found {agents}")
    return {"agents": agents, "password": "demo1234", "callers": callers, "names": names,
            "tickets": tickets, "products": products, "branches": list(branches),
            "statuses": [s.value for s in TicketStatus]}


# -- report -----------------------------------------------------------------------------

def fmt_ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}" if value < 10 else f"{value:.0f}"


def table(phase: Phase, floor_rps: float | None, per_kind: bool) -> list[str]:
    head = ["request", "n", "fail", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    if per_kind:
        head += ["worker CPU ms/req (w1 + w2)", "% of floor req/s"]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for r in phase.rows:
        cells = [r.name, f"{r.count:,}", f"{r.failures:,}", f"{r.rps:.1f}", fmt_ms(r.p50),
                 fmt_ms(r.p95), fmt_ms(r.p99), fmt_ms(r.max)]
        if per_kind:
            split = " + ".join(f"{c:.1f}" for c in r.cpu_split)
            cells += [f"{r.cpu_ms:.1f} ({split})" if r.cpu_ms is not None else "",
                      f"{100 * r.rps / floor_rps:.1f} %" if floor_rps else ""]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def summary(phase: Phase) -> list[str]:
    total, split = phase.cpu_per_request()
    worker_s = sum(phase.worker_cpu.values()) / 1000
    out = [f"- window {phase.seconds:.0f} s, {phase.requests:,} requests, "
           f"{phase.rps:.1f} req/s, {sum(r.failures for r in phase.rows):,} failures"]
    out.append(f"- app workers' CPU: {total:.1f} ms per request ("
               + " + ".join(f"{s:.1f}" for s in split)
               + f" by worker); {100 * worker_s / phase.seconds:.0f} % of one core ("
               + ", ".join(f"{ms / 10 / phase.seconds:.0f} %" for ms in
                           (phase.worker_cpu[p] for p in sorted(phase.worker_cpu))) + ")")
    if phase.pg_cpu is not None:
        out.append(f"- PostgreSQL backends of this database: "
                   f"{phase.pg_cpu / max(phase.requests, 1):.1f} ms CPU per request")
    out.append(f"- machine: {100 * phase.machine_busy:.0f} % of {os.cpu_count()} cores busy "
               f"(everything on the box), load average {phase.load[0]:.1f} → {phase.load[1]:.1f}; "
               f"locust itself {phase.locust_cpu / 10 / phase.seconds:.0f} % of a core")
    if phase.connections:
        out.append("- most keep-alive connections held per worker at one time: "
                   + " / ".join(str(phase.connections[p]) for p in sorted(phase.connections)))
    posts = [r for r in phase.rows if r.name == "sign-in: POST /login"]
    if posts and not phase.ramp_rows:  # the storm: what one sign-in (GET + POST) costs
        out.append(f"- app workers' CPU per sign-in (GET /login + POST /login): "
                   f"{sum(phase.worker_cpu.values()) / max(posts[0].count, 1):.0f} ms")
    signins = [r for r in phase.ramp_rows if r.name.startswith("sign-in")]
    if signins:
        out.append("- sign-ins of this run (the ramp; not in the window): " + "; ".join(
            f"{r.name} n {r.count}, fail {r.failures}, p50 {fmt_ms(r.p50)} ms, "
            f"p95 {fmt_ms(r.p95)} ms" for r in signins))
    for error in phase.errors[:10]:
        out.append(f"- error: {error}")
    return out


def report(phases: list[Phase], floor: Phase | None, per_kind: bool) -> str:
    lines = []
    floor_rps = floor.rps if floor else None
    if floor:
        cpu, split = floor.cpu_per_request()
        lines.append(f"Bare-Flask floor ({floor.users} users, no think time): "
                     f"{floor.rps:,.0f} req/s, p95 {fmt_ms(floor.rows[0].p95 if floor.rows else 0)}"
                     f" ms, {cpu:.2f} ms worker CPU per request, "
                     f"{sum(r.failures for r in floor.rows)} failures.")
        lines.append("")
    if per_kind:
        merged = Phase("kinds", sum(p.seconds for p in phases), [], {}, None, 0, 0,
                       (phases[0].load[0], phases[-1].load[1]), {}, [])
        for phase in phases:
            merged.rows += phase.rows
            merged.errors += phase.errors
        lines += table(merged, floor_rps, per_kind=True)
        lines.append("")
        lines += [f"- {p.title}: machine {100 * p.machine_busy:.0f} % busy, load average "
                  f"{p.load[0]:.1f} → {p.load[1]:.1f}, PostgreSQL backends "
                  + (f"{p.pg_cpu / max(p.requests, 1):.1f} ms CPU/req" if p.pg_cpu is not None
                     else "n/a")
                  + (f", worker connections {'/'.join(str(v) for v in p.connections.values())}"
                     if p.connections else "")
                  for p in phases]
        lines += [f"- error: {e}" for e in merged.errors[:20]]
        return "\n".join(lines)
    for phase in phases:
        lines.append(f"**{phase.title}**")
        lines.append("")
        lines += table(phase, floor_rps, per_kind=False)
        lines.append("")
        lines += summary(phase)
        if floor_rps:
            lines.append(f"- total req/s is {100 * phase.rps / floor_rps:.1f} % of the floor's")
        lines.append("")
    return "\n".join(lines)


# -- main -------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
                        help=f"the bench database (default {DEFAULT_URL})")
    parser.add_argument("--mode", choices=("agents", "busy", "signin", "kinds"), default="agents")
    parser.add_argument("--full", action="store_true",
                        help="the real sizes: 400 agents ramped over 60 s and measured 100 s; "
                             "400 sign-ins in 60 s")
    parser.add_argument("-u", "--users", type=int, help="agents / sign-ins (default 20; 400 full)")
    parser.add_argument("-r", "--spawn-rate", type=float,
                        help="users per second (default 5; full: users / 60)")
    parser.add_argument("-t", "--duration", type=float,
                        help="measured seconds after the ramp (default 30; full 100)")
    parser.add_argument("--warmup", type=float, default=5,
                        help="seconds after the ramp, not measured")
    parser.add_argument("--think", help="think time between callers, 'MIN,MAX' seconds "
                                        "(agents 8,20; busy 2,6)")
    parser.add_argument("--kinds", default=",".join(locustfile.KINDS),
                        help="kinds mode: which (default all: %(default)s)")
    parser.add_argument("--kind-users", type=int, default=8, help="kinds mode and floor users")
    parser.add_argument("--kind-duration", type=float, default=20, help="seconds per kind")
    parser.add_argument("--floor-duration", type=float, default=15)
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--port", type=int, default=5055, help="portal; the floor uses port+1")
    parser.add_argument("--out", help="also write the Markdown report to this file")
    parser.add_argument("--via-nginx", action="store_true",
                        help="drive the portal (and the floor) through nginx in front of "
                             "gunicorn (deploy/behind_nginx.py), on port+2 (floor port+3)")
    parser.add_argument("--servers", type=int, default=1,
                        help="app servers (gunicorns, 2 workers each) behind one nginx, on "
                             "port, port+10, … (implies --via-nginx; Redis at REDIS_URL if set)")
    parser.add_argument("--write-samples", metavar="FILE",
                        help="only draw the samples into FILE (for locust -f bench/locustfile.py)")
    args = parser.parse_args(argv)
    args.via_nginx = args.via_nginx or args.servers > 1
    if "bench" not in args.url.rsplit("/", 1)[-1]:
        print(f"warning: {args.url} does not look like the bench database", file=sys.stderr)

    samples = draw_samples(args.url)
    if args.write_samples:
        Path(args.write_samples).write_text(json.dumps(samples, ensure_ascii=False))
        print(f"samples written to {args.write_samples}")
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    samples_path = workdir / "samples.json"
    samples_path.write_text(json.dumps(samples, ensure_ascii=False))
    locustfile.Samples.load(str(samples_path))

    full = args.full
    users = args.users or (400 if full else 20)
    spawn = args.spawn_rate or (users / 60 if full else 5)
    duration = args.duration or (100 if full else 30)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    # 400 simulated users sign in from 127.0.0.1: the per-address throttle would turn most
    # of the storm into 429s, so the harness measures the portal without it.
    env.update(DATABASE_URL=args.url, SECRET_KEY="bench-load-secret", PYTHONUNBUFFERED="1",
               RATELIMIT_ENABLED="0")
    log = workdir / "gunicorn.log"
    pg = PgBackends(args.url) if args.url.startswith("postgresql") else None
    started = time.strftime("%Y-%m-%d %H:%M")
    print(f"load average {os.getloadavg()[0]:.2f} at start; logs in {workdir}", file=sys.stderr)

    floor = None
    fronts = []  # --via-nginx: the nginx in front of the floor, then the portal's
    if not args.no_floor:
        server = Server("floor", "floor_app:app", args.port + 1, env, log, chdir=BENCH)
        try:
            server.wait_ready("/")
            if args.via_nginx:
                fronts.append(put_nginx_in_front(server, args.port + 3, "/"))
            floor = run_phase("bare-Flask floor", server, locustfile.FloorUser, args.kind_users,
                              args.kind_users, args.floor_duration, 2, None,
                              signed_in_users=False)
        finally:
            stop_fronts(fronts)
            server.stop()

    if args.servers > 1:
        server = ServerGroup(args.servers, args.port, env, log)
    else:
        server = Server("portal", "portal:create_app()", args.port, env, log)
    phases = []
    try:
        server.wait_ready("/healthz")
        if args.servers > 1:
            fronts.append(put_nginx_in_front_of_all(server, args.port + 2, "/healthz"))
        elif args.via_nginx:
            fronts.append(put_nginx_in_front(server, args.port + 2, "/healthz"))
        warm_up(server, samples)
        if args.mode in ("agents", "busy"):
            think = args.think or ("8,20" if args.mode == "agents" else "2,6")
            locustfile.AgentUser.think = tuple(float(x) for x in think.split(","))
            title = (f"{users} agents, think {think.replace(',', '–')} s "
                     f"({'busy hour' if args.mode == 'busy' else 'normal'}), ramp "
                     f"{users / spawn:.0f} s")
            phases.append(run_phase(title, server, locustfile.AgentUser, users, spawn, duration,
                                    args.warmup, pg))
        elif args.mode == "signin":
            users = args.users or (400 if full else 40)
            window = users / spawn if args.spawn_rate else (60 if full else 10)
            title = f"sign-in storm: {users} sign-ins within {window:.0f} s"
            phases.append(run_phase(title, server, locustfile.SignInUser, users, users / window,
                                    window + 180, 0, pg,
                                    until_requests=("sign-in: POST /login", users)))
        else:
            for kind in args.kinds.split(","):
                locustfile.KindUser.kind = kind
                phase = run_phase(f"kind {kind}", server, locustfile.KindUser, args.kind_users,
                                  args.kind_users, args.kind_duration, 3, pg)
                total, split = phase.cpu_per_request()
                for row in phase.rows:
                    if not row.name.startswith("sign-in"):
                        row.cpu_ms, row.cpu_split = total, split
                phases.append(phase)
    finally:
        stop_fronts(fronts)
        server.stop()

    text = report(phases, floor, per_kind=args.mode == "kinds")
    if fronts:
        text += "\n" + "\n".join(nginx_notes(fronts))
    header = (f"bench/load.py --mode {args.mode}{' --full' if full else ''}"
              f"{' --via-nginx' if args.via_nginx else ''}"
              f"{f' --servers {args.servers}' if args.servers > 1 else ''} · {started} · "
              f"{os.cpu_count()} cores · database {args.url.rsplit('/', 1)[-1]}")
    print()
    print(header)
    print()
    print(text)
    if args.out:
        Path(args.out).write_text(header + "\n\n" + text + "\n")
    failures = sum(r.failures for p in phases for r in p.rows)
    if failures:
        print(f"\n{failures} requests failed (see the errors above and {log})", file=sys.stderr)


if __name__ == "__main__":
    main()
