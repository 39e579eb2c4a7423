"""Weight regularizers, as in `keras.regularizers`: by Keras name or config.

    layers.Dense(8, kernel_regularizer="l2")                      # L2(l2=0.01)
    layers.Dense(8, kernel_regularizer={"class_name": "L1L2", "config": {"l1": 1e-4, "l2": 1e-3}})
"""

from __future__ import annotations

from ._serialized import from_identifier

__all__ = ["CLASSES", "get"]

CLASSES = {"L1": {"l1": 0.01}, "L2": {"l2": 0.01}, "L1L2": {"l1": 0.0, "l2": 0.0}}


def get(identifier, where: str = "regularizer") -> dict | None:
    """The regularizer `identifier` names ("l1", "l2", "l1_l2", or a Keras config dict) in
    the common form {"class_name", "config"}; None for none."""
    return from_identifier(identifier, where, "regularizer", CLASSES, {"l1_l2": "L1L2"})
