"""Inference: `predict` latency on one sample and throughput on a batch of 1024.

The MLP 64-64-10 of the training case, through pyapp (numpy in, numpy out) and the same
model in plain TF.js JavaScript (a Float32Array in, `dataSync()` out), in one page, on each
backend the app offers (served), after a warm-up call that compiles the kernels. Beside
them, the backend the app picks by itself against the fastest measured.
"""

from __future__ import annotations

from .training import add_auto_against_best, auto_backend_label, backend_label, in_page

BATCH = 1024

PREDICT = """
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

model = pyapp.Sequential([pyapp.Input((64,)), layers.Dense(64, activation="relu"), layers.Dense(64, activation="relu"),
                          layers.Dense(10, activation="softmax")])
model.predict(one, verbose=0), model.predict(batch, batch_size=BATCH, verbose=0)  # warm-up
started = time.perf_counter()
for _ in range(REPS):
    model.predict(one, verbose=0)
pyapp_ms = (time.perf_counter() - started) * 1000 / REPS
started = time.perf_counter()
for _ in range(BATCH_REPS):
    model.predict(batch, batch_size=BATCH, verbose=0)
pyapp_per_s = BATCH * BATCH_REPS / (time.perf_counter() - started)

plain = run_js('''
(async (one, batch, n, reps, batchReps) => {
  const model = tf.sequential();
  model.add(tf.layers.dense({units: 64, activation: "relu", inputShape: [64]}));
  model.add(tf.layers.dense({units: 64, activation: "relu"}));
  model.add(tf.layers.dense({units: 10, activation: "softmax"}));
  // dataSync() outside tf.tidy: tidy walks what its function returns, looking for tensors,
  // and on a returned Float32Array of 10,240 values that walk alone costs about 2 ms.
  const predict = (values, rows) => {
    const output = tf.tidy(() => model.predict(tf.tensor2d(values, [rows, 64]), {batchSize: n}));
    const result = output.dataSync();
    output.dispose();
    return result;
  };
  predict(one, 1); predict(batch, n);
  let started = performance.now();
  for (let i = 0; i < reps; i++) predict(one, 1);
  const ms = (performance.now() - started) / reps;
  started = performance.now();
  for (let i = 0; i < batchReps; i++) predict(batch, n);
  const perSecond = n * batchReps / ((performance.now() - started) / 1000);
  model.dispose();
  return [ms, perSecond];
})
''')
plain_ms, plain_per_s = await plain(Float32Array.new(to_js(one.ravel())), Float32Array.new(to_js(batch.ravel())),
                                    BATCH, REPS, BATCH_REPS)
(pyapp_ms, pyapp_per_s, float(plain_ms), float(plain_per_s))
"""


def run(harness, runs, quick):
    reps, batch_reps = (20, 3) if quick else (200, 20)
    page = harness.open_app("served")
    info = page.evaluate("() => window.pyapp.session.tfjsReady")
    backends = ["wasm"] if quick else [b["name"] for b in info.get("backends", [])]
    figures, plain_latency, plain_throughput = [], {}, {}

    def add(name, variant, values, unit):
        figures.append({"case": "inference", "name": name, "variant": variant, "unit": unit, "values": values})

    for backend in backends:
        label = backend_label(backend, "served")
        measured = [[], [], [], []]
        for _ in range(runs):
            for series, value in zip(measured, in_page(page, PREDICT, BACKEND=backend, BATCH=BATCH, REPS=reps,
                                                       BATCH_REPS=batch_reps)):
                series.append(value)
        pyapp_ms, pyapp_per_s, plain_ms, plain_per_s = measured
        add(f"predict_1_{label}_ms", "plain-tfjs", plain_ms, "ms")
        add(f"predict_1_{label}_ms", "pyapp", pyapp_ms, "ms")
        add(f"predict_{BATCH}_{label}_samples_per_s", "plain-tfjs", plain_per_s, "samples/s")
        add(f"predict_{BATCH}_{label}_samples_per_s", "pyapp", pyapp_per_s, "samples/s")
        plain_latency[label] = sorted(plain_ms)[len(plain_ms) // 2]
        plain_throughput[label] = sorted(plain_per_s)[len(plain_per_s) // 2]
    page.context.close()

    auto = auto_backend_label(info)
    add_auto_against_best(add, "predict_1_auto_backend_ms", auto, plain_latency, "ms", best_of=min)
    add_auto_against_best(add, f"predict_{BATCH}_auto_backend_samples_per_s", auto, plain_throughput, "samples/s")
    return figures
