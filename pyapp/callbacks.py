"""Callbacks, as in `keras.callbacks`: hooks called during `fit`, `evaluate`, `predict`.

Epoch hooks run once per epoch; the batch hooks (`on_train_batch_end`, `on_batch_end`)
cross from TF.js's batch loop into Python only when a callback defines them, since that
crossing costs about half the training speed.
"""

from __future__ import annotations

import time

import numpy as np


class Callback:
    """The base class: override the hooks you need.

    >>> class Report(pyapp.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, logs["loss"])
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...

    def wants_batches(self) -> bool:
        """Whether a batch hook is overridden (then TF.js calls back after each batch)."""
        return any(getattr(type(self), hook) is not getattr(Callback, hook)
                   for hook in ("on_train_batch_end", "on_batch_end"))


class History(Callback):
    """Records the logs of every epoch: `history.history["loss"]` is a list of floats.

    `fit` returns it; `await model.fit(...)` returns it too.
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))

    def __await__(self):  # `await model.fit(...)` when fit already ran to the end
        return self
        yield  # noqa: unreachable: makes this a generator


class ProgbarLogger(Callback):
    """Prints one line per epoch (verbose=1 or 2)."""

    def on_train_begin(self, logs=None):
        self._epochs = self.params.get("epochs", 0)

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._started
        ordered = sorted((logs or {}).items(), key=lambda item: (item[0].startswith("val_"), item[0]))
        values = " - ".join(f"{key}: {value:.4f}" for key, value in ordered)
        print(f"Epoch {epoch + 1}/{self._epochs} - {seconds:.2f}s - {values}", flush=True)


class EarlyStopping(Callback):
    """Stops training when `monitor` has stopped improving for `patience` epochs.

    Args:
        monitor: the log to watch ("val_loss" by default; "loss" without validation).
        min_delta: a change smaller than this is no improvement.
        patience: epochs without improvement before stopping.
        mode: "min", "max" or "auto" (max for accuracy-like names).
        restore_best_weights: put back the weights of the best epoch when stopping.
        baseline: stop if the monitored value does not beat this.
        start_from_epoch: epochs to wait before watching.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline=None, restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor, self.min_delta, self.patience, self.verbose = monitor, abs(min_delta), patience, verbose
        self.baseline, self.restore_best_weights, self.start_from_epoch = baseline, restore_best_weights, start_from_epoch
        if mode == "auto":
            mode = "max" if any(word in monitor for word in ("acc", "auc", "precision", "recall")) else "min"
        self.mode = mode
        self.stopped_epoch = 0

    def _improved(self, value: float, reference: float) -> bool:
        if self.mode == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise ValueError(f"EarlyStopping: monitor {self.monitor!r} is not in the logs "
                             f"(available: {sorted(logs or {})})")
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None and self.stopped_epoch:
            self.model.set_weights(self.best_weights)


class LambdaCallback(Callback):
    """A callback from functions: `LambdaCallback(on_epoch_end=lambda epoch, logs: ...)`."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, on_batch_end=None):
        super().__init__()
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_train_begin": on_train_begin,
                 "on_train_end": on_train_end, "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end or on_batch_end}
        self._batch = hooks["on_train_batch_end"] is not None
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)

    def wants_batches(self) -> bool:
        return self._batch


class CallbackList:
    """Calls each hook on every callback, in order."""

    def __init__(self, callbacks, model, params: dict):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be pyapp.callbacks.Callback objects, got {type(callback).__name__}")
            callback.set_model(model)
            callback.set_params(params)

    def wants_batches(self) -> bool:
        return any(callback.wants_batches() for callback in self.callbacks)

    def __getattr__(self, hook: str):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call(*args):
            for callback in self.callbacks:
                getattr(callback, hook)(*args)
        return call
