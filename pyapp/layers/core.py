"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Embedding, BatchNormalization."""

from __future__ import annotations

import math

from .. import activations
from ..initializers import tfjs_config as initializer_config
from .layer import FusedActivation, Layer


def _last_axis(input_shape, layer: Layer) -> int:
    if input_shape[-1] is None:
        raise ValueError(f"{layer.name}: the last axis of the input must be known, got shape {input_shape}")
    return input_shape[-1]


class Dense(FusedActivation, Layer):
    """A densely connected layer: `activation(inputs @ kernel + bias)`.

    Args:
        units: the size of the output's last axis.
        activation: an activation's name ("relu", "softmax", ...); None is linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers by name.

    >>> model = pyapp.Sequential([pyapp.Input((4,)), pyapp.layers.Dense(8, activation="relu")])
    """

    tfjs_class = "dense"

    def __init__(self, units: int, activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer

    def compute_output_shape(self, input_shape):
        _last_axis(input_shape, self)
        return (*input_shape[:-1], self.units)

    def _count_params(self, input_shape) -> int:
        return input_shape[-1] * self.units + (self.units if self.use_bias else 0)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "activation": self.activation, "use_bias": self.use_bias,
                "kernel_initializer": self.kernel_initializer, "bias_initializer": self.bias_initializer}

    def tfjs_config(self) -> dict:
        return {**super().tfjs_config(), "units": self.units, "activation": self.tfjs_activation(), "useBias": self.use_bias,
                "kernelInitializer": initializer_config(self.kernel_initializer),
                "biasInitializer": initializer_config(self.bias_initializer)}


class Activation(Layer):
    """Applies an activation function by name."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    @property
    def tfjs_class(self) -> str:
        return "leakyReLU" if self.activation == "leaky_relu" else "activation"

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": self.activation}

    def tfjs_config(self) -> dict:
        if self.activation == "leaky_relu":
            return {**super().tfjs_config(), "alpha": 0.2}
        return {**super().tfjs_config(), "activation": activations.TFJS_NAMES[self.activation]}


class Dropout(Layer):
    """Sets a fraction `rate` of inputs to 0 while training (and scales the rest)."""

    tfjs_class = "dropout"

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate!r}")
        self.rate = rate
        self.seed = seed

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}

    def tfjs_config(self) -> dict:
        config = {**super().tfjs_config(), "rate": self.rate}
        if self.seed is not None:
            config["seed"] = self.seed
        return config


class Flatten(Layer):
    """Flattens each sample to one axis."""

    tfjs_class = "flatten"

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            raise ValueError(f"{self.name}: Flatten needs a fully known sample shape, got {input_shape}")
        return (input_shape[0], math.prod(rest))


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (one axis may be -1)."""

    tfjs_class = "reshape"

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def compute_output_shape(self, input_shape):
        size = math.prod(input_shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if size % known:
                raise ValueError(f"{self.name}: cannot reshape a sample of shape {input_shape[1:]} to {self.target_shape}")
            return (input_shape[0], *(size // known if d == -1 else d for d in self.target_shape))
        if known != size:
            raise ValueError(f"{self.name}: cannot reshape a sample of shape {input_shape[1:]} ({size} values) "
                             f"to {self.target_shape} ({known} values)")
        return (input_shape[0], *self.target_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}

    def tfjs_config(self) -> dict:
        return {**super().tfjs_config(), "targetShape": list(self.target_shape)}


class Embedding(Layer):
    """Maps integer indices in [0, input_dim) to dense vectors of size output_dim."""

    tfjs_class = "embedding"

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform", **kwargs):
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = embeddings_initializer

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def _count_params(self, input_shape) -> int:
        return self.input_dim * self.output_dim

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": self.embeddings_initializer}

    def tfjs_config(self) -> dict:
        # Keras' "uniform" is RandomUniform(-0.05, 0.05), TF.js's default for Embedding too.
        initializer = ("random_uniform" if self.embeddings_initializer == "uniform" else self.embeddings_initializer)
        config = initializer_config(initializer)
        if config["className"] == "RandomUniform":
            config["config"].update(minval=-0.05, maxval=0.05)
        return {**super().tfjs_config(), "inputDim": self.input_dim, "outputDim": self.output_dim,
                "embeddingsInitializer": config}


class BatchNormalization(Layer):
    """Normalises its inputs with batch statistics while training, moving averages after."""

    tfjs_class = "batchNormalization"

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 0.001, center: bool = True,
                 scale: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.momentum, self.epsilon, self.center, self.scale = axis, momentum, epsilon, center, scale

    def _count_params(self, input_shape) -> int:
        channels = input_shape[self.axis]
        return channels * (2 + int(self.center) + int(self.scale))

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale}

    def tfjs_config(self) -> dict:
        return {**super().tfjs_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale}
