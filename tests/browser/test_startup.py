"""Start-up (issue 16): the timeline of what the page and its worker did until Python was
ready, and Python's memory snapshot, kept after a cold start and restored at the next one,
in both ways of opening the app."""

from __future__ import annotations

from conftest import BOOT_TIMEOUT_MS, CONTEXT_OPTIONS, App, RequestLog

CRITICAL_PATH = [
    "page: HTML up to the worker's start",
    "worker created",
    "worker script started",
    "Pyodide's scripts",
    "Python initialised (wasm, standard library)",
    "runner and package index",
    "kept files put back, page told",
]

PROGRAM = """
import numpy as np, pyapp
from pyapp import layers
model = pyapp.Sequential([pyapp.Input((3,)), layers.Dense(2, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(np.ones((8, 3), "float32"), np.zeros(8, "int32"), epochs=1, verbose=0)
model.predict(np.ones((1, 3), "float32"), verbose=0).shape
"""


def check_timeline(app: App, mode: str) -> dict:
    timeline = app.js("() => window.pyapp.timeline()")
    phases = timeline["phases"]
    critical = [phase for phase in phases if phase["lane"] == "start-up"]
    assert [phase["name"] for phase in critical] == CRITICAL_PATH
    # The critical path runs without a gap from the start to "ready", and adds up to it.
    assert critical[0]["start"] == timeline["origin"]
    for before, after in zip(critical, critical[1:]):
        assert after["start"] == before["end"]
    backwards = [phase for phase in phases if phase["end"] < phase["start"]]
    assert not backwards, backwards
    assert critical[-1]["end"] == timeline["readyAt"]
    total = sum(phase["end"] - phase["start"] for phase in critical)
    assert abs(total - (timeline["readyAt"] - timeline["origin"])) < 1
    assert abs(timeline["readyAt"] - app.js("() => window.pyapp.session.readyAt")) < 1
    # The boot script in <head> made the worker before the page's bundle ran; the bundle's
    # load is then off the critical path, beside the worker. (From disk the worker's script
    # is read first, and a warm reload may run the bundle before that.)
    beside = [phase for phase in phases if phase["name"] == "page's script, beside the worker"]
    assert len(beside) == 1 if mode == "served" else len(beside) <= 1, phases
    for phase in beside:
        assert phase["start"] == critical[1]["end"] < phase["end"]
    names = {phase["name"] for phase in phases}
    verb = "read" if mode == "file" else "fetch"
    assert f"{verb} pyodide/python_stdlib.zip" in names
    assert any(name.startswith("compile wasm") for name in names), names
    assert {"TF.js backends tried", "TF.js backend chosen"} <= names
    assert "look up Python's snapshot" in names
    # The worker's phases, on the page's clock, fall inside the start-up they belong to.
    python_start = next(phase for phase in critical if phase["name"].startswith("Python initialised"))
    stdlib = next(phase for phase in phases if phase["name"].endswith("python_stdlib.zip"))
    assert python_start["start"] - 5 <= stdlib["start"] <= python_start["end"]
    return timeline


def damage_snapshot(app: App, damage: str) -> int:
    """Damages the kept snapshot's bytes: "zeros" (as long, all zero) or "cut" (its first
    4 MB only); returns the number of records damaged."""
    return app.js("""damage => new Promise((resolve, reject) => {
        const request = indexedDB.open("pyapp-python-snapshot");
        request.onsuccess = () => {
            const store = request.result.transaction("snapshots", "readwrite").objectStore("snapshots");
            const keys = store.getAllKeys();
            keys.onsuccess = () => {
                for (const key of keys.result) {
                    store.get(key).onsuccess = (event) => {
                        const kept = event.target.result;
                        const bytes = damage === "zeros" ? new ArrayBuffer(kept.bytes.byteLength) : kept.bytes.slice(0, 4 << 20);
                        store.put({ ...kept, bytes }, key);
                    };
                }
                store.transaction.oncomplete = () => { request.result.close(); resolve(keys.result.length); };
            };
        };
        request.onerror = () => reject(request.error);
    })""", damage)


def test_the_timeline_adds_up_and_the_snapshot_makes_the_next_start(browser, dist, server, mode):
    context = browser.new_context(**CONTEXT_OPTIONS)
    page = context.new_page()
    page.set_default_timeout(BOOT_TIMEOUT_MS)
    url = (dist / "index.html").as_uri() if mode == "file" else server + "index.html"
    app = App(page, url, mode, RequestLog(dist).watch(context))
    try:
        # A cold start: no snapshot is kept yet, and the timeline shows every phase.
        info = app.open("?snapshot=on")
        assert info["snapshot"] == "none"
        check_timeline(app, mode)
        assert app.check("import numpy; int(numpy.arange(3).sum())") == "3"
        loaded = [p["name"] for p in app.js("() => window.pyapp.timeline()")["phases"] if p["lane"] == "packages"]
        assert any("numpy" in name for name in loaded), loaded

        # The status bar opens the timeline: one row a phase.
        page.click("#status [data-timeline]")
        rows = page.locator("dialog.timeline tbody tr")
        assert rows.count() == len(app.js("() => window.pyapp.timeline()")["phases"])
        assert "Python ready at" in page.inner_text("dialog.timeline h2")
        page.click("dialog.timeline button")
        page.wait_for_selector("dialog.timeline", state="detached", timeout=5000)  # removed as it closes

        # Idle after the cold start, the page keeps a snapshot of Python for the next one.
        kept = app.js("() => window.pyapp.session.snapshotKept")
        assert kept.get("bytes", 0) > 10_000_000, kept

        # The next start restores it, and Python, numpy, TF.js and pyapp work as before.
        page.reload()
        info = app.wait_ready()
        assert info["snapshot"] == "restored"
        check_timeline(app, mode)
        assert app.check(PROGRAM) == "(1, 2)"
        assert app.check("import os, sys; (os.environ['HOME'], sys.version_info[:2])") == "('/home/pyodide', (3, 12))"

        # The runner came with the snapshot: the console works, and so does an import that
        # only the runner's finder sees (not in the program's own import lines).
        reply = app.js("() => window.pyapp.session.pushConsoleLine('x = 6 * 7; x')")
        assert (reply["status"], reply["result"], reply["error"]) == ("complete", "42", None), reply
        assert app.check("import importlib; importlib.import_module('threadpoolctl').__name__") == "'threadpoolctl'"

        # A damaged snapshot is forgotten, and Python starts cold: one whose header is broken
        # (Pyodide's restore throws), and one cut short (it would hang Pyodide's restore).
        for damage in ("zeros", "cut"):
            assert damage_snapshot(app, damage) == 1
            page.reload()
            info = app.wait_ready()
            assert info["snapshot"] == "none", damage
            assert app.check("1 + 1") == "2"
            kept = app.js("() => window.pyapp.session.snapshotKept")  # a new one, for the next damage
            assert kept.get("bytes", 0) > 10_000_000, kept
        assert not app.errors, app.errors
        assert not app.log.problems, app.log.problems
    finally:
        context.close()


COMPILES_WHILE_IMPORTING = """
import builtins, sys
compiled = []
compile_ = builtins.compile
def counting(source, filename, *args, **kwargs):
    if str(filename).endswith(".py"):  # a module's source (not a dataclass's "<string>")
        compiled.append(str(filename))
    return compile_(source, filename, *args, **kwargs)
builtins.compile = counting
try:
    import tomllib, sklearn.svm, pyapp.io  # the standard library's zip, a package, pyapp
finally:
    builtins.compile = compile_
assert "sklearn.svm" in sys.modules and sys.modules["sklearn.svm"].__cached__
compiled
"""


def test_modules_are_imported_from_the_bytecode_the_build_added(app):
    # build.py adds bytecode to the wheels and the standard library (tools/pycompile.py):
    # no module is compiled from its source as it is imported.
    assert app.check(COMPILES_WHILE_IMPORTING) == "[]"
