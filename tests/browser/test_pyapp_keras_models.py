"""Keras 3 models trained natively, loaded as pyapp models in the page: same predictions."""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402 - after KERAS_BACKEND
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
import io_keras_models as models  # noqa: E402  (shared Keras model builders)

SUPPORTED = ["dense", "conv", "batchnorm", "lstm", "gru", "embedding", "functional", "rnn_cells", "category_encoding"]


@pytest.fixture(scope="session")  # one Keras build for both modes
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pyapp-keras")
    out = {}
    for name in SUPPORTED:
        keras.utils.clear_session()
        model, inputs = models.BUILDERS[name]()
        model.save(folder / f"{name}.keras")
        out[name] = ((folder / f"{name}.keras").read_bytes(), inputs, models.predict(model, inputs))
    return out


@pytest.mark.parametrize("name", SUPPORTED)
def test_keras_model_loads_as_pyapp_model(app, saved, name):
    data, inputs, expected = saved[name]
    arrays = inputs if isinstance(inputs, list) else [inputs]
    code = (
        "import base64, numpy as np, pyapp\n"
        f"open('/tmp/{name}.keras', 'wb').write(base64.b64decode({base64.b64encode(data).decode()!r}))\n"
        f"model = pyapp.models.load_model('/tmp/{name}.keras')\n"
        f"inputs = [np.array(a, dtype={[str(a.dtype) for a in arrays]!r}[i]) for i, a in enumerate({[a.tolist() for a in arrays]!r})]\n"
        "out = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)\n"
        "[np.asarray(o).tolist() for o in (out if isinstance(out, list) else [out])]"
    )
    got = eval(app.check(code))
    difference = max(float(np.abs(np.array(g, np.float32) - e).max()) for g, e in zip(got, expected))
    assert difference <= 1e-5, difference


def test_pyapp_model_goes_back_to_keras(app, tmp_path):
    code = (
        "import base64, numpy as np, pyapp\nfrom pyapp import layers\n"
        "x = np.random.default_rng(0).random((16, 8, 8, 1)).astype(np.float32)\n"
        "model = pyapp.Sequential([pyapp.Input((8, 8, 1)), layers.Conv2D(3, 3, activation='relu'), layers.MaxPooling2D(2),\n"
        "    layers.Flatten(), layers.Dropout(0.2), layers.Dense(4, activation='softmax')])\n"
        "model.compile(optimizer='adam', loss='categorical_crossentropy')\n"
        "model.fit(x, np.eye(4)[np.arange(16) % 4], epochs=2, verbose=0)\n"
        "model.save('/tmp/back.keras')\n"
        "(base64.b64encode(open('/tmp/back.keras', 'rb').read()).decode(), model.predict(x, verbose=0).tolist())"
    )
    data, expected = eval(app.check(code))
    path = tmp_path / "back.keras"
    path.write_bytes(base64.b64decode(data))
    model = keras.models.load_model(path)
    x = np.random.default_rng(0).random((16, 8, 8, 1)).astype(np.float32)
    assert np.abs(np.asarray(model.predict(x, verbose=0)) - np.array(expected, np.float32)).max() <= 1e-5


def test_architecture_travels_as_keras_json(app):
    code = (
        "import pyapp\nfrom pyapp import layers\n"
        "a, b = pyapp.Input((6,)), pyapp.Input((3,))\n"
        "merged = layers.Concatenate()([layers.Dense(4, activation='relu')(a), b])\n"
        "model = pyapp.Model([a, b], layers.Dense(2, activation='softmax')(merged))\n"
        "(model.to_json(), model.count_params())"
    )
    text, params = eval(app.check(code))
    native = keras.models.model_from_json(text)
    assert native.count_params() == params
    back = app.check("import pyapp\n"
                     f"m = pyapp.models.model_from_json({native.to_json()!r})\n"
                     "(type(m).__name__, m.count_params(), [type(l).__name__ for l in m.layers])")
    assert eval(back) == ("Model", params, ["InputLayer", "InputLayer", "Dense", "Concatenate", "Dense"])
    error = app.run("import pyapp\npyapp.models.model_from_json('{not json')")["error"]
    assert error["type"] == "ValueError" and "not JSON" in error["message"]


def test_rnn_of_cells_trains_in_the_page_and_goes_back_to_keras(app, tmp_path):
    code = (
        "import base64, numpy as np, pyapp\nfrom pyapp import layers\n"
        "rng = np.random.default_rng(0)\n"
        "x = rng.normal(size=(32, 6, 3)).astype(np.float32)\n"
        "model = pyapp.Sequential([pyapp.Input((6, 3)),\n"
        "    layers.RNN([layers.LSTMCell(4), layers.GRUCell(3, reset_after=False)], return_sequences=True,\n"
        "               go_backwards=True),\n"
        "    layers.RNN(layers.SimpleRNNCell(3)), layers.Dense(2)])\n"
        "model.compile(optimizer='adam', loss='mse')\n"
        "history = model.fit(x, x[:, -1, :2], epochs=3, verbose=0)\n"
        "model.save('/tmp/rnn.keras')\n"
        "(base64.b64encode(open('/tmp/rnn.keras', 'rb').read()).decode(), model.predict(x, verbose=0).tolist(),\n"
        " history.history['loss'])"
    )
    data, expected, losses = eval(app.check(code))
    assert losses[-1] < losses[0], losses
    path = tmp_path / "rnn.keras"
    path.write_bytes(base64.b64decode(data))
    model = keras.models.load_model(path)
    assert [type(layer.cell).__name__ for layer in model.layers[:2]] == ["StackedRNNCells", "SimpleRNNCell"]
    x = np.random.default_rng(0).normal(size=(32, 6, 3)).astype(np.float32)
    assert np.abs(np.asarray(model.predict(x, verbose=0)) - np.array(expected, np.float32)).max() <= 1e-5
