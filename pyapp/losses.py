"""Losses by Keras name, as TF.js losses."""

from __future__ import annotations

TFJS_NAMES = {
    "mean_squared_error": "meanSquaredError",
    "mse": "meanSquaredError",
    "mean_absolute_error": "meanAbsoluteError",
    "mae": "meanAbsoluteError",
    "binary_crossentropy": "binaryCrossentropy",
    "categorical_crossentropy": "categoricalCrossentropy",
    "sparse_categorical_crossentropy": "sparseCategoricalCrossentropy",
}


class Loss:
    name = ""

    def get_config(self) -> dict:
        return {"name": self.name}


class MeanSquaredError(Loss):
    name = "mean_squared_error"


class MeanAbsoluteError(Loss):
    name = "mean_absolute_error"


class BinaryCrossentropy(Loss):
    name = "binary_crossentropy"


class CategoricalCrossentropy(Loss):
    name = "categorical_crossentropy"


class SparseCategoricalCrossentropy(Loss):
    name = "sparse_categorical_crossentropy"


class Huber(Loss):
    """Quadratic for errors below `delta`, linear above."""

    name = "huber"

    def __init__(self, delta: float = 1.0):
        self.delta = float(delta)

    def get_config(self) -> dict:
        return {"name": self.name, "delta": self.delta}


def get(identifier) -> Loss | str:
    """A loss's Keras name (for those TF.js has by name) or a Loss object (huber)."""
    if isinstance(identifier, Loss):
        return identifier.name if identifier.name in TFJS_NAMES else identifier
    if identifier == "huber":
        return Huber()
    if isinstance(identifier, str) and identifier in TFJS_NAMES:
        return identifier
    raise ValueError(f"unknown loss {identifier!r}; expected one of {sorted(TFJS_NAMES) + ['huber']} "
                     f"or a pyapp.losses object")
