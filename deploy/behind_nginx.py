"""gunicorn + nginx from this checkout, without touching /etc/nginx (and without root).

    python3 deploy/behind_nginx.py run [--port 8080] [--app-port 8000]   # both, until Ctrl-C
    python3 deploy/behind_nginx.py run --servers 2      # two app servers, 8000 and 8001
    python3 deploy/behind_nginx.py site --listen 80 --upstream 127.0.0.1:8000 \\
        --static-root /srv/portal/portal/static            # the site file for /etc/nginx

`run` renders deploy/nginx/standalone.conf + portal.conf into a directory of its own under
/tmp (pid, logs, temporary files) and runs nginx in the foreground (`daemon off`) in front
of gunicorn started with deploy/gunicorn.conf.py — or of N gunicorns (`--servers N`, the
app servers of a scaled-out site, here on one box) on consecutive ports, one upstream.
deploy/run-behind-nginx.sh calls it; bench/load.py --via-nginx / --servers,
tests/test_behind_nginx.py and tests/test_scale_out.py use `Nginx` and `Gunicorn`.
"""

import argparse
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
STATIC_ROOT = ROOT / "portal" / "static"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
TICK = os.sysconf("SC_CLK_TCK")


def nginx_binary() -> str | None:
    """Debian's nginx (package `nginx`): in /usr/sbin, which a non-root PATH may lack."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def render_site(listen: str, upstream: str | list[str], static_root: Path = STATIC_ROOT) -> str:
    """The site file; `upstream` is one app server's address or a list of them."""
    text = (DEPLOY / "nginx" / "portal.conf").read_text()
    servers = [upstream] if isinstance(upstream, str) else upstream
    lines = "".join(f"    server {address} max_fails=1 fail_timeout=5s;\n"
                    for address in servers)
    text = text.replace("    @UPSTREAM@\n", lines)  # the upstream block's line
    for key, value in (("@LISTEN@", listen), ("@UPSTREAM@", ", ".join(servers)),
                       ("@STATIC_ROOT@", str(Path(static_root).resolve()).rstrip("/"))):
        text = text.replace(key, value)
    return text


def render_standalone(prefix: Path) -> str:
    # Started by root, the master hands the workers to an unprivileged user, as Debian's own
    # nginx.conf does; started by anyone else there is nobody to hand them to.
    user = ""
    if os.geteuid() == 0:
        name = "www-data" if _user_exists("www-data") else "nobody"
        user = f"user {name};"
    return ((DEPLOY / "nginx" / "standalone.conf").read_text()
            .replace("@USER@", user).replace("@PREFIX@", str(prefix)))


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, what: str, log: Path, timeout: float,
              ready=lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited ({proc.returncode}):\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200 and ready():
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready at {url} after {timeout:.0f} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def _children(pid: int) -> list[int]:
    try:
        return sorted(int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except FileNotFoundError:
        return []


def _cpu_ms(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _check_workers_reach(path: Path) -> None:
    """nginx's workers (www-data) must be able to walk down to `path` (a 0700 parent such
    as pytest's tmp directory would turn every static file or large form into an error)."""
    for directory in [path.resolve(), *path.resolve().parents]:
        if not directory.stat().st_mode & 0o001:
            raise RuntimeError(f"{directory} is closed to nginx's workers (mode "
                               f"{directory.stat().st_mode & 0o777:o}): choose another prefix")


class Gunicorn:
    """gunicorn with deploy/gunicorn.conf.py on 127.0.0.1:`port`; output into `log`."""

    def __init__(self, port: int, env: dict, log: Path, app: str | None = None,
                 extra: tuple[str, ...] = ()):
        self.port, self.log = port, log
        self.url = f"http://127.0.0.1:{port}"
        binary = Path(sys.executable).parent / "gunicorn"
        args = [str(binary), "-c", str(GUNICORN_CONF), "-b", f"127.0.0.1:{port}", *extra]
        with log.open("ab") as out:
            self.proc = subprocess.Popen([*args, *([app] if app else [])], cwd=ROOT, env=env,
                                         stdout=out, stderr=subprocess.STDOUT)

    def workers(self) -> list[int]:
        return _children(self.proc.pid)

    def wait_ready(self, path: str = "/healthz", workers: int = 2, timeout: float = 90) -> None:
        _wait_for(self.url + path, self.proc, "gunicorn", self.log, timeout,
                  ready=lambda: len(self.workers()) >= workers)

    def stop(self) -> None:
        _stop(self.proc)

    def kill(self) -> None:
        """The box dies: master and workers at once, requests in flight cut off."""
        for pid in [self.proc.pid, *self.workers()]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait()


def app_server_env(servers: int, base: dict | None = None) -> dict:
    """The environment every app server gets. Sessions are cookies signed with SECRET_KEY
    and the sign-in throttle counts in REDIS_URL: each must be the same on every server,
    or a cookie from one is refused by the next and a guesser gets N times the allowance."""
    env = dict(base if base is not None else os.environ, PYTHONUNBUFFERED="1")
    env.setdefault("TRUST_PROXY", "1")  # nginx sends X-Forwarded-*: the app may believe them
    if servers > 1 and not env.get("REDIS_URL"):
        print("warning: REDIS_URL is not set: each app server's processes count sign-in "
              "attempts on their own", file=sys.stderr)
    # No SECRET_KEY: every server started here reads the checkout's instance/secret_key
    # (created once, atomically: portal/config.py). Servers on other boxes need SECRET_KEY.
    return env


def start_app_servers(ports: list[int], env: dict, logdir: Path,
                      extra: tuple[str, ...] = ()) -> list[Gunicorn]:
    """One gunicorn per port, each logging to logdir/gunicorn-<port>.log."""
    return [Gunicorn(port, env, logdir / f"gunicorn-{port}.log", extra=extra) for port in ports]


class Nginx:
    """nginx in the foreground on 127.0.0.1:`port` in front of `upstream`, its files in
    `prefix` (a new directory under /tmp unless given)."""

    def __init__(self, port: int, upstream: str | list[str], static_root: Path = STATIC_ROOT,
                 prefix: Path | None = None):
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
        self.port, self.upstream = port, upstream
        self.url = f"http://127.0.0.1:{port}"
        self.prefix = Path(prefix or tempfile.mkdtemp(prefix="portal-nginx-"))
        (self.prefix / "tmp").mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # The workers run as www-data: they read the static files and write the
            # temporary files (a body over 64 kB) under the prefix.
            for path in (self.prefix, self.prefix / "tmp"):
                path.chmod(0o755)
            for path in (self.prefix, Path(static_root)):
                _check_workers_reach(path)
        (self.prefix / "portal.conf").write_text(
            render_site(f"127.0.0.1:{port}", upstream, static_root))
        self.conf = self.prefix / "nginx.conf"
        self.conf.write_text(render_standalone(self.prefix))
        self.error_log = self.prefix / "error.log"
        self.access_log = self.prefix / "access.log"
        command = [binary, "-p", str(self.prefix), "-e", str(self.error_log), "-c", str(self.conf)]
        check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"nginx refused {self.conf}:\n{check.stderr}")
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                     stderr=self.error_log.open("ab"))

    def wait_ready(self, path: str = "/healthz", timeout: float = 30) -> None:
        _wait_for(self.url + path, self.proc, "nginx", self.error_log, timeout)

    def pids(self) -> list[int]:
        return [self.proc.pid, *_children(self.proc.pid)]

    def cpu_ms(self) -> float:
        """CPU time of the master and its workers so far (live processes only)."""
        return sum(_cpu_ms(pid) for pid in self.pids())

    def requests_logged(self) -> int:
        """Requests nginx has written to its access log (buffered: up to 1 s behind)."""
        try:
            with self.access_log.open("rb") as fh:
                return sum(1 for _ in fh)
        except FileNotFoundError:
            return 0

    def stop(self) -> None:
        _stop(self.proc, signal.SIGQUIT)  # graceful: finish the requests in flight


def _run(args) -> None:
    prefix = Path(args.prefix) if args.prefix else Path(tempfile.mkdtemp(prefix="portal-nginx-"))
    prefix.mkdir(parents=True, exist_ok=True)
    env = app_server_env(args.servers)
    ports = [args.app_port + i for i in range(args.servers)]
    apps = start_app_servers(ports, env, prefix)
    front = None
    try:
        for app in apps:
            app.wait_ready()
        front = Nginx(args.port, [f"127.0.0.1:{port}" for port in ports],
                      Path(args.static_root), prefix)
        front.wait_ready()
        print(f"Service Portal behind nginx: {front.url}/login  "
              f"(gunicorn {', '.join(app.url for app in apps)})")
        print(f"logs: {', '.join(str(app.log) for app in apps)}, {front.access_log}, "
              f"{front.error_log}")
        stop = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.append(True))
        # One app server gone is what the others are for: run until all are, or nginx is.
        while not stop and front.proc.poll() is None and \
                any(app.proc.poll() is None for app in apps):
            time.sleep(0.5)
    finally:
        if front is not None:
            front.stop()
        for app in apps:
            app.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="gunicorn + nginx until Ctrl-C")
    run.add_argument("--port", type=int, default=8080, help="nginx (default %(default)s)")
    run.add_argument("--app-port", type=int, default=8000, help="gunicorn (default %(default)s)")
    run.add_argument("--servers", type=int, default=1,
                     help="app servers (gunicorns) on --app-port, --app-port+1, … behind one "
                          "upstream (default %(default)s); give them the same REDIS_URL")
    run.add_argument("--prefix", help="nginx's directory (default: a new one under /tmp)")
    run.add_argument("--static-root", default=str(STATIC_ROOT))
    site = sub.add_parser("site", help="print the nginx site file for /etc/nginx")
    site.add_argument("--listen", default="80")
    site.add_argument("--upstream", action="append",
                      help="an app server's address, once per server (default 127.0.0.1:8000)")
    site.add_argument("--static-root", default=str(STATIC_ROOT))
    args = parser.parse_args(argv)
    if args.command == "site":
        sys.stdout.write(render_site(args.listen, args.upstream or ["127.0.0.1:8000"],
                                     Path(args.static_root)))
    else:
        _run(args)


if __name__ == "__main__":
    main()
