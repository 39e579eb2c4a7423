"""pyapp.io under CPython: Keras 3 `.keras` <-> TF.js layers format, the HDF5 subset, bad files, the command.

The TF.js side is checked in the browser (tests/browser/test_io_keras.py); here Keras 3 (on
JAX) checks that what we write is what it reads, exactly.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pyapp import io as model_io  # noqa: E402
from pyapp.io._hdf5 import Group, read_h5, write_h5  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "jax")


# --------------------------------------------------------------------------- HDF5


def test_hdf5_writer_is_read_by_h5py_and_by_our_reader(tmp_path):
    import h5py
    rng = np.random.default_rng(0)
    root = Group()
    v = root.require("layers/dense/vars")
    v.attrs["name"] = "dense"
    v["0"] = rng.random((4, 3)).astype("float32")
    v["1"] = np.arange(3, dtype="float32")
    root.require("layers/flatten/vars").attrs["name"] = "flatten"
    root["f64"] = rng.random((2, 5))
    root["f16"] = np.ones(3, "float16")
    root["i32"] = np.array(7, "int32")
    root["empty"] = np.zeros((0, 4), "float32")
    data = write_h5(root)
    (tmp_path / "w.h5").write_bytes(data)
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert np.array_equal(f["layers/dense/vars/0"][()], v["0"])
        assert np.array_equal(f["f64"][()], root["f64"]) and f["f64"].dtype == np.float64
        assert f["f16"].dtype == np.float16 and f["i32"][()] == 7 and f["empty"].shape == (0, 4)
        assert f["layers/dense/vars"].attrs["name"] in (b"dense", "dense")
        assert list(f["layers/flatten/vars"].keys()) == []
    back = read_h5(data)
    assert np.array_equal(back.path("layers/dense/vars/0"), v["0"])
    assert back.path("layers/dense/vars").attrs == {"name": "dense"}
    assert back["i32"] == 7 and back["empty"].shape == (0, 4) and back["f16"].dtype == np.float16


def test_hdf5_reader_refuses_what_is_not_hdf5():
    with pytest.raises(ValueError, match="not an HDF5 file"):
        read_h5(b"hello")
    with pytest.raises(ValueError):
        read_h5(write_h5(Group({"a": np.ones(1000, "float32")}))[:600])


# --------------------------------------------------------------------------- Keras round trips


@pytest.fixture(autouse=True)
def fresh_keras_names():
    """Keras numbers layer names per process (dense, dense_1, ...); the browser tests build
    Keras models in this process too, so start each test from a clean slate."""
    if "keras" in sys.modules:
        sys.modules["keras"].utils.clear_session()


@pytest.fixture(scope="module")
def keras_models(tmp_path_factory):
    import keras  # noqa: F401,E402 - in the tools lock: a missing one fails
    import io_keras_models as models

    folder = tmp_path_factory.mktemp("models")
    out = {}
    for name, build in models.BUILDERS.items():
        model, inputs = build()
        model.save(folder / f"{name}.keras")
        out[name] = (folder / f"{name}.keras", model, inputs)
    return out


def _load(path):
    import keras

    return keras.saving.load_model(path)


NAMES = ["dense", "conv", "batchnorm", "lstm", "gru", "embedding", "functional", "misc", "rnn_cells",
         "category_encoding"]


@pytest.mark.parametrize("name", NAMES)
def test_keras_to_tfjs_and_back_is_exact(keras_models, name, tmp_path):
    import io_keras_models as models

    path, original, inputs = keras_models[name]
    model_json, files = model_io.keras_to_tfjs(path)
    assert model_json["format"] == "layers-model" and model_json["weightsManifest"][0]["paths"] == list(files)
    # The weights are TF.js's: "<layer>/<weight>", float32, in the bytes' order.
    names = [w["name"] for w in model_json["weightsManifest"][0]["weights"]]
    assert len(names) == len(original.get_weights()) and all("/" in n for n in names)
    assert sum(len(b) for b in files.values()) == sum(w.nbytes for w in original.get_weights())
    model_io.save_tfjs(model_json, files, tmp_path / "tfjs")
    (tmp_path / "back.keras").write_bytes(model_io.tfjs_to_keras(tmp_path / "tfjs" / "model.json"))
    back = _load(tmp_path / "back.keras")
    for a, b in zip(original.get_weights(), back.get_weights(), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert json.dumps(original.get_config(), sort_keys=True, default=str) == json.dumps(
        back.get_config(), sort_keys=True, default=str)
    for a, b in zip(models.predict(original, inputs), models.predict(back, inputs)):
        assert np.array_equal(a, b)


def test_tfjs_topology_matches_what_tfjs_expects(keras_models):
    """Sequential keeps an explicit InputLayer; functional uses TF.js's nested-list nodes and lists of outputs."""
    model_json, _ = model_io.keras_to_tfjs(keras_models["functional"][0])
    topo = model_json["modelTopology"]
    assert topo["class_name"] == "Model"
    layers = {layer["name"]: layer for layer in topo["config"]["layers"]}
    assert layers["features"]["config"]["batch_input_shape"] == [None, 4]
    assert layers["concatenate"]["inbound_nodes"] == [[["branch_a", 0, 0, {}], ["memory", 0, 0, {}]]]
    assert topo["config"]["output_layers"] == [["main", 0, 0], ["aux", 0, 0]]
    assert layers["memory"]["config"]["recurrent_activation"] == "sigmoid"
    seq, _ = model_io.keras_to_tfjs(keras_models["dense"][0])
    first = seq["modelTopology"]["config"]["layers"][0]
    assert first["class_name"] == "InputLayer" and first["config"]["batch_input_shape"] == [None, 6]


def test_tfjs_sequential_without_input_layer_and_with_default_names(tmp_path):
    """A model.json as TF.js's own model.save writes it (no InputLayer, batch_input_shape on layer 1)."""
    doc = {"format": "layers-model", "modelTopology": {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"units": 2, "activation": "linear", "use_bias": True,
                                           "kernel_initializer": {"class_name": "VarianceScaling", "config": {
                                               "scale": 1, "mode": "fan_avg", "distribution": "normal", "seed": None}},
                                           "bias_initializer": {"class_name": "Zeros", "config": {}},
                                           "kernel_regularizer": None, "bias_regularizer": None,
                                           "activity_regularizer": None, "kernel_constraint": None,
                                           "bias_constraint": None, "name": "dense_Dense1", "trainable": True,
                                           "batch_input_shape": [None, 3], "dtype": "float32"}}]}},
           "weightsManifest": [{"paths": ["w.bin"], "weights": [
               {"name": "dense_Dense1/kernel", "shape": [3, 2], "dtype": "float32"},
               {"name": "dense_Dense1/bias", "shape": [2], "dtype": "float32"}]}]}
    kernel = np.arange(6, dtype="float32").reshape(3, 2)
    bias = np.array([0.5, -1], "float32")
    data = model_io.tfjs_to_keras(doc, {"w.bin": kernel.tobytes() + bias.tobytes()})
    (tmp_path / "m.keras").write_bytes(data)
    import keras  # noqa: F401,E402 - in the tools lock: a missing one fails
    model = _load(tmp_path / "m.keras")
    x = np.array([[1, 2, 3]], "float32")
    assert np.allclose(model.predict(x, verbose=0), x @ kernel + bias)
    assert model.layers[0].kernel_initializer.__class__.__name__ == "GlorotNormal"


# --------------------------------------------------------------------------- refusals and bad files


def _tfjs(keras_models, name="dense"):
    return model_io.keras_to_tfjs(keras_models[name][0])


def test_truncated_model_json(keras_models):
    doc, files = _tfjs(keras_models)
    with pytest.raises(model_io.ConversionError, match="not valid JSON"):
        model_io.tfjs_to_keras(json.dumps(doc)[:-40], files)


def test_missing_weight_file(keras_models, tmp_path):
    doc, files = _tfjs(keras_models)
    model_io.save_tfjs(doc, files, tmp_path)
    for name in files:
        os.remove(tmp_path / name)
    with pytest.raises(model_io.ConversionError, match="group1-shard1of1.bin.*missing"):
        model_io.tfjs_to_keras(tmp_path / "model.json")
    with pytest.raises(model_io.ConversionError, match="missing"):
        model_io.tfjs_to_keras(doc, {})


def test_wrong_weight_sizes(keras_models):
    doc, files = _tfjs(keras_models)
    name = next(iter(files))
    with pytest.raises(model_io.ConversionError, match="bytes"):
        model_io.tfjs_to_keras(doc, {name: files[name][:-4]})
    # Right total size, wrong shape in the manifest: the layer is named.
    assert doc["weightsManifest"][0]["weights"][0]["shape"] == [6, 8]
    doc["weightsManifest"][0]["weights"][0]["shape"] = [8, 6]  # the same size
    with pytest.raises(model_io.ConversionError, match=r"layer 'dense' \(Dense\): weight 'kernel' has shape \(8, 6\)"):
        model_io.tfjs_to_keras(doc, files)


def test_unknown_layer_class(keras_models, tmp_path):
    doc, files = _tfjs(keras_models)
    doc["modelTopology"]["config"]["layers"][1]["class_name"] = "GroupNormalization"
    with pytest.raises(model_io.ConversionError, match="layer 'dense'.*'GroupNormalization' is not supported"):
        model_io.tfjs_to_keras(doc, files)
    # The same in a .keras file.
    data = Path(keras_models["dense"][0]).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        config = json.loads(z.read("config.json"))
        rest = {n: z.read(n) for n in z.namelist() if n != "config.json"}
    config["config"]["layers"][1]["class_name"] = "MyLayer"
    config["config"]["layers"][1]["registered_name"] = "Custom>MyLayer"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("config.json", json.dumps(config))
        for n, b in rest.items():
            z.writestr(n, b)
    with pytest.raises(model_io.ConversionError, match="custom layer class 'Custom>MyLayer'"):
        model_io.keras_to_tfjs(out.getvalue())


def test_files_that_are_not_keras_files(tmp_path):
    with pytest.raises(model_io.ConversionError, match="not a zip"):
        model_io.keras_to_tfjs(b"PK\x03\x04 truncated")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(model_io.ConversionError, match="not a .keras file.*readme.txt"):
        model_io.keras_to_tfjs(out.getvalue())


def test_keras_weights_that_do_not_fit(keras_models):
    data = Path(keras_models["dense"][0]).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    weights = read_h5(parts["model.weights.h5"])
    weights.path("layers/dense/vars")["0"] = np.zeros((6, 5), "float32")  # units are 8
    parts["model.weights.h5"] = write_h5(weights)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    with pytest.raises(model_io.ConversionError, match=r"layer 'dense' \(Dense\): weight 'kernel' has shape \(6, 5\)"):
        model_io.keras_to_tfjs(out.getvalue())
    del weights.path("layers/dense/vars")["1"]
    weights.path("layers/dense/vars")["0"] = np.zeros((6, 8), "float32")
    parts["model.weights.h5"] = write_h5(weights)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    with pytest.raises(model_io.ConversionError, match="expected 2 weights"):
        model_io.keras_to_tfjs(out.getvalue())


def test_hard_sigmoid_and_reset_after_are_refused_not_changed(tmp_path):
    import keras  # noqa: E402 - after KERAS_BACKEND
    L = keras.layers
    m = keras.Sequential([keras.Input((4, 2)), L.LSTM(3, recurrent_activation="hard_sigmoid")])
    m.save(tmp_path / "hs.keras")
    with pytest.raises(model_io.ConversionError, match="hard_sigmoid"):
        model_io.keras_to_tfjs(tmp_path / "hs.keras")
    m = keras.Sequential([keras.Input((4, 2)), L.GRU(3)])  # reset_after=True, Keras 3's default
    m.save(tmp_path / "gru.keras")
    with pytest.raises(model_io.ConversionError, match="reset_after=True"):
        model_io.keras_to_tfjs(tmp_path / "gru.keras")
    m = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="leaky_relu")])
    m.save(tmp_path / "lr.keras")
    with pytest.raises(model_io.ConversionError, match="leaky_relu"):
        model_io.keras_to_tfjs(tmp_path / "lr.keras")


def test_tfjs_hard_sigmoid_is_refused(keras_models):
    doc, files = _tfjs(keras_models, "lstm")
    for layer in doc["modelTopology"]["config"]["layers"]:
        if layer["class_name"] == "LSTM":
            layer["config"]["recurrent_activation"] = "hard_sigmoid"
    with pytest.raises(model_io.ConversionError, match="hard_sigmoid.*clip\\(0.2x"):
        model_io.tfjs_to_keras(doc, files)


def test_optimizer_state_is_dropped(keras_models):
    data = Path(keras_models["dense"][0]).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "optimizer" in read_h5(z.read("model.weights.h5"))
    doc, files = _tfjs(keras_models)
    assert all(not w["name"].startswith("optimizer") for w in doc["weightsManifest"][0]["weights"])


# --------------------------------------------------------------------------- the command


def test_command_both_ways(keras_models, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    src = keras_models["functional"][0]
    run = subprocess.run([sys.executable, "-m", "pyapp.convert", str(src), str(tmp_path / "out")],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "model.json").exists() and (tmp_path / "out" / "group1-shard1of1.bin").exists()
    run = subprocess.run([sys.executable, "-m", "pyapp.convert", str(tmp_path / "out" / "model.json"),
                          str(tmp_path / "back.keras")], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    back = _load(tmp_path / "back.keras")
    for a, b in zip(keras_models["functional"][1].get_weights(), back.get_weights(), strict=True):
        assert np.array_equal(a, b)
    (tmp_path / "bad.keras").write_bytes(b"nope")
    run = subprocess.run([sys.executable, "-m", "pyapp.convert", str(tmp_path / "bad.keras"), str(tmp_path / "x")],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 1 and "not a zip archive" in run.stderr and "Traceback" not in run.stderr
