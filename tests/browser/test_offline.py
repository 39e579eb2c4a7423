"""Served, the app keeps itself for offline use (issue 16): after one visit it reloads and
runs numpy, scikit-learn and pyapp with the network off, still cross-origin isolated; a
rebuilt dist/ is taken at the next visit and the old files' entries are deleted; the web
app manifest offers the app for installing. (From disk nothing changes: no service worker.)"""

from __future__ import annotations

import json
import shutil
import threading

import pytest

import build
from conftest import BOOT_TIMEOUT_MS, App, RequestLog

PROGRAM = """
import numpy as np, sklearn, pyapp
from pyapp import layers
model = pyapp.Sequential([pyapp.Input((3,)), layers.Dense(2, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(np.ones((8, 3), "float32"), np.zeros(8, "int32"), epochs=1, verbose=0)
(model.predict(np.ones((1, 3), "float32"), verbose=0).shape, sklearn.__version__ is not None)
"""


def open_served(context, folder, url) -> App:
    page = context.new_page()
    page.set_default_timeout(BOOT_TIMEOUT_MS)
    app = App(page, url, "served", RequestLog(folder).watch(context))
    app.info = app.open()
    return app


def test_after_one_visit_the_served_app_runs_offline(browser, dist, server):
    context = browser.new_context()  # service workers allowed, as in a user's browser
    try:
        app = open_served(context, dist, server + "index.html")
        assert app.js("() => window.pyapp.offline") == "ready"
        context.set_offline(True)
        app.page.reload()
        app.wait_ready()
        assert app.js("() => navigator.serviceWorker.controller !== null")
        assert app.js("() => crossOriginIsolated"), "the cached page keeps COOP/COEP: Stop still interrupts"
        assert app.check(PROGRAM) == "((1, 2), True)"
        assert app.check("import pyapp\npyapp.datasets.load_digits().data.shape") == "(1797, 64)"
        offline = app.js("() => fetch('https://example.com/').then(() => 'reached', e => 'refused')")
        assert offline == "refused"
        assert not app.errors, app.errors
    finally:
        context.close()


def test_the_app_is_installable(dist, server, app):
    if app.mode == "file":
        pytest.skip("a web app manifest is for the served app")
    manifest = app.js("() => fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert manifest["start_url"] and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert (dist / icon["src"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_rebuilt_app_is_taken_at_the_next_visit(browser, dist, tmp_path):
    # A copy of dist/ served on its own: "rebuilt" below by changing a file and writing its
    # service worker again, as build.py does.
    folder = tmp_path / "dist"
    shutil.copytree(dist, folder, ignore=shutil.ignore_patterns("assets", "pyscript"))
    httpd = build.make_server(0, folder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    context = browser.new_context()
    style = "() => fetch('style.css').then(r => r.text())"
    try:
        first = open_served(context, folder, url)
        assert first.js("() => window.pyapp.offline") == "ready"
        assert "build 2" not in first.js(style)
        first.page.close()

        (folder / "style.css").write_text((folder / "style.css").read_text() + "\n/* build 2 */\n")
        before = (folder / "sw.js").read_bytes()
        build.write_service_worker(folder)
        assert (folder / "sw.js").read_bytes() != before, "a changed file changes the worker"

        second = context.new_page()  # the old build still answers; the new one installs and waits
        second.goto(url)
        second.wait_for_function("() => navigator.serviceWorker.getRegistration().then(r => r && r.waiting !== null)",
                                 timeout=60_000)
        assert "build 2" not in second.evaluate(style)
        second.close()

        third = context.new_page()  # no page of the old build is open: the new one has taken over
        third.goto(url)
        third.wait_for_function(f"{style}.then(text => text.includes('build 2'))", timeout=60_000)
        # The new worker deletes the old entries as it activates, just after it takes over.
        style_entries = """async () => {
            const urls = [];
            for (const name of await caches.keys())
                for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
            return urls.filter(url => url.includes('/style.css'));
        }"""
        try:
            third.wait_for_function(f"({style_entries})().then(urls => urls.length === 1)", timeout=30_000)
        except Exception:
            raise AssertionError(f"the old build's style.css is deleted: {json.dumps(third.evaluate(style_entries))}")
    finally:
        context.close()
        httpd.shutdown()
