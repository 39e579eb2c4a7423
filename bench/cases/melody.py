"""The melody RNN's training (static/examples/melody_rnn.py, issue 17): its model, an
Embedding(43, 32) -> LSTM(64) -> Dense(43) over windows of 16 tokens in batches of 128,
trained by pyapp in the served page (WASM, the backend picked here) and by pyapp on its
Keras 3 engine in this process (JAX, CPU): samples per second of one epoch of 2048
windows, after a warm-up epoch.
"""

from __future__ import annotations

WINDOW, VOCABULARY, SAMPLES, BATCH = 16, 43, 2048, 128

MODEL = f"""
import time
import numpy as np
import pyapp
from pyapp import layers
rng = np.random.default_rng(0)
x = rng.integers(0, {VOCABULARY}, ({SAMPLES}, {WINDOW})).astype("int32")
y = rng.integers(0, {VOCABULARY}, {SAMPLES}).astype("int32")
model = pyapp.Sequential([pyapp.Input(({WINDOW},), dtype="int32"), layers.Embedding({VOCABULARY}, 32),
                          layers.LSTM(64), layers.Dense({VOCABULARY}, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x, y, epochs=1, batch_size={BATCH}, verbose=0)
"""
TIMED = f"""
started = time.perf_counter()
model.fit(x, y, epochs=1, batch_size={BATCH}, verbose=0)
{SAMPLES} / (time.perf_counter() - started)
"""


def run(harness, runs, quick):
    page = harness.open_app("served")
    reply = page.evaluate("code => window.pyapp.runPython(code)", MODEL)
    assert reply["error"] is None, reply["error"]
    in_page = []
    for _ in range(runs):
        reply = page.evaluate("code => window.pyapp.runPython(code)", TIMED)
        assert reply["error"] is None, reply["error"]
        in_page.append(float(reply["result"]))
    backend = page.evaluate("() => window.pyapp.session.info.backend")
    page.context.close()

    scope: dict = {}
    exec(MODEL, scope)
    native = []
    for _ in range(runs):
        exec(TIMED.replace(f"\n{SAMPLES} /", f"\nresult = {SAMPLES} /"), scope)
        native.append(scope["result"])
    import keras

    return [{"case": "melody", "name": "lstm_train_samples_per_s", "variant": f"page-{backend}", "unit": "samples/s",
             "values": in_page},
            {"case": "melody", "name": "lstm_train_samples_per_s", "variant": f"native-{keras.backend.backend()}",
             "unit": "samples/s", "values": native}]
