"""pyapp inside a PyScript page (served; PyScript cannot start from file://).

dist/pyscript/index.html runs static/pyscript/train.py with `<script type="py">` on the
main thread, worker.html the same with `worker`: PyScript 0.7.31 from dist/pyscript/core,
our Pyodide 0.27.7 and lock file, our jsnull shim, and pyapp loading the TF.js it carries
(nothing of our own page). The page trains a model on the digits and shows the result.
"""

import json
import os

import numpy as np
import pytest

from conftest import ROOT, RequestLog

os.environ.setdefault("KERAS_BACKEND", "jax")

TRAIN_TIMEOUT_MS = 240_000


@pytest.mark.parametrize("page, backend", [("index.html", None), ("index.html", "wasm"), ("worker.html", "wasm")])
def test_pyscript_page_trains_a_pyapp_model(browser, dist, server, page, backend):
    context = browser.new_context()
    log = RequestLog(dist).watch(context)
    tab = context.new_page()
    errors, console_errors = [], []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    try:
        tab.goto(server + "pyscript/" + page + (f"?backend={backend}" if backend else ""))
        tab.wait_for_function("() => document.getElementById('status').textContent === 'Done.' "
                              "|| document.querySelector('.py-error')", timeout=TRAIN_TIMEOUT_MS)
        assert tab.query_selector(".py-error") is None, tab.inner_text(".py-error")
        result = tab.eval_on_selector("#result", "element => ({text: element.textContent, ...element.dataset})")
        has_webgl = tab.evaluate("() => Boolean(document.createElement('canvas').getContext('webgl2'))")
    finally:
        context.close()
    assert not errors, errors
    assert not console_errors, console_errors
    assert not log.problems, "\n".join(log.problems)
    # Everything came from our server: PyScript, our Pyodide and its lock, pyapp's wheel.
    assert any(url.endswith("/pyodide/pyodide.mjs") for url in log.requests)
    assert any("/pyodide/pyapp-" in url for url in log.requests)
    assert not any("/tfjs/" in url or url.endswith("/worker.js") for url in log.requests), "our page's TF.js was used"
    # `display` (the pyscript package, which needs the jsnull shim) wrote the result.
    assert "held-out loss" in result["text"] and "accuracy" in result["text"], result
    # Asked for, the backend asked for; else TF.js's own first choice (WebGL, where there is one).
    assert result["backend"] == (backend or ("webgl" if has_webgl else "wasm")), result
    assert float(result["lastLoss"]) < float(result["firstLoss"]), result
    assert float(result["accuracy"]) > 0.6, result  # chance is 0.1
    # The shipped .keras predicts in the page as Keras itself predicts.
    import keras
    from sklearn.datasets import load_digits

    x = (load_digits().data / 16).astype(np.float32)[1400:]
    expected = keras.saving.load_model(ROOT / "static" / "models" / "digits_keras.keras").predict(x, verbose=0)
    np.testing.assert_allclose(np.array(json.loads(result["kerasPredictions"])), expected, atol=1e-5)


def test_pyscript_page_from_disk_says_to_serve_it(browser, dist):
    """PyScript cannot start from file:// (its ES modules are refused): the page says so."""
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto((dist / "pyscript" / "index.html").as_uri())
        tab.wait_for_function("() => document.getElementById('status').textContent.includes('serve')")
        assert "cannot start from disk" in tab.inner_text("#status")
    finally:
        context.close()
