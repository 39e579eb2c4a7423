"""Reshaping layers: RepeatVector, Permute, UpSampling2D, ZeroPadding2D, Cropping2D."""

from __future__ import annotations

from .convolutional import spatial_tuple
from .layer import Layer, positive_int

__all__ = ["Cropping2D", "Permute", "RepeatVector", "UpSampling2D", "ZeroPadding2D"]


def _channels_last(data_format, name: str) -> str:
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{name}: data_format must be 'channels_last', got {data_format!r}")
    return "channels_last"


def _image(input_shape, layer: Layer) -> None:
    if len(input_shape) != 4:
        raise ValueError(f"{layer.name}: expected input of rank 4 (batch, height, width, channels), got {input_shape}")


def _pairs(value, what: str) -> tuple:
    """Keras' ((top, bottom), (left, right)) from an int, two ints, or two pairs."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = ((value, value), (value, value))
    elif isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        value = ((value[0], value[0]), (value[1], value[1]))
    pairs = tuple(tuple(pair) for pair in value) if isinstance(value, (list, tuple)) else ()
    if len(pairs) != 2 or not all(len(pair) == 2 and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                                         for v in pair) for pair in pairs):
        raise ValueError(f"{what} must be an int, 2 ints or 2 pairs of ints >= 0, got {value!r}")
    return pairs


def _add(length, amount: int):
    return None if length is None else length + amount


class RepeatVector(Layer):
    """Repeats each (batch, features) sample `n` times: (batch, n, features)."""

    config_keys = ("n",)

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        self.n = positive_int(n, f"{self.name}: n")

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"{self.name}: expected input of rank 2 (batch, features), got {input_shape}")
        return (input_shape[0], self.n, input_shape[1])


class Permute(Layer):
    """Reorders a sample's axes: `Permute((2, 1))` swaps the first two (1-based, the batch left alone)."""

    config_keys = ("dims",)

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(dims) if isinstance(dims, (list, tuple)) else ()
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"{self.name}: dims must be a permutation of 1..n, got {dims!r}")
        self.dims = dims

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(f"{self.name}: dims {self.dims} need input of rank {len(self.dims) + 1}, got {input_shape}")
        return (input_shape[0], *(input_shape[d] for d in self.dims))


class UpSampling2D(Layer):
    """Repeats rows and columns `size` times (nearest) or interpolates them (bilinear)."""

    config_keys = ("size", "data_format", "interpolation")

    def __init__(self, size=(2, 2), data_format: str = "channels_last", interpolation: str = "nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = spatial_tuple(size, 2, f"{self.name}: size")
        self.data_format = _channels_last(data_format, self.name)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"{self.name}: interpolation must be 'nearest' or 'bilinear' (TF.js's), got {interpolation!r}")
        self.interpolation = interpolation

    def compute_output_shape(self, input_shape):
        _image(input_shape, self)
        return (input_shape[0], *(None if n is None else n * s for n, s in zip(input_shape[1:3], self.size)),
                input_shape[3])


class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around each image."""

    config_keys = ("padding", "data_format")

    def __init__(self, padding=(1, 1), data_format: str = "channels_last", **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, f"{self.name}: padding")
        self.data_format = _channels_last(data_format, self.name)

    def compute_output_shape(self, input_shape):
        _image(input_shape, self)
        (top, bottom), (left, right) = self.padding
        return (input_shape[0], _add(input_shape[1], top + bottom), _add(input_shape[2], left + right), input_shape[3])


class Cropping2D(Layer):
    """Cuts rows and columns off each image's edges."""

    config_keys = ("cropping", "data_format")

    def __init__(self, cropping=((0, 0), (0, 0)), data_format: str = "channels_last", **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, f"{self.name}: cropping")
        self.data_format = _channels_last(data_format, self.name)

    def compute_output_shape(self, input_shape):
        _image(input_shape, self)
        (top, bottom), (left, right) = self.cropping
        height, width = _add(input_shape[1], -top - bottom), _add(input_shape[2], -left - right)
        if (height is not None and height <= 0) or (width is not None and width <= 0):
            raise ValueError(f"{self.name}: cropping {self.cropping} leaves nothing of an input of shape {input_shape}")
        return (input_shape[0], height, width, input_shape[3])
