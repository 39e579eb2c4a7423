"""Utilities, as in `keras.utils`."""

from __future__ import annotations

import errno
import os
import random
import sys

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

    Under CPython (no page) the file is already on this machine: `download` prints where,
    and writes bytes to `filename` in the current directory.
    """
    if isinstance(path, (bytes, bytearray, memoryview)) and not filename:
        raise ValueError("download(bytes): give filename= too, e.g. download(data, filename='model.keras')")
    page = _page()
    if page is None:
        _keep_here(path, filename)
        return
    if isinstance(path, (bytes, bytearray, memoryview)):
        data = bytes(path)
    else:
        with open(path, "rb") as stream:
            data = stream.read()
        filename = filename or os.path.basename(os.fspath(path))
    buffer = page.buffer_of(data)
    page.send("download", {"filename": filename, "bytes": buffer}, transfer=[buffer], what="download()")


def _page():
    """pyapp's channel to the page (pyapp.backend._page), or None outside a browser (CPython),
    where there is no page."""
    if sys.platform != "emscripten":  # as pyapp.backend.engine_name() tells the browser apart
        return None
    from .backend import _page

    return _page


def _keep_here(path, filename: str | None) -> None:
    """`download` without a page: says where the file is; bytes are written first."""
    if isinstance(path, (bytes, bytearray, memoryview)):
        # A browser saves a download under its base name, in the downloads folder: here, the current one.
        data = bytes(path)
        target = os.path.abspath(os.path.basename(filename))
        with open(target, "wb") as stream:
            stream.write(data)
        print(f"pyapp.utils.download: wrote {len(data)} bytes to {target} "
              "(in the browser page they are offered as a download)")
        return
    target = os.path.abspath(path)
    if not os.path.isfile(target):
        raise FileNotFoundError(errno.ENOENT, "download: no such file", os.fspath(path))
    print(f"pyapp.utils.download: {os.fspath(path)} is already on this machine, at {target}")


__all__ = ["set_random_seed", "to_categorical", "download"]
