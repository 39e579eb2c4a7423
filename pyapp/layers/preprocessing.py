"""Preprocessing layers that are part of the model: Rescaling, Normalization, Resizing,
CenterCrop, CategoryEncoding.

TF.js 4.22 has no Normalization layer; its Resizing fails on the WASM backend ("Invalid
typed array length") and its CenterCrop changes its input's shape in place (measured
here). The page runs pyapp's own, built from TF.js ops (pyapp/backend/_layers.js), under
Keras 3's names and configs. TF.js's CategoryEncoding changes its input's shape in place
too: the page runs it on a copy of the shape.
"""

from __future__ import annotations

import numpy as np

from .layer import ANY, Layer, positive_int
from .reshaping import _channels_last, _image

__all__ = ["CategoryEncoding", "CenterCrop", "Normalization", "Rescaling", "Resizing"]


class Rescaling(Layer):
    """`inputs * scale + offset`: `Rescaling(1 / 255)` maps pixel values to [0, 1]."""

    config_keys = ("scale", "offset")

    def __init__(self, scale: float, offset: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        for what, value in (("scale", scale), ("offset", offset)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{self.name}: {what} must be a number, got {value!r}")
        self.scale, self.offset = float(scale), float(offset)


class Normalization(Layer):
    """`(inputs - mean) / sqrt(variance)` per position of `axis`, as Keras 3 computes it
    (the divisor is at least 1e-7); with `invert=True`, the inverse.

    Args:
        axis: the axis, or axes, that keep their own mean and variance (default: the last);
            None: one mean and variance for all.
        mean, variance: the values to use (a number, or a list over `axis`); when not
            given, `adapt(data)` computes them from data, and they are weights of the layer.
        invert: whether to undo the normalization instead.

    >>> norm = pyapp.layers.Normalization()
    >>> norm.adapt(x_train)  # per feature: the mean and variance of x_train
    >>> model = pyapp.Sequential([pyapp.Input((4,)), norm, pyapp.layers.Dense(1)])
    """

    config_keys = ("axis", "invert", "mean", "variance")
    int_weights = ("count",)  # Keras 3 keeps `count` as an int32 (and never changes it)

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        axes = [] if axis is None else [axis] if isinstance(axis, int) else list(axis)
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise ValueError(f"{self.name}: axis must be an integer, a list of them, or None, got {axis!r}")
        self.axis = axes
        if (mean is None) != (variance is None):
            raise ValueError(f"{self.name}: give both mean and variance, or neither (and adapt the layer)")
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(f"{self.name}: mean and variance must have one shape, got {np.shape(mean)} and "
                             f"{np.shape(variance)}")
        if mean is not None and np.ndim(mean) > len(self.axis):
            raise ValueError(f"{self.name}: mean has rank {np.ndim(mean)}, more than the {len(self.axis)} axes kept")
        self.mean = None if mean is None else np.asarray(mean, dtype=float).tolist()
        self.variance = None if variance is None else np.asarray(variance, dtype=float).tolist()
        if not isinstance(invert, bool):
            raise ValueError(f"{self.name}: invert must be True or False, got {invert!r}")
        self.invert = invert

    def _kept(self, input_shape) -> list[int]:
        rank = len(input_shape)
        if any(not -rank <= a < rank for a in self.axis):
            raise ValueError(f"{self.name}: axis {self.axis} is outside the input's {rank} axes")
        kept = sorted(a % rank for a in self.axis)
        if any(input_shape[a] is None for a in kept):
            raise ValueError(f"{self.name}: the axes kept ({kept}) must have a known size, got shape {input_shape}")
        return kept

    def build(self, input_shape) -> None:
        self._kept(input_shape)
        super().build(input_shape)

    def weight_specs(self, input_shape):
        if self.mean is not None:
            return []
        shape = None if input_shape is None else tuple(input_shape[a] for a in self._kept(input_shape))
        return [("mean", shape), ("variance", shape), ("count", ())]

    def non_trainable_weight_names(self) -> tuple[str, ...]:
        return ("mean", "variance", "count")

    def adapt(self, data) -> None:
        """Computes the mean and variance of `data` over the axes not kept, as Keras 3's
        `adapt` does: `data` is one array, or an iterable of batches (arrays). The model
        that this layer is then added to, or called into, starts from them."""
        if self.mean is not None:
            raise ValueError(f"{self.name}: adapt() computes mean and variance, which were given")
        if isinstance(data, np.ndarray) or np.isscalar(data):
            arrays = [np.asarray(data)]  # Keras takes the mean of one array in its own dtype
        else:
            arrays = [np.asarray(batch, dtype=np.float32) for batch in data]
        if not arrays:
            raise ValueError(f"{self.name}: adapt() got no data")
        if arrays[0].ndim == 0:
            raise ValueError(f"{self.name}: adapt() needs arrays of a batch of samples, got a number")
        shape = (None, *arrays[0].shape[1:])
        kept = self._kept(shape)
        reduce = tuple(d for d in range(len(shape)) if d not in kept)
        total_mean = total_variance = None
        total_count = 0
        for array in arrays:
            if array.ndim != len(shape) or any(array.shape[d] != shape[d] for d in kept):
                raise ValueError(f"{self.name}: adapt() got batches of shapes {arrays[0].shape} and {array.shape}")
            mean, variance = array.mean(axis=reduce), array.var(axis=reduce)
            if len(arrays) == 1:
                total_mean, total_variance = mean, variance
                break
            # Keras' running combination of batches (Chan et al.'s parallel variance).
            count = int(np.prod([array.shape[d] for d in reduce]))
            total_count += count
            weight = count / total_count
            if total_mean is None:
                total_mean, total_variance = mean, variance
                continue
            new_mean = total_mean * (1 - weight) + mean * weight
            total_variance = ((total_variance + (total_mean - new_mean) ** 2) * (1 - weight)
                              + (variance + (mean - new_mean) ** 2) * weight)
            total_mean = new_mean
        self.carried_weights = [np.asarray(total_mean, np.float32), np.asarray(total_variance, np.float32),
                                np.zeros((), np.float32)]


class Resizing(Layer):
    """Resizes images (batch, height, width, channels) to `height` x `width`, as Keras 3 does.

    Args:
        height, width: the size of the output images.
        interpolation: "bilinear" (default) or "nearest" (TF.js has no bicubic or lanczos).
        crop_to_aspect_ratio: whether to crop the centre of each image to the output's
            aspect ratio first, so that it is not distorted.
        pad_to_aspect_ratio, fill_mode, fill_value, antialias, data_format: Keras 3's;
            pyapp computes their defaults only (no padding, no antialiasing, channels last).

    >>> pyapp.layers.Resizing(64, 64, crop_to_aspect_ratio=True)(pyapp.Input((120, 160, 3)))  # (None, 64, 64, 3)
    """

    config_keys = ("height", "width", "interpolation", "crop_to_aspect_ratio")
    keras_only = {"pad_to_aspect_ratio": False, "fill_mode": "constant", "fill_value": ANY, "antialias": False,
                  "data_format": "channels_last"}

    def __init__(self, height: int, width: int, interpolation: str = "bilinear", crop_to_aspect_ratio: bool = False,
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = positive_int(height, f"{self.name}: height")
        self.width = positive_int(width, f"{self.name}: width")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"{self.name}: interpolation must be 'bilinear' or 'nearest' (TF.js has no other), "
                             f"got {interpolation!r}")
        self.interpolation = interpolation
        if not isinstance(crop_to_aspect_ratio, bool):
            raise ValueError(f"{self.name}: crop_to_aspect_ratio must be True or False, got {crop_to_aspect_ratio!r}")
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        _channels_last(data_format, self.name)

    def compute_output_shape(self, input_shape):
        _image(input_shape, self)
        return (input_shape[0], self.height, self.width, input_shape[3])


class CenterCrop(Layer):
    """Crops the centre `height` x `width` of images (batch, height, width, channels), as
    Keras 3 does: an image smaller than that is instead cropped to its aspect ratio and
    resized (bilinear) to it.

    Args:
        height, width: the size of the output images.
        data_format: "channels_last" only.

    >>> pyapp.layers.CenterCrop(24, 24)(pyapp.Input((32, 32, 3)))  # (None, 24, 24, 3)
    """

    config_keys = ("height", "width")
    keras_only = {"data_format": "channels_last"}

    def __init__(self, height: int, width: int, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = positive_int(height, f"{self.name}: height")
        self.width = positive_int(width, f"{self.name}: width")
        _channels_last(data_format, self.name)

    def compute_output_shape(self, input_shape):
        _image(input_shape, self)
        return (input_shape[0], self.height, self.width, input_shape[3])


_OUTPUT_MODES = ("one_hot", "multi_hot", "count")


class CategoryEncoding(Layer):
    """Encodes integer categories in [0, num_tokens) as vectors of `num_tokens` floats.

    Args:
        num_tokens: the number of categories.
        output_mode: "one_hot" (each value as a vector with a 1 at its place; the input is
            (batch,) or (batch, 1)), "multi_hot" (default: a 1 at the place of every value
            of a sample) or "count" (how often each value occurs in a sample; the input of
            these two is (batch, values)).
        sparse: False only (TF.js has no sparse tensors).

    Keras 3 also one-hot encodes (batch, values) into (batch, values, num_tokens); TF.js
    4.22 refuses that ("maximum output rank is 2"), so pyapp does too.

    >>> pyapp.layers.CategoryEncoding(5, output_mode="count")(pyapp.Input((3,), dtype="int32"))  # (None, 5)
    """

    config_keys = ("num_tokens", "output_mode")
    keras_only = {"sparse": False}

    def __init__(self, num_tokens: int, output_mode: str = "multi_hot", **kwargs):
        super().__init__(**kwargs)
        self.num_tokens = positive_int(num_tokens, f"{self.name}: num_tokens")
        if output_mode == "binary":  # Keras' former name
            output_mode = "multi_hot"
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(f"{self.name}: output_mode must be one of {_OUTPUT_MODES}, got {output_mode!r}")
        self.output_mode = output_mode

    def compute_output_shape(self, input_shape):
        one_value = len(input_shape) == 1 or (len(input_shape) == 2 and input_shape[1] == 1)
        if len(input_shape) != 2 and not (self.output_mode == "one_hot" and one_value):
            raise ValueError(f"{self.name}: expected input of shape (batch, values), got shape {input_shape}")
        if self.output_mode == "one_hot" and not one_value:
            raise ValueError(f"{self.name}: output_mode='one_hot' takes one value per sample, (batch,) or (batch, 1), "
                             f"got shape {input_shape}: TF.js 4.22 cannot one-hot encode several (use 'multi_hot' "
                             "or 'count', or Reshape the values to (batch, 1) first)")
        return (input_shape[0], self.num_tokens)
