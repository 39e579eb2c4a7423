"""`Model`: a graph of layers from inputs to outputs, trained and run on TF.js.

Made with the functional API, `Model(inputs, outputs)`, or as a `Sequential`. pyapp keeps
the graph (layers, shapes, configs) in Python and builds the matching TF.js LayersModel
from it; `fit`, `evaluate` and `predict` run TF.js's own loops, so the batch loop stays in
JavaScript and Python is called once per epoch (DESIGN.md, decision 2).
"""

from __future__ import annotations

import numpy as np

from .. import backend, callbacks as callbacks_module, losses as losses_module, metrics as metrics_module
from .. import optimizers as optimizers_module, random_state
from ..layers.input_layer import InputLayer
from ..layers.layer import KerasTensor, Layer, unique_name
from . import summary as summary_module


def _bridge():
    return backend._bridge()


class Model:
    """A model from symbolic inputs to outputs (the functional API).

    >>> inputs = pyapp.Input(shape=(4,))
    >>> hidden = pyapp.layers.Dense(8, activation="relu")(inputs)
    >>> outputs = pyapp.layers.Dense(1)(hidden)
    >>> model = pyapp.Model(inputs, outputs)
    >>> model.compile(optimizer="adam", loss="mse")
    >>> history = model.fit(x, y, epochs=10)       # or: await model.fit(...)
    >>> model.predict(x[:3])                       # numpy
    """

    def __init__(self, inputs=None, outputs=None, name: str | None = None):
        self.name = name or unique_name("functional" if type(self) is Model else "sequential")
        self.stop_training = False
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.compiled_metrics: list[str] = []
        self._tfjs_model = None
        if inputs is None and outputs is None:
            self._inputs, self._outputs = [], []
            return
        self._single_input = not isinstance(inputs, (list, tuple))
        self._single_output = not isinstance(outputs, (list, tuple))
        self._inputs = [inputs] if self._single_input else list(inputs)
        self._outputs = [outputs] if self._single_output else list(outputs)
        for tensor in self._inputs + self._outputs:
            if not isinstance(tensor, KerasTensor):
                raise TypeError(f"Model(inputs, outputs) takes the outputs of pyapp.Input(...) and of layers, "
                                f"got {type(tensor).__name__}")
        for tensor in self._inputs:
            if not isinstance(tensor.layer, InputLayer):
                raise ValueError("Model inputs must come from pyapp.Input(...)")

    # -- the graph -------------------------------------------------------------------

    def _nodes(self) -> list[KerasTensor]:
        """Every layer output between the inputs and the outputs, each after its inputs."""
        order, seen = [], set()

        def visit(tensor: KerasTensor) -> None:
            if id(tensor) in seen:
                return
            seen.add(id(tensor))
            if isinstance(tensor.layer, InputLayer):
                if not any(tensor is given for given in self._inputs):
                    raise ValueError(f"output depends on input {tensor.layer.name!r}, which is not in the model's inputs")
                return
            for parent in tensor.inputs:
                visit(parent)
            order.append(tensor)

        for output in self._outputs:
            visit(output)
        return order

    @property
    def layers(self) -> list[Layer]:
        found = [tensor.layer for tensor in self._inputs]
        for node in self._nodes():
            if all(node.layer is not layer for layer in found):
                found.append(node.layer)
        return found

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        layers = self.layers
        if index is not None:
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"no layer named {name!r}; layers: {[layer.name for layer in layers]}")

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._outputs)

    @property
    def built(self) -> bool:
        return bool(self._outputs)

    def _ensure_built(self, x_arrays=None) -> None:
        if not self.built:
            raise ValueError(f"model {self.name!r} has no inputs yet")

    def _tfjs(self):
        """The TF.js model, built on first use."""
        if self._tfjs_model is None:
            self._ensure_built()
            bridge = _bridge()
            symbolic = {}
            for tensor in self._inputs:
                symbolic[id(tensor)] = bridge.make_input(tensor.shape[1:], tensor.dtype, tensor.layer.name)
            for node in self._nodes():
                layer = node.layer
                if layer._tfjs is None:
                    config = layer.tfjs_config()
                    layer._tfjs = [bridge.make_layer(layer.tfjs_class, config)]
                    layer._tfjs += [bridge.make_layer(cls, cfg) for cls, cfg in layer.extra_tfjs_layers()]
                parents = [symbolic[id(parent)] for parent in node.inputs]
                value = bridge.apply_layer(layer._tfjs[0], parents if len(parents) > 1 else parents[0])
                for extra in layer._tfjs[1:]:
                    value = bridge.apply_layer(extra, value)
                symbolic[id(node)] = value
            self._tfjs_model = bridge.make_model([symbolic[id(t)] for t in self._inputs],
                                                 [symbolic[id(t)] for t in self._outputs], self.name)
            if self.compiled:
                self._compile_tfjs()
        return self._tfjs_model

    # -- compile ---------------------------------------------------------------------

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, **kwargs) -> None:
        """Sets the optimizer, loss and metrics for `fit` and `evaluate` (as Keras)."""
        unsupported = sorted(k for k, v in kwargs.items() if v is not None)
        if unsupported:
            raise TypeError(f"compile() does not support {unsupported} in pyapp")
        if loss is None:
            raise ValueError("compile() needs a loss, e.g. loss='mean_squared_error'")
        self.optimizer = optimizers_module.get(optimizer)
        losses = loss if isinstance(loss, (list, tuple)) else [loss]
        self.loss = [losses_module.get(item) for item in losses]
        self.compiled_metrics = [metrics_module.get(m) for m in (metrics or [])]
        self.compiled = True
        if self._tfjs_model is not None:
            self._compile_tfjs()

    def _compile_tfjs(self) -> None:
        bridge = _bridge()
        name, args = self.optimizer.tfjs_factory()
        old = self._tfjs_model.optimizer
        optimizer = bridge.make_optimizer(name, args)
        tfjs_losses = [bridge.huber_loss(item.delta) if isinstance(item, losses_module.Huber)
                       else losses_module.TFJS_NAMES[item] for item in self.loss]
        loss = tfjs_losses[0] if len(tfjs_losses) == 1 else tfjs_losses
        bridge.compile_model(self._tfjs_model, optimizer, loss, self.compiled_metrics)
        if old is not None:
            old.dispose()

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"call model.compile(optimizer=..., loss=...) before model.{what}()")

    # -- data ------------------------------------------------------------------------

    def _check_inputs(self, x, what: str = "x") -> list[np.ndarray]:
        arrays = backend.as_array_list(x, what)
        self._ensure_built(arrays)
        if len(arrays) != len(self._inputs):
            raise ValueError(f"the model has {len(self._inputs)} input(s), but {what} has {len(arrays)} array(s)")
        for array, tensor in zip(arrays, self._inputs):
            _check_shape(array, tensor.shape, f"{what} for input {tensor.layer.name!r}")
            if tensor.dtype == "int32" and array.dtype != np.int32:
                raise TypeError(f"input {tensor.layer.name!r} takes integers (int32), got {array.dtype}")
        _check_same_length(arrays, what)
        return arrays

    def _check_targets(self, y, count: int) -> list[np.ndarray]:
        arrays = backend.as_array_list(y, "y")
        if len(arrays) != len(self._outputs):
            raise ValueError(f"the model has {len(self._outputs)} output(s), but y has {len(arrays)} array(s)")
        for array in arrays:
            if len(array) != count:
                raise ValueError(f"x has {count} samples but y has {len(array)}: they must match")
        for index, (array, tensor, loss) in enumerate(zip(arrays, self._outputs, self._losses_per_output())):
            if array.ndim == len(tensor.shape) - 1 and tensor.shape[-1] == 1:
                array = arrays[index] = array[..., None]  # (n,) for an (n, 1) output, as Keras allows
            if loss == "sparse_categorical_crossentropy":
                expected = tensor.shape[:-1]
                if array.shape[1:] not in (tuple(expected[1:]), (*expected[1:], 1)):
                    raise ValueError(f"y for output {tensor.layer.name!r}: sparse_categorical_crossentropy expects "
                                     f"integer labels of shape {('n', *expected[1:])}, got {array.shape}")
            else:
                _check_shape(array, tensor.shape, f"y for output {tensor.layer.name!r}")
        return [array.astype(np.float32) if array.dtype != np.float32 else array for array in arrays]

    def _losses_per_output(self) -> list:
        if len(self.loss) == 1:
            return self.loss * len(self._outputs)
        return self.loss

    # -- fit -------------------------------------------------------------------------

    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto", callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True, initial_epoch: int = 0):
        """Trains the model; returns a `History`.

        Works as Keras: `history = model.fit(x, y, epochs=10)`. In a browser without JSPI
        (where Python cannot wait for TF.js without `await`), write
        `history = await model.fit(...)`; that works everywhere.
        """
        self._require_compiled("fit")
        steps = self._fit_steps(x, y, batch_size or 32, epochs, verbose, callbacks or [], validation_split,
                                validation_data, shuffle, initial_epoch)
        if _bridge().can_block():
            return _drive_blocking(steps)
        return _PendingFit(_drive_async(steps))

    def _fit_steps(self, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data, shuffle,
                   initial_epoch):
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        if not 0 <= validation_split < 1:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}")
        xs = self._check_inputs(x)
        ys = self._check_targets(y, len(xs[0]))
        if validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a tuple (x_val, y_val)")
            val_x = self._check_inputs(validation_data[0], "validation x")
            val_y = self._check_targets(validation_data[1], len(val_x[0]))
        elif validation_split:
            split = int(len(xs[0]) * (1 - validation_split))  # the last samples, before shuffling, as Keras
            if split == 0 or split == len(xs[0]):
                raise ValueError(f"validation_split={validation_split} leaves no training or no validation samples "
                                 f"of {len(xs[0])}")
            val_x, val_y = [a[split:] for a in xs], [a[split:] for a in ys]
            xs, ys = [a[:split] for a in xs], [a[:split] for a in ys]
        else:
            val_x = val_y = None

        bridge = _bridge()
        tfjs_model = self._tfjs()
        history = callbacks_module.History()
        chosen = [history, *callbacks]
        if verbose:  # "auto" prints, as Keras does outside a notebook's progress bar
            chosen.append(callbacks_module.ProgbarLogger())
        callback_list = callbacks_module.CallbackList(
            chosen, self, {"epochs": epochs, "batch_size": batch_size, "samples": len(xs[0]), "verbose": verbose})
        on_batch_end = None
        if callback_list.wants_batches():
            def on_batch_end(batch, logs):
                callback_list.on_train_batch_end(batch, _keras_logs(logs))
                if self.stop_training:
                    tfjs_model.stopTraining = True

        tensors_x = [bridge.to_tensor(a) for a in xs]
        tensors_y = [bridge.to_tensor(a) for a in ys]
        validation = None
        if val_x is not None:
            validation = ([bridge.to_tensor(a) for a in val_x], [bridge.to_tensor(a) for a in val_y])
        rng = random_state.generator()
        self.stop_training = False
        try:
            callback_list.on_train_begin({})
            for epoch in range(initial_epoch, epochs):
                callback_list.on_epoch_begin(epoch, {})
                epoch_x, epoch_y, made = tensors_x, tensors_y, []
                if shuffle:
                    order = bridge.to_tensor(rng.permutation(len(xs[0])).astype(np.int32))
                    epoch_x = [bridge.tf().gather(t, order) for t in tensors_x]
                    epoch_y = [bridge.tf().gather(t, order) for t in tensors_y]
                    made = [order, *epoch_x, *epoch_y]
                val = None
                if validation is not None:
                    val = (_one_or_list(validation[0]), _one_or_list(validation[1]))
                try:
                    promise, proxy = bridge.fit_epoch(tfjs_model, _one_or_list(epoch_x), _one_or_list(epoch_y),
                                                      batch_size, val, epoch, on_batch_end)
                    try:
                        js_history = yield promise  # the driver waits for TF.js's epoch
                    finally:
                        if proxy is not None:
                            proxy.destroy()
                finally:
                    for tensor in made:
                        tensor.dispose()
                logs = _keras_logs(bridge.history_logs(js_history))
                callback_list.on_epoch_end(epoch, logs)
                if self.stop_training or tfjs_model.stopTraining:
                    break
            callback_list.on_train_end({})
        except Exception as error:
            if type(error).__name__ == "JsException":
                raise bridge.js_error(error) from None
            raise
        finally:
            for tensor in tensors_x + tensors_y + (validation[0] + validation[1] if validation else []):
                tensor.dispose()
            tfjs_model.stopTraining = False
        history.set_model(self)
        return history

    # -- evaluate and predict -----------------------------------------------------------

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", return_dict: bool = False):
        """The loss (and metrics) on x, y: a float, or a list [loss, metric, ...] as Keras."""
        self._require_compiled("evaluate")
        xs = self._check_inputs(x)
        ys = self._check_targets(y, len(xs[0]))
        bridge = _bridge()
        tfjs_model = self._tfjs()
        tensors = [bridge.to_tensor(a) for a in xs + ys]
        try:
            results = bridge.as_list(bridge.evaluate(tfjs_model, _one_or_list(tensors[:len(xs)]),
                                                     _one_or_list(tensors[len(xs):]), batch_size or 32))
            values = [float(bridge.to_numpy(r)) for r in results]
            for result in results:
                result.dispose()
        finally:
            for tensor in tensors:
                tensor.dispose()
        if return_dict:
            names = [metrics_module.keras_log_name(n) for n in bridge.metric_names(tfjs_model)]
            return dict(zip(names, values))
        return values[0] if len(values) == 1 else values

    def __sklearn_is_fitted__(self) -> bool:
        """scikit-learn's Pipeline asks its last step this before predicting: a pyapp model
        has its weights from the start, so it can always predict."""
        return True

    def predict(self, x, batch_size=None, verbose="auto"):
        """The model's outputs for x, as numpy (a list of arrays for several outputs)."""
        xs = self._check_inputs(x)
        bridge = _bridge()
        tfjs_model = self._tfjs()
        tensors = [bridge.to_tensor(a) for a in xs]
        try:
            outputs = bridge.as_list(bridge.predict(tfjs_model, _one_or_list(tensors), batch_size or 32))
            arrays = [bridge.to_numpy(output) for output in outputs]
            for output in outputs:
                output.dispose()
        finally:
            for tensor in tensors:
                tensor.dispose()
        return arrays[0] if self._single_output else arrays

    def __call__(self, x):
        """Calling a model on data predicts (as Keras' eager call); on KerasTensors, nests."""
        if isinstance(x, KerasTensor) or (isinstance(x, (list, tuple)) and x and isinstance(x[0], KerasTensor)):
            raise NotImplementedError("using a model as a layer of another model is not supported yet")
        return self.predict(x, verbose=0)

    # -- weights ---------------------------------------------------------------------------

    def _weighted_layers(self) -> list[Layer]:
        self._tfjs()
        return [layer for layer in self.layers if layer._tfjs]

    def get_weights(self) -> list[np.ndarray]:
        """Every weight, layer by layer (as Keras orders them), as numpy arrays."""
        bridge = _bridge()
        return [bridge.to_numpy(w) for layer in self._weighted_layers() for w in bridge.layer_weights(layer._tfjs[0])]

    def set_weights(self, weights) -> None:
        """Sets every weight from a list like `get_weights()` returns."""
        bridge = _bridge()
        weights = list(weights)
        layers = self._weighted_layers()
        expected = [(layer, tuple(w.shape.to_py())) for layer in layers for w in bridge.layer_weights(layer._tfjs[0])]
        if len(weights) != len(expected):
            raise ValueError(f"set_weights: the model has {len(expected)} weight arrays, got {len(weights)}")
        arrays = []
        for array, (layer, shape) in zip(weights, expected):
            array = backend.standardize_array(array, f"weight of layer {layer.name!r}").astype(np.float32)
            if array.shape != shape:
                raise ValueError(f"set_weights: layer {layer.name!r} expects a weight of shape {shape}, got {array.shape}")
            arrays.append(array)
        start = 0
        for layer in layers:
            count = len(bridge.layer_weights(layer._tfjs[0]))
            if count:
                bridge.set_layer_weights(layer._tfjs[0], arrays[start:start + count])
            start += count

    def count_params(self) -> int:
        self._ensure_built()
        return sum(layer.count_params() for layer in self.layers)

    # -- description -----------------------------------------------------------------------

    def summary(self, print_fn=None) -> None:
        """Prints a table of the layers, their output shapes and parameter counts."""
        self._ensure_built()
        text = summary_module.format_summary(self)
        (print_fn or print)(text)

    def get_config(self) -> dict:
        """The architecture in Keras 3's format: `keras.Model.from_config` rebuilds it."""
        from .saving import model_config

        return model_config(self)

    def to_json(self, **kwargs) -> str:
        """The architecture as Keras 3 JSON: `keras.models.model_from_json` rebuilds it."""
        import json

        return json.dumps(self.get_config(), **kwargs)

    def save(self, filepath: str) -> None:
        """Saves the architecture and weights: "model.keras" (a Keras 3 file),
        "indexeddb://NAME" / "localstorage://NAME" in this browser, or "downloads://NAME"
        (NAME.json and NAME.weights.bin, offered as downloads, as TF.js does). Load with
        `pyapp.models.load_model`."""
        from .saving import save_model

        save_model(self, filepath)

    def dispose(self) -> None:
        """Frees the TF.js model's memory now (weights and optimizer state)."""
        if self._tfjs_model is not None:
            _bridge().dispose_model(self._tfjs_model)
            self._tfjs_model = None
            for layer in self.layers:
                layer._tfjs = None


# Training is a generator that yields TF.js promises: either driver waits for each.
# (A Python coroutine cannot be run with run_sync from inside the running program's own
# asyncio task, so the blocking driver waits on the JS promises themselves.)

def _drive_blocking(steps):
    try:
        promise = next(steps)
        while True:
            try:
                value = _bridge().run_async_blocking(promise)
            except BaseException as error:  # noqa: BLE001 - handed back to the generator
                promise = steps.throw(error)
            else:
                promise = steps.send(value)
    except StopIteration as done:
        return done.value


async def _drive_async(steps):
    try:
        promise = next(steps)
        while True:
            try:
                value = await promise
            except BaseException as error:  # noqa: BLE001 - handed back to the generator
                promise = steps.throw(error)
            else:
                promise = steps.send(value)
    except StopIteration as done:
        return done.value


class _PendingFit:
    """`model.fit(...)` where Python cannot wait for TF.js: it must be awaited."""

    def __init__(self, coroutine):
        self._coroutine = coroutine

    def __await__(self):
        return self._coroutine.__await__()

    def __getattr__(self, name):
        raise RuntimeError("this browser cannot wait for training without `await` (no JSPI): "
                           "write `history = await model.fit(...)`")


def _one_or_list(tensors: list):
    return tensors[0] if len(tensors) == 1 else tensors


def _keras_logs(logs: dict) -> dict:
    return {metrics_module.keras_log_name(key): value for key, value in logs.items()}


def _check_shape(array: np.ndarray, expected: tuple, what: str) -> None:
    given = array.shape
    if len(given) != len(expected) or any(e is not None and e != g for e, g in zip(expected[1:], given[1:])):
        shown = tuple("n" if d is None else d for d in expected)
        raise ValueError(f"{what}: expected an array of shape {shown} (n samples), got shape {given}")


def _check_same_length(arrays: list[np.ndarray], what: str) -> None:
    lengths = {len(array) for array in arrays}
    if len(lengths) > 1:
        raise ValueError(f"all arrays in {what} must have the same number of samples, got {sorted(lengths)}")
    if 0 in lengths:
        raise ValueError(f"{what} is empty: no samples")
