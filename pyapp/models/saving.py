"""Saving and loading models: `.keras` files and the browser's storage.

    model.save("model.keras")                  # a Keras 3 file, in the page and natively
    model.save("indexeddb://digits")           # this browser's storage (or "localstorage://digits")
    model.save("downloads://digits")           # digits.json + digits.weights.bin, as TF.js
    model = pyapp.models.load_model("model.keras")       # or "indexeddb://digits", or a TF.js model.json
    pyapp.models.list_models()                 # {"indexeddb://digits": {...}, ...}
    pyapp.models.delete_model("indexeddb://digits")

Every format goes through one description of a model, Keras 3's (`pyapp.io`): a model read
from any of them is rebuilt from the layer table with its weights, never run on random
weights, and a layer the table lacks is refused, naming it.

Natively (under CPython) the browser's storage is a folder, `~/.pyapp/models` (or
`PYAPP_MODEL_STORE`), holding `.keras` files, and `downloads://NAME` writes NAME.json and
NAME.weights.bin into the current folder: the same script runs in both places.
"""

from __future__ import annotations

import json
import os

from .. import backend
from .. import io as model_io
from ..layers import TABLE
from ..layers.input_layer import InputLayer
from .model import Model
from .sequential import Sequential

__all__ = ["clone_model", "delete_model", "list_models", "load_model", "load_weights", "model_from_config",
           "model_from_description", "model_from_json", "save_model", "save_weights"]

BROWSER_SCHEMES = ("indexeddb://", "localstorage://")
DOWNLOADS = "downloads://"  # TF.js's: NAME.json and NAME.weights.bin, offered as downloads


def model_from_description(description: model_io.Model) -> Model:
    """A pyapp model from `pyapp.io`'s description of a model; its weights, if it has them,
    go to the engine when the model is first used."""
    outputs, made = {}, {}
    for entry in description.layers:
        if entry.class_name == "InputLayer":
            outputs[entry.name] = InputLayer.from_canonical(entry.config).output
            continue
        try:
            layer = TABLE[entry.class_name].from_canonical(entry.config)
        except model_io.ConversionError:
            raise
        except (KeyError, ValueError, TypeError) as error:
            raise model_io.ConversionError(f"layer {entry.name!r} ({entry.class_name}): {error}") from None
        made[entry.name] = layer
        if description.kind == "Sequential":
            continue
        if len(entry.inbound_nodes) != 1:
            raise ValueError(f"layer {entry.name!r} is used {len(entry.inbound_nodes)} times: shared layers are not supported")
        parents = [outputs[ref[0]] for ref in entry.inbound_nodes[0]]
        outputs[entry.name] = layer(parents if len(parents) > 1 else parents[0])
    if description.kind == "Sequential":
        model = Sequential([outputs[description.layers[0].name], *made.values()], name=description.name)
    else:
        def structure(refs, keys):  # as the model was made: one tensor, a list, or a dict
            tensors = [outputs[ref[0]] for ref in refs]
            if keys is not None:
                return dict(zip(keys, tensors))
            return tensors if len(tensors) > 1 else tensors[0]

        model = Model(structure(description.inputs, description.input_keys),
                      structure(description.outputs, description.output_keys), name=description.name)
    model._pending_weights = {entry.name: entry.weights for entry in description.layers if entry.weights}
    return model


def model_from_config(config: dict) -> Model:
    """A new pyapp model (fresh weights) from a Keras 3 model config: `get_config()`'s, or
    the whole serialized model of `to_json()`."""
    from ..io._formats import _model_from_keras_config

    if isinstance(config, dict) and "class_name" not in config and "layers" in config:
        config = {"class_name": "Functional" if "input_layers" in config else "Sequential", "config": config}
    return model_from_description(_model_from_keras_config(config, None))


def clone_model(model: Model, input_tensors=None, clone_function=None, call_function=None,
                recursive: bool = False) -> Model:
    """A new model of the same architecture with fresh weights, as Keras' `clone_model`:
    each layer made anew from its config (same names, same `trainable`), not compiled.

    Args:
        model: a pyapp `Model` or `Sequential`.
        input_tensors, clone_function, call_function, recursive: Keras' ways to change
            the clone; pyapp supports their defaults only.

    >>> fresh = pyapp.models.clone_model(model)
    >>> fresh.compile(optimizer="adam", loss="mse")
    """
    if not isinstance(model, Model):
        raise TypeError(f"clone_model takes a pyapp model, got {type(model).__name__}")
    changed = [name for name, value in (("input_tensors", input_tensors), ("clone_function", clone_function),
                                        ("call_function", call_function), ("recursive", recursive)) if value]
    if changed:
        raise ValueError(f"clone_model: {changed} are not supported in pyapp (only the plain clone)")
    return model_from_config(model.get_config())


def model_from_json(text: str) -> Model:
    """A new pyapp model from `model.to_json()`, of pyapp or of Keras 3."""
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"model_from_json: not JSON ({error})") from None
    return model_from_config(config)


def _check_storage(path: str) -> None:
    needed = backend.engine().unreachable_storage(path)
    if needed:
        raise ValueError(f"{path}: {needed}")


def save_model(model: Model, path: str) -> None:
    """`model.save(path)`: see the module's docstring for the kinds of path."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"save: give a path (str), got {type(path).__name__}")
    path = os.fspath(path)
    if path.startswith((*BROWSER_SCHEMES, DOWNLOADS)):
        _check_storage(path)
        backend.engine().save_to_browser(model._engine(), path)
    elif path.endswith(".keras"):
        if backend.engine_name() == "keras" and backend.engine_available():
            backend.engine().save_keras(model._engine(), path)  # Keras 3 writes its own files
            return
        _write_whole(path, model_io.write_keras(_description_with_weights(model)))
    else:
        raise ValueError(f"save to {path!r}: give a path ending in .keras, or indexeddb://NAME, "
                         "localstorage://NAME or downloads://NAME")


def _description_with_weights(model: Model):
    description = model._description()
    if any(entry.weights is None for entry in description.layers if entry.class_name != "InputLayer"):
        model._engine()  # the engine makes the weights no one gave yet
        description = model._description()
    return description


def _write_whole(path: str, data: bytes) -> None:
    with open(path + ".tmp", "wb") as stream:
        stream.write(data)
    os.replace(path + ".tmp", path)  # never half a file under the name


def _weights_path(path, what: str) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{what}: give a path (str), got {type(path).__name__}")
    path = os.fspath(path)
    if not path.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={path}")
    return path


def save_weights(model: Model, path) -> None:
    """`model.save_weights(path)`: the weights as Keras 3 writes them (`keras.Model.load_weights`
    reads the file), in the page and natively."""
    path = _weights_path(path, "save_weights")
    _write_whole(path, model_io.write_keras_weights(_description_with_weights(model)))


def load_weights(model: Model, path) -> None:
    """`model.load_weights(path)`: weights from a Keras 3 `.weights.h5` file of the same architecture."""
    path = _weights_path(path, "load_weights")
    description = model._description(with_weights=False)
    model_io.read_keras_weights(description, _file_bytes(path))
    model._set_weights_by_layer({entry.name: entry.weights for entry in description.layers if entry.weights})


def load_model(path: str, compile: bool = False) -> Model:  # noqa: A002 - Keras' argument name
    """A model saved with `model.save(path)`, a Keras 3 `.keras` file, or a TF.js `model.json`.

    A file path is read from Python's file system if it is there, and otherwise, in the
    page, from the app's own folder (a model shipped in dist/, e.g. "models/digits.keras").
    """
    path = os.fspath(path)
    if path.startswith(BROWSER_SCHEMES):
        _check_storage(path)
        return model_from_description(backend.engine().load_from_browser(path))
    if path.startswith(DOWNLOADS):
        name = path.removeprefix(DOWNLOADS) or "model"
        raise ValueError(f"load_model({path!r}): downloads:// only saves. Give the downloaded {name}.json and "
                         f"{name}.weights.bin to Python (Open…, or drop them on the page), then load_model({name + '.json'!r})")
    if path.endswith(".keras"):
        return model_from_description(model_io.read_keras(_file_bytes(path)))
    if path.endswith(".json"):
        if os.path.exists(path):
            return model_from_description(model_io.read_tfjs(*model_io.load_tfjs_dir(path)))
        return model_from_description(backend.engine().load_from_app(path))
    raise ValueError(f"load_model({path!r}): give a .keras file, a TF.js model.json, "
                     "or indexeddb://NAME or localstorage://NAME")


def _file_bytes(path: str) -> bytes:
    if os.path.exists(path):
        with open(path, "rb") as stream:
            return stream.read()
    if backend.engine_name() != "tfjs":  # natively there is no app folder to look in
        raise FileNotFoundError(f"no such file: {path!r}")
    return backend.engine().fetch_app_file(path)


def list_models() -> dict:
    """The models saved in this browser: {url: {"date_saved", "bytes"}}."""
    return backend.engine().list_models()


def delete_model(url: str) -> None:
    if not url.startswith(BROWSER_SCHEMES):
        raise ValueError(f"delete_model({url!r}): give indexeddb://NAME or localstorage://NAME")
    if url not in list_models():
        raise ValueError(f"no saved model {url!r}; saved: {sorted(list_models())}")
    backend.engine().delete_model(url)
