"""Weight regularizers, as in `keras.regularizers`: as objects, by Keras name, or as a config.

    layers.Dense(8, kernel_regularizer=pyapp.regularizers.L2(1e-3))
    layers.Dense(8, kernel_regularizer="l2")                      # L2(l2=0.01)
    layers.Dense(8, kernel_regularizer={"class_name": "L1L2", "config": {"l1": 1e-4, "l2": 1e-3}})
"""

from __future__ import annotations

from ._serialized import from_identifier

__all__ = ["CLASSES", "L1", "L1L2", "L2", "Regularizer", "get", "l1", "l1_l2", "l2"]

CLASSES = {"L1": {"l1": 0.01}, "L2": {"l2": 0.01}, "L1L2": {"l1": 0.0, "l2": 0.0}}


class Regularizer:
    """The base class: a penalty on a weight, added to the loss while training."""

    def get_config(self) -> dict:
        return dict(vars(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


def _factor(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return float(value)


class L1(Regularizer):
    """`l1 * sum(abs(w))`."""

    def __init__(self, l1: float = 0.01):
        self.l1 = _factor(l1, "L1: l1")


class L2(Regularizer):
    """`l2 * sum(w ** 2)`."""

    def __init__(self, l2: float = 0.01):
        self.l2 = _factor(l2, "L2: l2")


class L1L2(Regularizer):
    """`l1 * sum(abs(w)) + l2 * sum(w ** 2)`."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1, self.l2 = _factor(l1, "L1L2: l1"), _factor(l2, "L1L2: l2")


# Keras' lower-case names for the same classes.
l1, l2, l1_l2 = L1, L2, L1L2


def get(identifier, where: str = "regularizer") -> dict | None:
    """The regularizer `identifier` names (an object, "l1", "l2", "l1_l2", or a Keras config
    dict) in the common form {"class_name", "config"}; None for none."""
    return from_identifier(identifier, where, "regularizer", CLASSES, {"l1_l2": "L1L2"})
