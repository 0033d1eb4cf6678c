"""gunicorn settings of the portal: `make run`, bench/load.py, deploy/run-behind-nginx.sh and
the README's deployment all start `gunicorn -c deploy/gunicorn.conf.py`.

A command-line flag (`-b 0.0.0.0:8000`, `-w 4`) or GUNICORN_CMD_ARGS overrides a value here.
"""

import socket

wsgi_app = "portal:create_app()"
bind = "127.0.0.1:8000"

# Two processes of four threads: a request mostly waits for PostgreSQL or renders a
# template, and the threads overlap the waits. On a bigger box: workers = cores.
worker_class = "gthread"
workers = 2
threads = 4

# Each worker gets a listening socket of its own (SO_REUSEPORT) and the kernel hashes every
# new connection to one of them. On one shared socket the worker that woke first took the
# connection, and kept it while it stayed alive: one worker held 184 keep-alive
# connections, the other 35, and one worker's threads queued while the other idled.
reuse_port = True

# Behind nginx the connections are nginx's upstream pool: keep them longer than nginx does
# (`keepalive_timeout 60s` in deploy/nginx/portal.conf), so it is always nginx that closes
# an idle one and never gunicorn in the instant nginx reuses it (a POST on a connection
# closed under it would be a 502, since nginx does not retry a POST).
keepalive = 75

accesslog = "-"

# X-Forwarded-* are the application's business alone: TRUST_PROXY switches on ProxyFix.
# gunicorn would otherwise believe X-Forwarded-Proto from any local peer on its own.
forwarded_allow_ips = ""


def on_starting(server):
    """Refuse a port someone already listens on.

    With SO_REUSEPORT a second gunicorn started on a busy port (a forgotten `make run`,
    another checkout's bench) does not fail: it silently shares the port and takes half the
    connections. A plain bind shows the port is taken.
    """
    for address in server.cfg.address:
        if not isinstance(address, tuple):
            continue  # a unix socket path: a second bind fails on its own
        host, port = address[0], address[1]
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise SystemExit(f"gunicorn: {host}:{port} is already in use ({exc})") from exc


def _no_server_banner():
    """Send no `Server:` header: it only tells a scanner which server to probe for.

    gunicorn (27.0 as installed) writes `Server: gunicorn` in Response.default_headers and has
    no setting to leave it out; an application header of the same name would be a second
    one, not a replacement. So the line is dropped where gunicorn builds it
    (tests/test_behind_nginx.py asks gunicorn directly, so an upgrade that moves it shows).
    """
    from gunicorn.http import wsgi

    if getattr(wsgi.Response.default_headers, "drops_server_banner", False):
        return  # the file is read again on a reload (HUP)
    original = wsgi.Response.default_headers

    def default_headers(self):
        return [line for line in original(self) if not line.lower().startswith("server:")]

    default_headers.drops_server_banner = True
    wsgi.Response.default_headers = default_headers


_no_server_banner()
