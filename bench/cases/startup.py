"""Start-up: navigation to Python ready, to numpy + scikit-learn imported, to a first prediction.

Our page from disk and served, against Pyodide's bare `loadPyodide()` page and a minimal
PyScript page, both served from the same files, each a cold load in a fresh browser
context. Our "ready" includes TensorFlow.js with its backends initialised; the bare and
PyScript pages have no TF.js at all. The first prediction (our page only) is that of a
small pyapp model, built after the imports.
"""

IMPORT = "import numpy, sklearn"
FIRST_PREDICTION = """
import numpy as np
import pyapp
from pyapp import layers
model = pyapp.Sequential([pyapp.Input((64,)), layers.Dense(10, activation="softmax")])
model.predict(np.zeros((1, 64), np.float32), verbose=0).shape
"""


def _app(harness, mode):
    page = harness.open_app(mode)
    ready = page.evaluate("() => window.pyapp.session.readyAt")
    page.evaluate("() => window.pyapp.session.tfjsReady")
    tfjs_ready = page.evaluate("() => window.pyapp.session.tfjsReadyAt")
    reply = page.evaluate("code => window.pyapp.runPython(code)", IMPORT)
    assert reply["error"] is None, reply["error"]
    imported = page.evaluate("() => performance.now()")
    reply = page.evaluate("code => window.pyapp.runPython(code)", FIRST_PREDICTION)
    assert reply["error"] is None, reply["error"]
    predicted = page.evaluate("() => performance.now()")
    page.context.close()
    return ready, imported, tfjs_ready, predicted


def _baseline(harness, page_name):
    page = harness.new_page()
    page.goto(harness.http + page_name)
    page.wait_for_function("() => window.timings")
    timings = page.evaluate("() => window.timings")
    page.context.close()
    return timings["ready"], timings["sklearn"], None, None


def run(harness, runs, quick):
    variants = {"bare-served": lambda: _baseline(harness, "bare_pyodide.html"),
                "pyscript-served": lambda: _baseline(harness, "pyscript_startup.html"),
                "app-served": lambda: _app(harness, "served"),
                "app-file": lambda: _app(harness, "file")}
    measured = {name: ([], [], [], []) for name in variants}
    if not quick:  # one warm-up load of each: the OS file cache, not the browser's
        for load in variants.values():
            load()
    for _ in range(runs):
        for name, load in variants.items():  # interleaved, so drift hits all alike
            for values, value in zip(measured[name], load()):
                values.append(value)
    figures = []
    for name, (ready, imported, tfjs_ready, predicted) in measured.items():
        figures.append({"case": "startup", "name": "python_ready", "variant": name, "unit": "ms", "values": ready})
        figures.append({"case": "startup", "name": "numpy_sklearn_imported", "variant": name, "unit": "ms", "values": imported})
        if tfjs_ready[0] is not None:
            figures.append({"case": "startup", "name": "tfjs_backend_ready", "variant": name, "unit": "ms", "values": tfjs_ready})
        if predicted[0] is not None:
            figures.append({"case": "startup", "name": "first_prediction", "variant": name, "unit": "ms", "values": predicted})
    return figures
