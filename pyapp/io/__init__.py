"""Models in and out: Keras 3 `.keras` files <-> TensorFlow.js layers models.

Pure Python (numpy, and `pyfive` to read HDF5), so it runs under CPython and in the page
alike; nothing here touches the JS bridge.

    from pyapp import io
    model_json, files = io.keras_to_tfjs("model.keras")        # model.json dict, {"group1-shard1of1.bin": bytes}
    io.save_tfjs(model_json, files, "out_dir/")
    keras_bytes = io.tfjs_to_keras("out_dir/model.json")        # or (model_json, files)

Layers are matched by order and class (as Keras 3 names weights), never guessed: an
unsupported layer or config, or a weight whose count or shape does not fit, raises
`ConversionError` (a ValueError) naming the layer. Optimizer state is not carried over.
"""

from __future__ import annotations

import json
import os

from ._formats import (KERAS_FORMAT_VERSION, Layer, Model, keras_config, model_from_artifacts, read_keras,
                       read_keras_weights, read_tfjs, tfjs_topology, tfjs_weights, write_keras, write_keras_weights,
                       write_tfjs)
from ._layers import tfjs_weight_names, weight_names
from ._layers import ConversionError, supported_layers

__all__ = ["ConversionError", "keras_to_tfjs", "tfjs_to_keras", "save_tfjs", "load_tfjs_dir",
           "keras_to_artifacts", "artifacts_to_keras", "supported_layers", "read_keras", "read_tfjs",
           "read_keras_weights", "write_keras", "write_keras_weights", "write_tfjs", "Model", "Layer",
           "KERAS_FORMAT_VERSION", "keras_config", "tfjs_topology",
           "tfjs_weights", "tfjs_weight_names", "weight_names"]


def keras_to_tfjs(source) -> tuple[dict, dict]:
    """A `.keras` file (path or bytes) as TF.js's model.json (a dict) and weight files {name: bytes}."""
    return write_tfjs(read_keras(source))


def load_tfjs_dir(model_json_path) -> tuple[dict, dict]:
    """model.json and the weight files it names, read from disk."""
    path = os.fspath(model_json_path)
    try:
        with open(path, "rb") as stream:
            text = stream.read()
    except FileNotFoundError:
        raise ConversionError(f"{path}: no such file") from None
    from ._formats import _json
    doc = _json(text, os.path.basename(path))
    folder = os.path.dirname(path)
    files = {}
    for group in doc.get("weightsManifest", []) if isinstance(doc, dict) else []:
        for name in group.get("paths", []):
            try:
                with open(os.path.join(folder, name), "rb") as stream:
                    files[name] = stream.read()
            except FileNotFoundError:
                raise ConversionError(f"weight file {name!r} named in model.json is missing "
                                      f"(looked in {folder or '.'})") from None
    return doc, files


def tfjs_to_keras(model_json, weight_files=None) -> bytes:
    """A TF.js layers model as the bytes of a `.keras` file.

    `model_json` is a path to model.json (its weight files are read beside it), or the
    model.json content (dict, str or bytes) with `weight_files` {name: bytes}.
    """
    if weight_files is None and isinstance(model_json, (str, os.PathLike)) and not str(model_json).lstrip().startswith("{"):
        model_json, weight_files = load_tfjs_dir(model_json)
    return write_keras(read_tfjs(model_json, weight_files or {}))


def save_tfjs(model_json: dict, weight_files: dict, folder) -> str:
    """Write model.json and its weight files into `folder`; returns model.json's path."""
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    for name, data in weight_files.items():
        with open(os.path.join(folder, name), "wb") as stream:
            stream.write(data)
    path = os.path.join(folder, "model.json")
    with open(path, "w") as stream:
        json.dump(model_json, stream)
    return path


def keras_to_artifacts(source) -> tuple[dict, list, bytes]:
    """A `.keras` file as TF.js ModelArtifacts parts: (modelTopology, weightSpecs, weightData bytes).

    These are what `tf.io.fromMemory({modelTopology, weightSpecs, weightData})` takes.
    """
    model = read_keras(source)
    specs, data = tfjs_weights(model)
    return tfjs_topology(model), specs, data


def artifacts_to_keras(topology, weight_specs: list, weight_data: bytes) -> bytes:
    """TF.js ModelArtifacts (as `tf.io.withSaveHandler` receives them) as the bytes of a `.keras` file."""
    from ._formats import _split_weights
    return write_keras(model_from_artifacts(topology, _split_weights(weight_specs, bytes(weight_data))))
