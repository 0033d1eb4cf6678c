"""Real-browser fixtures: the session app served on a free port, Debian's Chromium, and a
watch on the browser console so that any script error or CSP violation fails the test.
"""

import threading
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"

# Playwright injects init scripts past the page's CSP, so this reporter itself is never blocked.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture(scope="session")
def live_server(app):
    """The session app on 127.0.0.1 and a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="session")
def browser_type_launch_args():
    # Debian's Chromium: `playwright install` is never run on these machines.
    return {
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    # An English browser: the portal must still start in Chinese, whatever the browser says.
    return {**browser_context_args, "base_url": live_server, "locale": "en-US",
            "timezone_id": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def browser_errors(page):
    """Every console error, uncaught exception and CSP violation of the test's page.

    The portal's CSP forbids inline scripts and styles, so a violation is a real bug; a
    missing static asset shows up here too ("Failed to load resource").
    """
    errors: list[str] = []
    refused_pages: set[str] = set()
    failed_loads: list[tuple[str, str]] = []

    def on_response(response):
        if response.request.resource_type == "document" and 400 <= response.status < 500:
            refused_pages.add(response.url)

    def on_console(message):
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if message.text.startswith("Failed to load resource"):
            failed_loads.append((message.text, url))  # judged at the end, see below
        else:
            errors.append(f"console error: {message.text} ({url})")

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught exception: {exc}"))
    page.add_init_script(CSP_REPORTER)
    page.set_default_timeout(5_000)
    yield errors
    for text, url in failed_loads:
        # A page answered 4xx on purpose (a form re-rendered with 400, a 403 or 404 page) is
        # the test's own business. Chromium asks for /favicon.ico by itself and the portal
        # has none: a cosmetic gap, not a broken page.
        if url not in refused_pages and urlsplit(url).path != "/favicon.ico":
            errors.append(f"console error: {text} ({url})")
    assert not errors, "the browser reported errors:\n" + "\n".join(errors)

