"""`.keras` files keep the compile step (issue 14): pyapp writes `compile_config` as Keras 3
does, and `load_model` compiles from it, for files of pyapp (both writers: the page's,
`pyapp.io.write_keras`, and the native engine's, Keras itself) and of Keras 3. Checked
against Keras 3 on JAX: save in one, load in the other, evaluate gives the same results.
The page's side: tests/browser/test_pyapp_saving.py."""

import json
import os
import zipfile

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402

import pyapp  # noqa: E402
from pyapp import io as model_io  # noqa: E402
from pyapp.models import saving  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(96, 4)).astype("float32")
Y = RNG.integers(0, 3, 96)
Y2 = RNG.normal(size=(96, 2)).astype("float32")


def _compile_config(path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))["compile_config"]


def _page_save(model, path) -> None:
    """What `model.save(path)` writes in the page (pyapp.io's writer), here under CPython."""
    with open(path, "wb") as stream:
        stream.write(model_io.write_keras(saving._description_with_weights(model)))


def _keras_classifier():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)])
    return model


def _pyapp_classifier():
    model = pyapp.Sequential([pyapp.Input((4,)), pyapp.layers.Dense(8, activation="relu"),
                              pyapp.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=pyapp.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", pyapp.metrics.SparseTopKCategoricalAccuracy(k=2)])
    return model


def test_pyapp_writes_compile_config_as_keras_3_does(tmp_path):
    pyapp_model, keras_model = _pyapp_classifier(), _keras_classifier()
    _page_save(pyapp_model, tmp_path / "pyapp.keras")
    keras_model.save(tmp_path / "keras.keras")
    ours, theirs = _compile_config(tmp_path / "pyapp.keras"), _compile_config(tmp_path / "keras.keras")
    assert sorted(ours) == sorted(theirs)
    for key in ("module", "class_name", "registered_name"):
        assert ours["optimizer"][key] == theirs["optimizer"][key]
        assert ours["metrics"][1][key] == theirs["metrics"][1][key]
    written = ours["optimizer"]["config"]
    assert set(written) <= set(theirs["optimizer"]["config"])  # Keras' base arguments pyapp lacks are left out
    assert theirs["optimizer"]["config"]["name"].startswith(written.pop("name"))  # Keras numbers a second "adam_1"
    for key, value in written.items():
        expected = theirs["optimizer"]["config"][key]
        assert value == (pytest.approx(expected, rel=1e-6) if isinstance(expected, float) else expected), key
    assert ours["loss"] == theirs["loss"] == "sparse_categorical_crossentropy"
    assert ours["metrics"][0] == theirs["metrics"][0] == "accuracy"
    assert ours["metrics"][1]["config"]["k"] == theirs["metrics"][1]["config"]["k"] == 2


@pytest.mark.parametrize("writer", ["page", "native"])
def test_keras_3_loads_a_pyapp_file_compiled_with_the_same_results(tmp_path, writer):
    model = _pyapp_classifier()
    model.fit(X, Y, epochs=2, verbose=0)
    before = model.evaluate(X, Y, verbose=0)
    path = tmp_path / "model.keras"
    _page_save(model, path) if writer == "page" else model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.compiled
    np.testing.assert_allclose(loaded.evaluate(X, Y, verbose=0), before, rtol=1e-5)
    loaded.fit(X, Y, epochs=1, verbose=0)  # and it trains


def test_pyapp_loads_a_keras_3_file_compiled_with_the_same_results(tmp_path):
    model = _keras_classifier()
    model.fit(X, Y, epochs=2, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = pyapp.models.load_model(path)
    assert loaded.compiled and isinstance(loaded.optimizer, pyapp.optimizers.Adam)
    assert loaded.optimizer.learning_rate == pytest.approx(0.01)
    np.testing.assert_allclose(loaded.evaluate(X, Y, verbose=0), model.evaluate(X, Y, verbose=0), rtol=1e-5)
    history = loaded.fit(X, Y, epochs=1, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "sparse_top_k_categorical_accuracy"]
    assert not pyapp.models.load_model(path, compile=False).compiled


def test_functions_schedules_and_several_outputs_come_back_from_keras_3(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, [keras.layers.Dense(1, name="a")(inputs), keras.layers.Dense(2, name="b")(inputs)])
    schedule = keras.optimizers.schedules.ExponentialDecay(0.05, 10, 0.9)
    model.compile(optimizer=keras.optimizers.SGD(schedule, momentum=0.9),
                  loss=[keras.losses.mean_squared_error, keras.losses.Huber()], loss_weights={"a": 1.0, "b": 0.2},
                  metrics=[["mae"], [keras.metrics.mean_absolute_error, keras.metrics.RootMeanSquaredError()]])
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = pyapp.models.load_model(path)
    assert isinstance(loaded.optimizer.schedule, pyapp.optimizers.schedules.ExponentialDecay)
    ys = [Y2[:, :1], Y2]
    expected = model.evaluate(X, ys, verbose=0, return_dict=True)
    got = loaded.evaluate(X, ys, verbose=0, return_dict=True)
    assert sorted(got) == sorted(expected)
    for key in expected:
        assert got[key] == pytest.approx(float(expected[key]), rel=1e-5), key
    _page_save(loaded, tmp_path / "again.keras")  # and pyapp writes it back as Keras reads it
    again = keras.models.load_model(tmp_path / "again.keras")
    for key, value in again.evaluate(X, ys, verbose=0, return_dict=True).items():
        assert value == pytest.approx(float(expected[key]), rel=1e-5), key


@pytest.mark.parametrize("change, named", [
    (lambda c: c.update(loss={"module": "keras.losses", "class_name": "CategoricalFocalCrossentropy",
                              "config": {}, "registered_name": None}), "CategoricalFocalCrossentropy"),
    (lambda c: c.update(loss={"module": "my_project", "class_name": "MyLoss", "config": {},
                              "registered_name": "MyLoss"}), "MyLoss"),
    (lambda c: c["optimizer"]["config"].update(clipnorm=1.0), "clipnorm=1.0"),
    (lambda c: c["optimizer"].update(class_name="Lion"), "Lion"),
    (lambda c: c.update(metrics=["f1_score"]), "f1_score"),
    (lambda c: c.update(weighted_metrics=["mae"]), "weighted_metrics"),
])
def test_what_pyapp_cannot_compile_is_named(tmp_path, change, named):
    model = _keras_classifier()
    model.save(tmp_path / "model.keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    change(config["compile_config"])
    files["config.json"] = json.dumps(config)
    with zipfile.ZipFile(tmp_path / "changed.keras", "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match=f"compile_config: .*{named}.*compile=False"):
        pyapp.models.load_model(tmp_path / "changed.keras")
    assert not pyapp.models.load_model(tmp_path / "changed.keras", compile=False).compiled


@pytest.mark.parametrize("optimizer", [
    keras.optimizers.Adam(0.02, beta_1=0.8),
    keras.optimizers.SGD(0.1, momentum=0.5, nesterov=True),
    keras.optimizers.RMSprop(0.01, rho=0.8, centered=True),
    keras.optimizers.Adagrad(0.05, initial_accumulator_value=0.2),
], ids=lambda optimizer: type(optimizer).__name__)
def test_keras_optimizers_come_back_with_their_arguments(tmp_path, optimizer):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    model.save(tmp_path / "model.keras")
    loaded = pyapp.models.load_model(tmp_path / "model.keras").optimizer
    assert type(loaded).__name__ == type(optimizer).__name__
    written = _compile_config(tmp_path / "model.keras")["optimizer"]["config"]
    for key, value in loaded.get_config().items():
        assert value == pytest.approx(written[key]), key
