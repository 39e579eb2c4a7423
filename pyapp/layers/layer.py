"""The base of every layer, and the symbolic tensors that functional models are made of.

A pyapp layer is plain Python: its Keras 3 config, its output shape and parameter count.
When a model is built, the bridge makes the matching TF.js layer from `tfjs_config()`.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict

from .. import activations

_name_counters: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().replace("2_d", "2d").replace("1_d", "1d")


def unique_name(prefix: str) -> str:
    """dense, dense_1, dense_2, ... as Keras names layers."""
    index = next(_name_counters[prefix]) - 1
    return prefix if index == 0 else f"{prefix}_{index}"


class KerasTensor:
    """A symbolic tensor: the shape and dtype of a layer's output, and where it came from."""

    def __init__(self, shape: tuple, dtype: str = "float32", layer: "Layer | None" = None, inputs: list | None = None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.layer = layer
        self.inputs = inputs or []

    def __repr__(self) -> str:
        origin = f", from {self.layer.name}" if self.layer else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{origin}>"


class Layer:
    """The base class of layers.

    Args:
        name: the layer's name (unique in a model); by default the class name in
            snake_case, numbered (dense, dense_1, ...).
        input_shape: the shape of one sample (no batch axis), for the first layer of a
            `Sequential` model, as in Keras 2.
        trainable: whether `fit` updates its weights.
        dtype: the dtype of its weights; TF.js computes in float32.
    """

    tfjs_class = ""  # the TF.js layers factory: tf.layers[tfjs_class](config)

    def __init__(self, name: str | None = None, input_shape=None, trainable: bool = True, dtype=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments: {sorted(kwargs)}")
        self.name = name or unique_name(_snake_case(type(self).__name__))
        self.input_shape_arg = tuple(input_shape) if input_shape is not None else None
        self.trainable = trainable
        self.dtype = dtype or "float32"
        self.built = False
        self.input_shape = None
        self.output_shape = None
        self._tfjs = None  # the TF.js layer, once the model is built

    # -- Keras' protocol -------------------------------------------------------------

    def build(self, input_shape) -> None:
        self.input_shape = input_shape
        self.output_shape = self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape

    def count_params(self) -> int:
        """The number of weights, once the input shape is known."""
        if not self.built:
            raise ValueError(f"layer {self.name!r} is not built yet: its input shape is unknown")
        return self._count_params(self.input_shape)

    def _count_params(self, input_shape) -> int:
        return 0

    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self.input_shape_arg is not None:
            config["batch_shape"] = (None, *self.input_shape_arg)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        config = dict(config)
        batch_shape = config.pop("batch_shape", None)
        if batch_shape is not None:
            config["input_shape"] = tuple(batch_shape[1:])
        return cls(**config)

    def __call__(self, inputs):
        """Called on KerasTensors: records the layer in a functional model's graph."""
        many = isinstance(inputs, (list, tuple))
        tensors = list(inputs) if many else [inputs]
        if not all(isinstance(t, KerasTensor) for t in tensors):
            raise TypeError(f"{self.name}: call a layer on the output of pyapp.Input(...) or of another layer "
                            f"(to predict on data, use model.predict); got {type(tensors[0]).__name__}")
        shapes = [t.shape for t in tensors] if many else tensors[0].shape
        self.build(shapes)
        return KerasTensor(self.output_shape, "float32", self, tensors)

    # -- the TF.js side ------------------------------------------------------------

    def tfjs_config(self) -> dict:
        """The config of the matching TF.js layer (camelCase, TF.js names)."""
        return {"name": self.name, "trainable": self.trainable}

    def extra_tfjs_layers(self) -> list[tuple[str, dict]]:
        """TF.js layers applied after this one, for what TF.js lacks (leaky_relu)."""
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


class FusedActivation:
    """For layers with an `activation` argument (Dense, convolutions): its TF.js name, and
    the extra TF.js layer that stands in for activations TF.js has only as layers."""

    def tfjs_activation(self) -> str:
        return "linear" if self.activation == "leaky_relu" else activations.TFJS_NAMES[self.activation]

    def extra_tfjs_layers(self) -> list[tuple[str, dict]]:
        if self.activation == "leaky_relu":  # TF.js has LeakyReLU only as a layer
            return [("leakyReLU", {"name": f"{self.name}_leaky_relu", "alpha": 0.2})]
        return []
