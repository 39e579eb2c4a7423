"""Data that comes in batches: a `PyDataset` or a Python generator, read one batch at a time.

    class Batches(pyapp.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, index):
            part = slice(index * self.batch_size, (index + 1) * self.batch_size)
            return self.x[part], self.y[part]

    model.fit(Batches(x, y, 32), epochs=5, validation_data=Batches(x_val, y_val, 32))
    model.fit(endless_generator(), steps_per_epoch=100, epochs=5)

`fit`, `evaluate` and `predict` read one batch at a time (Keras' `keras.utils.PyDataset`
and generator rules), so a data set larger than memory trains: only the batch in use is held.
"""

from __future__ import annotations

import inspect
import itertools
import warnings
from collections.abc import Callable, Iterator

import numpy as np

__all__ = ["PyDataset", "BatchStream", "is_batch_source", "unpack_batch"]


class PyDataset:
    """A data set that gives batches by index, as `keras.utils.PyDataset`.

    Subclass it, call `super().__init__(**kwargs)`, and define `__len__` (the number of
    batches) and `__getitem__(index)`, which returns a batch `(x, y)` (or `(x,)` / `x` for
    predict); x and y as `fit` takes them (arrays, lists of arrays, dicts by name). Batches may
    differ in size. `on_epoch_begin()` and `on_epoch_end()` are called around each epoch.

    Args:
        workers: how many threads or processes read batches in Keras. In the page, Pyodide
            has neither threads nor processes, so batches are read one after the other.
        use_multiprocessing: whether Keras reads batches in processes (see `workers`).
        max_queue_size: how many batches Keras reads ahead (see `workers`).

    >>> class Squares(pyapp.utils.PyDataset):
    ...     def __len__(self):
    ...         return 10
    ...     def __getitem__(self, index):
    ...         x = np.arange(8, dtype="float32")[:, None] + index
    ...         return x, x ** 2
    >>> model.fit(Squares(), epochs=3)
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        # Accepted as Keras takes them (natively they reach Keras); the page ignores them.
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index: int):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index), returning a batch (x, y)")

    @property
    def num_batches(self) -> int | None:
        """The number of batches (`len(self)`), or None for an endless data set."""
        if hasattr(self, "__len__"):
            return len(self)
        return None

    def on_epoch_begin(self) -> None:
        """Called before each epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch (shuffle the samples here, as Keras' examples do)."""

    def __iter__(self):
        count = self.num_batches
        for index in range(count) if count is not None else itertools.count():
            yield self[index]


def is_batch_source(data) -> bool:
    """Whether `data` gives batches (a PyDataset-like object or a generator) rather than arrays."""
    if isinstance(data, PyDataset) or inspect.isgenerator(data):
        return True
    if isinstance(data, (np.ndarray, list, tuple, dict, str, bytes)) or hasattr(data, "shape"):
        return False
    return hasattr(data, "__next__") or (hasattr(data, "__getitem__") and hasattr(data, "__len__")
                                         and hasattr(data, "on_epoch_end"))


def _num_batches(data) -> int | None:
    count = data.num_batches if isinstance(data, PyDataset) else len(data)
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
        raise ValueError(f"a PyDataset's length is its number of batches, a whole number >= 0, got {count!r}")
    return count


class BatchStream:
    """The batches of a PyDataset or a generator for `fit`, `evaluate` or `predict`, epoch by
    epoch, each unpacked and checked by `check(batch, index)` before use.

    Args:
        data: a PyDataset-like object (`__len__`, `__getitem__`) or a generator (any iterator).
        steps: batches per epoch (`steps_per_epoch`); None: the PyDataset's length, or a
            generator until it ends.
        check: turns a batch as the data gives it into what the engine takes.
        what: the data's name in errors ("x", "validation_data").
        shuffle: read a PyDataset's batches in a new random order each epoch (Keras does).
    """

    def __init__(self, data, steps: int | None, check: Callable, what: str, shuffle: bool = False):
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
            raise ValueError(f"steps for {what} must be a positive integer or None, got {steps!r}")
        self.data, self.check, self.what = data, check, what
        self.indexed = not hasattr(data, "__next__")
        self.length = _num_batches(data) if self.indexed else None
        if self.indexed and steps is None and self.length is None:
            raise ValueError(f"{what} is an endless PyDataset (num_batches is None): give steps_per_epoch "
                             "(or steps) to say how many batches an epoch takes")
        self.steps_given = steps
        self.steps = steps if steps is not None else self.length
        self.shuffle = shuffle and self.length is not None
        self.exhausted = False  # a generator that ended
        self._held: list = []  # a generator's first batch, read by peek() before its first epoch

    def peek(self):
        """The first batch as the data gives it, unchecked (a Sequential without an Input
        takes its input shape from it); a generator's is kept for the first epoch."""
        if self.indexed:
            return self.data[0]
        if not self._held:
            try:
                self._held.append(next(self.data))
            except StopIteration:
                raise ValueError(f"{self.what}: the generator gave no batch") from None
        return self._held[0]

    def raw_batches(self) -> Iterator:
        """A generator's batches from the first, unchecked (natively, Keras reads them)."""
        while self._held:
            yield self._held.pop()
        yield from self.data

    def epoch(self, rng: np.random.Generator | None = None) -> Iterator:
        """The checked batches of one epoch; the PyDataset's epoch hooks run around them."""
        if not self.indexed:
            yield from self._from_generator()
            return
        if hasattr(self.data, "on_epoch_begin"):
            self.data.on_epoch_begin()
        if self.length is not None and self.steps > self.length:
            raise ValueError(f"{self.what} has {self.length} batches, fewer than the {self.steps} steps asked for")
        order = range(self.steps)
        if self.shuffle and rng is not None:
            order = rng.permutation(self.length)[:self.steps]
        for index in order:
            yield self.check(self.data[int(index)], int(index))
        if hasattr(self.data, "on_epoch_end"):
            self.data.on_epoch_end()

    def _from_generator(self) -> Iterator:
        """The generator's next `steps` batches (all that are left if steps is None)."""
        for index in range(self.steps) if self.steps is not None else itertools.count():
            try:
                batch = self._held.pop() if self._held else next(self.data)
            except StopIteration:
                if index == 0 or self.steps is not None:
                    self.exhausted = True
                    warnings.warn("Your input ran out of data; interrupting training. Make sure that your "
                                  "generator can generate at least `steps_per_epoch * epochs` batches.",
                                  stacklevel=2)
                return
            yield self.check(batch, index)


def unpack_batch(batch, index: int, what: str, targets: bool) -> tuple:
    """(x, y) of a batch: `(x, y)` or `(x, y, None)`, as Keras takes them (a `(x,)` or a bare
    x for predict, where y is None). Sample weights are refused: pyapp does not weigh samples."""
    where = f"batch {index} of {what}"
    if not targets:
        return (batch[0] if isinstance(batch, tuple) else batch), None
    if not isinstance(batch, tuple) or len(batch) not in (2, 3):
        given = f"a tuple of {len(batch)}" if isinstance(batch, tuple) else f"a {type(batch).__name__}"
        raise ValueError(f"{where}: a generator or PyDataset must give tuples (x, y) or (x, y, sample_weight) "
                         f"to fit or evaluate a model, got {given}")
    if len(batch) == 3 and batch[2] is not None:
        raise ValueError(f"{where}: sample weights (the third element) are not supported in pyapp; give (x, y)")
    return batch[0], batch[1]
