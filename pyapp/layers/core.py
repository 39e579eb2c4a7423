"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Embedding, Masking."""

from __future__ import annotations

import math

from .. import constraints, initializers, regularizers
from .layer import ANY, Layer, WithActivation, WithKernel, fraction, positive_int

__all__ = ["Activation", "Dense", "Dropout", "Embedding", "Flatten", "Masking", "Reshape"]

_LORA = {"quantization_config": None, "lora_rank": None, "lora_alpha": ANY}
KERNEL_KEYS = ("use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
               "activity_regularizer", "kernel_constraint", "bias_constraint")


def last_axis(input_shape, layer: Layer) -> int | None:
    """The input's last axis, which must be known once there is an input shape."""
    if input_shape is None:
        return None
    if input_shape[-1] is None:
        raise ValueError(f"{layer.name}: the last axis of the input must be known, got shape {input_shape}")
    return input_shape[-1]


class Dense(WithActivation, WithKernel, Layer):
    """A densely connected layer: `activation(inputs @ kernel + bias)`.

    Args:
        units: the size of the output's last axis.
        activation: an activation's name ("relu", "softmax", ...); None is linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers, by name or Keras config.
        kernel_regularizer, bias_regularizer, activity_regularizer: regularizers ("l2", ...).
        kernel_constraint, bias_constraint: constraints ("max_norm", ...).

    >>> model = pyapp.Sequential([pyapp.Input((4,)), pyapp.layers.Dense(8, activation="relu")])
    """

    config_keys = ("units", "activation", *KERNEL_KEYS)
    keras_only = _LORA

    def __init__(self, units: int, activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.units = positive_int(units, f"{self.name}: units")
        self._set_activation(activation)
        self._set_kernel_args(use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                              activity_regularizer, kernel_constraint, bias_constraint)

    def compute_output_shape(self, input_shape):
        last_axis(input_shape, self)
        return (*input_shape[:-1], self.units)

    def weight_specs(self, input_shape):
        return [("kernel", (last_axis(input_shape, self), self.units))] + (
            [("bias", (self.units,))] if self.use_bias else [])


class Activation(WithActivation, Layer):
    """Applies an activation function, by name: `layers.Activation("relu")`."""

    config_keys = ("activation",)

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self._set_activation(activation)


class Dropout(Layer):
    """Sets a fraction `rate` of inputs to 0 while training (and scales the rest)."""

    config_keys = ("rate", "noise_shape", "seed")
    changes_in_training = True

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate = fraction(rate, f"{self.name}: rate")
        self.noise_shape = None if noise_shape is None else list(noise_shape)
        self.seed = seed


class Flatten(Layer):
    """Flattens each sample to one axis."""

    keras_only = {"data_format": "channels_last"}

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            raise ValueError(f"{self.name}: Flatten needs a fully known sample shape, got {input_shape}")
        return (input_shape[0], math.prod(rest))


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (one axis may be -1)."""

    config_keys = ("target_shape",)

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        shape = tuple(target_shape) if isinstance(target_shape, (list, tuple)) else None
        if not shape or any(isinstance(d, bool) or not isinstance(d, int) or (d <= 0 and d != -1) for d in shape) \
                or shape.count(-1) > 1:
            raise ValueError(f"{self.name}: target_shape must be positive integers (one may be -1), got {target_shape!r}")
        self.target_shape = shape

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


class Embedding(Layer):
    """Maps integer indices in [0, input_dim) to dense vectors of size output_dim."""

    config_keys = ("input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
                   "activity_regularizer", "embeddings_constraint", "mask_zero")
    keras_only = {**_LORA, "sparse": False}
    tfjs_only = {"input_length": ANY}

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform", embeddings_regularizer=None,
                 activity_regularizer=None, embeddings_constraint=None, mask_zero: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.input_dim = positive_int(input_dim, f"{self.name}: input_dim")
        self.output_dim = positive_int(output_dim, f"{self.name}: output_dim")
        self.embeddings_initializer = initializers.get(embeddings_initializer, f"{self.name}: embeddings_initializer")
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer, f"{self.name}: embeddings_regularizer")
        self.activity_regularizer = regularizers.get(activity_regularizer, f"{self.name}: activity_regularizer")
        self.embeddings_constraint = constraints.get(embeddings_constraint, f"{self.name}: embeddings_constraint")
        self.mask_zero = bool(mask_zero)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def weight_specs(self, input_shape):
        return [("embeddings", (self.input_dim, self.output_dim))]



class Masking(Layer):
    """Marks the timesteps whose values all equal `mask_value` as padding, for the layers
    after it (RNNs skip them)."""

    config_keys = ("mask_value",)

    def __init__(self, mask_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)):
            raise ValueError(f"{self.name}: mask_value must be a number, got {mask_value!r}")
        self.mask_value = float(mask_value)
