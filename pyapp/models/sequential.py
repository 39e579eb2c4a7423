"""`Sequential`: a plain stack of layers, each feeding the next."""

from __future__ import annotations

from ..layers.input_layer import InputLayer
from ..layers.layer import KerasTensor, Layer
from .model import Model


class Sequential(Model):
    """A model whose layers run one after the other.

    >>> model = pyapp.Sequential([
    ...     pyapp.Input(shape=(64,)),
    ...     pyapp.layers.Dense(64, activation="relu"),
    ...     pyapp.layers.Dense(10, activation="softmax"),
    ... ])

    The input shape comes from a leading `Input`, from the first layer's `input_shape=`,
    or, failing both, from the data given to the first `fit` or `predict`.
    """

    def __init__(self, layers=None, name: str | None = None):
        super().__init__(name=name)
        self._single_input = self._single_output = True
        self._input_layer: InputLayer | None = None
        self._stack: list[Layer] = []
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        """Adds a layer on top (or an `Input` first). The layers already there keep their
        weights, trained or not. A model whose layers form one chain adds its layers, with
        the weights they have now, and their `trainable` (a frozen base under a new head)."""
        if isinstance(layer, KerasTensor) and isinstance(layer.layer, InputLayer):
            layer = layer.layer
        if isinstance(layer, Model):
            self._add_model(layer)
            return
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._stack:
                raise ValueError("an Input can only come first in a Sequential model")
            self._input_layer = layer
        elif isinstance(layer, Layer):
            if any(existing.name == layer.name for existing in self._stack):
                raise ValueError(f"a layer named {layer.name!r} is already in the model: layer names must be unique")
            if not self._stack and self._input_layer is None and layer.input_shape_arg is not None:
                self._input_layer = InputLayer(shape=layer.input_shape_arg)
            self._stack.append(layer)
        else:
            raise TypeError(f"Sequential.add takes a layer, got {type(layer).__name__}")
        self._forget_engine_model()  # the next one is built with the trained weights kept
        if isinstance(layer, Layer) and layer.carried_weights is not None:  # an adapted Normalization's
            self._pending_weights[layer.name] = layer.carried_weights
        self._connect()

    def _add_model(self, model: Model) -> None:
        if isinstance(model, Sequential):
            chain = list(model._stack)
        else:
            previous = model._inputs[0] if len(model._inputs) == 1 else None
            chain = []
            for node in model._nodes():
                if previous is None or node.inputs != [previous]:
                    raise ValueError(f"model {model.name!r} is not a chain of layers with one input: call it on "
                                     "a tensor in a functional model instead (outputs = head(base(inputs)))")
                previous = node
                chain.append(node.layer)
        weights = model._weights_now() if model.built else {}
        if self._input_layer is None and not self._stack and model.built:
            given = model._inputs[0]
            self.add(InputLayer(batch_shape=given.shape, dtype=given.dtype))
        for layer in chain:
            self.add(layer)
            if weights.get(layer.name) is not None:
                self._pending_weights[layer.name] = weights[layer.name]

    def pop(self) -> Layer:
        """Removes the top layer and returns it."""
        if not self._stack:
            raise ValueError("pop(): the Sequential model has no layers")
        layer = self._stack.pop()
        self._forget_engine_model()
        self._pending_weights.pop(layer.name, None)
        self._connect()
        return layer

    def _connect(self) -> None:
        """Chains the layers from the input, once its shape is known."""
        if self._input_layer is None:
            self._inputs, self._outputs = [], []
            return
        tensor = self._input_layer.output
        for layer in self._stack:
            tensor = layer(tensor)
        self._inputs, self._outputs = [self._input_layer.output], [tensor]

    def _ensure_built(self, x_arrays=None) -> None:
        if self._input_layer is None and x_arrays:
            self._input_layer = InputLayer(shape=x_arrays[0].shape[1:], dtype=_dtype_name(x_arrays[0]))
            self._connect()
        if not self._stack:
            raise ValueError("the Sequential model has no layers: add some first")
        if not self.built:
            raise ValueError("the model's input shape is unknown: start it with pyapp.Input(shape=...), "
                             "give the first layer input_shape=..., or call fit/predict first")

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)

    def _all_layers(self) -> list[Layer]:
        return [self._input_layer, *self._stack]


def _dtype_name(array) -> str:
    """The Input dtype for data like `array` (already one of TF.js's dtypes)."""
    return {"f": "float32", "i": "int32", "b": "bool"}[array.dtype.kind]
