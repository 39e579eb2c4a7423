"""Weight constraints, as in `keras.constraints`: as objects, by Keras name, or as a config.

    layers.Dense(8, kernel_constraint=pyapp.constraints.MaxNorm(3))
    layers.Dense(8, kernel_constraint="max_norm")                 # MaxNorm(max_value=2, axis=0)
"""

from __future__ import annotations

from ._serialized import from_identifier

__all__ = ["CLASSES", "Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "get"]

CLASSES = {"MaxNorm": {"max_value": 2.0, "axis": 0}, "NonNeg": {}, "UnitNorm": {"axis": 0},
           "MinMaxNorm": {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}}


class Constraint:
    """The base class: a projection applied to a weight after each training step."""

    def get_config(self) -> dict:
        return dict(vars(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


class MaxNorm(Constraint):
    """Scales each weight vector (along `axis`) down to a norm of at most `max_value`."""

    def __init__(self, max_value: float = 2.0, axis: int = 0):
        self.max_value, self.axis = float(max_value), axis


class NonNeg(Constraint):
    """Sets negative weights to 0."""


class UnitNorm(Constraint):
    """Scales each weight vector (along `axis`) to norm 1."""

    def __init__(self, axis: int = 0):
        self.axis = axis


class MinMaxNorm(Constraint):
    """Keeps each weight vector's norm (along `axis`) in [min_value, max_value], moving it
    there at `rate`."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: int = 0):
        self.min_value, self.max_value, self.rate, self.axis = float(min_value), float(max_value), float(rate), axis


def get(identifier, where: str = "constraint") -> dict | None:
    """The constraint `identifier` names (an object, "max_norm", "non_neg", "unit_norm",
    "min_max_norm", or a Keras config dict) in the common form; None for none."""
    return from_identifier(identifier, where, "constraint", CLASSES, {})
