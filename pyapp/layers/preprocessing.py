"""Preprocessing layers that are part of the model: Rescaling, Normalization. (Resizing and
CenterCrop are refused: see `pyapp.layers.REFUSED`.)

TF.js 4.22 has no Normalization layer: the page runs pyapp's own, built from TF.js ops
(pyapp/backend/_layers.js), under Keras 3's name and config.
"""

from __future__ import annotations

import numpy as np

from .layer import Layer

__all__ = ["Normalization", "Rescaling"]


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
