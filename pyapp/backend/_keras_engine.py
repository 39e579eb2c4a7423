"""The Keras 3 engine: runs a pyapp model description natively, under CPython.

pyapp builds a real `keras.Model` from the same Keras 3 config that the page's engine
reads, on whatever backend Keras uses (`KERAS_BACKEND`: JAX, TensorFlow or PyTorch), so
the model trains on a laptop's CPU, a GPU server or, with `pyapp.distribution`, several
devices. pyapp's callbacks see the same hooks and logs as in the page; `.keras` files are
written by Keras itself, and the browser's model storage is a folder here.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np


def _default_keras_backend() -> None:
    """Keras defaults to TensorFlow; `pip install "pyapp[keras]"` brings JAX instead. Where
    the user set no KERAS_BACKEND and the backend of ~/.keras/keras.json (which Keras writes
    with "tensorflow" on first use) is not installed, use JAX, so that the native set-up is
    that one command."""
    if "KERAS_BACKEND" in os.environ or "keras" in sys.modules:
        return
    config = os.path.join(os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras")), "keras.json")
    try:
        with open(config) as stream:
            configured = json.load(stream).get("backend", "tensorflow")
    except (OSError, ValueError):
        configured = "tensorflow"
    module = {"torch": "torch", "jax": "jax", "tensorflow": "tensorflow", "numpy": "numpy"}.get(configured, configured)
    if importlib.util.find_spec(module) is None and importlib.util.find_spec("jax") is not None:
        os.environ["KERAS_BACKEND"] = "jax"


_default_keras_backend()

import keras  # noqa: E402 - after the backend is chosen

from .. import io as model_io
from ..data_adapters import BatchStream

__all__ = ["PRINTS_PROGRESS", "available_backends", "build", "compile", "delete_model", "dispose", "evaluate", "fit", "get_backend",
           "get_weights", "list_models", "load_from_app", "load_from_browser", "memory", "predict", "save_keras",
           "save_to_browser", "set_backend", "set_trainable", "set_weights", "to_numpy", "to_tensor",
           "unreachable_storage"]


# ---------------------------------------------------------------- backends and tensors


def get_backend() -> str:
    return keras.backend.backend()


def available_backends() -> list[str]:
    return [get_backend()]


def set_backend(name: str) -> None:
    """Keras picks its backend when it is imported: only the one in use can be "set"."""
    if name != get_backend():
        raise ValueError(f"natively, Keras' backend is chosen before Keras is imported: set KERAS_BACKEND={name} "
                         f"(this process runs on {get_backend()!r})")


def memory() -> dict:
    raise RuntimeError("pyapp.backend.memory() counts TF.js's tensors, in the page; natively ask your Keras "
                       "backend (JAX, TensorFlow or PyTorch)")


def to_tensor(array: np.ndarray):
    return keras.ops.convert_to_tensor(array)


def to_numpy(tensor) -> np.ndarray:
    return keras.ops.convert_to_numpy(tensor)


# ---------------------------------------------------------------- building


def build(description: model_io.Model) -> keras.Model:
    """The Keras model of `description`, with its weights where it has them (the rest as
    the layers' initializers make them)."""
    model = keras.saving.deserialize_keras_object(model_io.keras_config(description))
    set_weights(model, {entry.name: entry.weights for entry in description.layers if entry.weights})
    return model


def get_weights(model: keras.Model) -> dict[str, list[np.ndarray]]:
    """Each layer's weights in Keras 3's order."""
    return {layer.name: [np.asarray(w, dtype=np.float32) for w in layer.get_weights()]
            for layer in _layers(model) if layer.weights}


def set_weights(model: keras.Model, by_layer: dict[str, list[np.ndarray]]) -> None:
    layers = {layer.name: layer for layer in _layers(model)}
    for name, arrays in by_layer.items():
        layer = layers[name]
        layer.set_weights([np.asarray(array, dtype=np.float32) for array in arrays])
        if hasattr(layer, "finalize_state"):  # Normalization reads its weights then (as after loading a file)
            layer.finalize_state()


def _layers(model: keras.Model) -> list:
    """Every layer, a Sequential's InputLayer too (which `model.layers` leaves out)."""
    return list(model.layers) if not isinstance(model, keras.Sequential) else list(model._layers)


def set_trainable(model: keras.Model, by_layer: dict[str, bool]) -> None:
    """Which layers `fit` trains (Keras reads it at compile)."""
    for layer in _layers(model):
        if layer.name in by_layer:
            layer.trainable = by_layer[layer.name]


def dispose(model: keras.Model) -> None:
    """Keras frees a model when nothing refers to it."""


# ---------------------------------------------------------------- compile


def compile(model: keras.Model, optimizer, spec) -> None:  # noqa: A001 - Keras' verb
    """Compiles with Keras' own losses and metrics, made from pyapp's (`spec`: a CompileSpec)."""
    keras_optimizer = getattr(keras.optimizers, type(optimizer).__name__).from_config(optimizer.get_config())
    optimizer.attach(_KerasOptimizer(keras_optimizer))
    losses = [getattr(keras.losses, type(loss).__name__)(**loss.get_config()) for loss in spec.losses]
    metrics = [[_keras_metric(metric) for metric in chosen] or None for chosen in spec.metrics]
    if len(spec.outputs) == 1:
        model.compile(optimizer=keras_optimizer, loss=losses[0], loss_weights=spec.loss_weights[0],
                      metrics=metrics[0] or [])
    else:
        # By output name: a model made with a dict of outputs takes nothing else.
        by_name = lambda values: dict(zip(spec.outputs, values))  # noqa: E731
        model.compile(optimizer=keras_optimizer, loss=by_name(losses), loss_weights=by_name(spec.loss_weights),
                      metrics={name: chosen for name, chosen in by_name(metrics).items() if chosen})


def _keras_metric(metric):
    if metric.fn == "accuracy_by_shape":
        return metric.name  # "accuracy" or "acc": Keras picks the kind from the data's shapes
    return getattr(keras.metrics, type(metric).__name__)(**metric.get_config())


class _KerasOptimizer:
    """A pyapp optimizer's Keras optimizer: its learning rate and step count."""

    def __init__(self, keras_optimizer):
        self.keras = keras_optimizer

    def iterations(self) -> int:
        return int(keras.ops.convert_to_numpy(self.keras.iterations))

    def learning_rate(self) -> float:
        return float(keras.ops.convert_to_numpy(self.keras.learning_rate))

    def set_learning_rate(self, value: float) -> None:
        self.keras.learning_rate = value


# ---------------------------------------------------------------- fit, evaluate, predict

PRINTS_PROGRESS = True  # Keras' own progress bar (verbose is given to Keras)

_HOOKS = ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin", "on_predict_end")
_INDEXED_HOOKS = ("on_epoch_begin", "on_epoch_end")
_BATCH_HOOKS = {kind: (f"on_{kind}_batch_begin", f"on_{kind}_batch_end") for kind in ("train", "test", "predict")}


class _PyappCallbacks(keras.callbacks.Callback):
    """pyapp's callbacks (on the pyapp model) as one Keras callback; a pyapp callback that
    sets `model.stop_training` stops Keras' loop. Made by `_keras_callback` with the batch
    hooks that pyapp's callbacks override only: a Keras callback with batch hooks makes Keras
    wait for each batch's logs (measured: 0.83x the samples per second of plain Keras)."""

    def __init__(self, callback_list, pyapp_model):
        super().__init__()
        self.callback_list, self.pyapp_model = callback_list, pyapp_model

    def _call(self, hook: str, args: tuple, logs) -> None:
        keras_model = self.model  # with JAX, this syncs the training state: callbacks see and change current values
        seen = getattr(self.callback_list, hook)(*args, _pyapp_logs(logs))
        if logs is not None:
            logs.update(seen)  # what a callback adds (learning_rate) reaches Keras' History and progress bar
        if self.pyapp_model.stop_training:
            keras_model.stop_training = True


def _forward(hook: str, indexed: bool):
    if indexed:
        def method(self, index, logs=None):
            self._call(hook, (index,), logs)
    else:
        def method(self, logs=None):
            self._call(hook, (), logs)
    method.__name__ = hook
    return method


def _keras_callback(callback_list, pyapp_model) -> keras.callbacks.Callback:
    methods = {hook: _forward(hook, False) for hook in _HOOKS}
    methods.update({hook: _forward(hook, True) for hook in _INDEXED_HOOKS})
    for kind, hooks in _BATCH_HOOKS.items():
        if callback_list.batch_interval(kind) is not None:
            methods.update({hook: _forward(hook, True) for hook in hooks})
    return type("_PyappCallbacks", (_PyappCallbacks,), methods)(callback_list, pyapp_model)


def _pyapp_logs(logs) -> dict:
    """Keras' logs as pyapp's callbacks see them: floats (a prediction's outputs as numpy)."""
    out = {}
    for key, value in (logs or {}).items():
        if key == "outputs":
            out[key] = ([np.asarray(v) for v in value] if isinstance(value, (list, tuple)) else np.asarray(value))
        else:
            out[key] = float(value)
    return out


def _structured(arrays: list, structure):
    """pyapp's list of arrays as the Keras model takes them (`structure`: its `input` or
    `output`): a dict for a model made with dicts (pyapp's order is the sorted keys', which is
    Keras' flat order), else one array or a list."""
    if isinstance(structure, dict):
        return dict(zip(sorted(structure), arrays))
    return arrays[0] if len(arrays) == 1 else list(arrays)


def _inputs_of(model: keras.Model):
    """A functional model's inputs as it was made with them (a Sequential's: one tensor)."""
    return None if isinstance(model, keras.Sequential) else model.input


def _outputs_of(model: keras.Model):
    return None if isinstance(model, keras.Sequential) else model.output


def _flat(outputs) -> list[np.ndarray]:
    """Keras' predictions as pyapp's list, in pyapp's order."""
    if isinstance(outputs, dict):
        return [np.asarray(outputs[key]) for key in sorted(outputs)]
    return [np.asarray(o) for o in outputs] if isinstance(outputs, (list, tuple)) else [np.asarray(outputs)]


class _KerasPyDataset(keras.utils.PyDataset):
    """A pyapp PyDataset as Keras' own, its batches checked by pyapp: Keras then reads it
    (with its workers), shuffles its batches and calls its epoch hooks as for any."""

    def __init__(self, stream: BatchStream, pack):
        data = stream.data
        super().__init__(workers=getattr(data, "workers", 1), use_multiprocessing=getattr(data, "use_multiprocessing", False),
                         max_queue_size=getattr(data, "max_queue_size", 10))
        self.stream, self.pack = stream, pack

    @property
    def num_batches(self):
        return self.stream.length

    def __getitem__(self, index):
        return self.pack(*self.stream.check(self.stream.data[index], index))

    def on_epoch_begin(self):
        if hasattr(self.stream.data, "on_epoch_begin"):
            self.stream.data.on_epoch_begin()

    def on_epoch_end(self):
        if hasattr(self.stream.data, "on_epoch_end"):
            self.stream.data.on_epoch_end()


def _keras_data(model: keras.Model, xs, ys) -> tuple:
    """(x, y, steps) for Keras' fit, evaluate or predict: arrays as the model takes them, or a
    BatchStream as a Keras PyDataset or a generator of checked batches (y None)."""
    if not isinstance(xs, BatchStream):
        return _structured(xs, _inputs_of(model)), None if ys is None else _structured(ys, _outputs_of(model)), None

    def pack(batch_xs, batch_ys) -> tuple:
        x = _structured(batch_xs, _inputs_of(model))
        return (x,) if batch_ys is None else (x, _structured(batch_ys, _outputs_of(model)))

    if xs.indexed:
        return _KerasPyDataset(xs, pack), None, xs.steps_given
    return (pack(*xs.check(batch, index)) for index, batch in enumerate(xs.raw_batches())), None, xs.steps_given


def fit(model: keras.Model, pyapp_model, xs, ys, validation, *, batch_size, epochs, initial_epoch, shuffle,
        callbacks, history, verbose):
    """Trains with Keras' own fit; pyapp's callbacks and History see every hook."""
    validation_data = validation_steps = None
    if isinstance(validation, BatchStream):
        validation_data, _, validation_steps = _keras_data(model, validation, None)
    elif validation is not None:
        validation_data = _keras_data(model, *validation)[:2]
    x, y, steps = _keras_data(model, xs, ys)
    model.fit(x, y, batch_size=None if isinstance(xs, BatchStream) else batch_size, epochs=epochs,
              initial_epoch=initial_epoch, shuffle=shuffle, validation_data=validation_data, verbose=verbose,
              steps_per_epoch=steps, validation_steps=validation_steps,
              callbacks=[_keras_callback(callbacks, pyapp_model)])
    history.set_model(pyapp_model)
    return history


def evaluate(model: keras.Model, xs, ys, batch_size: int, callbacks, verbose) -> dict:
    """{"loss": ..., metric: ...} as Keras names them."""
    x, y, steps = _keras_data(model, xs, ys)
    results = model.evaluate(x, y, batch_size=None if isinstance(xs, BatchStream) else batch_size, steps=steps, verbose=verbose,
                             return_dict=True, callbacks=[_keras_callback(callbacks, callbacks.model)])
    ordered = sorted(results.items(), key=lambda item: item[0] != "loss")  # the loss first, as in the page
    return {key: float(value) for key, value in ordered}


def predict(model: keras.Model, xs, batch_size: int, callbacks, verbose) -> list[np.ndarray]:
    x, _, steps = _keras_data(model, xs, None)
    outputs = model.predict(x, batch_size=None if isinstance(xs, BatchStream) else batch_size, steps=steps,
                            verbose=verbose,
                            callbacks=[] if callbacks is None else [_keras_callback(callbacks, callbacks.model)])
    return _flat(outputs)


def save_keras(model: keras.Model, path: str) -> None:
    model.save(path)


# ---------------------------------------------------------------- the browser's storage, natively: a folder


def _store() -> Path:
    return Path(os.environ.get("PYAPP_MODEL_STORE", Path.home() / ".pyapp" / "models"))


def _stored(url: str) -> Path:
    """indexeddb://NAME -> <store>/indexeddb/NAME.keras."""
    scheme, _, name = url.partition("://")
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"{url!r}: give a model name after {scheme}://, without '/'")
    return _store() / scheme / f"{name}.keras"


def unreachable_storage(url: str) -> str | None:
    return None


def save_to_browser(model: keras.Model, url: str) -> None:
    """indexeddb:// and localstorage:// save a .keras file in the store; downloads://NAME
    writes NAME.json and NAME.weights.bin here, as TF.js offers them in the page."""
    if url.startswith("downloads://"):
        name = url.removeprefix("downloads://") or "model"
        with tempfile.TemporaryDirectory() as folder:
            model.save(os.path.join(folder, "model.keras"))
            doc, files = model_io.keras_to_tfjs(os.path.join(folder, "model.keras"))
        data = b"".join(files.values())
        doc["weightsManifest"][0]["paths"] = [f"./{name}.weights.bin"]
        Path(f"{name}.weights.bin").write_bytes(data)
        Path(f"{name}.json").write_text(json.dumps(doc))
        return
    path = _stored(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path.with_name(path.stem + ".tmp.keras"))
    os.replace(path.with_name(path.stem + ".tmp.keras"), path)  # the old model or the new, whole


def load_from_browser(url: str) -> model_io.Model:
    path = _stored(url)
    if not path.exists():
        raise ValueError(f"cannot load {url!r}: no such model in {_store()} (saved: {sorted(list_models())})")
    return model_io.read_keras(path)


def load_from_app(url: str) -> model_io.Model:
    raise FileNotFoundError(f"no such file: {url!r}")


def list_models() -> dict:
    out = {}
    for path in sorted(_store().glob("*/*.keras")):
        if path.stem.endswith(".tmp"):
            continue
        saved = datetime.datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")
        out[f"{path.parent.name}://{path.stem}"] = {"date_saved": saved, "bytes": path.stat().st_size}
    return out


def delete_model(url: str) -> None:
    _stored(url).unlink()
