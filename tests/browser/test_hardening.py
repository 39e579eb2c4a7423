"""Faults and bad input: each gives a readable Python error and the session goes on."""

import numpy as np

import pytest

BAD_PROGRAMS = {
    "syntax error": ("x = (1,\nprint(x)", "SyntaxError", 'line 1'),
    "deep exception": ("def a(n):\n    return b(n)\ndef b(n):\n    return 1 / n\na(0)", "ZeroDivisionError", "line 4, in b"),
    "SystemExit": ("raise SystemExit(3)", "SystemExit", "line 1"),
    "KeyboardInterrupt": ("raise KeyboardInterrupt", "KeyboardInterrupt", "line 1"),
    "recursion": ("def f():\n    return f()\nf()", "RecursionError", "line 2, in f"),
    "numpy too big": ("import numpy as np\nnp.ones(10**12, dtype=np.uint8)", "MemoryError|ValueError", "line 2"),
}


@pytest.mark.parametrize("case", sorted(BAD_PROGRAMS))
def test_bad_python_gives_traceback_and_session_continues(app, case):
    code, error_type, where = BAD_PROGRAMS[case]
    error = app.run(code)["error"]
    assert error is not None and error["type"] in error_type.split("|"), error
    assert where in error["traceback"], error["traceback"]
    assert app.check("'still here'") == "'still here'"


def test_printing_10_mb(app):
    reply = app.run("print('x' * 10_000_000)\n'done'")
    assert reply["error"] is None and reply["result"] == "'done'"
    assert len(reply["stdout"]) == 10_000_001


def test_exhausting_wasm_memory_is_a_memory_error(fresh_app):
    error = fresh_app.run("chunks = []\nwhile True:\n    chunks.append(bytearray(100 * 2**20))")["error"]
    assert error["type"] == "MemoryError"
    assert fresh_app.check("del chunks\nimport gc; gc.collect()\nsum(range(10))") == "45"


# Each prints "running" as it starts, so that the test stops it once it runs.
RUNAWAY_PROGRAMS = {
    "busy loop": "print('running', flush=True)\nwhile True: pass",
    "awaiting loop": "import asyncio\nprint('running', flush=True)\nwhile True:\n    await asyncio.sleep(0.01)",
    "computing and awaiting": ("import asyncio, time\nprint('running', flush=True)\nwhile True:\n    begun = time.time()\n"
                               "    while time.time() - begun < 0.15: pass\n    await asyncio.sleep(0.01)"),
    "endless fit": ("import numpy as np, pyapp\nfrom pyapp import layers\n"
                    "m = pyapp.Sequential([pyapp.Input((8,)), layers.Dense(4)])\n"
                    "m.compile(optimizer='sgd', loss='mse')\nprint('running', flush=True)\n"
                    "m.fit(np.zeros((64, 8)), np.zeros((64, 4)), epochs=10**9, verbose=0)"),
}


def start_runaway(app, code: str) -> None:
    """Starts `code` in the page (as window.runaway) and waits until it prints "running"."""
    app.js("""code => {
        window.runawayStarted = new Promise((resolve) => window.pyapp.session.addEventListener("stream",
            ({ detail }) => detail.text.includes("running") && resolve()));
        window.runaway = window.pyapp.runPython(code);
        return window.runawayStarted;
    }""", code)


@pytest.mark.parametrize("program", sorted(RUNAWAY_PROGRAMS))
def test_stop_runaway_program(fresh_app, program):
    app = fresh_app
    app.check("kept = 'state'\nimport numpy, pyapp")  # packages loaded: Stop meets the program itself
    start_runaway(app, RUNAWAY_PROGRAMS[program])
    # Timed in the page, from Stop to the runaway program's end (from disk a new session
    # then boots in the background: that is the restart, not the stop).
    how, reply, stopped = app.js("""async () => {
        const started = performance.now();
        const stopping = window.pyapp.stop();
        const reply = await window.runaway;
        const stopped = (performance.now() - started) / 1000;
        return [await stopping, reply, stopped];
    }""")
    assert stopped < 2.0, f"stop took {stopped:.2f} s"
    if app.mode == "served":
        assert how == "interrupted" and reply["error"]["type"] == "KeyboardInterrupt"
        assert app.check("kept") == "'state'", "interrupting keeps the session"
    else:
        assert how == "restarted" and reply["error"]["type"] == "SessionReset"
        app.js("() => window.pyapp.ready")
        assert app.run("kept")["error"]["type"] == "NameError", "a restarted session is new"
        assert "restarted" in app.page.inner_text("body")
    assert app.check("1 + 1") == "2"


def test_stop_restarts_a_program_that_ignores_the_interrupt(mode, request):
    if mode == "file":
        pytest.skip("from disk Stop always restarts")
    app = request.getfixturevalue("fresh_app")  # booted only where the test runs
    app.check("import numpy, pyapp")  # packages loaded: Stop meets the program itself
    start_runaway(app, "import time\nprint('running', flush=True)\nwhile True:\n    try:\n        while True:\n            time.sleep(0)\n"
                       "    except KeyboardInterrupt:\n        print('ignored')")
    how, reply = app.js("async () => [await window.pyapp.stop(), await window.runaway]")
    assert how == "restarted" and "ignored" in app.page.inner_text("body")
    assert reply["error"]["type"] == "SessionReset" and "did not end within 5 s" in reply["error"]["message"]
    app.js("() => window.pyapp.ready")
    assert app.check("1 + 1") == "2"


def test_stop_when_idle_does_nothing(app):
    assert app.js("() => window.pyapp.stop()") == "idle"
    assert app.check("2 + 2") == "4"


LOSE_CONTEXT_DURING_A_READ = '''
from pyodide.code import run_js
from js import tf
await tf.setBackend("webgl")
await run_js("""(async () => {
  const a = tf.ones([64, 64]);
  await a.matMul(a).data();
  tf.backend().gpgpu.gl.getExtension("WEBGL_lose_context").loseContext();
  return await a.matMul(a).data();  // never settles on a lost context
})()""")
'''


def test_webgl_context_loss_is_reported_and_falls_back(fresh_app):
    app = fresh_app
    if "webgl" not in [b["name"] for b in app.info["backends"]]:
        pytest.skip("no WebGL in this browser")
    error = app.run(LOSE_CONTEXT_DURING_A_READ, timeout=60_000)["error"]
    assert error["type"] == "BackendLostError" and "WebGL context was lost" in error["message"]
    fallback = app.check("from js import tf\ntf.getBackend()")
    assert fallback in ("'wasm'", "'cpu'")
    assert app.check("from js import tf\nt = tf.ones([2, 2]).matMul(tf.ones([2, 2]))\nlist((await t.data()).to_py())") == "[2.0, 2.0, 2.0, 2.0]"
    assert "webgl" not in [b["name"] for b in app.js("() => window.pyapp.session.info.backends")]
    status = app.page.inner_text("#status")
    assert "WebGL context was lost" in status and fallback.strip("'") in status


THOUSAND_CYCLES = """
import numpy as np, pyapp, pyodide_js
from pyapp import layers
from js import tf
x = np.random.rand(64, 8).astype(np.float32); y = x.sum(1)
model = pyapp.Sequential([pyapp.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
samples = []
for cycle in range(1001):
    model.fit(x, y, epochs=1, batch_size=64, verbose=0)
    model.predict(x, verbose=0)
    if cycle % 100 == 0:
        samples.append((cycle, tf.memory().numTensors, tf.memory().numBytes, pyodide_js._module.HEAP8.length))
samples
"""


def test_a_backend_that_cannot_start_is_skipped(fresh_app):
    """WebGPU is registered, but this headless Chromium has no adapter for it: asked for by
    name, it is skipped, the page says so, and TF.js runs on a backend that started."""
    if fresh_app.js("async () => Boolean(navigator.gpu && await navigator.gpu.requestAdapter())"):
        pytest.skip("this browser has a WebGPU adapter")
    info = fresh_app.open("?backend=webgpu")
    names = [entry["name"] for entry in info["backends"]]
    assert "webgpu" not in names and info["backend"] in names
    fresh_app.page.wait_for_function("document.querySelector('#output').textContent.includes('webgpu backend could not start')")
    assert fresh_app.check("import numpy as np, pyapp\nfrom pyapp import layers\n"
                           "pyapp.Sequential([pyapp.Input((2,)), layers.Dense(1)]).predict(np.ones((1, 2), np.float32), verbose=0).shape") == "(1, 1)"


def test_thousand_fit_predict_cycles_keep_memory_flat(app):
    samples = eval(app.check(THOUSAND_CYCLES, timeout=300_000))
    cycles = np.array([s[0] for s in samples], float)
    tensors, tensor_bytes, heap = (np.array([s[i] for s in samples], float) for i in (1, 2, 3))
    assert tensors.min() == tensors.max() and tensor_bytes.min() == tensor_bytes.max(), samples
    heap_slope = np.polyfit(cycles[1:], heap[1:], 1)[0]  # bytes of wasm heap per cycle, after warm-up
    assert heap_slope <= 1024, f"wasm heap grows {heap_slope:.0f} bytes per cycle: {samples}"
