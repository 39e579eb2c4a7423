"""Pooling layers: the max or mean over windows, or over a whole axis."""

from __future__ import annotations

from .convolutional import check_padding, output_length, spatial_tuple
from .layer import Layer

__all__ = ["AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "MaxPooling1D", "MaxPooling2D"]

_CHANNELS_LAST = {"data_format": "channels_last"}


def _channels_last(data_format, name: str) -> str:
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{name}: data_format must be 'channels_last', got {data_format!r}")
    return "channels_last"


class _Pooling(Layer):
    rank = 2
    config_keys = ("pool_size", "strides", "padding")

    def __init__(self, pool_size=2, strides=None, padding: str = "valid", **kwargs):
        super().__init__(**kwargs)
        self.pool_size = spatial_tuple(pool_size, self.rank, f"{self.name}: pool_size")
        self.strides = spatial_tuple(strides, self.rank, f"{self.name}: strides") if strides is not None \
            else self.pool_size
        self.padding = check_padding(padding, self.name)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != self.rank + 2:
            axes = {1: "steps", 2: "height, width", 3: "depth, height, width"}[self.rank]
            raise ValueError(f"{self.name}: expected input of rank {self.rank + 2} (batch, {axes}, channels), "
                             f"got {input_shape}")
        spatial = [output_length(n, k, s, self.padding)
                   for n, k, s in zip(input_shape[1:-1], self.pool_size, self.strides)]
        return (input_shape[0], *spatial, input_shape[-1])


class _Pooling2D(_Pooling):
    config_keys = (*_Pooling.config_keys, "data_format")

    def __init__(self, pool_size=2, strides=None, padding: str = "valid", data_format: str = "channels_last",
                 **kwargs):
        super().__init__(pool_size, strides, padding, **kwargs)
        self.data_format = _channels_last(data_format, self.name)


class _Pooling3D(_Pooling2D):
    rank = 3


class _Pooling1D(_Pooling):
    rank = 1
    keras_only = _CHANNELS_LAST


class MaxPooling2D(_Pooling2D):
    """The maximum over each pool_size window of (height, width, channels) samples."""


class AveragePooling2D(_Pooling2D):
    """The mean over each pool_size window of (height, width, channels) samples."""


class MaxPooling1D(_Pooling1D):
    """The maximum over each pool_size window of (steps, channels) samples."""


class AveragePooling1D(_Pooling1D):
    """The mean over each pool_size window of (steps, channels) samples."""


class AveragePooling3D(_Pooling3D):
    """The mean over each pool_size window of (depth, height, width, channels) samples."""


class _GlobalPooling(Layer):
    rank = 1
    keras_only = {"keepdims": False}

    def compute_output_shape(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{self.name}: expected input of rank {self.rank + 2} (batch, "
                             f"{'steps' if self.rank == 1 else 'height, width'}, channels), got {input_shape}")
        return (input_shape[0], input_shape[-1])


class _GlobalPooling2D(_GlobalPooling):
    rank = 2
    config_keys = ("data_format",)

    def __init__(self, data_format: str = "channels_last", **kwargs):
        super().__init__(**kwargs)
        self.data_format = _channels_last(data_format, self.name)


class _GlobalPooling1D(_GlobalPooling):
    keras_only = {**_CHANNELS_LAST, "keepdims": False}


class GlobalAveragePooling1D(_GlobalPooling1D):
    """The mean over the steps: (batch, steps, c) -> (batch, c)."""


class GlobalMaxPooling1D(_GlobalPooling1D):
    """The maximum over the steps: (batch, steps, c) -> (batch, c). After Conv1D it finds a
    pattern wherever it occurs in a sequence."""


class GlobalAveragePooling2D(_GlobalPooling2D):
    """The mean over height and width: (batch, h, w, c) -> (batch, c)."""


class GlobalMaxPooling2D(_GlobalPooling2D):
    """The maximum over height and width: (batch, h, w, c) -> (batch, c)."""
