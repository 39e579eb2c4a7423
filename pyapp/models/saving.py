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

import inspect
import json
import os

from .. import backend
from .. import io as model_io
from .. import losses as losses_module, metrics as metrics_module, optimizers as optimizers_module
from ..layers import TABLE
from ..layers.input_layer import InputLayer
from .model import Model
from .sequential import Sequential

__all__ = ["clone_model", "compile_config", "compile_from_config", "delete_model", "list_models", "load_model",
           "load_weights", "model_from_config", "model_from_description", "model_from_json", "save_model",
           "save_weights"]

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
    description.compile_config = compile_config(model)
    return description


# ---------------------------------------------------------------- compile_config, as Keras 3 writes and reads it

# Keras 3's compile arguments that choose how it runs the steps, not what they compute: pyapp
# writes Keras' defaults, and reads any value (TF.js has no eager or XLA mode to choose).
_EXECUTION = {"run_eagerly": False, "steps_per_execution": 1, "jit_compile": "auto"}
_KINDS = {"optimizer": ("keras.optimizers", optimizers_module, optimizers_module.Optimizer),
          "loss": ("keras.losses", losses_module, losses_module.Loss),
          "metric": ("keras.metrics", metrics_module, metrics_module.Metric)}


def compile_config(model: Model) -> dict | None:
    """The `compile_config` of a `.keras` file for `model` (None if it is not compiled), as
    Keras 3's `get_compile_config` serializes it: names stay names, pyapp's losses, metrics
    and optimizer become Keras' serialized objects, and Keras reads them back as its own.

    >>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    >>> compile_config(model)["optimizer"]["class_name"]
    'Adam'
    """
    if not model.compiled:
        return None
    given = model._compile_args
    optimizer = model.optimizer
    config = {"name": type(optimizer).__name__.lower(), **optimizer.get_config()}
    return {"optimizer": _serialized("optimizer", optimizer, config), "loss": _serialize(given["loss"], "loss"),
            "loss_weights": given["loss_weights"], "metrics": _serialize(given["metrics"], "metric"),
            "weighted_metrics": None, **_EXECUTION}


def _serialized(kind: str, obj, config: dict) -> dict:
    return {"module": _KINDS[kind][0], "class_name": type(obj).__name__, "config": config, "registered_name": None}


def _serialize(value, kind: str):
    """compile's loss or metrics (a name, an object, or lists and dicts of them), serialized."""
    if isinstance(value, (list, tuple)):
        return [_serialize(item, kind) for item in value]
    if isinstance(value, dict):
        return {key: _serialize(item, kind) for key, item in value.items()}
    if isinstance(value, metrics_module.Metric) and value.fn == "accuracy_by_shape":
        return value.name  # "accuracy" or "acc": Keras picks the kind from the data, as pyapp does
    if isinstance(value, _KINDS[kind][2]):
        return _serialized(kind, value, value.get_config())
    return value  # a name, or None


def compile_from_config(model: Model, config: dict) -> None:
    """Compiles `model` from a `.keras` file's `compile_config` (pyapp's or Keras 3's), as
    Keras' `compile_from_config` does. What pyapp does not support raises a ValueError that
    names it (Keras 3 raises too for what it cannot make, e.g. an unregistered class).

    >>> compile_from_config(model, {"optimizer": "adam", "loss": "mse", "metrics": ["mae"]})
    """
    if not isinstance(config, dict):
        raise ValueError(f"compile_config must be a dict (as Keras 3 writes it), got {config!r:.200}")
    known = {"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", *_EXECUTION}
    unknown = sorted(set(config) - known)
    if unknown:
        raise ValueError(f"compile_config: unknown keys {unknown}; pyapp reads {sorted(known)}")
    if config.get("weighted_metrics"):
        raise ValueError(f"compile_config: weighted_metrics={config['weighted_metrics']!r:.200} are not supported "
                         "in pyapp (load with compile=False, then compile the model)")
    try:
        model.compile(optimizer=_deserialize(config.get("optimizer", "rmsprop"), "optimizer"),
                      loss=_deserialize(config.get("loss"), "loss"), loss_weights=config.get("loss_weights"),
                      metrics=_deserialize(config.get("metrics"), "metric"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"compile_config: {error} (load with compile=False, then compile the model)") from None


def _deserialize(value, kind: str):
    """A loss, metric or optimizer as Keras 3 serializes it (or lists and dicts of them), as
    pyapp's: names as they are, serialized objects made from pyapp's class of that name."""
    if isinstance(value, list):
        return [_deserialize(item, kind) for item in value]
    if not isinstance(value, dict):
        return value  # a name (checked by compile), or None
    if "class_name" not in value:  # by output name
        return {key: _deserialize(item, kind) for key, item in value.items()}
    class_name, config = value["class_name"], value.get("config")
    if class_name == "function" and isinstance(config, str):  # a Keras function, keras.losses.mean_squared_error
        return config
    _, pyapp_module, base = _KINDS[kind]
    cls = getattr(pyapp_module, class_name, None)
    custom = value.get("registered_name") not in (None, class_name) or not str(value.get("module")).startswith("keras")
    if custom or class_name not in pyapp_module.__all__ or not (isinstance(cls, type) and issubclass(cls, base)):
        supported = sorted(name for name in pyapp_module.__all__ if isinstance(getattr(pyapp_module, name), type)
                           and issubclass(getattr(pyapp_module, name), base) and getattr(pyapp_module, name) is not base)
        raise ValueError(f"{kind} {value.get('registered_name') or class_name!r} is not supported in pyapp "
                         f"(supported: {', '.join(supported)})")
    config = dict(config or {})
    if kind == "optimizer":
        config = _optimizer_arguments(cls, config)
    try:
        return cls(**config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{kind} {class_name}: {error}") from None


def _optimizer_arguments(cls: type, config: dict) -> dict:
    """A Keras 3 optimizer's config as arguments of pyapp's class: Keras' base arguments
    that are off (None, False) are dropped; one that is on and pyapp lacks raises."""
    taken = inspect.signature(cls).parameters
    out = {}
    for key, value in config.items():
        if key in taken:
            out[key] = value
        elif value is not None and value is not False and key not in ("name", "ema_momentum"):
            raise ValueError(f"{key}={value!r} is not supported in pyapp")
    if isinstance(out.get("learning_rate"), dict):
        out["learning_rate"] = optimizers_module.schedules.deserialize(out["learning_rate"])
    return out


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


def load_model(path: str, compile: bool = True) -> Model:  # noqa: A002 - Keras' argument name
    """A model saved with `model.save(path)`, a Keras 3 `.keras` file, or a TF.js `model.json`.

    A file path is read from Python's file system if it is there, and otherwise, in the
    page, from the app's own folder (a model shipped in dist/, e.g. "models/digits.keras").

    Args:
        path: the file or browser-storage URL.
        compile: as in Keras, a `.keras` file saved from a compiled model (by pyapp or by
            Keras 3) comes back compiled with its optimizer (not its state: it starts
            afresh), loss, loss_weights and metrics; False leaves it uncompiled.

    >>> model = pyapp.models.load_model("best_model.keras")
    >>> model.evaluate(x_test, y_test)
    """
    if not isinstance(compile, bool):
        raise TypeError(f"load_model: compile must be True or False, got {compile!r}")
    description = _read(os.fspath(path))
    model = model_from_description(description)
    if compile and description.compile_config:
        compile_from_config(model, description.compile_config)
    return model


def _read(path: str) -> model_io.Model:
    if path.startswith(BROWSER_SCHEMES):
        _check_storage(path)
        return backend.engine().load_from_browser(path)
    if path.startswith(DOWNLOADS):
        name = path.removeprefix(DOWNLOADS) or "model"
        raise ValueError(f"load_model({path!r}): downloads:// only saves. Give the downloaded {name}.json and "
                         f"{name}.weights.bin to Python (Open…, or drop them on the page), then load_model({name + '.json'!r})")
    if path.endswith(".keras"):
        return model_io.read_keras(_file_bytes(path))
    if path.endswith(".json"):
        if os.path.exists(path):
            return model_io.read_tfjs(*model_io.load_tfjs_dir(path))
        return backend.engine().load_from_app(path)
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
