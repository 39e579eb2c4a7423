"""Native training: pyapp on its Keras 3 engine against the same model in plain Keras.

Under CPython, in this process, on Keras' backend here (JAX, CPU). The digits MLP
(64-64-64-10) and the keras.io "Simple MNIST convnet" shape on the 8x8 digits
(Conv2D 32 -> MaxPooling -> Conv2D 64 -> MaxPooling -> Flatten -> Dropout -> Dense), each
trained one epoch per run after a warm-up epoch that compiles it; samples per second.
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
    return (digits.data / 16).astype(np.float32), digits.target.astype(np.int32)


def _mlp(library, inputs):
    L = library.layers
    return [inputs((64,)), L.Dense(64, activation="relu"), L.Dense(64, activation="relu"),
            L.Dense(10, activation="softmax")]


def _cnn(library, inputs):
    L = library.layers
    return [inputs((8, 8, 1)), L.Conv2D(32, 3, activation="relu", padding="same"), L.MaxPooling2D(2),
            L.Conv2D(64, 3, activation="relu", padding="same"), L.MaxPooling2D(2), L.Flatten(), L.Dropout(0.5),
            L.Dense(10, activation="softmax")]


def _samples_per_s(fit, samples: int, runs: int) -> list[float]:
    fit()  # warm-up: the first epoch compiles
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        fit()
        values.append(samples / (time.perf_counter() - started))
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
        measured = {
            "plain-keras": _samples_per_s(lambda: plain.fit(data, y, epochs=1, batch_size=BATCH, verbose=0),
                                          len(data), runs),
            "pyapp-keras": _samples_per_s(lambda: ours.fit(data, y, epochs=1, batch_size=BATCH, verbose=0),
                                          len(data), runs),
        }
        backend = keras.backend.backend()
        for variant, values in measured.items():
            figures.append({"case": "native", "name": f"{kind}_{backend}_train_samples_per_s", "variant": variant,
                            "unit": "samples/s", "values": values})
    return figures
