"""Saving and loading models: `.keras` files and the browser's storage.

    model.save("indexeddb://digits")           # or "localstorage://digits", or "model.keras"
    model.save("downloads://digits")           # digits.json + digits.weights.bin, as TF.js
    model = pyapp.models.load_model("indexeddb://digits")
    pyapp.models.list_models()                 # {"indexeddb://digits": {...}, ...}
    pyapp.models.delete_model("indexeddb://digits")

Every format goes through one description of a model, Keras 3's (`pyapp.io`): a saved
model is rebuilt as pyapp layers with their weights, never run on random weights.
"""

from __future__ import annotations

import inspect
import json
import os

from .. import io as model_io
from .. import layers as layers_module
from ..layers.input_layer import Input
from .model import Model, _bridge
from .sequential import Sequential

BROWSER_SCHEMES = ("indexeddb://", "localstorage://")
DOWNLOADS = "downloads://"  # TF.js's: NAME.json and NAME.weights.bin, offered as downloads

# Keras config keys pyapp does not take, with the only value it can honour.
_DEFAULTS = {"data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "kernel_regularizer": None,
             "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
             "bias_constraint": None, "recurrent_regularizer": None, "recurrent_constraint": None,
             "embeddings_regularizer": None, "embeddings_constraint": None, "noise_shape": None,
             "quantization_config": None, "mask_zero": False, "dropout": 0.0, "recurrent_dropout": 0.0,
             "return_state": False, "go_backwards": False, "stateful": False, "unroll": False,
             "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
             "gamma_constraint": None, "synchronized": False, "input_length": None, "seed": None,
             "moving_mean_initializer": "zeros", "moving_variance_initializer": "ones",
             "beta_initializer": "zeros", "gamma_initializer": "ones", "use_cudnn": "auto", "lora_rank": None,
             "zero_output_for_mask": False, "keepdims": False, "implementation": 2,
             "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99}
_IGNORED = {"trainable", "dtype", "name", "ragged", "sparse", "optional", "batch_shape", "input_shape"}


def _initializer_name(value):
    if isinstance(value, dict):
        class_name = value.get("class_name", "")
        return "".join("_" + c.lower() if c.isupper() else c for c in class_name).lstrip("_").replace("le_cun", "lecun")
    return value


def layer_from_keras_config(class_name: str, config: dict):
    """A pyapp layer from a Keras 3 layer config; what pyapp cannot honour is refused."""
    cls = getattr(layers_module, class_name, None)
    if cls is None or not isinstance(cls, type):
        raise ValueError(f"layer {config.get('name')!r}: class {class_name!r} is not a pyapp layer")
    parameters = inspect.signature(cls.__init__).parameters
    accepted = set(parameters) | set(inspect.signature(layers_module.Layer.__init__).parameters)
    for base in cls.__mro__:
        if "__init__" in vars(base):
            accepted |= set(inspect.signature(base.__init__).parameters)
    kwargs = {"name": config.get("name"), "trainable": config.get("trainable", True)}
    for key, value in config.items():
        if key in _IGNORED:
            continue
        if key.endswith("_initializer"):
            value = _initializer_name(value)
        if key in accepted:
            kwargs[key] = tuple(value) if isinstance(value, list) and key in ("kernel_size", "strides", "pool_size",
                                                                               "target_shape") else value
        elif key in _DEFAULTS:
            default = _DEFAULTS[key]
            if key == "dilation_rate" and all(rate == 1 for rate in value):
                continue
            if value != default and _initializer_name(value) != default:
                raise ValueError(f"layer {config.get('name')!r} ({class_name}): {key}={value!r} is not supported "
                                 f"by pyapp (only {default!r})")
        else:
            raise ValueError(f"layer {config.get('name')!r} ({class_name}): unknown setting {key}={value!r}")
    return cls(**kwargs)


def model_from_description(description: model_io.Model) -> Model:
    """A pyapp model, with its weights, from `pyapp.io`'s description of a model."""
    outputs = {}
    for entry in description.layers:
        if entry.class_name == "InputLayer":
            shape = entry.config["batch_shape"]
            outputs[entry.name] = Input(batch_shape=tuple(shape), dtype=entry.config.get("dtype"), name=entry.name)
            continue
        layer = layer_from_keras_config(entry.class_name, entry.config)
        entry.pyapp_layer = layer
        if description.kind == "Sequential":
            continue
        if len(entry.inbound_nodes) != 1:
            raise ValueError(f"layer {entry.name!r} is used {len(entry.inbound_nodes)} times: shared layers are not supported")
        parents = [outputs[ref[0]] for ref in entry.inbound_nodes[0]]
        outputs[entry.name] = layer(parents if len(parents) > 1 else parents[0])
    if description.kind == "Sequential":
        model = Sequential([outputs[description.layers[0].name]], name=description.name)
        for entry in description.layers[1:]:
            model.add(entry.pyapp_layer)
    else:
        inputs = [outputs[ref[0]] for ref in description.inputs]
        outs = [outputs[ref[0]] for ref in description.outputs]
        model = Model(inputs if len(inputs) > 1 else inputs[0], outs if len(outs) > 1 else outs[0],
                      name=description.name)
    weights = [array for entry in description.layers for array in entry.weights]
    if weights:  # an architecture alone (model_from_json) keeps its fresh weights
        model.set_weights(weights)
    return model


def model_config(model: Model) -> dict:
    """The model's architecture in Keras 3's format (what `keras.Model.get_config` gives)."""
    from ..io._formats import _split_weights, keras_config

    topology, specs, data = _artifacts(model)
    return keras_config(model_io.model_from_artifacts(topology, _split_weights(specs, data)))


def model_from_config(config: dict) -> Model:
    """A new pyapp model (fresh weights) from a Keras 3 model config."""
    from ..io._formats import _model_from_keras_config

    return model_from_description(_model_from_keras_config(config, None))


def model_from_json(text: str) -> Model:
    """A new pyapp model from `model.to_json()`, of pyapp or of Keras 3."""
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"model_from_json: not JSON ({error})") from None
    return model_from_config(config)


def _artifacts(model: Model):
    """TF.js's ModelArtifacts of a model: (topology, weight specs, weight bytes)."""
    bridge = _bridge()
    artifacts = bridge.run_async_blocking(bridge.save_artifacts(model._tfjs()))
    return artifacts.modelTopology.to_py(), artifacts.weightSpecs.to_py(), artifacts.weightData.to_bytes()


def _check_storage(path: str) -> None:
    needed = _bridge().unreachable_storage(path)
    if needed:
        instead = "indexeddb://" + path.split("://", 1)[1] if needed == "localStorage" else "a .keras file"
        raise ValueError(f"{path}: there is no {needed} where Python runs here (a Web Worker outside the "
                         f"pyapp page); save to {instead} instead")


def save_model(model: Model, path: str) -> None:
    _check_storage(path)
    if path.startswith((*BROWSER_SCHEMES, DOWNLOADS)):
        _bridge().save_to_browser(model._tfjs(), path)
    elif path.endswith(".keras"):
        topology, specs, data = _artifacts(model)
        keras_bytes = model_io.artifacts_to_keras(topology, specs, data)
        with open(path, "wb") as stream:
            stream.write(keras_bytes)
    else:
        raise ValueError(f"save to {path!r}: give a path ending in .keras, or indexeddb://NAME, "
                         "localstorage://NAME or downloads://NAME")


def load_model(path: str, compile: bool = False) -> Model:  # noqa: A002 - Keras' argument name
    """A model saved with `model.save(path)`, a Keras 3 `.keras` file, or a TF.js `model.json`.

    A file path is read from Python's file system if it is there, and otherwise from the
    app's own folder (a model shipped in dist/, e.g. "models/digits.keras").
    """
    _check_storage(path)
    if path.startswith(BROWSER_SCHEMES):
        return _from_artifacts(_bridge().load_artifacts(path))
    if path.startswith(DOWNLOADS):
        name = path.removeprefix(DOWNLOADS) or "model"
        raise ValueError(f"load_model({path!r}): downloads:// only saves. Give the downloaded {name}.json and "
                         f"{name}.weights.bin to Python (Open…, or drop them on the page), then load_model({name + '.json'!r})")
    if path.endswith(".keras"):
        return model_from_description(model_io.read_keras(_file_bytes(path)))
    if path.endswith(".json"):
        if os.path.exists(path):
            return model_from_description(model_io.read_tfjs(*model_io.load_tfjs_dir(path)))
        return _from_artifacts(_bridge().load_http_artifacts(path))
    raise ValueError(f"load_model({path!r}): give a .keras file, a TF.js model.json, "
                     "or indexeddb://NAME or localstorage://NAME")


def _from_artifacts(artifacts: tuple) -> Model:
    """A model from TF.js's (topology, weight specs, weight bytes), read directly (not
    through a `.keras` file written and read back)."""
    from ..io._formats import _split_weights

    topology, specs, data = artifacts
    return model_from_description(model_io.model_from_artifacts(topology, _split_weights(specs, bytes(data))))


def _file_bytes(path: str) -> bytes:
    if os.path.exists(path):
        with open(path, "rb") as stream:
            return stream.read()
    try:
        fetch = _bridge().fetch_app_file
    except ImportError:  # CPython: there is no app folder to look in.
        raise FileNotFoundError(f"no such file: {path!r}") from None
    return fetch(path)


def list_models() -> dict:
    """The models saved in this browser: {url: {"date_saved", "bytes"}}."""
    return _bridge().list_models()


def delete_model(url: str) -> None:
    if not url.startswith(BROWSER_SCHEMES):
        raise ValueError(f"delete_model({url!r}): give indexeddb://NAME or localstorage://NAME")
    if url not in list_models():
        raise ValueError(f"no saved model {url!r}; saved: {sorted(list_models())}")
    _bridge().delete_model(url)
