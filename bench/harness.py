"""One headless Chromium and the servers the benchmark cases open pages from."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from pathlib import Path

import build

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--enable-unsafe-swiftshader",
                 # performance.memory in exact bytes, not rounded to buckets
                 "--enable-precise-memory-info",
                 # a camera for the sensors case: Chromium's fake one, granted without asking
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
PAGES = Path(__file__).resolve().parent / "pages"


class Harness:
    def __init__(self, dist: Path):
        self.dist = dist

    def __enter__(self) -> "Harness":
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(executable_path=build.CHROMIUM, args=CHROMIUM_ARGS)
        # The bench's own pages (a bare loadPyodide() page, plain TF.js pages) are served
        # beside dist's runtime files, so both sides load the very same bytes (but Pyodide's).
        self._root = Path(tempfile.mkdtemp(prefix="pyapp-bench-"))
        for entry in self.dist.iterdir():
            (self._root / entry.name).symlink_to(entry)
        for page in PAGES.iterdir():
            shutil.copy(page, self._root / page.name)
        # The bare pages' Pyodide is the release as Pyodide ships it: dist/ adds bytecode to
        # its packages and standard library (build.with_python_bytecode), which is ours.
        official = self._root / "official-pyodide"
        official.mkdir()
        for name, path in build.official_pyodide_files().items():
            (official / name).symlink_to(path)
        self._server = build.make_server(0, self._root)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.http = f"http://127.0.0.1:{self._server.server_address[1]}/"
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self.browser.close()
        self._playwright.stop()
        shutil.rmtree(self._root, ignore_errors=True)

    def url(self, mode: str, page: str = "index.html") -> str:
        return (self.dist / page).as_uri() if mode == "file" else self.http + page

    def new_page(self, timeout_ms: float = 180_000):
        """A page in a context of its own: nothing cached from an earlier load."""
        context = self.browser.new_context(service_workers="block")  # the offline worker is not what is measured
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        return page

    def open_app(self, mode: str, query: str = ""):
        page = self.new_page()
        page.goto(self.url(mode) + query)
        page.evaluate("() => window.pyapp.ready")
        return page


class HeapSampler:
    """The JS heap in use on the page's main thread and in its worker, sampled while Python runs.

    The main thread reads `performance.memory`; a worker has no such API, so its heap is read
    through the DevTools protocol (Runtime.getHeapUsage on the attached worker target).
    """

    def __init__(self, page):
        self.page = page
        self._cdp = page.context.new_cdp_session(page)
        self._workers: list[str] = []
        self.worker_peak = 0
        self.main_peak = 0
        self._cdp.on("Target.attachedToTarget", self._attached)
        self._cdp.on("Target.receivedMessageFromTarget", self._received)
        self._cdp.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": False})

    def _attached(self, event) -> None:
        if event["targetInfo"]["type"] == "worker":
            self._workers.append(event["sessionId"])

    def _received(self, event) -> None:
        reply = json.loads(event["message"])
        if "usedSize" in reply.get("result", {}):
            self.worker_peak = max(self.worker_peak, reply["result"]["usedSize"])

    def sample(self) -> None:
        for session in self._workers:
            message = json.dumps({"id": 1, "method": "Runtime.getHeapUsage"})
            self._cdp.send("Target.sendMessageToTarget", {"sessionId": session, "message": message})
        self.main_peak = max(self.main_peak, self.page.evaluate("() => performance.memory.usedJSHeapSize"))

    def run_python(self, code: str, interval_ms: int = 50) -> dict:
        """Runs code in the page's Python session, sampling until it ends; its reply."""
        self.main_peak = self.worker_peak = 0
        self.page.evaluate("code => { window.benchReply = null; window.pyapp.runPython(code).then(r => { window.benchReply = r; }); }",
                           code)
        while True:
            self.sample()
            reply = self.page.evaluate("() => window.benchReply")
            if reply is not None:
                break
            self.page.wait_for_timeout(interval_ms)
        self.sample()
        self.page.wait_for_timeout(interval_ms)  # the worker's last answer arrives as an event
        if reply["error"]:
            raise RuntimeError(reply["error"]["traceback"] or reply["error"]["message"])
        return reply
