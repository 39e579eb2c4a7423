"""Small Keras 3 models, trained briefly, for the converter tests (unit and browser).

Each builder returns (model, inputs): inputs is what `model.predict` takes. Keras runs on
JAX (CPU). Imported only where Keras is installed (`python3 build.py test` installs it).
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402


def _keras():
    import keras

    return keras


def _train(model, x, y, epochs=2):
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=epochs, batch_size=8, verbose=0)
    return model


def dense():
    keras = _keras()
    L = keras.layers
    m = keras.Sequential([keras.Input((6,)), L.Dense(8, activation="relu"), L.Dense(3, activation="softmax")])
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 6)).astype("float32")
    return _train(m, x, rng.random((32, 3)).astype("float32")), x[:8]


def conv():
    keras = _keras()
    L = keras.layers
    m = keras.Sequential([keras.Input((8, 8, 2)), L.Conv2D(4, 3, padding="same", activation="relu"),
                          L.MaxPooling2D(2), L.Conv2D(3, (2, 2)), L.Flatten(), L.Dropout(0.3), L.Dense(2)])
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 8, 8, 2)).astype("float32")
    return _train(m, x, rng.random((16, 2)).astype("float32")), x[:6]


def batchnorm():
    keras = _keras()
    L = keras.layers
    m = keras.Sequential([keras.Input((5,)), L.Dense(6), L.BatchNormalization(), L.Activation("tanh"), L.Dense(1)])
    rng = np.random.default_rng(3)
    x = (rng.normal(size=(64, 5)) * 3 + 1).astype("float32")
    return _train(m, x, rng.random((64, 1)).astype("float32"), epochs=3), x[:8]


def lstm():
    keras = _keras()
    L = keras.layers
    m = keras.Sequential([keras.Input((7, 3)), L.LSTM(5, return_sequences=True), L.LSTM(4), L.Dense(1)])
    rng = np.random.default_rng(4)
    x = rng.normal(size=(24, 7, 3)).astype("float32")
    return _train(m, x, rng.random((24, 1)).astype("float32")), x[:6]


def gru():
    keras = _keras()
    L = keras.layers
    m = keras.Sequential([keras.Input((6, 2)), L.GRU(4, reset_after=False, return_sequences=True),
                          L.GRU(3, reset_after=False), L.Dense(2)])
    rng = np.random.default_rng(5)
    x = rng.normal(size=(24, 6, 2)).astype("float32")
    return _train(m, x, rng.random((24, 2)).astype("float32")), x[:6]


def embedding():
    keras = _keras()
    L = keras.layers
    m = keras.Sequential([keras.Input((5,), dtype="int32"), L.Embedding(20, 4), L.Flatten(), L.Dense(1)])
    rng = np.random.default_rng(6)
    x = rng.integers(0, 20, size=(32, 5)).astype("int32")
    return _train(m, x, rng.random((32, 1)).astype("float32")), x[:8]


def functional():
    """Two inputs (one a sequence), two outputs."""
    keras = _keras()
    L = keras.layers
    a = keras.Input((4,), name="features")
    b = keras.Input((6, 2), name="series")
    x = L.Dense(5, activation="relu", name="branch_a")(a)
    y = L.LSTM(3, name="memory")(b)
    c = L.Concatenate()([x, y])
    out = L.Dense(2, name="main")(c)
    aux = L.Dense(1, activation="sigmoid", name="aux")(x)
    m = keras.Model([a, b], [out, aux])
    rng = np.random.default_rng(7)
    xa = rng.normal(size=(24, 4)).astype("float32")
    xb = rng.normal(size=(24, 6, 2)).astype("float32")
    m.compile(optimizer="adam", loss=["mse", "mse"])
    m.fit([xa, xb], [rng.random((24, 2)), rng.random((24, 1))], epochs=2, batch_size=8, verbose=0)
    return m, [xa[:6], xb[:6]]


def misc():
    """The other supported layers, and every activation the converters map."""
    keras = _keras()
    L = keras.layers
    seq = keras.Input((12, 3), name="seq")
    img = keras.Input((6, 6, 2), name="img")
    s = L.Conv1D(4, 3, activation="elu")(seq)
    s = L.MaxPooling1D(2)(s)
    s1 = L.AveragePooling1D(2)(s)
    s2 = L.SimpleRNN(4, return_sequences=True)(s1)
    g1 = L.GlobalAveragePooling1D()(s2)
    g2 = L.GlobalMaxPooling1D()(s1)
    i = L.Conv2D(3, 3, padding="same", activation="selu")(img)
    i = L.AveragePooling2D(2)(i)
    i = L.LayerNormalization()(i)
    g3 = L.GlobalAveragePooling2D()(i)
    g4 = L.GlobalMaxPooling2D()(L.Reshape((3, 3, 3))(i))
    d = L.Dense(4)(L.Concatenate()([g1, g2]))
    e = L.Add()([d, L.Dense(4)(L.Concatenate()([g3, g4]))])
    heads = [L.Activation(a)(e) for a in ("softplus", "softsign", "relu6", "silu", "gelu", "mish", "sigmoid",
                                          "log_softmax", "softmax", "tanh", "linear")]
    out = L.Concatenate()(heads + [L.Multiply()([d, e]), L.Average()([d, e]),
                                   L.Maximum()([d, e]), L.Minimum()([d, e])])
    m = keras.Model([seq, img], out)
    rng = np.random.default_rng(8)
    xs = rng.normal(size=(16, 12, 3)).astype("float32")
    xi = rng.normal(size=(16, 6, 6, 2)).astype("float32")
    m.compile(optimizer="adam", loss="mse")
    m.fit([xs, xi], rng.random((16, 60)).astype("float32"), epochs=1, batch_size=8, verbose=0)
    return m, [xs[:5], xi[:5]]


def rnn_cells():
    """RNN running a cell, and a stack of cells backwards."""
    keras = _keras()
    L = keras.layers
    m = keras.Sequential([keras.Input((6, 3)),
                          L.RNN([L.LSTMCell(4), L.GRUCell(3, reset_after=False)], return_sequences=True,
                                go_backwards=True),
                          L.RNN(L.SimpleRNNCell(3)), L.Dense(2)])
    rng = np.random.default_rng(9)
    x = rng.normal(size=(24, 6, 3)).astype("float32")
    return _train(m, x, rng.random((24, 2)).astype("float32")), x[:6]


def category_encoding():
    """Integer categories counted, and one of them one-hot encoded."""
    keras = _keras()
    L = keras.layers
    values = keras.Input((5,), dtype="int32", name="values")
    first = keras.Input((1,), dtype="int32", name="first")
    x = L.Concatenate()([L.CategoryEncoding(8, output_mode="count")(values),
                         L.CategoryEncoding(4, output_mode="one_hot")(first)])
    m = keras.Model([values, first], L.Dense(2)(x))
    rng = np.random.default_rng(10)
    xv = rng.integers(0, 8, size=(24, 5)).astype("int32")
    xf = rng.integers(0, 4, size=(24, 1)).astype("int32")
    m.compile(optimizer="adam", loss="mse")
    m.fit([xv, xf], rng.random((24, 2)), epochs=2, batch_size=8, verbose=0)
    return m, [xv[:6], xf[:6]]


BUILDERS = {f.__name__: f for f in (dense, conv, batchnorm, lstm, gru, embedding, functional, misc, rnn_cells,
                                     category_encoding)}


def predict(model, inputs) -> list:
    """Predictions as a list of float32 arrays (one per output)."""
    out = model.predict(inputs, verbose=0)
    return [np.asarray(o, dtype="float32") for o in (out if isinstance(out, list) else [out])]
