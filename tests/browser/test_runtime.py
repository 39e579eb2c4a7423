"""The offline runtime in both ways of opening the app: Python, numpy, scikit-learn, TF.js."""

import pytest


def test_page_reports_runtime(app):
    info = app.info
    assert info["python"].startswith("3.12")
    assert info["numpy"] == "2.0.2" and info["sklearn"] == "1.6.1"
    assert info["tfjs"] == "4.22.0"
    names = [b["name"] for b in info["backends"]]
    assert info["backend"] in names and "wasm" in names and "cpu" in names
    assert info["interrupt"] is (app.mode == "served")
    shown = app.page.inner_text("#status")
    assert "3.12" in shown and "4.22.0" in shown and info["backend"] in shown


def test_result_is_repr_of_last_expression(app):
    assert app.run("x = 6 * 7\nx") == {"result": "42", "stdout": "", "stderr": "", "error": None}
    assert app.run("y = 1")["result"] is None
    assert app.check("'text'") == "'text'"


def test_stdout_and_stderr_are_captured(app):
    reply = app.run("import sys\nprint('out', 1)\nprint('err', file=sys.stderr)")
    assert reply["stdout"] == "out 1\n" and reply["stderr"] == "err\n"


def test_exception_comes_back_as_error(app):
    reply = app.run("def f():\n    return {}['missing']\nf()")
    error = reply["error"]
    assert error["type"] == "KeyError" and error["message"] == "'missing'"
    assert 'line 2, in f' in error["traceback"] and "pyapp-runner" not in error["traceback"]
    assert app.check("1 + 1") == "2", "the session keeps working after an error"


def test_syntax_error(app):
    error = app.run("def broken(:\n    pass")["error"]
    assert error["type"] == "SyntaxError" and "line 1" in error["traceback"]


def test_top_level_await(app):
    assert app.check("import asyncio\nawait asyncio.sleep(0.01)\n'awaited'") == "'awaited'"


def test_numpy_and_scikit_learn_compute(app):
    result = app.check(
        "import numpy as np\n"
        "from sklearn.linear_model import LinearRegression\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(200, 2))\n"
        "y = X @ np.array([2.0, -3.0]) + 0.5\n"
        "model = LinearRegression().fit(X, y)\n"
        "[round(float(c), 6) for c in model.coef_] + [round(float(model.intercept_), 6)]"
    )
    assert result == "[2.0, -3.0, 0.5]"


def test_packages_load_lazily(fresh_app):
    loaded = fresh_app.check("import sys\nsorted(m for m in ('numpy', 'sklearn', 'scipy') if m in sys.modules)")
    assert loaded == "[]", "nothing heavy is imported before the user asks"
    fresh_app.check("import sklearn")
    assert fresh_app.check("import sys\n'sklearn' in sys.modules and 'scipy' in sys.modules") == "True"


@pytest.mark.parametrize("backend", ["webgl", "wasm", "cpu"])
def test_tfjs_runs_a_real_op_on_each_backend(app, backend):
    result = app.check(
        "from js import tf, Float32Array\n"
        f"await tf.setBackend('{backend}')\n"
        "a = tf.tensor2d(Float32Array.new([1, 2, 3, 4]), [2, 2])\n"
        "b = a.matMul(a)\n"
        "values = (tf.getBackend(), b.arraySync().to_py())\n"
        "a.dispose(); b.dispose()\n"
        "values"
    )
    assert result == f"('{backend}', [[7, 10], [15, 22]])"
    app.check(f"from js import tf\nawait tf.setBackend('{app.info['backend']}')")


def test_import_pyapp(app):
    assert app.check("import pyapp\npyapp.__version__") == "'0.1.0'"


def test_content_security_policy_allows_no_network_origin(app):
    policy = app.js("() => document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
    assert "default-src 'self'" in policy and "connect-src 'self' blob: data:" in policy
    assert "http" not in policy and "*" not in policy
    reply = app.run("from js import fetch\nawait fetch('https://example.com/')")
    assert reply["error"]["type"] == "JsException"
    assert "refused: this app runs offline" in reply["error"]["message"]
    assert not any("example.com" in url for url in app.log.requests), "refused before it leaves"


def test_requests_stay_in_dist(app):
    assert app.log.requests, "requests are recorded"
    assert all(app.log.allowed(url) for url in app.log.requests)


def test_python_asks_the_page_and_gets_an_answer(app):
    app.js("""() => window.pyapp.session.handle("test.double", (payload) => {
        if (payload.n < 0) throw new Error("n must be >= 0");
        const bytes = new Float32Array([payload.n * 2]);
        return { payload: { bytes: bytes.buffer }, transfer: [bytes.buffer] };
    })""")
    assert app.check(
        "from js import pyappRequest, Float32Array\n"
        "from pyodide.ffi import to_js\n"
        "from js import Object\n"
        "answer = await pyappRequest('test.double', to_js({'n': 21}, dict_converter=Object.fromEntries))\n"
        "Float32Array.new(answer.bytes)[0]"
    ) == "42"
    error = app.run("from js import pyappRequest, Object\nfrom pyodide.ffi import to_js\n"
                    "await pyappRequest('test.double', to_js({'n': -1}, dict_converter=Object.fromEntries))")["error"]
    assert "n must be >= 0" in error["message"]
    error = app.run("from js import pyappRequest\nawait pyappRequest('no.such.kind', None)")["error"]
    assert 'nothing that answers "no.such.kind"' in error["message"]


def test_run_sync_blocks_on_a_promise(app):
    """JSPI: Python waits for a JS promise without `await` (pyodide.ffi.run_sync)."""
    assert app.check(
        "from pyodide.ffi import run_sync, can_run_sync\n"
        "from js import Promise\n"
        "def blocking():\n"
        "    return run_sync(Promise.resolve(7))\n"
        "(can_run_sync(), blocking())"
    ) == "(True, 7)"


def test_import_inside_a_function_loads_its_package(fresh_app):
    """Imports the worker cannot see before the run (in a function, in a library) still load."""
    assert fresh_app.check(
        "import importlib\n"
        "def late():\n"
        "    module = importlib.import_module('sklearn.datasets')\n"
        "    return module.load_iris().data.shape\n"
        "late()"
    ) == "(150, 4)"


TRAIN_ON_WASM = """
from pyodide.code import run_js
await run_js('''(async () => {
  await tf.setBackend("wasm");
  const before = tf.memory().numTensors;
  const small = tf.initializers.constant({value: 0.1});
  // Conv2D needs Conv2DBackpropFilter, Embedding UnsortedSegmentSum: tfjs-backend-wasm 4.22
  // has neither; the app adds them (static/worker/wasm_gradients.js).
  const conv = tf.sequential({layers: [
    tf.layers.conv2d({inputShape: [6, 6, 1], filters: 2, kernelSize: 3, kernelInitializer: small}),
    tf.layers.flatten(), tf.layers.dense({units: 1, kernelInitializer: small})]});
  const embed = tf.sequential({layers: [
    tf.layers.embedding({inputDim: 5, outputDim: 2, inputLength: 3, embeddingsInitializer: small}),
    tf.layers.flatten(), tf.layers.dense({units: 1, kernelInitializer: small})]});
  const losses = [];
  for (const [model, x] of [[conv, tf.ones([4, 6, 6, 1])], [embed, tf.tensor2d([[0, 1, 2], [3, 4, 0]], [2, 3], "int32")]]) {
    model.compile({optimizer: tf.train.sgd(0.01), loss: "meanSquaredError"});
    const y = tf.zeros([x.shape[0], 1]);
    const history = await model.fit(x, y, {epochs: 3, verbose: 0});
    losses.push(history.history.loss);
    x.dispose(); y.dispose(); model.optimizer.dispose(); model.dispose();
  }
  return JSON.stringify({losses, leaked: tf.memory().numTensors - before});
})()''')
"""


def test_wasm_trains_conv2d_and_embedding(app):
    import json
    result = json.loads(eval(app.check(TRAIN_ON_WASM)))  # the repr of a JSON string
    for losses in result["losses"]:
        assert losses[-1] < losses[0], losses
    assert result["leaked"] == 0
    app.check(f"from js import tf\nawait tf.setBackend('{app.info['backend']}')")


def test_default_example_runs_from_the_page(fresh_app):
    """The program the page opens with (the codelab) trains a model when the user presses Run."""
    page = fresh_app.page
    page.click("[data-run]")
    page.wait_for_function("document.querySelector('#output').textContent.includes('polynomial regression')",
                           timeout=180_000)
    text = page.inner_text("#output")
    mse, constant = text.split("training MSE on 0..1 data: ")[1].split(" (always predicting the mean: ")
    assert float(mse) < float(constant.split(")")[0]) and "undefined" not in text
