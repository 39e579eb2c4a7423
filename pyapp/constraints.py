"""Weight constraints, as in `keras.constraints`: by Keras name or config.

    layers.Dense(8, kernel_constraint="max_norm")                 # MaxNorm(max_value=2, axis=0)
"""

from __future__ import annotations

from ._serialized import from_identifier

__all__ = ["CLASSES", "get"]

CLASSES = {"MaxNorm": {"max_value": 2.0, "axis": 0}, "NonNeg": {}, "UnitNorm": {"axis": 0},
           "MinMaxNorm": {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}}


def get(identifier, where: str = "constraint") -> dict | None:
    """The constraint `identifier` names ("max_norm", "non_neg", "unit_norm",
    "min_max_norm", or a Keras config dict) in the common form; None for none."""
    return from_identifier(identifier, where, "constraint", CLASSES, {})
