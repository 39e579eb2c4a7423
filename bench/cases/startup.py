"""Start-up: navigation to Python ready, to numpy + scikit-learn (+ pyapp) imported, to a
first prediction; and the timeline of what happened until Python was ready.

Our page from disk and served, against Pyodide's bare `loadPyodide()` page and a minimal
PyScript page, both served from the same files, each a cold load in a fresh browser
context. Our "ready" is Python's; TF.js starts after it (when idle, or when the first model
needs it) and its own time is reported. The
bare and PyScript pages import numpy and scikit-learn; ours imports pyapp too (issue 16's
figure). The "-warm" variants are a second visit: the same context reloaded once the first
visit kept Python's memory snapshot (static/worker/snapshot.js), the browser's HTTP cache
warm as a returning user's is. The first prediction is that of a small pyapp model, built
after the imports.

The timeline figures are the critical path of `window.pyapp.timeline()` (static/app/timeline.js),
each phase's median over the runs; chart.py stacks them a bar per variant.
"""

BARE_IMPORT = "import numpy, sklearn"
APP_IMPORT = "import numpy, sklearn, pyapp"
FIRST_PREDICTION = """
import numpy as np
import pyapp
from pyapp import layers
model = pyapp.Sequential([pyapp.Input((64,)), layers.Dense(10, activation="softmax")])
model.predict(np.zeros((1, 64), np.float32), verbose=0).shape
"""


def _measure_app(page) -> dict:
    """The figures of a page of ours that is loading: ready, imported, TF.js, prediction."""
    page.evaluate("() => window.pyapp.ready")
    ready = page.evaluate("() => window.pyapp.session.readyAt")
    reply = page.evaluate("code => window.pyapp.runPython(code)", APP_IMPORT)
    assert reply["error"] is None, reply["error"]
    imported = page.evaluate("() => performance.now()")
    page.evaluate("() => window.pyapp.session.tfjsReady")
    tfjs_ready = page.evaluate("() => window.pyapp.session.tfjsReadyAt")
    reply = page.evaluate("code => window.pyapp.runPython(code)", FIRST_PREDICTION)
    assert reply["error"] is None, reply["error"]
    predicted = page.evaluate("() => performance.now()")
    timeline = page.evaluate("() => window.pyapp.timeline()")
    phases = {phase["name"]: phase["end"] - phase["start"] for phase in timeline["phases"] if phase["lane"] == "start-up"}
    return {"python_ready": ready, "numpy_sklearn_imported": imported, "tfjs_backend_ready": tfjs_ready,
            "first_prediction": predicted, "timeline": phases}


def _app(harness, mode):
    page = harness.new_page()
    page.goto(harness.url(mode))
    figures = _measure_app(page)
    page.context.close()
    return figures


def _app_warm(harness, mode):
    page = harness.new_page()
    page.goto(harness.url(mode))
    page.evaluate("() => window.pyapp.ready")
    kept = page.evaluate("() => window.pyapp.session.snapshotKept")
    assert kept and kept.get("bytes"), f"no snapshot was kept: {kept}"
    page.reload()
    figures = _measure_app(page)
    page.context.close()
    return figures


def _baseline(harness, page_name):
    page = harness.new_page()
    page.goto(harness.http + page_name)
    page.wait_for_function("() => window.timings")
    timings = page.evaluate("() => window.timings")
    page.context.close()
    return {"python_ready": timings["ready"], "numpy_sklearn_imported": timings["sklearn"]}


def run(harness, runs, quick):
    variants = {"bare-served": lambda: _baseline(harness, "bare_pyodide.html"),
                "pyscript-served": lambda: _baseline(harness, "pyscript_startup.html"),
                "app-served": lambda: _app(harness, "served"),
                "app-file": lambda: _app(harness, "file")}
    if not quick:  # a smoke run skips the second visits (tests/browser/test_startup.py has them)
        variants.update({"app-served-warm": lambda: _app_warm(harness, "served"),
                         "app-file-warm": lambda: _app_warm(harness, "file")})
    measured = {name: [] for name in variants}
    if not quick:  # one warm-up load of each: the OS file cache, not the browser's
        for load in variants.values():
            load()
    for _ in range(runs):
        for name, load in variants.items():  # interleaved, so drift hits all alike
            measured[name].append(load())
    figures = []
    for figure_name in ("python_ready", "numpy_sklearn_imported", "tfjs_backend_ready", "first_prediction"):
        for variant, loads in measured.items():
            if figure_name in loads[0]:
                figures.append({"case": "startup", "name": figure_name, "variant": variant, "unit": "ms",
                                "values": [load[figure_name] for load in loads]})
    for variant, loads in measured.items():
        if "timeline" not in loads[0]:
            continue
        for phase in loads[0]["timeline"]:
            figures.append({"case": "startup", "name": "ready_timeline", "variant": f"{variant}: {phase}",
                            "stack": variant, "phase": phase, "unit": "ms",
                            "values": [load["timeline"].get(phase, 0.0) for load in loads]})
    return figures
