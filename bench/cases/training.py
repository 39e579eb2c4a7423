"""Training throughput: an MLP 64-64-10, a small CNN and a convnet on scikit-learn's digits.

In one page and backend: the model through pyapp, and the same model in plain TF.js
JavaScript; beside them scikit-learn's MLPClassifier of the same shape inside Pyodide and
under this machine's CPython. Samples per second over the timed epochs (after one warm-up
epoch that compiles the kernels), and the final training accuracy.
"""

from __future__ import annotations

import time

EPOCHS = 5
BATCH = 32
# Batch sizes by model; "convnet" is issue 15's keras.io MNIST-convnet-style model (Conv2D 32,
# MaxPooling2D, Conv2D 64, Dense) on the 8x8 digits, at Keras' example batch size.
BATCHES = {"mlp": BATCH, "cnn": BATCH, "convnet": 128}

# The data and the timing harness live in the page's Python session.
SETUP = """
import time
import numpy as np
from sklearn.datasets import load_digits
from pyodide.code import run_js
from pyodide.ffi import to_js
from js import Float32Array

digits = load_digits()
x_flat = ((digits.data - digits.data.mean(0)) / (digits.data.std(0) + 1e-6)).astype(np.float32)
x_image = x_flat.reshape(-1, 8, 8, 1)
labels = digits.target.astype(np.int32)
y_onehot = np.eye(10, dtype=np.float32)[labels]
"""

PLAIN_TFJS = """
from js import tf
await tf.setBackend(BACKEND)
plain = run_js('''
(async (x, xShape, y, kind, epochs, batch) => {
  const model = tf.sequential();
  if (kind === "mlp") {
    model.add(tf.layers.dense({units: 64, activation: "relu", inputShape: [64]}));
    model.add(tf.layers.dense({units: 64, activation: "relu"}));
  } else if (kind === "convnet") {
    model.add(tf.layers.conv2d({filters: 32, kernelSize: 3, activation: "relu", inputShape: [8, 8, 1]}));
    model.add(tf.layers.maxPooling2d({poolSize: 2}));
    model.add(tf.layers.conv2d({filters: 64, kernelSize: 3, activation: "relu"}));
    model.add(tf.layers.flatten());
  } else {
    model.add(tf.layers.conv2d({filters: 8, kernelSize: 3, activation: "relu", inputShape: [8, 8, 1]}));
    model.add(tf.layers.maxPooling2d({poolSize: 2}));
    model.add(tf.layers.flatten());
  }
  model.add(tf.layers.dense({units: 10, activation: "softmax"}));
  const optimizer = tf.train.adam(0.001);  // not disposed of with the model: kept to dispose of below
  model.compile({optimizer, loss: "categoricalCrossentropy", metrics: ["accuracy"]});
  const xs = tf.tensor(x, xShape), ys = tf.tensor2d(y, [xShape[0], 10]);
  await model.fit(xs, ys, {epochs: 1, batchSize: batch, verbose: 0});
  const started = performance.now();
  const history = await model.fit(xs, ys, {epochs, batchSize: batch, shuffle: true, verbose: 0});
  const seconds = (performance.now() - started) / 1000;
  xs.dispose(); ys.dispose(); model.dispose(); optimizer.dispose();
  return [seconds, history.history.acc[epochs - 1]];
})
''')
x = x_flat if KIND == "mlp" else x_image
seconds, accuracy = await plain(Float32Array.new(to_js(x.ravel())), to_js(list(x.shape)), Float32Array.new(to_js(y_onehot.ravel())), KIND, EPOCHS, BATCH)
(len(x) * EPOCHS / seconds, float(accuracy))
"""

PYAPP = """
import pyapp
from pyapp import layers
pyapp.backend.set_backend(BACKEND)
if KIND == "mlp":
    model = pyapp.Sequential([pyapp.Input((64,)), layers.Dense(64, activation="relu"), layers.Dense(64, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    x = x_flat
elif KIND == "convnet":
    model = pyapp.Sequential([pyapp.Input((8, 8, 1)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                              layers.Conv2D(64, 3, activation="relu"), layers.Flatten(), layers.Dense(10, activation="softmax")])
    x = x_image
else:
    model = pyapp.Sequential([pyapp.Input((8, 8, 1)), layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2),
                              layers.Flatten(), layers.Dense(10, activation="softmax")])
    x = x_image
model.compile(optimizer=pyapp.optimizers.Adam(learning_rate=0.001), loss="categorical_crossentropy", metrics=["accuracy"])
await model.fit(x, y_onehot, epochs=1, batch_size=BATCH, verbose=0)
started = time.perf_counter()
history = await model.fit(x, y_onehot, epochs=EPOCHS, batch_size=BATCH, shuffle=True, verbose=0)
seconds = time.perf_counter() - started
(len(x) * EPOCHS / seconds, float(history.history["accuracy"][-1]))
"""

SKLEARN = """
from sklearn.neural_network import MLPClassifier
import warnings
model = MLPClassifier(hidden_layer_sizes=(64, 64), solver="adam", learning_rate_init=0.001, batch_size=BATCH,
                      max_iter=EPOCHS, shuffle=True, random_state=0)
started = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # it warns that 5 epochs did not converge: that is the point
    model.fit(x_flat, labels)
seconds = time.perf_counter() - started
(len(x_flat) * EPOCHS / seconds, float(model.score(x_flat, labels)))
"""


def _native_sklearn(epochs: int) -> tuple[float, float]:
    import numpy as np
    from sklearn.datasets import load_digits

    namespace = {"np": np, "time": time, "load_digits": load_digits, "BATCH": BATCH, "EPOCHS": epochs}
    setup = SETUP.split("from pyodide")[0] + SETUP.split("from js import Float32Array")[1]
    exec(setup, namespace)
    exec(SKLEARN.rsplit("\n(", 1)[0], namespace)
    seconds, model, x = namespace["seconds"], namespace["model"], namespace["x_flat"]
    return len(x) * epochs / seconds, float(model.score(x, namespace["labels"]))


def backend_label(backend: str, mode: str) -> str:
    """A backend's name in the results: served, WASM may use threads; from disk it cannot."""
    return f"{backend}-threads" if backend == "wasm" and mode == "served" else backend


def auto_backend_label(info: dict) -> str:
    """The backend the served app picked by itself (the session's info)."""
    return backend_label(info["backend"], "served")


def add_auto_against_best(add, name: str, auto: str, measured: dict, unit: str, best_of=max) -> None:
    """Adds the figure of the backend the app picks by itself and that of the best measured."""
    if auto not in measured:
        return
    best = best_of(measured, key=measured.get)
    print(f"[bench] {name}: the app picks {auto}; the best measured is {best}")
    add(name, f"auto-{auto}", [measured[auto]], unit)
    add(name, f"best-{best}", [measured[best]], unit)


def in_page(page, code: str, **constants) -> tuple:
    prefix = "".join(f"{name} = {value!r}\n" for name, value in constants.items())
    reply = page.evaluate("code => window.pyapp.runPython(code)", prefix + code)
    if reply["error"]:
        raise RuntimeError(reply["error"]["traceback"] or reply["error"]["message"])
    return eval(reply["result"])  # a tuple of floats, from our own code


def run(harness, runs, quick):
    epochs = 1 if quick else EPOCHS
    figures = []

    def add(name, variant, values, unit):
        figures.append({"case": "training", "name": name, "variant": variant, "unit": unit, "values": values})

    plain_speeds = {}  # (kind, backend label) -> median samples/s of plain TF.js
    auto_choice = None
    for mode in ("served", "file"):  # served: WASM may use threads; from disk it cannot
        page = harness.open_app(mode)
        in_page(page, SETUP + "(0.0, 0.0)")
        info = page.evaluate("() => window.pyapp.session.tfjsReady")
        backends = [b["name"] for b in info.get("backends", [])]
        if mode == "served":
            auto_choice = auto_backend_label(info)
        if mode == "file":
            backends = [name for name in backends if name == "wasm"]
        for backend in backends:
            label = backend_label(backend, mode)
            for kind in BATCHES:
                if quick and (kind != "mlp" or backend == "webgl"):
                    continue
                constants = {"BACKEND": backend, "KIND": kind, "EPOCHS": epochs, "BATCH": BATCHES[kind]}
                variants = {"plain-tfjs": PLAIN_TFJS, "pyapp": PYAPP}
                measured = {variant: ([], []) for variant in variants}
                # The two take turns, each going first in every other run, so that the load of
                # this shared machine falls on both alike; the ratio of their medians is the figure.
                for run_index in range(runs):
                    for variant in sorted(variants, reverse=bool(run_index % 2)):
                        if variant not in measured:
                            continue
                        try:
                            speed, accuracy = in_page(page, variants[variant], **constants)
                        except RuntimeError as error:
                            print(f"[bench] training {kind} {variant} {label}: {str(error).splitlines()[-1]}")
                            del measured[variant]
                            continue
                        measured[variant][0].append(speed)
                        measured[variant][1].append(accuracy)
                for variant, (speeds, accuracies) in measured.items():
                    if speeds:
                        if variant == "plain-tfjs":
                            plain_speeds[kind, label] = sorted(speeds)[len(speeds) // 2]
                        add(f"{kind}_{label}_samples_per_s", variant, speeds, "samples/s")
                        add(f"{kind}_{label}_accuracy", variant, accuracies, "accuracy")
        if mode == "served":
            speeds, accuracies = zip(*(in_page(page, SETUP + SKLEARN, EPOCHS=epochs, BATCH=BATCH) for _ in range(runs)))
            add("mlp_sklearn_samples_per_s", "sklearn-pyodide", list(speeds), "samples/s")
            add("mlp_sklearn_accuracy", "sklearn-pyodide", list(accuracies), "accuracy")
        page.context.close()
    # Backend choice: the backend the app picks by itself, against the fastest measured.
    for kind in BATCHES:
        measured = {label: speed for (k, label), speed in plain_speeds.items() if k == kind}
        add_auto_against_best(add, f"{kind}_auto_backend_samples_per_s", auto_choice, measured, "samples/s")
    speeds, accuracies = zip(*(_native_sklearn(epochs) for _ in range(runs)))
    add("mlp_sklearn_samples_per_s", "sklearn-native-cpython", list(speeds), "samples/s")
    add("mlp_sklearn_accuracy", "sklearn-native-cpython", list(accuracies), "accuracy")
    return figures
