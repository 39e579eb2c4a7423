"""`Model`: a graph of layers from inputs to outputs: a Keras 3 description that an engine runs.

Made with the functional API, `Model(inputs, outputs)`, or as a `Sequential`. pyapp keeps
the description in Python: the layer graph as Keras 3 configs, and, once there are any,
the weights as numpy arrays (`pyapp.io.Model`). `get_config`, `to_json`, `summary` and
`count_params` need nothing else. `fit`, `evaluate`, `predict` and the weights go to the
engine of the place the program runs in (`pyapp.backend.engine()`): TF.js in the page,
Keras 3 under CPython; each builds its own model from the same description.
"""

from __future__ import annotations

import json
import os

import numpy as np

from .. import backend, callbacks as callbacks_module, io as model_io, losses as losses_module
from .. import optimizers as optimizers_module
from ..layers.input_layer import InputLayer
from ..layers.layer import KerasTensor, Layer, unique_name
from ..data_adapters import BatchStream, is_batch_source, unpack_batch
from . import summary as summary_module
from ._compile import CompileSpec, compile_spec

__all__ = ["Model"]


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
        self._trainable = True
        self._compiled_trainable: dict[str, bool] = {}  # each layer's, as compile saw them
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._compile_spec: CompileSpec | None = None
        self._compile_args: dict | None = None  # compile's loss, loss_weights, metrics as given, for compile_config
        self._engine_model = None  # the engine's own model, built on first use
        self._pending_weights: dict[str, list[np.ndarray]] = {}  # by layer name, until the engine takes them
        # Keys of a model made with dicts (Model(inputs={"age": ...})), in sorted order, as
        # Keras flattens a dict: data and predictions are dicts with these keys.
        self._input_keys: list[str] | None = None
        self._output_keys: list[str] | None = None
        if inputs is None and outputs is None:
            self._inputs, self._outputs = [], []
            return
        self._single_input = not isinstance(inputs, (list, tuple, dict))
        self._single_output = not isinstance(outputs, (list, tuple, dict))
        self._input_keys, self._inputs = _keys_and_tensors(inputs, "inputs")
        self._output_keys, self._outputs = _keys_and_tensors(outputs, "outputs")
        for tensor in self._inputs + self._outputs:
            if not isinstance(tensor, KerasTensor):
                raise TypeError(f"Model(inputs, outputs) takes the outputs of pyapp.Input(...) and of layers, "
                                f"got {type(tensor).__name__}")
        for tensor in self._inputs:
            if not isinstance(tensor.layer, InputLayer):
                raise ValueError("Model inputs must come from pyapp.Input(...)")
        self._nodes()  # an output that depends on an input not given is an error now, not at fit
        for layer in self.layers:  # the weights of a base model's layers (see __call__)
            if layer.carried_weights is not None:
                self._pending_weights[layer.name] = layer.carried_weights

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
    def trainable(self) -> bool:
        """Whether `fit` trains the model: set to False, as in Keras, it freezes every layer
        (each layer's `trainable` becomes False). Like a layer's, it takes effect at the
        next `compile`."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise ValueError(f"model {self.name!r}: trainable must be True or False, got {value!r}")
        self._trainable = value
        for layer in self.layers:
            layer.trainable = value

    def _trainable_now(self) -> dict[str, bool]:
        return {layer.name: self._trainable and layer.trainable for layer in self.layers}

    def _trainable_flags(self) -> dict[str, bool]:
        """Which layers `fit` trains: as compile saw them (Keras' rule), a layer added since as now."""
        return {name: self._compiled_trainable.get(name, flag) for name, flag in self._trainable_now().items()}

    @property
    def input_names(self) -> list[str]:
        """The names a dict of inputs is keyed by, in the order of `inputs`: the dict's keys
        for a model made with a dict of inputs, else the `Input(name=...)` names."""
        return list(self._input_keys or [tensor.layer.name for tensor in self._inputs])

    @property
    def output_names(self) -> list[str]:
        """The names dict targets, and `compile`'s dict losses, metrics and loss_weights, are
        keyed by, in the order of `outputs`: the dict's keys for a model made with a dict of
        outputs, else the output layers' names (as Keras)."""
        return list(self._output_keys or [tensor.layer.name for tensor in self._outputs])

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

    def _all_layers(self) -> list[Layer]:
        """Every layer of the description, InputLayers first (a Sequential's too)."""
        return self.layers

    def _description(self, with_weights: bool = True) -> model_io.Model:
        """The model as `pyapp.io` describes it: Keras 3 configs, the graph, and the weights
        (None for a layer whose weights the engine has not made yet)."""
        self._ensure_built()
        weights = self._current_weights() if with_weights else {}
        sequential = type(self).__name__ == "Sequential"
        parents: dict[str, list[KerasTensor]] = {}
        for node in self._nodes():
            if node.layer.name in parents:
                raise ValueError(f"layer {node.layer.name!r} is called more than once: shared layers are not "
                                 "supported in pyapp models")
            parents[node.layer.name] = node.inputs
        entries = []
        for layer in self._all_layers():
            inbound = [] if sequential or layer.name not in parents else [
                [[parent.layer.name, 0, 0] for parent in parents[layer.name]]]
            has_weights = bool(layer.weight_specs(layer.input_shape))
            entries.append(model_io.Layer(type(layer).__name__, layer.name, layer.canonical_config(), inbound,
                                          weights.get(layer.name) if has_weights else []))
        refs = lambda tensors: [[t.layer.name, 0, 0] for t in tensors]  # noqa: E731
        return model_io.Model("Sequential" if sequential else "Functional", self.name, entries,
                              [] if sequential else refs(self._inputs), [] if sequential else refs(self._outputs),
                              input_keys=self._input_keys, output_keys=self._output_keys)

    # -- the engine ------------------------------------------------------------------

    def _engine(self):
        """The engine's model of this description, built on first use."""
        if self._engine_model is None:
            engine = backend.engine()
            description = self._description(with_weights=False)
            for entry in description.layers:
                entry.weights = self._pending_weights.get(entry.name)
            self._engine_model = engine.build(description)
            self._pending_weights = {}
            engine.set_trainable(self._engine_model, self._trainable_flags())
            if self.compiled:
                engine.compile(self._engine_model, self.optimizer, self._compile_spec)
        return self._engine_model

    def _current_weights(self) -> dict[str, list[np.ndarray]]:
        """The weights by layer name: the engine's if it has a model, else those given."""
        if self._engine_model is not None:
            return backend.engine().get_weights(self._engine_model)
        return dict(self._pending_weights)

    def _weights_now(self) -> dict[str, list[np.ndarray]]:
        """Every layer's weights, made by the engine if they are not yet."""
        if _engine_available():
            return backend.engine().get_weights(self._engine())
        return self._current_weights()

    def _forget_engine_model(self) -> None:
        """Lets the engine's model go, keeping its weights for the next one (the graph changed)."""
        if self._engine_model is not None:
            self._pending_weights = self._current_weights()
            backend.engine().dispose(self._engine_model)
            self._engine_model = None

    # -- compile ---------------------------------------------------------------------

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, **kwargs) -> None:
        """Sets the optimizer, loss and metrics for `fit` and `evaluate` (as Keras).

        `loss` is one loss for every output, a list or a dict by output name; `loss_weights`
        weighs the outputs' losses (a list or dict); `metrics` is a list (or, for several
        outputs, a list per output or a dict). Names as Keras takes them ("mse", "auc", ...) or
        `pyapp.losses` / `pyapp.metrics` objects.
        """
        unsupported = sorted(k for k, v in kwargs.items() if v is not None)
        if unsupported:
            raise TypeError(f"compile() does not support {unsupported} in pyapp")
        # A Sequential not built yet has one output, whose name History does not use.
        outputs = self.output_names or ["output"]
        spec = compile_spec(outputs, loss, loss_weights, metrics)
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        self._compile_spec = spec
        self._compile_args = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics}
        self.compiled = True
        self._compiled_trainable = self._trainable_now()  # changes to `trainable` count from the next compile
        if self._engine_model is not None:
            backend.engine().set_trainable(self._engine_model, self._compiled_trainable)
            backend.engine().compile(self._engine_model, self.optimizer, spec)

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"call model.compile(optimizer=..., loss=...) before model.{what}()")

    # -- data ------------------------------------------------------------------------

    def _check_inputs(self, x, what: str = "x") -> list[np.ndarray]:
        if len(self._inputs) == 1 and type(x) is np.ndarray:  # the common case, in one go (a predict per sample)
            expected = self._inputs[0]
            if (x.dtype == expected.dtype and x.ndim == len(expected.shape) and x.shape[1:] == expected.shape[1:]
                    and x.flags.c_contiguous and len(x)):
                return [x]
        if isinstance(x, dict) and self.built:
            x = _by_name(x, self.input_names, what, "inputs")
        arrays = backend.as_array_list(x, what)
        self._ensure_built(arrays)
        if len(arrays) != len(self._inputs):
            raise ValueError(f"the model has {len(self._inputs)} input(s), but {what} has {len(arrays)} array(s)")
        for index, (tensor, name) in enumerate(zip(self._inputs, self.input_names)):
            _check_shape(arrays[index], tensor.shape, f"{what} for input {name!r}")
            arrays[index] = _as_input_dtype(arrays[index], tensor.dtype, f"{what} for input {name!r}")
        _check_same_length(arrays, what)
        return arrays

    def _check_targets(self, y, count: int, what: str = "y") -> list[np.ndarray]:
        if isinstance(y, dict):
            y = _by_name(y, self.output_names, what, "outputs")
        arrays = backend.as_array_list(y, what)
        if len(arrays) != len(self._outputs):
            raise ValueError(f"the model has {len(self._outputs)} output(s), but {what} has {len(arrays)} array(s)")
        for array in arrays:
            if len(array) != count:
                raise ValueError(f"x has {count} samples but {what} has {len(array)}: they must match")
        for index, (array, tensor, name, loss) in enumerate(
                zip(arrays, self._outputs, self.output_names, self._compile_spec.losses)):
            if array.ndim == len(tensor.shape) - 1 and tensor.shape[-1] == 1:
                array = arrays[index] = array[..., None]  # (n,) for an (n, 1) output, as Keras allows
            if isinstance(loss, losses_module.SparseCategoricalCrossentropy):
                expected = tensor.shape[:-1]
                if array.shape[1:] not in (tuple(expected[1:]), (*expected[1:], 1)):
                    raise ValueError(f"{what} for output {name!r}: sparse_categorical_crossentropy expects "
                                     f"integer labels of shape {('n', *expected[1:])}, got {array.shape}")
            else:
                _check_shape(array, tensor.shape, f"{what} for output {name!r}")
        return [array.astype(np.float32) if array.dtype != np.float32 else array for array in arrays]

    # -- fit -------------------------------------------------------------------------

    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto", callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True, initial_epoch: int = 0,
            steps_per_epoch: int | None = None, validation_steps: int | None = None):
        """Trains the model; returns a `History`.

        Works as Keras: `history = model.fit(x, y, epochs=10)`. In a browser without JSPI
        (where Python cannot wait for TF.js without `await`), write
        `history = await model.fit(...)`; that works everywhere.

        `x` (and `y`) are arrays, lists of arrays or dicts keyed by the inputs' (outputs')
        names; or `x` is a `pyapp.utils.PyDataset` or a Python generator giving batches
        `(x, y)`, read one at a time (`steps_per_epoch`: the batches of an epoch, needed for
        an endless one). `validation_data` is `(x_val, y_val)` or one of those
        (`validation_steps` batches of it).
        """
        self._require_compiled("fit")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        if not 0 <= validation_split < 1:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}")
        validation = None
        if is_batch_source(x):
            if validation_split:
                raise ValueError("`validation_split` is only supported for Tensors or NumPy arrays, not for x given "
                                 "as a generator or PyDataset: give validation_data")
            _refuse_with_batches("a generator or PyDataset", y=y, batch_size=batch_size)
            xs, ys = self._batch_stream(x, steps_per_epoch, "x", targets=True, shuffle=shuffle), None
        else:
            if steps_per_epoch is not None:
                raise ValueError("steps_per_epoch is for x given as a generator or PyDataset; with arrays, an "
                                 "epoch is every sample (batch_size sets the batches)")
            xs = self._check_inputs(x)
            ys = self._check_targets(y, len(xs[0]))
        batch_size = batch_size or 32
        if is_batch_source(validation_data):
            validation = self._batch_stream(validation_data, validation_steps, "validation_data", targets=True)
        elif validation_steps is not None:
            raise ValueError("validation_steps is for validation_data given as a generator or PyDataset; with "
                             "arrays every validation sample is used")
        elif validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a tuple (x_val, y_val)")
            val_x = self._check_inputs(validation_data[0], "validation x")
            validation = (val_x, self._check_targets(validation_data[1], len(val_x[0]), "validation y"))
        elif validation_split:
            split = int(len(xs[0]) * (1 - validation_split))  # the last samples, before shuffling, as Keras
            if split == 0 or split == len(xs[0]):
                raise ValueError(f"validation_split={validation_split} leaves no training or no validation samples "
                                 f"of {len(xs[0])}")
            validation = ([a[split:] for a in xs], [a[split:] for a in ys])
            xs, ys = [a[:split] for a in xs], [a[:split] for a in ys]
        streamed = isinstance(xs, BatchStream)
        callback_list = self._callback_list(callbacks, verbose, epochs, None if streamed else len(xs[0]), batch_size,
                                            add_history=True, steps=xs.steps if streamed else None)
        self.stop_training = False
        return backend.engine().fit(self._engine(), self, xs, ys, validation, batch_size=batch_size, epochs=epochs,
                                    initial_epoch=initial_epoch, shuffle=shuffle, callbacks=callback_list,
                                    history=callback_list._history, verbose=verbose)

    def _batch_stream(self, data, steps, what: str, targets: bool, shuffle: bool = False) -> BatchStream:
        """`data`'s batches (a PyDataset or a generator), each checked as arrays are; a
        Sequential without an Input takes its input shape from the first batch."""

        def check(batch, index: int) -> tuple:
            x, y = unpack_batch(batch, index, what, targets)
            xs = self._check_inputs(x, f"x of batch {index} of {what}")
            return xs, self._check_targets(y, len(xs[0]), f"y of batch {index} of {what}") if targets else None

        stream = BatchStream(data, steps, check, what, shuffle)
        if not self.built:
            first, _ = unpack_batch(stream.peek(), 0, what, targets)
            self._ensure_built(backend.as_array_list(first, f"x of batch 0 of {what}"))
        return stream

    def _callback_list(self, callbacks, verbose, epochs: int, samples: int | None, batch_size: int,
                       add_history: bool = False, steps: int | None = None) -> callbacks_module.CallbackList:
        """The callbacks of a fit, evaluate or predict, with Keras' params (`steps`: batches
        an epoch, else from `samples`; None for a generator that ends when it ends); the
        progress bar is pyapp's where the engine does not print Keras' own."""
        if callbacks is not None and not isinstance(callbacks, (list, tuple)):
            raise TypeError(f"callbacks must be a list of pyapp.callbacks.Callback objects, got {type(callbacks).__name__}")
        if verbose not in ("auto", 0, 1, 2):
            raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
        return callbacks_module.CallbackList(
            callbacks, add_history=add_history, add_progbar=verbose != 0 and not backend.engine().PRINTS_PROGRESS,
            model=self, verbose=verbose, epochs=epochs, steps=steps if samples is None else -(-samples // batch_size))

    # -- evaluate and predict -----------------------------------------------------------

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", callbacks=None, return_dict: bool = False,
                 steps: int | None = None):
        """The loss (and metrics) on x, y: a float, or a list [loss, output losses, metrics]
        in Keras' order; with `return_dict=True`, a dict by History's names. `x` may be a
        PyDataset or a generator of `(x, y)` batches (`steps` of them), as in `fit`."""
        self._require_compiled("evaluate")
        xs, ys, samples = self._data_for(x, y, steps, batch_size, "evaluate", targets=True)
        callback_list = self._callback_list(callbacks, verbose, 1, samples, batch_size or 32,
                                            steps=None if samples else xs.steps)
        results = backend.engine().evaluate(self._engine(), xs, ys, batch_size or 32, callback_list, verbose)
        if return_dict:
            return results
        values = [results[name] for name in self._compile_spec.log_names()]
        return values[0] if len(values) == 1 else values

    def _data_for(self, x, y, steps, batch_size, what: str, targets: bool) -> tuple:
        """evaluate's or predict's data: (inputs, targets, samples) as arrays, or (a
        BatchStream, None, None) for a PyDataset or a generator."""
        if type(x) is not np.ndarray and is_batch_source(x):  # (one array: not asked, a predict per sample)
            _refuse_with_batches("a generator or PyDataset", y=y, batch_size=batch_size)
            return self._batch_stream(x, steps, "x", targets), None, None
        if steps is not None:
            raise ValueError(f"{what}: steps is for x given as a generator or PyDataset; with arrays every sample "
                             "is used")
        xs = self._check_inputs(x)
        return xs, self._check_targets(y, len(xs[0])) if targets else None, len(xs[0])

    def __sklearn_is_fitted__(self) -> bool:
        """scikit-learn's Pipeline asks its last step this before predicting: a pyapp model
        has its weights from the start, so it can always predict."""
        return True

    def predict(self, x, batch_size=None, verbose="auto", callbacks=None, steps: int | None = None):
        """The model's outputs for x, as numpy (a list of arrays for several outputs, a dict
        for a model made with a dict of outputs). `x` may be a PyDataset or a generator of
        batches (`x`, or tuples whose first element is x; `steps` of them), as in `fit`."""
        xs, _, samples = self._data_for(x, None, steps, batch_size, "predict", targets=False)
        # Arrays with no callback to call and no progress to show: no list of none (a
        # one-sample predict feels each microsecond).
        callback_list = None if callbacks is None and verbose == 0 and samples else self._callback_list(
            callbacks, verbose, 1, samples, batch_size or 32, steps=None if samples else xs.steps)
        arrays = backend.engine().predict(self._engine(), xs, batch_size or 32, callback_list, verbose)
        return self._structured_outputs(arrays)

    def _structured_outputs(self, arrays: list):
        """Predictions as the model's outputs were given: one array, a list, or a dict."""
        if self._output_keys is not None:
            return dict(zip(self._output_keys, arrays))
        return arrays[0] if self._single_output else arrays

    def __call__(self, x, training=None):
        """Calling a model on data predicts (as Keras' eager call).

        Called on the output of `pyapp.Input` or of layers, the model is a base inside a
        bigger model (transfer learning): its layers join the bigger model's graph with the
        weights they have now, and their `trainable` holds there. Where Keras nests the base
        as one layer, the bigger model lists its layers one by one (in `layers`, `summary`
        and its config).

        >>> base.trainable = False
        >>> outputs = pyapp.layers.Dense(1)(base(pyapp.Input((28, 28, 1))))
        """
        if isinstance(x, dict) and any(isinstance(value, KerasTensor) for value in x.values()):
            x = _by_name(x, self.input_names, "the inputs", "inputs")
        symbolic = isinstance(x, KerasTensor) or (isinstance(x, (list, tuple)) and x and isinstance(x[0], KerasTensor))
        if training not in (None, False):
            raise ValueError(f"model {self.name!r}: training={training!r} is not supported: a pyapp model trains "
                             "in fit only")
        if not symbolic:
            return self.predict(x, verbose=0)
        return self._call_symbolic(list(x) if isinstance(x, (list, tuple)) else [x], training)

    def _call_symbolic(self, given: list[KerasTensor], training) -> KerasTensor | list[KerasTensor]:
        self._ensure_built()
        if len(given) != len(self._inputs):
            raise ValueError(f"model {self.name!r} has {len(self._inputs)} input(s), called on {len(given)}")
        for tensor, expected in zip(given, self._inputs):
            if any(e is not None and e != g for e, g in zip(expected.shape[1:], tensor.shape[1:])) \
                    or len(expected.shape) != len(tensor.shape):
                raise ValueError(f"model {self.name!r} takes samples of shape {expected.shape[1:]}, "
                                 f"called on {tensor.shape[1:]}")
        nodes = self._nodes()
        changing = [node.layer.name for node in nodes if node.layer.changes_in_training]
        if training is False and changing:
            raise ValueError(f"model {self.name!r}(..., training=False): its layers join the bigger model one by "
                             f"one, so {changing} would train as the bigger model does; leave out training=False "
                             "(a frozen BatchNormalization runs in inference mode, as in Keras)")
        weights = self._weights_now()
        made = {id(tensor): new for tensor, new in zip(self._inputs, given)}
        for node in nodes:
            parents = [made[id(parent)] for parent in node.inputs]
            node.layer.carried_weights = weights.get(node.layer.name)
            made[id(node)] = node.layer(parents if len(parents) > 1 else parents[0])
        return self._structured_outputs([made[id(tensor)] for tensor in self._outputs])

    # -- weights ---------------------------------------------------------------------------

    def get_weights(self) -> list[np.ndarray]:
        """Every weight, layer by layer (as Keras orders them), as numpy arrays."""
        by_layer = backend.engine().get_weights(self._engine())
        return [array for layer in self.layers for array in by_layer.get(layer.name, [])]

    def set_weights(self, weights) -> None:
        """Sets every weight from a list like `get_weights()` returns."""
        weights = list(weights)
        expected = [(layer, name, shape) for layer in self.layers
                    for name, shape in layer.weight_specs(layer.input_shape)]
        if len(weights) != len(expected):
            raise ValueError(f"set_weights: the model has {len(expected)} weight arrays, got {len(weights)}")
        by_layer: dict[str, list[np.ndarray]] = {}
        for array, (layer, name, shape) in zip(weights, expected):
            array = backend.standardize_array(array, f"weight {name!r} of layer {layer.name!r}").astype(np.float32)
            if array.shape != tuple(shape):
                raise ValueError(f"set_weights: layer {layer.name!r} expects a weight of shape {tuple(shape)}, "
                                 f"got {array.shape}")
            by_layer.setdefault(layer.name, []).append(array)
        self._set_weights_by_layer(by_layer)

    def _set_weights_by_layer(self, by_layer: dict[str, list[np.ndarray]]) -> None:
        if self._engine_model is None and not _engine_available():
            self._pending_weights = by_layer  # kept for the engine, and for save()
            return
        backend.engine().set_weights(self._engine(), by_layer)

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
        """The architecture in Keras 3's format (what `keras.Model.get_config` gives):
        `pyapp.models.model_from_config` and Keras' `from_config` rebuild it."""
        return model_io.keras_config(self._description(with_weights=False))["config"]

    def to_json(self, **kwargs) -> str:
        """The architecture as Keras 3 JSON: `keras.models.model_from_json` rebuilds it."""
        return json.dumps(model_io.keras_config(self._description(with_weights=False)), **kwargs)

    def save(self, filepath: str) -> None:
        """Saves the architecture and weights: "model.keras" (a Keras 3 file),
        "indexeddb://NAME" / "localstorage://NAME" in this browser, or "downloads://NAME"
        (NAME.json and NAME.weights.bin, offered as downloads, as TF.js does). Load with
        `pyapp.models.load_model`."""
        from .saving import save_model

        save_model(self, filepath)

    def save_weights(self, filepath: str, overwrite: bool = True) -> None:
        """Saves the weights to a Keras 3 `.weights.h5` file (`load_weights` reads it back,
        and so does Keras' own)."""
        from .saving import save_weights

        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"save_weights: {filepath} exists and overwrite=False")
        save_weights(self, filepath)

    def load_weights(self, filepath: str) -> None:
        """Loads weights saved by `save_weights` (or Keras' own) into this model."""
        from .saving import load_weights

        load_weights(self, filepath)

    def dispose(self) -> None:
        """Frees the engine's model now (weights and optimizer state); the next use builds
        it again with the same weights."""
        self._forget_engine_model()


def _refuse_with_batches(kind: str, **given) -> None:
    """Keras' error for an argument that the batches of a generator or PyDataset carry."""
    for name, value in given.items():
        if value is not None:
            raise ValueError(f"When providing `x` as {kind}, `{name}` should not be passed. Instead, "
                             f"{'the targets' if name == 'y' else 'the batches'} should be included as part of "
                             f"{kind}.")


def _keys_and_tensors(value, what: str) -> tuple[list[str] | None, list]:
    """Model(inputs, outputs)'s `what` as (dict keys or None, tensors): a dict in its keys'
    sorted order, the order in which Keras flattens a dict."""
    if not isinstance(value, dict):
        return None, list(value) if isinstance(value, (list, tuple)) else [value]
    if not value or not all(isinstance(key, str) for key in value):
        raise ValueError(f"Model({what}=...) as a dict needs string keys (the names data is keyed by) and at "
                         f"least one entry, got keys {list(value)}")
    keys = sorted(value)
    return keys, [value[key] for key in keys]


def _by_name(value: dict, names: list[str], what: str, kind: str) -> list:
    """The entries of a dict of data in the order of the model's `names` ("inputs" or
    "outputs"). Keras drops unknown input keys; pyapp refuses them, so that a misspelt name
    is not ignored."""
    missing = [name for name in names if name not in value]
    unknown = sorted(str(key) for key in value if key not in names)
    if missing or unknown:
        problems = ", ".join(part for part in (f"missing {missing}" if missing else "",
                                               f"unknown {unknown}" if unknown else "") if part)
        raise ValueError(f"The structure of `{what}` doesn't match the expected structure: the model's {kind} are "
                         f"named {names}, and {what} as a dict needs exactly these keys ({problems})")
    return [value[name] for name in names]


def _engine_available() -> bool:
    try:
        backend.engine()
    except ImportError:
        return False
    return True


def _check_shape(array: np.ndarray, expected: tuple, what: str) -> None:
    given = array.shape
    if len(given) != len(expected) or any(e is not None and e != g for e, g in zip(expected[1:], given[1:])):
        shown = tuple("n" if d is None else d for d in expected)
        raise ValueError(f"{what}: expected an array of shape {shown} (n samples), got shape {given}")


def _as_input_dtype(array: np.ndarray, dtype: str, what: str) -> np.ndarray:
    """The data in its Input's dtype, as Keras 3 converts it (floats to integers toward zero)."""
    if array.dtype == dtype:
        return array
    if dtype == "int32" and array.dtype.kind == "f" and array.size and not (
            np.isfinite(array).all() and np.abs(array).max() < 2**31):
        raise ValueError(f"{what} has values that are not finite or outside int32's range, which the input's "
                         "integers cannot hold")
    return array.astype(dtype)


def _check_same_length(arrays: list[np.ndarray], what: str) -> None:
    lengths = {len(array) for array in arrays}
    if len(lengths) > 1:
        raise ValueError(f"all arrays in {what} must have the same number of samples, got {sorted(lengths)}")
    if 0 in lengths:
        raise ValueError(f"{what} is empty: no samples")
