"""The layer table under CPython: each entry against Keras 3 itself, and the one set of
layers that pyapp builds, loads and converts."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pyapp
from pyapp import io as model_io
from pyapp import layers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layer_examples import EXAMPLES, keras_model  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[2]
ENTRIES = sorted(set(layers.TABLE) - {"InputLayer"})


def test_every_layer_of_the_table_has_an_example():
    assert sorted(EXAMPLES) == ENTRIES


def test_layers_load_model_and_the_converter_accept_one_set():
    exported = {name for name in layers.__all__ if isinstance(getattr(layers, name), type)
                and issubclass(getattr(layers, name), layers.Layer) and name != "Layer"}
    assert exported == set(layers.TABLE) == set(model_io.supported_layers())


@pytest.mark.parametrize("class_name", ENTRIES)
def test_each_layer_is_what_keras_3_builds_from_its_config(class_name):
    """pyapp's config builds the same layer in Keras 3 (shapes, weights in order), and Keras'
    own config of it reads back into pyapp's config."""
    import keras
    args, shapes, _ = EXAMPLES[class_name]
    ours = layers.TABLE[class_name](**args)
    theirs = keras.layers.deserialize({"module": "keras.layers", "class_name": class_name, "config": ours.get_config(),
                                      "registered_name": None})
    batch_shapes = [(None, *shape) for shape in shapes]
    given = batch_shapes if len(shapes) > 1 else batch_shapes[0]
    ours.build(given)
    theirs.build(given)
    assert tuple(ours.output_shape) == tuple(theirs.compute_output_shape(given))
    assert [(name, tuple(shape)) for name, shape in ours.weight_specs(given)] == [
        (w.path.rsplit("/", 1)[-1], tuple(w.shape)) for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()
    back = layers.TABLE[class_name].from_config(theirs.get_config())
    assert back.canonical_config() == ours.canonical_config()


@pytest.mark.parametrize("class_name", ENTRIES)
def test_each_layer_converts_to_tfjs_and_back_unchanged(class_name):
    """Keras' .keras of a model with the layer -> TF.js model.json -> .keras: same weights,
    bit for bit, and same config (the page's TF.js reads that model.json: test_io_keras)."""
    model = keras_model(class_name)
    data = _keras_bytes(model)
    description = model_io.read_keras(data)
    back = model_io.read_tfjs(*model_io.write_tfjs(description))
    for before, after in zip(description.layers, back.layers):
        assert before.config == after.config, before.name
        assert all(np.array_equal(a, b) for a, b in zip(before.weights, after.weights)), before.name


def _keras_bytes(model) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.keras"
        model.save(path)
        return path.read_bytes()


# ---------------------------------------------------------------- a model, with no engine


NO_ENGINE = r'''
import sys
sys.modules["keras"] = None  # as if Keras were not installed
import json, numpy as np, pyapp
from pyapp import layers
inputs = pyapp.Input((8,))
hidden = layers.Dense(4, activation="relu", name="hidden")(inputs)
model = pyapp.Model(inputs, [layers.Dense(1, name="a")(hidden), layers.Dense(2, name="b")(hidden)])
lines = []
model.summary(print_fn=lines.append)
again = pyapp.models.model_from_json(model.to_json())
print(json.dumps({"params": model.count_params(), "again": again.count_params(),
                  "summary": lines[0], "config": model.get_config(), "engine": pyapp.backend.engine_name()}))
try:
    model.predict(np.zeros((1, 8)))
except ImportError as error:
    print(error)
'''


def test_config_summary_and_json_need_neither_a_browser_nor_keras():
    run = subprocess.run([sys.executable, "-c", NO_ENGINE], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    import json

    first, error = run.stdout.strip().split("\n", 1)
    result = json.loads(first)
    assert result["params"] == result["again"] == 8 * 4 + 4 + 5 + 10
    assert "hidden (Dense)" in result["summary"] and "Total params: 51" in result["summary"]
    assert [entry["class_name"] for entry in result["config"]["layers"]] == ["InputLayer", "Dense", "Dense", "Dense"]
    assert result["engine"] == "keras"
    assert 'pip install "pyapp[keras]"' in error


def test_model_config_is_keras_3s():
    import keras
    model = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(3, name="d"), layers.LayerNormalization(name="n")])
    native = keras.Sequential.from_config(model.get_config())
    assert [layer.name for layer in native.layers] == ["d", "n"] and native.count_params() == model.count_params()
    assert pyapp.models.model_from_config(native.get_config()).count_params() == model.count_params()


def test_refused_keras_configs_name_the_layer_and_the_reason():
    with pytest.raises(ValueError, match="GRU.*reset_after=False"):
        layers.GRU.from_config({"name": "g", "units": 2, "reset_after": True})
    with pytest.raises(ValueError, match="groups=2 cannot be expressed in TF.js"):
        layers.Conv2D.from_config({"name": "c", "filters": 2, "kernel_size": [3, 3], "groups": 2})
    with pytest.raises(ValueError, match="hard_sigmoid"):
        layers.Dense(2, activation="hard_sigmoid")
    with pytest.raises(ValueError, match="LeakyReLU"):
        layers.Dense(2, activation="leaky_relu")
    with pytest.raises(ValueError, match="return_state"):
        layers.LSTM(2, return_state=True)
    with pytest.raises(ValueError, match="float32"):
        layers.Dense(2, dtype="float64")
    with pytest.raises(ValueError, match="alpha=0.5 cannot be expressed"):  # found by the round trip in the page
        layers.ELU.from_config({"name": "e", "alpha": 0.5})
    with pytest.raises(ValueError, match="last axis only"):
        layers.Softmax(axis=1)


def test_regularizer_and_constraint_objects_are_keras_3s():
    import keras

    from pyapp import constraints, regularizers

    dense = layers.Dense(3, kernel_regularizer=regularizers.L2(1e-3), bias_regularizer=regularizers.l1_l2(l1=0.1),
                         kernel_constraint=constraints.MaxNorm(3), bias_constraint=constraints.NonNeg())
    theirs = keras.layers.Dense.from_config(dense.get_config())
    assert isinstance(theirs.kernel_regularizer, keras.regularizers.L2) and theirs.kernel_regularizer.l2 == 1e-3
    assert isinstance(theirs.bias_regularizer, keras.regularizers.L1L2) and theirs.bias_regularizer.l1 == 0.1
    assert isinstance(theirs.kernel_constraint, keras.constraints.MaxNorm) and theirs.kernel_constraint.max_value == 3
    assert isinstance(theirs.bias_constraint, keras.constraints.NonNeg)
    with pytest.raises(ValueError, match=">= 0"):
        regularizers.L2(-1)


def test_a_refused_keras_layer_says_why():
    import keras

    model = keras.Sequential([keras.Input((4, 4, 4, 1)), keras.layers.MaxPooling3D(2), keras.layers.Flatten()])
    with pytest.raises(model_io.ConversionError, match="'MaxPooling3D' is refused: TF.js 4.22's MaxPooling3D"):
        model_io.read_keras(_keras_bytes(model))
    assert set(layers.REFUSED).isdisjoint(layers.TABLE)
