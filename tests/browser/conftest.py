"""Browser fixtures: one headless Chromium per test session, the app opened both ways.

`app` is parametrised over the two ways of opening dist/: from disk (file://, no flags)
and served by build.py's server (COOP/COEP). Every request the page makes is recorded, and
a test fails on a request that leaves dist/ or 127.0.0.1, on a failed request, and on an
uncaught page error.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import build  # noqa: E402  (the project's build script: its server and paths)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--enable-unsafe-swiftshader",
]
BOOT_TIMEOUT_MS = 120_000
# Served, the app installs a service worker that downloads all its files once more after
# start-up (static/app/offline.js): the tests of other things open hundreds of fresh
# contexts and do not pay for it; tests/browser/test_offline.py tests it.
CONTEXT_OPTIONS = {"service_workers": "block"}


def without_snapshots(query: str) -> str:
    """The page's query, with Python's memory snapshot off unless the test asks for it.

    After a cold start the page has a second worker take a snapshot of Python once it idles
    (static/worker/snapshot.js): the other tests' fresh contexts would each pay for one they
    never use. tests/browser/test_startup.py tests it.
    """
    if "snapshot=" in query:
        return query
    return query + ("&" if query else "?") + "snapshot=off"


@pytest.fixture(scope="session")
def dist() -> Path:
    if not (build.DIST / "index.html").exists():
        pytest.fail("dist/ is not built: run `python3 build.py test` (it builds first)")
    return build.DIST


@pytest.fixture(scope="session")
def server(dist):
    httpd = build.make_server(0, dist)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=build.CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class RequestLog:
    """Every request a page makes, and the ones that break the offline promise."""

    def __init__(self, dist: Path):
        self.dist_url = dist.as_uri() + "/"
        self.requests: list[str] = []
        self.problems: list[str] = []

    def allowed(self, url: str) -> bool:
        parsed = urlparse(url)
        if parsed.scheme in ("blob", "data"):
            return True
        if parsed.scheme == "file":
            return url.startswith(self.dist_url)
        return parsed.scheme in ("http", "https", "ws") and parsed.hostname == "127.0.0.1"

    def watch(self, context) -> "RequestLog":
        """Records the requests of every page of a browser context."""
        context.on("request", self.on_request)
        context.on("requestfailed", self.on_failed)
        context.on("response", self.on_response)
        return self

    def on_request(self, request) -> None:
        self.requests.append(request.url)
        if not self.allowed(request.url):
            self.problems.append(f"request outside dist/ and 127.0.0.1: {request.url}")

    def on_response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def on_failed(self, request) -> None:
        # A request the page cancelled (a reload or a restart while TF.js, which starts once
        # Python is idle, was loading) is no missing file; a missing one answers 404 above.
        if request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"failed request: {request.url} ({request.failure})")


class App:
    """A page of the app, booted, with its Python session ready."""

    def __init__(self, page, url: str, mode: str, log: RequestLog):
        self.page = page
        self.url = url
        self.mode = mode
        self.log = log
        self.errors: list[str] = []
        self.console: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))

    def open(self, query: str = "") -> dict:
        self.page.goto(self.url + without_snapshots(query))
        return self.wait_ready()

    def wait_ready(self) -> dict:
        """Waits for Python and TF.js; returns the session's info."""
        self.page.evaluate("() => window.pyapp.ready")
        return self.page.evaluate("() => window.pyapp.session.tfjsReady")

    def run(self, code: str, timeout: float = 120_000) -> dict:
        """Runs Python in the page: {result, stdout, stderr, error}."""
        self.page.set_default_timeout(timeout)
        return self.page.evaluate("code => window.pyapp.runPython(code)", code)

    def check(self, code: str, timeout: float = 120_000):
        """Runs Python that must succeed; returns the repr of its last expression."""
        reply = self.run(code, timeout)
        assert reply["error"] is None, reply["error"]["traceback"] or reply["error"]["message"]
        return reply["result"]

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)


def open_app(browser, dist: Path, server: str, mode: str, query: str = "") -> App:
    context = browser.new_context(**CONTEXT_OPTIONS)
    log = RequestLog(dist).watch(context)
    page = context.new_page()
    page.set_default_timeout(BOOT_TIMEOUT_MS)
    url = (dist / "index.html").as_uri() if mode == "file" else server + "index.html"
    app = App(page, url, mode, log)
    app.info = app.open(query)
    return app


@pytest.fixture(scope="session", params=["file", "served"])
def mode(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def shared_app(browser, dist, server, mode):
    """One booted page per way of opening, reused by the tests (booting costs seconds)."""
    app = open_app(browser, dist, server, mode)
    yield app
    app.page.context.close()


@pytest.fixture
def app(shared_app):
    """The shared page; the test fails on a page error or a request that leaves dist/."""
    errors_before, problems_before = len(shared_app.errors), len(shared_app.log.problems)
    yield shared_app
    new_errors = shared_app.errors[errors_before:]
    new_problems = shared_app.log.problems[problems_before:]
    assert not new_errors, f"page errors: {new_errors}"
    assert not new_problems, "\n".join(new_problems)


@pytest.fixture
def fresh_app(browser, dist, server, mode):
    """A page of its own, for tests that reload, stop or break the session."""
    app = open_app(browser, dist, server, mode)
    yield app
    assert not app.errors, f"page errors: {app.errors}"
    assert not app.log.problems, "\n".join(app.log.problems)
    app.page.context.close()


# ---------------------------------------------------------------- charts (pyapp.vis)


def chart(surface: str, name: str = "chart") -> str:
    """The selector of a chart: charts.js marks each with its surface's and its own name."""
    return f'[data-surface="{surface}"][data-chart="{name}"]'


def wait_drawn(app, selector: str, points: int | None = None, timeout: float = 30):
    """Waits until the chart is drawn (with `points` values, if given); returns its data-points."""
    drawn = app.page.wait_for_function("""([selector, points]) => {
        const element = document.querySelector(selector);
        const found = element && element.dataset.draws ? Number(element.dataset.points) : null;
        return found !== null && (points === null || found === points) && { found };
    }""", arg=[selector, points], timeout=timeout * 1000)
    return drawn.json_value()["found"]
