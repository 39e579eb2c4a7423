"""Utilities, as in `keras.utils`."""

from __future__ import annotations

import random

import numpy as np

from . import random_state


def set_random_seed(seed: int) -> None:
    """Makes initial weights, dropout-free training order and numpy/random reproducible.

    Seeds Python's `random`, numpy's global generator, and pyapp's own seed, from which
    every layer initializer and every `fit` shuffle draws.
    """
    if not isinstance(seed, int):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    random_state.set_seed(seed)


def to_categorical(y, num_classes: int | None = None, dtype="float32") -> np.ndarray:
    """Integer labels as one-hot rows."""
    y = np.asarray(y, dtype=np.int64).ravel()
    if y.size and y.min() < 0:
        raise ValueError("to_categorical: labels must be >= 0")
    num_classes = int(y.max()) + 1 if num_classes is None else num_classes
    return np.eye(num_classes, dtype=dtype)[y]
