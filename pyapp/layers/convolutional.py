"""Convolution layers (channels last, as Keras' default): Conv1D, Conv2D."""

from __future__ import annotations

from .layer import ANY, Layer, WithActivation, WithKernel, positive_int
from .core import KERNEL_KEYS

__all__ = ["Conv1D", "Conv2D", "check_padding", "output_length", "spatial_tuple"]


def spatial_tuple(value, rank: int, what: str) -> tuple:
    """An int or `rank` ints (kernel_size, strides, pool_size) as a tuple of `rank` ints."""
    values = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else tuple(value) \
        if isinstance(value, (list, tuple)) else ()
    if len(values) != rank or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values):
        raise ValueError(f"{what} must be a positive integer or {rank} of them, got {value!r}")
    return values


def output_length(length, window: int, stride: int, padding: str, dilation: int = 1):
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)
    span = (window - 1) * dilation + 1
    return (length - span) // stride + 1 if length >= span else 0


def check_padding(padding, name: str) -> str:
    if padding not in ("valid", "same"):
        raise ValueError(f"{name}: padding must be 'valid' or 'same', got {padding!r}")
    return padding


class _Conv(WithActivation, WithKernel, Layer):
    rank = 2
    config_keys = ("filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", *KERNEL_KEYS)

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid", dilation_rate=1, activation=None,
                 use_bias: bool = True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = positive_int(filters, f"{self.name}: filters")
        self.kernel_size = spatial_tuple(kernel_size, self.rank, f"{self.name}: kernel_size")
        self.strides = spatial_tuple(strides, self.rank, f"{self.name}: strides")
        self.padding = check_padding(padding, self.name)
        self.dilation_rate = spatial_tuple(dilation_rate, self.rank, f"{self.name}: dilation_rate")
        self._set_activation(activation)
        self._set_kernel_args(use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                              activity_regularizer, kernel_constraint, bias_constraint)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{self.name}: expected input of rank {self.rank + 2} (batch, "
                             f"{'steps' if self.rank == 1 else 'height, width'}, channels), got shape {input_shape}")
        if input_shape[-1] is None:
            raise ValueError(f"{self.name}: the number of input channels must be known, got shape {input_shape}")
        spatial = [output_length(n, k, s, self.padding, d)
                   for n, k, s, d in zip(input_shape[1:-1], self.kernel_size, self.strides, self.dilation_rate)]
        return (input_shape[0], *spatial, self.filters)

    def weight_specs(self, input_shape):
        channels = None if input_shape is None else input_shape[-1]
        return [("kernel", (*self.kernel_size, channels, self.filters))] + (
            [("bias", (self.filters,))] if self.use_bias else [])


class Conv2D(_Conv):
    """2D convolution over (height, width, channels) samples.

    >>> pyapp.layers.Conv2D(8, 3, activation="relu", padding="same")
    """

    rank = 2
    config_keys = (*_Conv.config_keys, "data_format")
    keras_only = {"groups": 1, "lora_rank": None, "lora_alpha": ANY}

    def __init__(self, *args, data_format: str = "channels_last", **kwargs):
        super().__init__(*args, **kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{self.name}: data_format must be 'channels_last' (TF.js's only layout here), "
                             f"got {data_format!r}")
        self.data_format = "channels_last"


class Conv1D(_Conv):
    """1D convolution over (steps, channels) samples."""

    rank = 1
    keras_only = {"groups": 1, "data_format": "channels_last", "lora_rank": None, "lora_alpha": ANY}
