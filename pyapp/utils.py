"""Utilities, as in `keras.utils`."""

from __future__ import annotations

import errno
import os
import random
import sys
import time

import numpy as np

from . import random_state
from .data_adapters import PyDataset


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


def normalize(x, axis: int = -1, order=2) -> np.ndarray:
    """`x` divided by its norm along `axis` (zero norms left as they are), as numpy.

    Args:
        x: an array (or anything numpy takes).
        axis: the axis along which to normalize (None: the last).
        order: the norm's order (`numpy.linalg.norm`'s `ord`: 2 for L2, 1 for L1, ...).

    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"normalize: x must be numbers, got an array of {x.dtype}")
    if axis is not None and not -x.ndim <= axis < x.ndim:
        raise ValueError(f"normalize: axis must be in [{-x.ndim}, {x.ndim - 1}] for an array of shape {x.shape}, "
                         f"got {axis}")
    axis = -1 if axis is None else axis
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def pad_sequences(sequences, maxlen: int | None = None, dtype="int32", padding: str = "pre",
                  truncating: str = "pre", value=0.0) -> np.ndarray:
    """Sequences of different lengths as one array of shape `(len(sequences), maxlen, ...)`,
    as `keras.utils.pad_sequences` (Keras is not in the page, so it is written here).

    Args:
        sequences: a list of sequences (lists or arrays; their items may be arrays of one
            shape).
        maxlen: the length of every row; None: the longest sequence's.
        dtype: the result's dtype.
        padding: "pre" or "post": where short sequences get `value`s.
        truncating: "pre" or "post": where long sequences lose items.
        value: what pads.

    >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2)
    array([[0, 1],
           [2, 3],
           [5, 6]], dtype=int32)
    """
    for argument, given in (("padding", padding), ("truncating", truncating)):
        if given not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {argument} must be 'pre' or 'post', got {given!r}")
    if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 0):
        raise ValueError(f"pad_sequences: maxlen must be None or an integer >= 0, got {maxlen!r}")
    try:
        rows = [np.asarray(sequence) for sequence in sequences]
    except TypeError:
        raise ValueError("pad_sequences: sequences must be a list of sequences") from None
    if any(row.ndim == 0 for row in rows):
        raise ValueError("pad_sequences: sequences must be a list of sequences, got a number among them")
    item_shape = next((row.shape[1:] for row in rows if len(row)), ())
    maxlen = max((len(row) for row in rows), default=0) if maxlen is None else maxlen
    out = np.full((len(rows), maxlen, *item_shape), value, dtype=dtype)
    for index, row in enumerate(rows):
        if not len(row) or not maxlen:
            continue
        if row.shape[1:] != item_shape:
            raise ValueError(f"pad_sequences: sequence {index} has items of shape {row.shape[1:]}, "
                             f"the others {item_shape}")
        kept = row[-maxlen:] if truncating == "pre" else row[:maxlen]
        if padding == "pre":
            out[index, maxlen - len(kept):] = kept
        else:
            out[index, :len(kept)] = kept
    return out


_UPDATE_INTERVAL = 0.05  # seconds between two redraws of a progress bar


class Progbar:
    """A progress bar, as `keras.utils.Progbar`: `verbose=1` redraws one line in place
    (`32/100 ━━━━━━━───────────── 1s 10ms/step - loss: 0.5213`), `verbose=2` prints one
    line when the target is reached.

    Args:
        target: the number of steps (None if unknown).
        width: the bar's width in characters.
        verbose: 0 (silent), 1 or 2.
        interval: the least seconds between two redraws.
        stateful_metrics: names of the values shown as given; the others are averaged.
        stateless_metrics: names of the values averaged; the others are shown as given.
        unit_name: the name of a step ("step", "sample").

    >>> bar = Progbar(100)
    >>> bar.update(32, [("loss", 0.52)])

    Keras colours the done part of the bar; the output pane shows no colours, so the part
    to come is drawn with a lighter line.
    """

    def __init__(self, target, width: int = 20, verbose: int = 1, interval: float = _UPDATE_INTERVAL,
                 stateful_metrics=None, stateless_metrics=None, unit_name: str = "step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Progbar: give stateful_metrics or stateless_metrics, not both")
        self.target, self.width, self.verbose, self.interval, self.unit_name = target, width, verbose, interval, unit_name
        self.stateful_metrics = set(stateful_metrics or ()) if stateless_metrics is None else None
        self.stateless_metrics = set(stateless_metrics) if stateless_metrics is not None else None
        self._values: dict[str, list] = {}
        self._values_order: list[str] = []
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def update(self, current: int, values=None, finalize: bool | None = None) -> None:
        """Moves the bar to step `current`; `values` is a list of (name, value)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for key, value in values or []:
            if key not in self._values_order:
                self._values_order.append(key)
            averaged = (key not in self.stateful_metrics if self.stateful_metrics is not None
                        else key in self.stateless_metrics)
            if averaged and not finalize:
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(key, [0.0, 0])
                self._values[key] = [total + value * steps, count + steps]
            else:
                self._values[key] = [value, 1]
        self._seen_so_far = current
        now = time.time()
        per_step = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            if self.target:
                done = int(self.width * current / self.target)
                line = f"{current:{len(str(self.target))}d}/{self.target} {'━' * done}{'─' * (self.width - done)}"
                if finalize:
                    line += f" {now - self._start:.0f}s"
                else:
                    line += f" {_duration(per_step * (self.target - current))}"
            else:
                line = f"{current:7d}/Unknown {now - self._start:.0f}s"
            line += _per_step(per_step, self.unit_name) + self._shown_values()
            padding = " " * max(self._prev_total_width - len(line), 0)  # covers a longer line drawn before
            self._prev_total_width = len(line)
            print("\r" + line + padding, end="\n" if finalize else "", flush=True)
        elif self.verbose == 2 and finalize and self.target:
            print(f"{current:{len(str(self.target))}d}/{self.target} - {now - self._start:.0f}s -"
                  f"{_per_step(per_step, self.unit_name)}{self._shown_values()}", flush=True)
        self._last_update = now

    def add(self, n: int, values=None) -> None:
        self.update(self._seen_so_far + n, values)

    def _shown_values(self) -> str:
        shown = ""
        for key in self._values_order:
            total, count = self._values[key]
            average = float(np.mean(total)) / max(1, count)
            shown += f" - {key}: {average:.4f}" if abs(average) > 1e-3 else f" - {key}: {average:.4e}"
        return shown

    def _step_duration(self, current: int, now: float) -> float:
        """Seconds per step, leaving out the first step (which compiles) once there are more."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            duration = (now - self._time_after_first_step) / (current - 1)
        else:
            duration = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return duration


def _duration(seconds: float) -> str:
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _per_step(seconds: float, unit: str) -> str:
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f" {seconds * 1000:.0f}ms/{unit}"
    return f" {seconds * 1e6:.0f}us/{unit}"


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


__all__ = ["set_random_seed", "to_categorical", "normalize", "pad_sequences", "Progbar", "PyDataset", "download"]
