"""Convolution layers (channels last, as Keras' default): Conv1D, Conv2D, Conv3D,
Conv2DTranspose, SeparableConv2D, DepthwiseConv2D."""

from __future__ import annotations

from .. import constraints, initializers, regularizers
from .layer import ANY, Layer, WithActivation, WithKernel, positive_int
from .core import KERNEL_KEYS

__all__ = ["Conv1D", "Conv2D", "Conv2DTranspose", "Conv3D", "DepthwiseConv2D", "SeparableConv2D", "check_padding",
           "output_length", "spatial_tuple"]


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

    def _check_input(self, input_shape) -> None:
        if len(input_shape) != self.rank + 2:
            axes = {1: "steps", 2: "height, width", 3: "depth, height, width"}[self.rank]
            raise ValueError(f"{self.name}: expected input of rank {self.rank + 2} (batch, {axes}, channels), "
                             f"got shape {input_shape}")
        if input_shape[-1] is None:
            raise ValueError(f"{self.name}: the number of input channels must be known, got shape {input_shape}")

    def compute_output_shape(self, input_shape):
        self._check_input(input_shape)
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


def _channels_last(data_format, name: str) -> str:
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{name}: data_format must be 'channels_last' (TF.js's only layout here), got {data_format!r}")
    return "channels_last"


class Conv3D(_Conv):
    """3D convolution over (depth, height, width, channels) samples."""

    rank = 3
    config_keys = (*_Conv.config_keys, "data_format")
    keras_only = {"groups": 1}

    def __init__(self, *args, data_format: str = "channels_last", **kwargs):
        super().__init__(*args, **kwargs)
        self.data_format = _channels_last(data_format, self.name)


class Conv2DTranspose(_Conv):
    """The transpose of a 2D convolution ("deconvolution"): upsamples by `strides`."""

    rank = 2
    config_keys = (*_Conv.config_keys, "data_format")
    keras_only = {"output_padding": None}

    def __init__(self, *args, data_format: str = "channels_last", **kwargs):
        super().__init__(*args, **kwargs)
        self.data_format = _channels_last(data_format, self.name)

    def compute_output_shape(self, input_shape):
        self._check_input(input_shape)
        spatial = [None if n is None else (n * s if self.padding == "same" else (n - 1) * s + k)
                   for n, k, s in zip(input_shape[1:-1], self.kernel_size, self.strides)]
        return (input_shape[0], *spatial, self.filters)

    def weight_specs(self, input_shape):
        channels = None if input_shape is None else input_shape[-1]
        return [("kernel", (*self.kernel_size, self.filters, channels))] + (
            [("bias", (self.filters,))] if self.use_bias else [])


class _Depthwise(WithActivation, Layer):
    """What DepthwiseConv2D and SeparableConv2D share: a depthwise kernel of `depth_multiplier`
    filters per input channel."""

    rank = 2

    def _set_depthwise(self, kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate,
                       activation, use_bias) -> None:
        self.kernel_size = spatial_tuple(kernel_size, 2, f"{self.name}: kernel_size")
        self.strides = spatial_tuple(strides, 2, f"{self.name}: strides")
        self.padding = check_padding(padding, self.name)
        self.depth_multiplier = positive_int(depth_multiplier, f"{self.name}: depth_multiplier")
        self.data_format = _channels_last(data_format, self.name)
        self.dilation_rate = spatial_tuple(dilation_rate, 2, f"{self.name}: dilation_rate")
        self._set_activation(activation)
        self.use_bias = bool(use_bias)

    def _spatial(self, input_shape) -> list:
        _Conv._check_input(self, input_shape)
        return [output_length(n, k, s, self.padding, d)
                for n, k, s, d in zip(input_shape[1:-1], self.kernel_size, self.strides, self.dilation_rate)]


class DepthwiseConv2D(_Depthwise):
    """Convolves each input channel with its own `depth_multiplier` filters."""

    config_keys = ("kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate",
                   "activation", "use_bias", "depthwise_initializer", "bias_initializer", "depthwise_regularizer",
                   "bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint")
    tfjs_weight_names = {"kernel": "depthwise_kernel"}

    def __init__(self, kernel_size, strides=1, padding: str = "valid", depth_multiplier: int = 1,
                 data_format: str = "channels_last", dilation_rate=1, activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self._set_depthwise(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation,
                            use_bias)
        where = self.name + ": "
        self.depthwise_initializer = initializers.get(depthwise_initializer, where + "depthwise_initializer")
        self.bias_initializer = initializers.get(bias_initializer, where + "bias_initializer")
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer, where + "depthwise_regularizer")
        self.bias_regularizer = regularizers.get(bias_regularizer, where + "bias_regularizer")
        self.activity_regularizer = regularizers.get(activity_regularizer, where + "activity_regularizer")
        self.depthwise_constraint = constraints.get(depthwise_constraint, where + "depthwise_constraint")
        self.bias_constraint = constraints.get(bias_constraint, where + "bias_constraint")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._spatial(input_shape), input_shape[-1] * self.depth_multiplier)

    def weight_specs(self, input_shape):
        channels = None if input_shape is None else input_shape[-1]
        out = None if channels is None else channels * self.depth_multiplier
        return [("kernel", (*self.kernel_size, channels, self.depth_multiplier))] + (
            [("bias", (out,))] if self.use_bias else [])


class SeparableConv2D(_Depthwise):
    """A depthwise convolution, then a 1x1 convolution to `filters` channels."""

    config_keys = ("filters", "kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate",
                   "activation", "use_bias", "depthwise_initializer", "pointwise_initializer", "bias_initializer",
                   "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer",
                   "depthwise_constraint", "pointwise_constraint", "bias_constraint")

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid", data_format: str = "channels_last",
                 dilation_rate=1, depth_multiplier: int = 1, activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = positive_int(filters, f"{self.name}: filters")
        self._set_depthwise(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation,
                            use_bias)
        where = self.name + ": "
        self.depthwise_initializer = initializers.get(depthwise_initializer, where + "depthwise_initializer")
        self.pointwise_initializer = initializers.get(pointwise_initializer, where + "pointwise_initializer")
        self.bias_initializer = initializers.get(bias_initializer, where + "bias_initializer")
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer, where + "depthwise_regularizer")
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer, where + "pointwise_regularizer")
        self.bias_regularizer = regularizers.get(bias_regularizer, where + "bias_regularizer")
        self.activity_regularizer = regularizers.get(activity_regularizer, where + "activity_regularizer")
        self.depthwise_constraint = constraints.get(depthwise_constraint, where + "depthwise_constraint")
        self.pointwise_constraint = constraints.get(pointwise_constraint, where + "pointwise_constraint")
        self.bias_constraint = constraints.get(bias_constraint, where + "bias_constraint")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._spatial(input_shape), self.filters)

    def weight_specs(self, input_shape):
        channels = None if input_shape is None else input_shape[-1]
        middle = None if channels is None else channels * self.depth_multiplier
        return [("depthwise_kernel", (*self.kernel_size, channels, self.depth_multiplier)),
                ("pointwise_kernel", (1, 1, middle, self.filters))] + ([("bias", (self.filters,))] if self.use_bias else [])
