"""Inference: `predict` latency on one sample and throughput on a batch of 1024, and
`evaluate` throughput on those 1024 samples in batches of 32 (Keras' default).

The MLP 64-64-10 of the training case, through pyapp (numpy in, numpy out) and the same
model in plain TF.js JavaScript (a Float32Array in, `dataSync()` out), in one page, on each
backend the app offers served and on WASM from disk (no threads there), after warm-up
calls that compile the kernels and let the JS engine compile both sides' code. Both evaluate
the categorical crossentropy and accuracy (no regularizers, so the two compute the same
numbers). Beside them, the backend the app picks by itself against the fastest measured.
"""

from __future__ import annotations

from .training import add_auto_against_best, auto_backend_label, backend_label, in_page

BATCH = 1024
EVALUATE_BATCH = 32

PREDICT = """
import statistics
import time
import numpy as np
import pyapp
from pyapp import layers
from pyodide.code import run_js
from pyodide.ffi import to_js
from js import Float32Array

pyapp.backend.set_backend(BACKEND)
rng = np.random.default_rng(0)
one, batch = rng.random((1, 64), dtype=np.float32), rng.random((BATCH, 64), dtype=np.float32)
labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, BATCH)]

model = pyapp.Sequential([pyapp.Input((64,)), layers.Dense(64, activation="relu"), layers.Dense(64, activation="relu"),
                          layers.Dense(10, activation="softmax")])
model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
pyapp_calls = [lambda: model.predict(one, verbose=0), lambda: model.predict(batch, batch_size=BATCH, verbose=0),
               lambda: model.evaluate(batch, labels, batch_size=EVALUATE_BATCH, verbose=0)]

plain = run_js('''
((one, batch, labels, n, evaluateBatch) => {
  const model = tf.sequential();
  model.add(tf.layers.dense({units: 64, activation: "relu", inputShape: [64]}));
  model.add(tf.layers.dense({units: 64, activation: "relu"}));
  model.add(tf.layers.dense({units: 10, activation: "softmax"}));
  model.compile({optimizer: "sgd", loss: "categoricalCrossentropy", metrics: ["accuracy"]});
  // dataSync() outside tf.tidy: tidy walks what its function returns, looking for tensors,
  // and on a returned Float32Array of 10,240 values that walk alone costs about 2 ms.
  const predict = (values, rows) => {
    const output = tf.tidy(() => model.predict(tf.tensor2d(values, [rows, 64]), {batchSize: n}));
    const result = output.dataSync();
    output.dispose();
    return result;
  };
  const evaluate = () => {
    const xs = tf.tensor2d(batch, [n, 64]), ys = tf.tensor2d(labels, [n, 10]);
    const scalars = model.evaluate(xs, ys, {batchSize: evaluateBatch});
    const values = scalars.map((scalar) => scalar.dataSync()[0]);
    tf.dispose([xs, ys, scalars]);
    return values;
  };
  const calls = [() => predict(one, 1), () => predict(batch, n), evaluate];
  // ms per call of calls[which], over `reps` calls
  const time = (which, reps) => {
    const started = performance.now();
    for (let i = 0; i < reps; i++) calls[which]();
    return (performance.now() - started) / reps;
  };
  return {time, dispose: () => model.dispose()};
})
''')(Float32Array.new(to_js(one.ravel())), Float32Array.new(to_js(batch.ravel())),
     Float32Array.new(to_js(labels.ravel())), BATCH, EVALUATE_BATCH)


def pyapp_time(which, reps):
    started = time.perf_counter()
    for _ in range(reps):
        pyapp_calls[which]()
    return (time.perf_counter() - started) * 1000 / reps


# The machine is shared: pyapp and plain TF.js take turns, a few calls each, and each
# figure is the median of its turns, so that a busy moment weighs on both alike. Which of
# the two goes first changes every round: the turn after another case's (an evaluate's
# garbage, say) pays for what that left, such as the JS engine's garbage collection.
timed = [[[], []] for _ in pyapp_calls]
for which in range(len(pyapp_calls)):
    pyapp_time(which, WARM_UP[which]), plain.time(which, WARM_UP[which])
for round_index in range(ROUNDS):
    for which, reps in enumerate(REPS):
        for side in (0, 1) if round_index % 2 == 0 else (1, 0):
            timed[which][side].append((pyapp_time, plain.time)[side](which, reps))
plain.dispose()
(one_ms, plain_one_ms), (batch_ms, plain_batch_ms), (evaluate_ms, plain_evaluate_ms) = [
    [statistics.median(turns) for turns in pair] for pair in timed]
(one_ms, BATCH * 1000 / batch_ms, BATCH * 1000 / evaluate_ms,
 plain_one_ms, BATCH * 1000 / plain_batch_ms, BATCH * 1000 / plain_evaluate_ms)
"""


def run(harness, runs, quick):
    rounds, reps = (2, (10, 1, 1)) if quick else (20, (20, 2, 1))  # calls per turn: one sample, batch, evaluate
    # Warm-up calls of each, each side: the first kernels compile, and V8 compiles the code the
    # calls run in tiers, over hundreds of calls. One warm-up call left that in the first rounds'
    # one-sample turns, more on pyapp's side, whose call runs more code (Python, the crossing):
    # with 1,000, pyapp over plain TF.js measured 1.23-1.36x served and 1.28-1.32x from disk in
    # three runs, against 1.40-1.48x and 1.37-1.62x with one (2026-12-02, load average 2.5-3).
    warm_up = (1, 1, 1) if quick else (1000, 4, 2)
    figures, plain_latency, plain_throughput, auto = [], {}, {}, None

    def add(name, variant, values, unit):
        figures.append({"case": "inference", "name": name, "variant": variant, "unit": unit, "values": values})

    for mode in ("served", "file"):  # served: WASM may use threads; from disk it cannot
        page = harness.open_app(mode)
        info = page.evaluate("() => window.pyapp.session.tfjsReady")
        backends = ["wasm"] if quick or mode == "file" else [b["name"] for b in info.get("backends", [])]
        if mode == "served":
            auto = auto_backend_label(info)
        for backend in backends:
            label = backend_label(backend, mode)
            measured = [[] for _ in range(6)]
            for _ in range(runs):
                for series, value in zip(measured, in_page(page, PREDICT, BACKEND=backend, BATCH=BATCH, ROUNDS=rounds,
                                                           REPS=reps, WARM_UP=warm_up,
                                                           EVALUATE_BATCH=EVALUATE_BATCH)):
                    series.append(value)
            pyapp_ms, pyapp_per_s, pyapp_evaluate_per_s, plain_ms, plain_per_s, plain_evaluate_per_s = measured
            add(f"predict_1_{label}_ms", "plain-tfjs", plain_ms, "ms")
            add(f"predict_1_{label}_ms", "pyapp", pyapp_ms, "ms")
            add(f"predict_{BATCH}_{label}_samples_per_s", "plain-tfjs", plain_per_s, "samples/s")
            add(f"predict_{BATCH}_{label}_samples_per_s", "pyapp", pyapp_per_s, "samples/s")
            add(f"evaluate_{BATCH}_by_{EVALUATE_BATCH}_{label}_samples_per_s", "plain-tfjs", plain_evaluate_per_s,
                "samples/s")
            add(f"evaluate_{BATCH}_by_{EVALUATE_BATCH}_{label}_samples_per_s", "pyapp", pyapp_evaluate_per_s,
                "samples/s")
            plain_latency[label] = sorted(plain_ms)[len(plain_ms) // 2]
            plain_throughput[label] = sorted(plain_per_s)[len(plain_per_s) // 2]
        page.context.close()

    add_auto_against_best(add, "predict_1_auto_backend_ms", auto, plain_latency, "ms", best_of=min)
    add_auto_against_best(add, f"predict_{BATCH}_auto_backend_samples_per_s", auto, plain_throughput, "samples/s")
    return figures
