"""Native training: pyapp on its Keras 3 engine against the same model in plain Keras.

Under CPython, in this process, on Keras' backend here (JAX, CPU). The digits MLP
(64-64-64-10) and the keras.io "Simple MNIST convnet" shape on the 8x8 digits
(Conv2D 32 -> MaxPooling -> Conv2D 64 -> MaxPooling -> Flatten -> Dropout -> Dense), each
trained one epoch per run, the two taking turns, after a warm-up epoch that compiles
them; samples per second.
The goal (issue 13) is pyapp >= 0.98x plain Keras: pyapp's engine adds its argument checks
and one callback that hands Keras' hooks to pyapp's callbacks.
"""

from __future__ import annotations

import time

import numpy as np

BATCH = 128


def _digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    # Labels as float32 for both: pyapp passes them so, and plain Keras on JAX trains about
    # 1.4x faster on float32 labels than on int32 ones (measured here): the strongest peer.
    return (digits.data / 16).astype(np.float32), digits.target.astype(np.float32)


def _mlp(library, inputs):
    L = library.layers
    return [inputs((64,)), L.Dense(64, activation="relu"), L.Dense(64, activation="relu"),
            L.Dense(10, activation="softmax")]


def _cnn(library, inputs):
    L = library.layers
    return [inputs((8, 8, 1)), L.Conv2D(32, 3, activation="relu", padding="same"), L.MaxPooling2D(2),
            L.Conv2D(64, 3, activation="relu", padding="same"), L.MaxPooling2D(2), L.Flatten(), L.Dropout(0.5),
            L.Dense(10, activation="softmax")]


def _samples_per_s(fits: dict, samples: int, runs: int) -> dict[str, list[float]]:
    """Samples per second of one epoch of each fit, the fits taking turns run by run (so
    that the machine's drift falls on both alike), after a warm-up epoch that compiles."""
    for fit in fits.values():
        fit()
    values = {name: [] for name in fits}
    for _ in range(runs):
        for name, fit in fits.items():
            started = time.perf_counter()
            fit()
            values[name].append(samples / (time.perf_counter() - started))
    return values


def run(harness, runs, quick):
    import pyapp

    pyapp.backend.engine()  # Keras, on the backend pyapp's engine picks
    import keras

    x, y = _digits()
    if quick:
        x, y = x[:512], y[:512]
    figures = []
    for kind, layers_of in (("mlp", _mlp), ("cnn", _cnn)):
        data = x if kind == "mlp" else x.reshape(-1, 8, 8, 1)
        keras.utils.set_random_seed(0)
        plain = keras.Sequential(layers_of(keras, lambda shape: keras.Input(shape)))
        plain.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        pyapp.utils.set_random_seed(0)
        ours = pyapp.Sequential(layers_of(pyapp, lambda shape: pyapp.Input(shape)))
        ours.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        measured = _samples_per_s({
            "plain-keras": lambda: plain.fit(data, y, epochs=1, batch_size=BATCH, verbose=0),
            "pyapp-keras": lambda: ours.fit(data, y, epochs=1, batch_size=BATCH, verbose=0),
        }, len(data), runs)
        backend = keras.backend.backend()
        for variant, values in measured.items():
            figures.append({"case": "native", "name": f"{kind}_{backend}_train_samples_per_s", "variant": variant,
                            "unit": "samples/s", "values": values})
    return figures
