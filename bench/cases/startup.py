"""Start-up: navigation to Python ready and to numpy + scikit-learn imported.

Our page from disk and served, against Pyodide's bare `loadPyodide()` page served from
the same files, each a cold load in a fresh browser context. Our "ready" includes
TensorFlow.js with its backends initialised; the bare page has no TF.js at all.
"""

IMPORT = "import numpy, sklearn"


def _app(harness, mode):
    page = harness.open_app(mode)
    ready = page.evaluate("() => window.pyapp.session.readyAt")
    page.evaluate("() => window.pyapp.session.tfjsReady")
    tfjs_ready = page.evaluate("() => window.pyapp.session.tfjsReadyAt")
    reply = page.evaluate("code => window.pyapp.runPython(code)", IMPORT)
    assert reply["error"] is None, reply["error"]
    imported = page.evaluate("() => performance.now()")
    page.context.close()
    return ready, imported, tfjs_ready


def _bare(harness):
    page = harness.new_page()
    page.goto(harness.http + "bare_pyodide.html")
    timings = page.evaluate("() => window.timings")
    page.context.close()
    return timings["ready"], timings["sklearn"], None


def run(harness, runs, quick):
    variants = {"bare-served": lambda: _bare(harness),
                "app-served": lambda: _app(harness, "served"),
                "app-file": lambda: _app(harness, "file")}
    measured = {name: ([], [], []) for name in variants}
    if not quick:  # one warm-up load of each: the OS file cache, not the browser's
        for load in variants.values():
            load()
    for _ in range(runs):
        for name, load in variants.items():  # interleaved, so drift hits all alike
            for values, value in zip(measured[name], load()):
                values.append(value)
    figures = []
    for name, (ready, imported, tfjs_ready) in measured.items():
        figures.append({"case": "startup", "name": "python_ready", "variant": name, "unit": "ms", "values": ready})
        figures.append({"case": "startup", "name": "numpy_sklearn_imported", "variant": name, "unit": "ms", "values": imported})
        if tfjs_ready[0] is not None:
            figures.append({"case": "startup", "name": "tfjs_backend_ready", "variant": name, "unit": "ms", "values": tfjs_ready})
    return figures
