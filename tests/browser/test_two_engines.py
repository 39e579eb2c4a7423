"""One model, two engines (issue 13): the same description runs on Keras 3 here and on
TF.js in the page, and `.keras` files move between them unchanged.

The engine is the same in both ways of opening the page, so these run in the served page.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "unit"))
os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
from layer_examples import EXAMPLES, keras_model, sample_inputs  # noqa: E402

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def page(browser, dist, server):
    """A served page of its own: the engine is the same from disk (tested there by the
    other modules), so these run once."""
    from conftest import open_app

    app = open_app(browser, dist, server, "served")
    yield app
    assert not app.errors and not app.log.problems, (app.errors, app.log.problems)
    app.page.context.close()


def put_file(app, name: str, data: bytes) -> None:
    app.check(f"import base64\nopen({name!r}, 'wb').write(base64.b64decode({base64.b64encode(data).decode()!r}))")


def get_file(app, name: str) -> bytes:
    return base64.b64decode(app.check(f"import base64\nbase64.b64encode(open({name!r}, 'rb').read()).decode()").strip("'"))


def page_predict(app, path: str, inputs: list[np.ndarray]) -> np.ndarray:
    """Loads `path` with pyapp's load_model in the page and predicts `inputs` there."""
    arrays = ", ".join(f"np.frombuffer(base64.b64decode({base64.b64encode(a.tobytes()).decode()!r}), "
                       f"dtype={a.dtype.name!r}).reshape({a.shape})" for a in inputs)
    out = app.check(f"import base64, numpy as np, pyapp\nm = pyapp.models.load_model({path!r})\n"
                    f"x = [{arrays}]\nout = m.predict(x if len(x) > 1 else x[0], verbose=0)\n"
                    "base64.b64encode(out.astype('float32').tobytes()).decode()")
    return np.frombuffer(base64.b64decode(out.strip("'")), dtype=np.float32)


@pytest.mark.parametrize("class_name", sorted(EXAMPLES))
def test_every_layer_of_the_table_goes_from_keras_to_the_page_and_back(page, class_name, tmp_path):
    model = keras_model(class_name)
    model.save(tmp_path / "native.keras")
    inputs = sample_inputs(class_name)
    expected = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    put_file(page, "native.keras", (tmp_path / "native.keras").read_bytes())
    got = page_predict(page, "native.keras", inputs)
    np.testing.assert_allclose(got, expected.ravel(), atol=TOLERANCE)
    page.check("m.save('back.keras')")
    (tmp_path / "back.keras").write_bytes(get_file(page, "back.keras"))
    back = keras.saving.load_model(tmp_path / "back.keras")
    for before, after in zip(model.get_weights(), back.get_weights()):
        assert np.array_equal(before, after), "weights bit for bit"
    assert f'"class_name": "{class_name}"' in json.dumps(back.get_config()), "the layer, or the RNN's cell"


SCRIPT = '''
import numpy as np
import pyapp
from pyapp import layers
from sklearn.datasets import load_digits

pyapp.utils.set_random_seed(0)
digits = load_digits()
x, y = (digits.data / 16).astype("float32"), digits.target
model = pyapp.Sequential([pyapp.Input((64,)), layers.Dense(32, activation="relu"), layers.BatchNormalization(),
                          layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = await model.fit(x[:1400], y[:1400], epochs=8, batch_size=32, verbose=0)
loss, accuracy = model.evaluate(x[1400:], y[1400:], verbose=0)
model.save("model.keras")
np.save("predictions.npy", model.predict(x[1400:], verbose=0))
print(f"accuracy {accuracy:.4f}")
'''


def test_one_script_natively_and_in_the_page_gives_interchangeable_keras_files(page, tmp_path):
    """The same script (with `await model.fit`, which works in both places) trains natively
    and in the page; each `.keras` predicts in the other place as it did where it was made."""
    from sklearn.datasets import load_digits

    # Natively: top-level await is the page's; a native script runs it in asyncio.
    native_script = "import asyncio\nasync def main():\n" + "".join(f"    {line}\n" for line in SCRIPT.splitlines()) \
        + "asyncio.run(main())\n"
    run = subprocess.run([sys.executable, "-c", native_script], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "KERAS_BACKEND": "jax"}, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    native_accuracy = float(run.stdout.split("accuracy ")[-1])
    page.check(SCRIPT)
    page_accuracy = float(page.check("accuracy"))
    assert native_accuracy >= 0.85 and page_accuracy >= 0.85
    assert abs(native_accuracy - page_accuracy) < 0.05, "within noise of each other"

    x_test = (load_digits().data / 16).astype("float32")[1400:]
    # The native file, in the page, predicts as Keras did.
    put_file(page, "native.keras", (tmp_path / "model.keras").read_bytes())
    native_predictions = np.load(tmp_path / "predictions.npy")
    np.testing.assert_allclose(page_predict(page, "native.keras", [x_test]), native_predictions.ravel(),
                               atol=TOLERANCE)
    # The page's file, in Keras, predicts as the page did.
    (tmp_path / "page.keras").write_bytes(get_file(page, "model.keras"))
    page_predictions = np.load(__import__("io").BytesIO(get_file(page, "predictions.npy")))
    in_keras = keras.saving.load_model(tmp_path / "page.keras").predict(x_test, verbose=0)
    np.testing.assert_allclose(in_keras, page_predictions, atol=TOLERANCE)


def test_the_page_runs_on_tfjs_and_distribution_is_native_only(page):
    assert page.check("import pyapp\npyapp.backend.engine_name()") == "'tfjs'"
    error = page.run("import pyapp\npyapp.distribution.list_devices()")["error"]
    assert error["type"] == "RuntimeError" and "native-only" in error["message"]


def _wrappers_and_own_layers_model():
    """A Keras 3 model of the wrappers in every merge mode and of the layers the page builds
    from TF.js ops (Normalization adapted per axis, given and inverted; Subtract; Resizing
    up and down, bilinear and nearest, cropped to the aspect ratio or not; CenterCrop of a
    larger image and of a smaller one, which Keras resizes)."""
    rng = np.random.default_rng(5)
    data = rng.normal(1, 2, size=(40, 5, 3)).astype(np.float32)
    inputs = keras.Input((5, 3))
    image = keras.Input((7, 6, 2))
    images = [keras.layers.Resizing(4, 9, interpolation="nearest")(image),
              keras.layers.Resizing(3, 2)(image),
              keras.layers.Resizing(10, 5, interpolation="nearest", crop_to_aspect_ratio=True)(image),
              keras.layers.Resizing(5, 11, crop_to_aspect_ratio=True)(image),
              keras.layers.CenterCrop(4, 3)(image),
              keras.layers.CenterCrop(9, 4)(image)]
    adapted = []
    for axis in (-1, None, (1, 2)):
        layer = keras.layers.Normalization(axis=axis)
        layer.adapt(data)
        adapted.append(layer(inputs))
    given = keras.layers.Normalization(mean=[0.5, -1.0, 2.0], variance=[4.0, 0.25, 1e-16], invert=True)(inputs)
    branches = [
        keras.layers.Bidirectional(keras.layers.LSTM(2), merge_mode="concat")(inputs),
        keras.layers.Bidirectional(keras.layers.GRU(2, reset_after=False, return_sequences=True),
                                   merge_mode="mul")(inputs),
        keras.layers.Bidirectional(keras.layers.SimpleRNN(2), merge_mode="ave")(adapted[0]),
        keras.layers.TimeDistributed(keras.layers.Dense(2, activation="relu"))(adapted[1]),
        keras.layers.Subtract()([adapted[2], given]),
    ]
    flat = [keras.layers.Flatten()(b) if len(b.shape) > 2 else b for b in branches + images]
    model = keras.Model([inputs, image], keras.layers.Dense(3)(keras.layers.Concatenate()(flat)))
    for layer in model.layers:  # trained-looking weights, not the initial ones
        if isinstance(layer, (keras.layers.Bidirectional, keras.layers.TimeDistributed, keras.layers.Dense)):
            layer.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in layer.get_weights()])
    return model, [rng.normal(1, 2, size=(6, 5, 3)).astype(np.float32), rng.random((6, 7, 6, 2)).astype(np.float32)]


def test_wrappers_and_the_layers_built_from_tfjs_ops_in_all_their_modes(page, tmp_path):
    model, x = _wrappers_and_own_layers_model()
    model.save(tmp_path / "native.keras")
    put_file(page, "wrapped.keras", (tmp_path / "native.keras").read_bytes())
    np.testing.assert_allclose(page_predict(page, "wrapped.keras", x), model.predict(x, verbose=0).ravel(),
                               atol=TOLERANCE)
    page.check("m.save('wrapped_back.keras')")
    (tmp_path / "back.keras").write_bytes(get_file(page, "wrapped_back.keras"))
    back = keras.saving.load_model(tmp_path / "back.keras")
    assert [w.dtype for w in back.weights] == [w.dtype for w in model.weights]  # Normalization's int32 count
    for before, after in zip(model.get_weights(), back.get_weights()):
        assert np.array_equal(before, after), "weights bit for bit"


PAGE_SCRIPT = '''
import numpy as np
import pyapp
from pyapp import layers

rng = np.random.default_rng(0)
x = rng.normal(3, 2, size=(64, 6, 2)).astype("float32")
y = (x[:, :, 0].mean(axis=1) > 3).astype("float32")
norm = layers.Normalization()
norm.adapt(x)
model = pyapp.Sequential([pyapp.Input((6, 2)), norm, layers.Bidirectional(layers.LSTM(4, return_sequences=True)),
                          layers.TimeDistributed(layers.Dense(2, activation="tanh")), layers.Flatten(),
                          layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
history = await model.fit(x, y, epochs=3, batch_size=16, verbose=0)
model.save("trained.keras")
np.save("x.npy", x)
np.save("predictions.npy", model.predict(x, verbose=0))

# Through TF.js's own saving (IndexedDB), where the layers' TF.js configs are what is kept.
images = pyapp.Input((6, 5, 2))
shrunk = layers.CenterCrop(4, 3)(layers.Resizing(8, 6, interpolation="nearest")(images))
other = layers.Resizing(4, 3, crop_to_aspect_ratio=True)(images)
both = pyapp.Model(images, layers.Flatten()(layers.subtract([shrunk, other])))
pictures = rng.random((3, 6, 5, 2)).astype("float32")
stored = []
for each in (model, both):
    data = x if each is model else pictures
    each.save("indexeddb://two-engines-own-layers")
    again = pyapp.models.load_model("indexeddb://two-engines-own-layers")
    stored.append(float(np.abs(again.predict(data, verbose=0) - each.predict(data, verbose=0)).max()))
([float(v) for v in history.history["loss"]], stored)
'''


def test_a_model_with_an_adapted_normalization_and_wrappers_trains_in_the_page_and_loads_in_keras(page, tmp_path):
    losses, stored = eval(page.check(PAGE_SCRIPT))
    assert len(losses) == 3 and losses[-1] < losses[0], losses
    assert stored == [0.0, 0.0], "the same predictions after IndexedDB"
    (tmp_path / "trained.keras").write_bytes(get_file(page, "trained.keras"))
    x = np.load(__import__("io").BytesIO(get_file(page, "x.npy")))
    predictions = np.load(__import__("io").BytesIO(get_file(page, "predictions.npy")))
    native = keras.saving.load_model(tmp_path / "trained.keras")
    norm = keras.layers.Normalization()
    norm.adapt(x)
    np.testing.assert_allclose(native.layers[0].get_weights()[0], norm.get_weights()[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(native.layers[0].get_weights()[1], norm.get_weights()[1], rtol=1e-5)
    np.testing.assert_allclose(native.predict(x, verbose=0), predictions, atol=TOLERANCE)
