"""Models between native Keras 3 (CPython + JAX) and TF.js in the page, both ways (issue 6).

Keras trains a model here; the page converts the `.keras` bytes with `pyapp.io` (pure
Python in Pyodide, pyfive reading the HDF5), loads it into TF.js with
`tf.loadLayersModel(tf.io.fromMemory(...))`, predicts, saves it again with
`tf.io.withSaveHandler`, and converts that back to `.keras` bytes. The test compares
TF.js's predictions with Keras' (max abs diff <= 1e-5) and the returned `.keras` with the
original (weights bit for bit, same config). The reverse: a model built and trained by TF.js
in the page goes to Keras.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402 - after KERAS_BACKEND
import io_keras_models as models  # noqa: E402

TOLERANCE = 1e-5
MEASURED: dict[str, float] = {}

# Helpers defined in the page for each test: arrays cross as base64 of their raw bytes.
PAGE_HELPERS = r'''
import base64, json
import numpy as np
from js import tf, Object, Uint8Array, Float32Array, Int32Array, JSON, Date
from pyodide.ffi import to_js, create_proxy
from pyapp import io as model_io
from pyapp.backend import _tfjs_engine

_tfjs_engine.register_layers()  # TF.js's loader builds pyapp's own layers (CategoryEncoding), as pyapp's engine does

def _js(value):
    return to_js(value, dict_converter=Object.fromEntries)

def _array(spec):
    raw = base64.b64decode(spec["data"])
    return np.frombuffer(raw, dtype=spec["dtype"]).reshape(spec["shape"])

def _tensor(a):
    typed = (Int32Array if a.dtype.kind in "iu" else Float32Array).new(a.size)
    typed.assign(np.ascontiguousarray(a, dtype="int32" if a.dtype.kind in "iu" else "float32").ravel())
    return tf.tensor(typed, _js(list(a.shape)), "int32" if a.dtype.kind in "iu" else "float32")

def _out(t):
    a = np.asarray(t.dataSync().to_py(), dtype="float32").reshape(list(t.shape.to_py()))
    return {"shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode()}

async def load_artifacts(topology, specs, data):
    buf = Uint8Array.new(len(data))
    buf.assign(data)
    # Through JSON: to_js would turn None into undefined, which TF.js does not take for null.
    artifacts = JSON.parse(json.dumps({"modelTopology": topology, "weightSpecs": specs}))
    artifacts.weightData = buf.buffer
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts))

def predict(model, inputs):
    tensors = [_tensor(_array(x)) for x in inputs]
    result = model.predict(tensors[0] if len(tensors) == 1 else _js(tensors))
    outs = list(result) if len(model.outputs) > 1 else [result]
    values = [_out(t) for t in outs]
    for t in tensors + outs:
        t.dispose()
    return values

async def save_artifacts(model):
    captured = {}
    def handler(artifacts):
        captured["a"] = artifacts
        return _js({"modelArtifactsInfo": {"dateSaved": Date.new(), "modelTopologyType": "JSON"}})
    proxy = create_proxy(handler)
    try:
        await model.save(tf.io.withSaveHandler(proxy))
    finally:
        proxy.destroy()
    a = captured["a"]
    data = a.weightData
    if not hasattr(data, "byteLength"):
        data = tf.io.CompositeArrayBuffer.join(data)
    return (json.loads(JSON.stringify(a.modelTopology)), json.loads(JSON.stringify(a.weightSpecs)),
            Uint8Array.new(data).to_bytes())
'''


def _encode(array: np.ndarray) -> dict:
    array = np.ascontiguousarray(array)
    return {"shape": list(array.shape), "dtype": array.dtype.str, "data": base64.b64encode(array.tobytes()).decode()}


def _decode(spec: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(spec["data"]), dtype="float32").reshape(spec["shape"])


@pytest.fixture(scope="session")  # one Keras build for both modes
def trained(tmp_path_factory):
    """Every test model, trained in Keras: (.keras bytes, inputs, Keras predictions, model)."""
    folder = tmp_path_factory.mktemp("keras")
    out = {}
    for name, build in models.BUILDERS.items():
        model, inputs = build()
        path = folder / f"{name}.keras"
        model.save(path)
        inputs = inputs if isinstance(inputs, list) else [inputs]
        out[name] = (path.read_bytes(), inputs, models.predict(model, inputs), model)
    return out


def _load_keras_bytes(data: bytes, tmp_path: Path, name: str):
    path = tmp_path / f"{name}.keras"
    path.write_bytes(data)
    return keras.saving.load_model(path)


def _config(model) -> str:
    config = model.get_config()
    for layer in config["layers"]:
        if layer["class_name"] == "LayerNormalization":
            # TF.js saves the axis it resolved when built ([3] for [-1] on 4-D input): same layer.
            layer["config"].pop("axis")
        cell = layer["config"].get("cell") or {}
        if cell.get("class_name") == "StackedRNNCells":
            # TF.js's StackedRNNCells.fromConfig drops the stack's name and names it anew; Keras
            # uses it for nothing it saves (its cells' weights are filed by their class).
            cell["config"].pop("name")
    return json.dumps(config, sort_keys=True, default=str)


def _configs_equal(a, b) -> bool:
    return _config(a) == _config(b)


@pytest.mark.parametrize("name", list(models.BUILDERS))
def test_keras_model_runs_in_the_page_and_comes_back_exactly(app, trained, name, tmp_path):
    keras_bytes, inputs, expected, original = trained[name]
    code = PAGE_HELPERS + f'''
keras_bytes = base64.b64decode({base64.b64encode(keras_bytes).decode()!r})
topology, specs, data = model_io.keras_to_artifacts(keras_bytes)
model = await load_artifacts(topology, specs, data)
outputs = predict(model, {json.dumps([_encode(x) for x in inputs])})
topology2, specs2, data2 = await save_artifacts(model)
back = model_io.artifacts_to_keras(topology2, specs2, data2)
model.dispose()
{{"outputs": outputs, "keras": base64.b64encode(back).decode()}}
'''
    reply = ast.literal_eval(app.check(code))
    got = [_decode(o) for o in reply["outputs"]]
    assert len(got) == len(expected)
    diff = max(float(np.abs(g - e).max()) for g, e in zip(got, expected))
    MEASURED[f"{name} ({app.mode})"] = diff
    print(f"\n{name} ({app.mode}, {app.info['backend']}): max abs diff TF.js vs Keras = {diff:.3g}")
    assert diff <= TOLERANCE, f"{name}: TF.js predictions differ from Keras by {diff}"

    # .keras -> page -> .keras: the same weights bit for bit, the same config, the same predictions.
    back = _load_keras_bytes(base64.b64decode(reply["keras"]), tmp_path, name)
    assert len(back.get_weights()) == len(original.get_weights())
    for a, b in zip(original.get_weights(), back.get_weights()):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    assert _configs_equal(original, back)
    for a, b in zip(expected, models.predict(back, inputs)):
        assert np.array_equal(a, b)


def test_converted_files_from_the_command_load_in_the_page(app, trained, tmp_path):
    """`python3 -m pyapp.convert model.keras out/` output (model.json + shards) loads in TF.js."""
    from pyapp import convert

    keras_bytes, inputs, expected, _ = trained["functional"]
    (tmp_path / "m.keras").write_bytes(keras_bytes)
    model_json = Path(convert.convert(str(tmp_path / "m.keras"), str(tmp_path / "out")))
    doc = json.loads(model_json.read_text())
    shards = {p: base64.b64encode((model_json.parent / p).read_bytes()).decode()
              for g in doc["weightsManifest"] for p in g["paths"]}
    code = PAGE_HELPERS + f'''
doc = json.loads({json.dumps(doc)!r})
shards = {shards!r}
data = b"".join(base64.b64decode(shards[p]) for g in doc["weightsManifest"] for p in g["paths"])
specs = [w for g in doc["weightsManifest"] for w in g["weights"]]
model = await load_artifacts(doc["modelTopology"], specs, data)
outputs = predict(model, {json.dumps([_encode(x) for x in inputs])})
model.dispose()
outputs
'''
    got = [_decode(o) for o in ast.literal_eval(app.check(code))]
    diff = max(float(np.abs(g - e).max()) for g, e in zip(got, expected))
    assert diff <= TOLERANCE


REVERSE = r'''
def L(kind, **config):
    return getattr(tf.layers, kind)(_js(config))

rng = np.random.default_rng(11)
x_img = rng.normal(size=(32, 8, 8, 1)).astype("float32")
x_seq = rng.normal(size=(32, 5, 3)).astype("float32")
y = rng.random((32, 2)).astype("float32")

img = tf.input(_js({"shape": [8, 8, 1], "name": "img"}))
seq = tf.input(_js({"shape": [5, 3], "name": "seq"}))
a = L("conv2d", filters=3, kernelSize=3, activation="relu").apply(img)
a = L("maxPooling2d", poolSize=2).apply(a)
a = L("batchNormalization").apply(a)
a = L("flatten").apply(a)
a = L("dropout", rate=0.2).apply(a)
b = L("lstm", units=4, recurrentActivation="sigmoid", returnSequences=True).apply(seq)
b = L("gru", units=3, recurrentActivation="sigmoid").apply(b)
c = L("concatenate").apply(_js([a, b]))
out = L("dense", units=2, activation="tanh").apply(c)
model = tf.model(_js({"inputs": [img, seq], "outputs": out}))
# Trained on the CPU backend: TF.js as a Keras user would train it outside this app (whose
# WASM backend adds the Conv2D gradients TF.js lacks, static/worker/wasm_gradients.js).
previous_backend = tf.getBackend()
await tf.setBackend("cpu")
model.compile(_js({"optimizer": "adam", "loss": "meanSquaredError"}))
xt = [_tensor(x_img), _tensor(x_seq)]
yt = _tensor(y)
await model.fit(_js(xt), yt, _js({"epochs": 3, "batchSize": 8, "verbose": 0}))
for t in xt + [yt]:
    t.dispose()
inputs = [{"shape": list(v.shape), "dtype": v.dtype.str, "data": base64.b64encode(v[:6].tobytes()).decode()} for v in (x_img, x_seq)]
for spec, v in zip(inputs, (x_img, x_seq)):
    spec["shape"][0] = 6
outputs = predict(model, inputs)
topology, specs, data = await save_artifacts(model)
keras_bytes = model_io.artifacts_to_keras(topology, specs, data)
model.dispose()
await tf.setBackend(previous_backend)
({"outputs": outputs, "keras": base64.b64encode(keras_bytes).decode(),
  "x_img": base64.b64encode(x_img[:6].tobytes()).decode(), "x_seq": base64.b64encode(x_seq[:6].tobytes()).decode()})
'''


def test_model_trained_in_the_page_loads_in_keras(app, tmp_path):
    reply = ast.literal_eval(app.check(PAGE_HELPERS + REVERSE))
    model = _load_keras_bytes(base64.b64decode(reply["keras"]), tmp_path, "from_page")
    x_img = np.frombuffer(base64.b64decode(reply["x_img"]), dtype="float32").reshape(6, 8, 8, 1)
    x_seq = np.frombuffer(base64.b64decode(reply["x_seq"]), dtype="float32").reshape(6, 5, 3)
    got = models.predict(model, [x_img, x_seq])[0]
    page = _decode(reply["outputs"][0])
    diff = float(np.abs(got - page).max())
    MEASURED[f"page->keras ({app.mode})"] = diff
    print(f"\npage -> Keras ({app.mode}, {app.info['backend']}): max abs diff = {diff:.3g}")
    assert diff <= TOLERANCE


def test_page_refuses_what_it_cannot_convert_exactly(app):
    code = PAGE_HELPERS + r'''
errors = []
m = tf.sequential()
m.add(tf.layers.lstm(_js({"units": 2, "inputShape": [3, 2]})))   # TF.js default: hardSigmoid
topology, specs, data = await save_artifacts(m)
try:
    model_io.artifacts_to_keras(topology, specs, data)
except model_io.ConversionError as error:
    errors.append(str(error))
try:
    model_io.artifacts_to_keras(topology, specs, data[:-4])
except model_io.ConversionError as error:
    errors.append(str(error))
try:
    model_io.keras_to_artifacts(b"PK\x03\x04 not really a zip")
except model_io.ConversionError as error:
    errors.append(str(error))
m.dispose()
errors
'''
    errors = ast.literal_eval(app.check(code))
    assert len(errors) == 3, errors
    assert "hard_sigmoid" in errors[0] and "lstm" in errors[0]
    assert "bytes" in errors[1]
    assert "not a .keras file" in errors[2]
