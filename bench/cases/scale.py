"""Training at scale: the keras.io convnet, an MLP 784-512-512-10 and an LSTM(64), three ways.

Each model is one Keras 3 description (`MODELS`) trained with Adam on categorical
crossentropy, batch 128, on data generated from a fixed seed (the same arrays in the page
and here: their checksums are compared). Side by side in one run:

- pyapp in the page, and the same description loaded by plain TF.js (`tf.models.modelFromJSON`)
  in the same page, on each backend the app offers (served, WASM may use threads; from disk
  it cannot);
- Keras 3 natively, on JAX (CPU), in this process.

Samples per second over the timed epochs after a warm-up epoch (pyapp and plain TF.js
taking turns run by run, each going first in every other run), and the GFLOP/s that makes from each model's FLOP count
(`training_flops_per_sample`); then the backend the app picks by itself against the fastest
backend measured with plain TF.js.
"""

from __future__ import annotations

import json
import math
import statistics

from .native import _samples_per_s
from .training import add_auto_against_best, auto_backend_label, backend_label, in_page

__all__ = ["MODELS", "layer_flops", "training_flops_per_sample", "run"]

BATCH = 128
CLASSES = 10
# name -> (input shape, [(Keras layer class, its arguments)]); the last layer is the softmax.
MODELS = {
    # keras.io "Simple MNIST convnet", on generated 28x28x1 images
    "convnet": ((28, 28, 1), [("Conv2D", {"filters": 32, "kernel_size": 3, "activation": "relu"}),
                              ("MaxPooling2D", {"pool_size": 2}),
                              ("Conv2D", {"filters": 64, "kernel_size": 3, "activation": "relu"}),
                              ("MaxPooling2D", {"pool_size": 2}),
                              ("Flatten", {}),
                              ("Dropout", {"rate": 0.5}),
                              ("Dense", {"units": CLASSES, "activation": "softmax"})]),
    "mlp": ((784,), [("Dense", {"units": 512, "activation": "relu"}),
                     ("Dense", {"units": 512, "activation": "relu"}),
                     ("Dense", {"units": CLASSES, "activation": "softmax"})]),
    "lstm": ((50, 32), [("LSTM", {"units": 64}),
                        ("Dense", {"units": CLASSES, "activation": "softmax"})]),
}
# Samples per epoch and timed epochs, chosen so that one run of the case takes a few minutes
# on this 2-core machine. The CPU and WebGL (SwiftShader) backends train these models 3-100x
# slower than WASM (measured: the convnet at about 2-3 samples/s on CPU, 8-17 on WebGL), so
# there an epoch is one batch, and the convnet on CPU is left out (a one-batch run took
# two minutes). But the MLP on WebGL (about 800 samples/s) trains on all its samples: with one
# batch an epoch a run timed two steps, and its per-run ratios moved from 0.87x to 1.02x.
SAMPLES = {"convnet": 512, "mlp": 1024, "lstm": 256}
SLOW_SAMPLES = BATCH
ALL_SAMPLES_ON = {("mlp", "webgl")}
LEFT_OUT = {("convnet", "cpu")}
EPOCHS = 2
# Quick mode (the CI smoke run) trains only the MLP, on two batches: compiling the convnet
# and the LSTM natively alone costs tens of seconds.
QUICK_MODELS, QUICK_SAMPLES = ("mlp",), 256
# Backpropagation costs about twice the forward pass (a gradient for the inputs and one for
# the weights, each a product the size of the forward one).
TRAINING_FACTOR = 3

# The data, the same in Pyodide and under CPython: numpy's PCG64 stream is platform-independent.
DATA = """
import numpy as np
rng = np.random.default_rng(0)
x = rng.standard_normal((SAMPLES, *INPUT_SHAPE), dtype=np.float32)
teacher = rng.standard_normal((x[0].size, CLASSES), dtype=np.float32)
labels = np.argmax(x.reshape(SAMPLES, -1) @ teacher, axis=1)  # learnable: a random linear teacher
y = np.eye(CLASSES, dtype=np.float32)[labels]
checksum = (float(x.sum(dtype=np.float64)), int(labels.sum()))
"""

PAGE_SETUP = "import time\n" + DATA + "checksum"

PYAPP = """
import pyapp
pyapp.backend.set_backend(BACKEND)
model = pyapp.Sequential([pyapp.Input(INPUT_SHAPE)] + [getattr(pyapp.layers, name)(**arguments) for name, arguments in LAYERS])
model.compile(optimizer=pyapp.optimizers.Adam(learning_rate=0.001), loss="categorical_crossentropy", metrics=["accuracy"])
await model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)
started = time.perf_counter()
await model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, shuffle=True, verbose=0)
(len(x) * EPOCHS / (time.perf_counter() - started),)
"""

# Plain TF.js reads the same description as a Keras model topology, as it reads a converted model.
PLAIN_TFJS = """
from js import tf, Float32Array
from pyodide.code import run_js
from pyodide.ffi import to_js
await tf.setBackend(BACKEND)
plain = run_js('''
(async (topology, x, xShape, y, epochs, batch) => {
  const model = await tf.models.modelFromJSON({modelTopology: JSON.parse(topology)});
  const optimizer = tf.train.adam(0.001);  // not disposed of with the model: kept to dispose of below
  model.compile({optimizer, loss: "categoricalCrossentropy", metrics: ["accuracy"]});
  const xs = tf.tensor(x, xShape), ys = tf.tensor2d(y, [xShape[0], y.length / xShape[0]]);
  await model.fit(xs, ys, {epochs: 1, batchSize: batch, verbose: 0});
  const started = performance.now();
  await model.fit(xs, ys, {epochs, batchSize: batch, shuffle: true, verbose: 0});
  const seconds = (performance.now() - started) / 1000;
  xs.dispose(); ys.dispose(); model.dispose(); optimizer.dispose();
  return seconds;
})
''')
seconds = await plain(TOPOLOGY, Float32Array.new(to_js(x.ravel())), to_js(list(x.shape)), Float32Array.new(to_js(y.ravel())),
                      EPOCHS, BATCH)
(len(x) * EPOCHS / seconds,)
"""


def layer_flops(name: str, arguments: dict, input_shape: tuple, output_shape: tuple) -> int:
    """Forward FLOPs of one layer for one sample; a multiply-add counts as 2.

    Counts the products of Dense, Conv2D and LSTM; biases, activations, pooling and dropout
    are a few FLOPs per output value, under 1% of these models, and are left out.

    Args:
        name: the Keras layer class, e.g. "Conv2D".
        arguments: its Keras arguments, e.g. {"filters": 32, "kernel_size": 3}.
        input_shape: one sample's input shape (no batch axis).
        output_shape: one sample's output shape (no batch axis).

    Example:
        >>> layer_flops("Dense", {"units": 10}, (784,), (10,))
        15680
    """
    if name == "Dense":
        return 2 * math.prod(input_shape) * arguments["units"]
    if name == "Conv2D":
        kernel = arguments["kernel_size"]
        kernel_area = kernel * kernel if isinstance(kernel, int) else math.prod(kernel)
        return 2 * math.prod(output_shape) * kernel_area * input_shape[-1]
    if name == "LSTM":  # per step, four gates, each a product of [input, state] with a matrix
        steps, features = input_shape
        return 2 * steps * 4 * arguments["units"] * (features + arguments["units"])
    if name in ("MaxPooling2D", "Flatten", "Dropout"):
        return 0
    raise ValueError(f"layer_flops: name must be one of Dense, Conv2D, LSTM, MaxPooling2D, Flatten, Dropout; got {name!r}")


def training_flops_per_sample(model: str) -> int:
    """FLOPs of one training step for one sample of `MODELS[model]`: forward and backward.

    Each layer's shapes come from Keras 3's own `compute_output_shape`.

    Example:
        >>> training_flops_per_sample("mlp")  # 3 x 2 x (784*512 + 512*512 + 512*10)
        4012032
    """
    if model not in MODELS:
        raise ValueError(f"training_flops_per_sample: model must be one of {', '.join(MODELS)}; got {model!r}")
    keras = _keras()

    shape, layers = MODELS[model]
    shape, total = (None, *shape), 0
    for name, arguments in layers:
        output = getattr(keras.layers, name)(**arguments).compute_output_shape(shape)
        total += layer_flops(name, arguments, shape[1:], tuple(output[1:]))
        shape = output
    return TRAINING_FACTOR * total


def _keras():
    """Keras, on the backend pyapp's engine picks (JAX here) when none was chosen."""
    import pyapp

    pyapp.backend.engine()
    import keras

    return keras


def _topology(model: str) -> str:
    """MODELS[model] as a Keras Sequential topology in JSON, as TF.js reads one."""
    shape, layers = MODELS[model]
    configs = [{"class_name": name, "config": dict(arguments)} for name, arguments in layers]
    configs[0]["config"]["batch_input_shape"] = [None, *shape]
    return json.dumps({"class_name": "Sequential", "config": {"name": model, "layers": configs}})


def _native_keras(model: str, samples: int, epochs: int, runs: int) -> tuple[list[float], tuple]:
    """Samples/s of Keras 3 on its backend here, and the data's checksum."""
    keras = _keras()

    shape, layers = MODELS[model]
    namespace = {"SAMPLES": samples, "INPUT_SHAPE": shape, "CLASSES": CLASSES}
    exec(DATA, namespace)
    keras.utils.set_random_seed(0)
    net = keras.Sequential([keras.Input(shape)] + [getattr(keras.layers, name)(**arguments) for name, arguments in layers])
    net.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="categorical_crossentropy", metrics=["accuracy"])
    x, y = namespace["x"], namespace["y"]
    values = _samples_per_s({"native": lambda: net.fit(x, y, epochs=epochs, batch_size=BATCH, verbose=0)},
                            samples * epochs, runs)["native"]
    return values, namespace["checksum"]


def run(harness, runs, quick):
    keras = _keras()
    epochs = 1 if quick else EPOCHS
    figures = []

    def add(name, variant, values, unit):
        figures.append({"case": "scale", "name": name, "variant": variant, "unit": unit, "values": values})

    def add_speeds(model, variant, speeds):
        add(f"{model}_samples_per_s", variant, speeds, "samples/s")
        add(f"{model}_gflop_per_s", variant, [s * training_flops_per_sample(model) / 1e9 for s in speeds], "GFLOP/s")

    models = QUICK_MODELS if quick else tuple(MODELS)
    samples_of = {model: QUICK_SAMPLES if quick else SAMPLES[model] for model in models}
    checksums = {}
    native = f"native-keras-{keras.backend.backend()}"
    for model in models:  # first, so that the chart's baseline (the first "native" or "plain") is native
        speeds, checksums[model] = _native_keras(model, samples_of[model], epochs, runs)
        add_speeds(model, native, speeds)

    plain_speeds = {}  # (model, backend label) -> median samples/s of plain TF.js
    auto_choice = None
    for mode in ("served",) if quick else ("served", "file"):
        page = harness.open_app(mode)
        info = page.evaluate("() => window.pyapp.session.tfjsReady")
        backends = [b["name"] for b in info.get("backends", [])]
        if mode == "served":
            auto_choice = auto_backend_label(info)
        if quick or mode == "file":
            backends = [name for name in backends if name == "wasm"]
        for model in models:
            shape, layers = MODELS[model]
            for backend in backends:
                if (model, backend) in LEFT_OUT:
                    continue
                label = backend_label(backend, mode)
                all_samples = backend == "wasm" or (model, backend) in ALL_SAMPLES_ON
                samples = samples_of[model] if all_samples else SLOW_SAMPLES
                checksum = in_page(page, PAGE_SETUP, SAMPLES=samples, INPUT_SHAPE=shape, CLASSES=CLASSES)
                if samples == samples_of[model] and checksum != checksums[model]:
                    raise RuntimeError(f"scale {model}: the page's data differ from the native data "
                                       f"(checksums {checksum} and {checksums[model]})")
                constants = {"BACKEND": backend, "EPOCHS": epochs, "BATCH": BATCH, "LAYERS": layers,
                             "TOPOLOGY": _topology(model)}
                speeds = {"plain-tfjs": [], "pyapp": []}
                failed = set()
                # The two take turns, each going first in every other run, as in the training case:
                # the machine's drift then falls on both alike, and so does what a run leaves for
                # the next (garbage to collect, a grown heap, WebGL's texture cache).
                for run_index in range(runs):
                    sides = (("plain-tfjs", PLAIN_TFJS), ("pyapp", PYAPP))
                    for variant, code in sides[::-1] if run_index % 2 else sides:
                        if variant in failed:
                            continue
                        try:
                            speeds[variant].append(in_page(page, code, **constants)[0])
                        except RuntimeError as error:
                            print(f"[bench] scale {model} {variant} {label}: {str(error).splitlines()[-1]}")
                            failed.add(variant)
                for variant, values in speeds.items():
                    if values:
                        add_speeds(model, f"{variant}-{label}", values)
                if speeds["plain-tfjs"]:
                    plain_speeds[model, label] = statistics.median(speeds["plain-tfjs"])
        page.context.close()
    for model in models:
        measured = {label: speed for (m, label), speed in plain_speeds.items() if m == model}
        add_auto_against_best(add, f"{model}_auto_backend_samples_per_s", auto_choice, measured, "samples/s")
    return figures
