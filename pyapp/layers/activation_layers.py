"""Activations as layers: ReLU, LeakyReLU, ELU, PReLU, Softmax."""

from __future__ import annotations

from .. import constraints, initializers, regularizers
from .layer import Layer

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]


def _number(value, what: str, minimum: float | None = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (minimum is not None and value < minimum):
        raise ValueError(f"{what} must be a number{'' if minimum is None else f' >= {minimum:g}'}, got {value!r}")
    return float(value)


class ReLU(Layer):
    """max(x, 0), capped at `max_value` if given: `layers.ReLU(max_value=6.0)`."""

    config_keys = ("max_value",)
    keras_only = {"negative_slope": 0.0, "threshold": 0.0}

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = None if max_value is None else _number(max_value, f"{self.name}: max_value")
        if negative_slope or threshold:
            raise ValueError(f"{self.name}: ReLU with negative_slope or threshold has no TF.js form; "
                             "use layers.LeakyReLU for a slope")


class LeakyReLU(Layer):
    """`x` where it is positive, `negative_slope * x` elsewhere."""

    config_keys = ("negative_slope",)
    tfjs_names = {"negative_slope": "alpha"}

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = _number(negative_slope, f"{self.name}: negative_slope")


class ELU(Layer):
    """`x` where it is positive, `exp(x) - 1` elsewhere. (TF.js 4.22's ELU layer computes
    only alpha=1.0; another alpha is refused, not changed.)"""

    config_keys = ("alpha",)
    only = {"alpha": 1.0}

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _number(alpha, f"{self.name}: alpha", minimum=None)
        if self.alpha != 1.0:
            raise ValueError(f"{self.name}: ELU(alpha={alpha!r}) is not available in TensorFlow.js 4.22, whose ELU "
                             "layer computes alpha=1.0 only")


class PReLU(Layer):
    """LeakyReLU whose slopes are learned, one per input value (shared along `shared_axes`)."""

    config_keys = ("alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes")

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer, f"{self.name}: alpha_initializer")
        self.alpha_regularizer = regularizers.get(alpha_regularizer, f"{self.name}: alpha_regularizer")
        self.alpha_constraint = constraints.get(alpha_constraint, f"{self.name}: alpha_constraint")
        axes = [shared_axes] if isinstance(shared_axes, int) else shared_axes
        if axes is not None and not all(isinstance(a, int) and not isinstance(a, bool) and a >= 1 for a in axes):
            raise ValueError(f"{self.name}: shared_axes must be axes >= 1 (not the batch), got {shared_axes!r}")
        self.shared_axes = None if axes is None else list(axes)

    def weight_specs(self, input_shape):
        if input_shape is None:
            return [("alpha", None)]  # of the input's rank
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        return [("alpha", tuple(shape))]


class Softmax(Layer):
    """exp(x) / sum(exp(x)) along the last axis. (TF.js 4.22 computes softmax along the last
    axis only: another axis is refused, not changed.)"""

    config_keys = ("axis",)
    only = {"axis": -1}

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        if axis != -1 or isinstance(axis, bool):
            raise ValueError(f"{self.name}: Softmax(axis={axis!r}) is not available in TensorFlow.js 4.22, which "
                             "computes softmax along the last axis only (axis=-1); Permute the axis last first")
        self.axis = -1
