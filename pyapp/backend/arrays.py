"""numpy arrays in the dtypes TF.js has, checked before anything crosses the bridge."""

from __future__ import annotations

import numpy as np


def standardize_array(value, what: str = "input") -> np.ndarray:
    """`value` as a C-contiguous numpy array of a TF.js dtype.

    float16/32/64 become float32 (as Keras does), signed and unsigned integers int32,
    bool stays bool. Anything else is a TypeError that says what came.

    >>> standardize_array([[1, 2]]).dtype
    dtype('int32')
    """
    array = np.asarray(value)
    kind = array.dtype.kind
    if kind == "f":
        target = np.float32
    elif kind in "iu":
        if array.size and (array.max() > np.iinfo(np.int32).max or array.min() < np.iinfo(np.int32).min):
            raise ValueError(f"{what} has integers outside int32's range, which TF.js cannot hold")
        target = np.int32
    elif kind == "b":
        target = np.bool_
    else:
        raise TypeError(f"{what} must be numbers or booleans (a numpy array of float, int or bool), "
                        f"got dtype {array.dtype}")
    return np.asarray(array, dtype=target, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)


def as_array_list(value, what: str) -> list[np.ndarray]:
    """One array or a list/tuple of arrays (several inputs or outputs) as a list."""
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "shape") for v in value):
        return [standardize_array(v, f"{what}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        raise TypeError(f"{what} as a dict is keyed by the names of a model's inputs or outputs, which this model "
                        "does not know yet: start it with pyapp.Input(shape=..., name=...)")
    return [standardize_array(value, what)]
