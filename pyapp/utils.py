"""Utilities, as in `keras.utils`."""

from __future__ import annotations

import os
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


def download(path, filename: str | None = None) -> None:
    """Hands a file to the user as a browser download (a saved `.keras` model, a CSV, ...).

    `path` is a file in Python's file system, or bytes (then give `filename`). The bytes
    go from the worker to the page, which offers them as a download: nothing is uploaded.
    """
    from .backend import _page

    if isinstance(path, (bytes, bytearray, memoryview)):
        if not filename:
            raise ValueError("download(bytes): give filename= too, e.g. download(data, filename='model.keras')")
        data = bytes(path)
    else:
        with open(path, "rb") as stream:
            data = stream.read()
        filename = filename or os.path.basename(os.fspath(path))
    buffer = _page.buffer_of(data)
    _page.send("download", {"filename": filename, "bytes": buffer}, transfer=[buffer], what="download()")
