"""One headless Chromium and the servers the benchmark cases open pages from."""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

import build

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--enable-unsafe-swiftshader"]
PAGES = Path(__file__).resolve().parent / "pages"


class Harness:
    def __init__(self, dist: Path):
        self.dist = dist

    def __enter__(self) -> "Harness":
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(executable_path=build.CHROMIUM, args=CHROMIUM_ARGS)
        # The bench's own pages (a bare loadPyodide() page, plain TF.js pages) are served
        # beside dist's runtime files, so both sides load the very same bytes.
        self._root = Path(tempfile.mkdtemp(prefix="pyapp-bench-"))
        for entry in self.dist.iterdir():
            (self._root / entry.name).symlink_to(entry)
        for page in PAGES.iterdir():
            shutil.copy(page, self._root / page.name)
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
        context = self.browser.new_context()
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        return page

    def open_app(self, mode: str, query: str = ""):
        page = self.new_page()
        page.goto(self.url(mode) + query)
        page.evaluate("() => window.pyapp.ready")
        return page
