"""Memory during training: the training case's models, through pyapp and in plain TF.js.

Each run in a fresh page (served, on the backend the app picks), so that nothing measured
is left from an earlier run:
- peak JS heap of the worker (where Python and TF.js run; read through the DevTools
  protocol, as a worker cannot read its own) and of the page's main thread, sampled every
  50 ms while training runs;
- wasm memory after training: Pyodide's, and TF.js's WASM backend's (a wasm memory only
  grows, so this is its peak);
- tensors alive after training, beyond those alive before (0 when nothing leaks).
"""

from __future__ import annotations

from harness import HeapSampler

from .training import BATCH, EPOCHS, PLAIN_TFJS, PYAPP, SETUP, auto_backend_label, in_page

MB = 1e6

BEFORE = """
from js import tf
import pyodide_js
tensors_before = tf.memory().numTensors
"""

AFTER = """
model = globals().pop("model", None)
if model is not None:  # as the plain TF.js run disposes of its model
    model.dispose()
tfjs_wasm = tf.backend().wasm.HEAPU8.length if tf.getBackend() == "wasm" else 0
(pyodide_js._module.HEAP8.length, tfjs_wasm, tf.memory().numTensors - tensors_before)
"""


def run(harness, runs, quick):
    epochs = 1 if quick else EPOCHS
    kinds = ("mlp",) if quick else ("mlp", "cnn")
    figures = []

    def add(name, variant, values, unit):
        figures.append({"case": "memory", "name": name, "variant": variant, "unit": unit, "values": values})

    for kind in kinds:
        for variant, code in (("plain-tfjs", PLAIN_TFJS), ("pyapp", PYAPP)):
            measured = {"worker": [], "main": [], "pyodide": [], "tfjs": [], "tensors": []}
            for _ in range(runs):
                page = harness.open_app("served")
                info = page.evaluate("() => window.pyapp.session.tfjsReady")
                constants = {"BACKEND": info["backend"], "KIND": kind, "EPOCHS": epochs, "BATCH": BATCH}
                in_page(page, SETUP + BEFORE + "(0.0, 0.0)")
                sampler = HeapSampler(page)
                prefix = "".join(f"{name} = {value!r}\n" for name, value in constants.items())
                sampler.run_python(prefix + code)
                pyodide_heap, tfjs_heap, tensors = in_page(page, AFTER)
                page.context.close()
                measured["worker"].append(sampler.worker_peak / MB)
                measured["main"].append(sampler.main_peak / MB)
                measured["pyodide"].append(pyodide_heap / MB)
                measured["tfjs"].append(tfjs_heap / MB)
                measured["tensors"].append(tensors)
            label = auto_backend_label(info)
            add(f"{kind}_{label}_peak_worker_js_heap", variant, measured["worker"], "MB")
            add(f"{kind}_{label}_peak_main_js_heap", variant, measured["main"], "MB")
            add(f"{kind}_{label}_pyodide_wasm_memory", variant, measured["pyodide"], "MB")
            if all(measured["tfjs"]):
                add(f"{kind}_{label}_tfjs_wasm_memory", variant, measured["tfjs"], "MB")
            add(f"{kind}_{label}_tensors_alive_after", variant, measured["tensors"], "tensors")
    return figures
