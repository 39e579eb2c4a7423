"""Convolution and pooling layers (channels last, as Keras' default)."""

from __future__ import annotations

from .. import activations
from ..initializers import tfjs_config as initializer_config
from .layer import FusedActivation, Layer


def _tuple(value, rank: int, what: str) -> tuple:
    values = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(values) != rank or not all(isinstance(v, int) and v > 0 for v in values):
        raise ValueError(f"{what} must be a positive integer or {rank} of them, got {value!r}")
    return values


def _output_length(length, window: int, stride: int, padding: str):
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)
    return (length - window) // stride + 1 if length >= window else 0


def _check_padding(padding: str) -> str:
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return padding


class _Conv(FusedActivation, Layer):
    rank = 2

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid", activation=None,
                 use_bias: bool = True, kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = _tuple(kernel_size, self.rank, "kernel_size")
        self.strides = _tuple(strides, self.rank, "strides")
        self.padding = _check_padding(padding)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer

    def compute_output_shape(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{self.name}: expected input of rank {self.rank + 2} (batch, "
                             f"{'steps' if self.rank == 1 else 'height, width'}, channels), got shape {input_shape}")
        spatial = [_output_length(n, k, s, self.padding)
                   for n, k, s in zip(input_shape[1:-1], self.kernel_size, self.strides)]
        return (input_shape[0], *spatial, self.filters)

    def _count_params(self, input_shape) -> int:
        kernel = 1
        for k in self.kernel_size:
            kernel *= k
        return kernel * input_shape[-1] * self.filters + (self.filters if self.use_bias else 0)

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "activation": self.activation,
                "use_bias": self.use_bias, "kernel_initializer": self.kernel_initializer,
                "bias_initializer": self.bias_initializer}

    def tfjs_config(self) -> dict:
        return {**super().tfjs_config(), "filters": self.filters, "kernelSize": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding, "activation": self.tfjs_activation(),
                "useBias": self.use_bias, "kernelInitializer": initializer_config(self.kernel_initializer),
                "biasInitializer": initializer_config(self.bias_initializer)}


class Conv2D(_Conv):
    """2D convolution over (height, width, channels) samples.

    >>> pyapp.layers.Conv2D(8, 3, activation="relu", padding="same")
    """

    tfjs_class = "conv2d"
    rank = 2


class Conv1D(_Conv):
    """1D convolution over (steps, channels) samples."""

    tfjs_class = "conv1d"
    rank = 1

    def tfjs_config(self) -> dict:
        config = super().tfjs_config()
        config["kernelSize"], config["strides"] = self.kernel_size[0], self.strides[0]
        return config


class _Pooling2D(Layer):
    def __init__(self, pool_size=2, strides=None, padding: str = "valid", **kwargs):
        super().__init__(**kwargs)
        self.pool_size = _tuple(pool_size, 2, "pool_size")
        self.strides = _tuple(strides, 2, "strides") if strides is not None else self.pool_size
        self.padding = _check_padding(padding)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"{self.name}: expected input of rank 4 (batch, height, width, channels), got {input_shape}")
        spatial = [_output_length(n, k, s, self.padding)
                   for n, k, s in zip(input_shape[1:3], self.pool_size, self.strides)]
        return (input_shape[0], *spatial, input_shape[3])

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides, "padding": self.padding}

    def tfjs_config(self) -> dict:
        return {**super().tfjs_config(), "poolSize": list(self.pool_size), "strides": list(self.strides),
                "padding": self.padding}


class MaxPooling2D(_Pooling2D):
    """The maximum over each pool_size window."""

    tfjs_class = "maxPooling2d"


class AveragePooling2D(_Pooling2D):
    """The mean over each pool_size window."""

    tfjs_class = "averagePooling2d"


class _GlobalPooling1D(Layer):
    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expected input of rank 3 (batch, steps, channels), got {input_shape}")
        return (input_shape[0], input_shape[2])


class GlobalAveragePooling1D(_GlobalPooling1D):
    """The mean over the steps: (batch, steps, c) -> (batch, c)."""

    tfjs_class = "globalAveragePooling1d"


class GlobalMaxPooling1D(_GlobalPooling1D):
    """The maximum over the steps: (batch, steps, c) -> (batch, c). After Conv1D it finds a
    pattern wherever it occurs in a sequence."""

    tfjs_class = "globalMaxPooling1d"


class GlobalAveragePooling2D(Layer):
    """The mean over height and width: (batch, h, w, c) -> (batch, c)."""

    tfjs_class = "globalAveragePooling2d"

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"{self.name}: expected input of rank 4 (batch, height, width, channels), got {input_shape}")
        return (input_shape[0], input_shape[3])
