"""Callbacks, as in `keras.callbacks`: hooks called during `fit`, `evaluate` and `predict`.

    checkpoint = pyapp.callbacks.ModelCheckpoint("best.keras", save_best_only=True)
    plateau = pyapp.callbacks.ReduceLROnPlateau(factor=0.5, patience=2)
    history = model.fit(x, y, epochs=20, validation_split=0.2, callbacks=[checkpoint, plateau])

Every hook is called when Keras 3 calls it, with the same arguments and logs. In the page,
TF.js runs the batch loop: the batch hooks cross from it into Python only when a callback
overrides them (a crossing per batch costs about half the training speed), and the
progress bar of `verbose=1` is updated at most every 50 ms.
"""

from __future__ import annotations

import collections
import csv
import math
import os
import warnings

import numpy as np

from .utils import _UPDATE_INTERVAL, Progbar

__all__ = ["Callback", "CallbackList", "CSVLogger", "EarlyStopping", "History", "LambdaCallback",
           "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau", "TerminateOnNaN"]

_BATCH_HOOKS = {"train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
                "test": ("on_test_batch_begin", "on_test_batch_end"),
                "predict": ("on_predict_batch_begin", "on_predict_batch_end")}


class Callback:
    """The base class: override the hooks you need.

    `self.model` is the model being trained, `self.params` {"verbose", "epochs", "steps"}.

    >>> class Report(pyapp.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, logs["loss"])
    """

    # How often the engine must call this callback's batch hooks, if it overrides them:
    # None for every batch; seconds for at most that often (what they do can be skipped in
    # between, like redrawing a progress bar); math.inf for never.
    _batch_interval: float | None = None

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
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)  # the older name, as Keras keeps it

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def wants_batches(self) -> bool:
        """Whether the engine must call this callback's train batch hooks."""
        return self._wants("train")

    def _wants(self, kind: str) -> bool:
        return self._batch_interval != math.inf and any(self._overrides(hook) for hook in _BATCH_HOOKS[kind])

    def _overrides(self, hook: str) -> bool:
        return hook in vars(self) or getattr(type(self), hook) is not getattr(Callback, hook)


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
    """Prints Keras' progress bar: with `verbose=1` a bar per epoch updated in place,
    `32/100 ━━━━━━━━━━━━━─────── 1s 10ms/step - loss: 0.5213`; with `verbose=2` one line per
    epoch. `fit`, `evaluate` and `predict` add it when `verbose` is not 0."""

    def __init__(self):
        super().__init__()
        self.seen, self.progbar, self.target, self.verbose, self.epochs = 0, None, None, 1, 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = 1 if params["verbose"] == "auto" else params["verbose"]
        self.epochs, self.target = params["epochs"], params["steps"]
        # (A generator's steps are unknown: the batch hooks count them, for every verbose.)
        self._batch_interval = _UPDATE_INTERVAL if self.verbose == 1 or self.target is None else math.inf

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step", stateless_metrics=set())

    def _update_progbar(self, batch, logs=None):
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs):
        if self.target is None:  # as Keras: the steps seen in the first epoch are the target from now on
            self.target = self.progbar.target = self.seen
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)


class _MonitorCallback(Callback):
    """A callback that watches one log value (`monitor`) for improvement, as Keras' own."""

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", baseline=None, min_delta: float = 0.0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{type(self).__name__}: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor, self.mode, self.best, self.min_delta = monitor, mode, baseline, abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self) -> None:
        mode = self.mode if self.mode != "auto" else _direction(self.monitor, type(self).__name__)
        self.monitor_op = np.less if mode == "min" else np.greater
        if mode == "min":
            self.min_delta *= -1

    def _is_improvement(self, value, reference) -> bool:
        if self.monitor_op is None:
            self._set_monitor_op()
        if reference is None:
            return True
        return bool(self.monitor_op(value - self.min_delta, reference))


def _direction(monitor: str, who: str) -> str:
    """"min" or "max" for a log name under mode="auto" (Keras asks the metric; these are
    the metrics pyapp compiles)."""
    name = monitor.removeprefix("val_")
    if name == "loss" or name.endswith("_loss") or any(word in name for word in ("error", "mse", "mae", "crossentropy")):
        return "min"
    if any(word in name for word in ("acc", "auc", "precision", "recall")):
        return "max"
    raise ValueError(f"{who} callback received monitor={monitor}, but pyapp isn't able to automatically determine "
                     "whether that metric should be maximized or minimized. Pass `mode='max'` in order to monitor "
                     "based on the highest metric value, or pass `mode='min'` in order to use the lowest value.")


class EarlyStopping(_MonitorCallback):
    """Stops training when `monitor` has stopped improving for `patience` epochs.

    Args:
        monitor: the log to watch ("val_loss" by default; "loss" without validation).
        min_delta: a change smaller than this is no improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints when it stops (and restores).
        mode: "min", "max" or "auto" (from the monitored name).
        baseline: keep waiting while the monitored value does not beat this.
        restore_best_weights: at the end of training, put back the weights of the best epoch.
        start_from_epoch: epochs to wait before watching.

    >>> stop = pyapp.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline=None, restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.wait, self.stopped_epoch, self.best_weights, self.best_epoch = 0, 0, None, 0

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(logs, self.monitor, "Early stopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0  # only when both the baseline and the best so far are beaten
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


def _monitored(logs, monitor: str, what: str):
    value = (logs or {}).get(monitor)
    if value is None:
        warnings.warn(f"{what} conditioned on metric `{monitor}` which is not available. Available metrics are: "
                      f"{','.join(logs or {})}", stacklevel=3)
    return value


class ModelCheckpoint(_MonitorCallback):
    """Saves the model (or its weights) during training: each epoch, the best one so far,
    or every `save_freq` batches.

    Args:
        filepath: a `.keras` file, a `.weights.h5` file with `save_weights_only=True`, or
            (pyapp) `indexeddb://NAME` in the browser. It may name log values:
            "ckpt-{epoch:02d}-{val_loss:.2f}.keras".
        monitor: the log that says which model is best.
        verbose: 1 prints each save.
        save_best_only: save only when `monitor` improves.
        save_weights_only: save the weights only (`model.save_weights`).
        mode: "min", "max" or "auto".
        save_freq: "epoch", or a number of batches.
        initial_value_threshold: the value to beat for the first save with `save_best_only`.

    >>> checkpoint = pyapp.callbacks.ModelCheckpoint("best.keras", monitor="val_loss", save_best_only=True)
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        if not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(f"ModelCheckpoint: filepath must be a path (str), got {type(filepath).__name__}")
        self.filepath = os.fspath(filepath)
        self.verbose, self.save_best_only, self.save_weights_only = verbose, save_best_only, save_weights_only
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or integer values")
        self.save_freq = save_freq
        self._batch_interval = math.inf if save_freq == "epoch" else None  # batch hooks only to count batches
        self._batches_seen_since_last_saving, self._last_batch_seen, self._current_epoch = 0, None, 0
        browser = self.filepath.startswith(("indexeddb://", "localstorage://"))
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must "
                                 f"end in `.weights.h5` (Keras weights format). Received: filepath={self.filepath}")
        elif not (self.filepath.endswith(".keras") or browser):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format), or be indexeddb://NAME "
                             f"or localstorage://NAME in the browser. Received: filepath={self.filepath}")
        if browser and save_freq != "epoch":
            # Saves by batch run inside TF.js's batch loop, where Python cannot wait for the storage.
            raise ValueError(f"ModelCheckpoint: save_freq={save_freq} (batches) saves to a .keras file; "
                             f"{self.filepath} is saved with save_freq='epoch' only")

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch: int, logs: dict, filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                      f"saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch: int, batch: int | None, logs) -> None:
        logs = logs or {}
        try:
            if batch is None or "batch" in logs:
                filepath = self.filepath.format(epoch=epoch + 1, **logs)
            else:
                filepath = self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as error:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {error}') from None
        if not self._should_save_model(epoch, logs, filepath):
            return
        folder = os.path.dirname(filepath)
        if folder and "://" not in filepath:
            os.makedirs(folder, exist_ok=True)
        if os.path.isdir(filepath):
            raise OSError(f"Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing "
                          f"directory: {filepath}")
        if self.save_weights_only:
            self.model.save_weights(filepath)
        else:
            self.model.save(filepath)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")


class ReduceLROnPlateau(_MonitorCallback):
    """Multiplies the learning rate by `factor` when `monitor` has not improved for
    `patience` epochs; adds `learning_rate` to each epoch's logs.

    Args:
        monitor: the log to watch.
        factor: the multiplier (< 1).
        patience: epochs without improvement before reducing.
        verbose: 1 prints each reduction.
        mode: "min", "max" or "auto".
        min_delta: a change smaller than this is no improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the rate is never reduced below this.

    >>> plateau = pyapp.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=0.001)
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected arguments {sorted(kwargs)}")
        self.factor, self.min_lr, self.patience, self.verbose, self.cooldown = factor, min_lr, patience, verbose, cooldown
        self.cooldown_counter, self.wait = 0, 0

    def on_train_begin(self, logs=None):
        self.best, self.cooldown_counter, self.wait = None, 0, 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs)}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old = float(optimizer.learning_rate)
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    optimizer.learning_rate = new
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch: `schedule(epoch, lr)` (or
    `schedule(epoch)`) returns the new rate; adds `learning_rate` to each epoch's logs.

    Args:
        schedule: a function of the epoch index (from 0) and the current rate.
        verbose: 1 prints each change.

    >>> scheduler = pyapp.callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch < 10 else lr * 0.9)
    """

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function (epoch, lr) -> lr, got {schedule!r}")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        try:
            rate = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # the older form: schedule(epoch)
            rate = self.schedule(epoch)
        if not isinstance(rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {rate}")
        optimizer.learning_rate = rate
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class CSVLogger(Callback):
    """Writes each epoch's logs as a row of a CSV file (`epoch` first, then the logs by name).

    Args:
        filename: the CSV file.
        separator: the field separator.
        append: add to an existing file (its header is kept) instead of overwriting it.

    >>> logger = pyapp.callbacks.CSVLogger("training.csv")
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        if not isinstance(filename, (str, os.PathLike)):
            raise TypeError(f"CSVLogger: filename must be a path (str), got {type(filename).__name__}")
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger: separator must be one character, got {separator!r}")
        self.sep, self.filename, self.append = separator, os.fspath(filename), append
        self.writer, self.keys, self.append_header, self.csv_file = None, None, True, None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as stream:
                    self.append_header = not stream.readline()
            mode = "a"
        else:
            mode = "w"
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")  # noqa: SIM115 - open for the whole training
        self.writer, self.keys = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys.extend(f"val_{key}" for key in list(self.keys))  # as Keras: NA until validation runs
        if not self.writer:
            dialect = type("Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys], dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, _csv_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _csv_value(value):
    if isinstance(value, str) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value
    if isinstance(value, collections.abc.Iterable):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class TerminateOnNaN(Callback):
    """Stops training at the first batch whose loss is NaN or infinite.

    Args:
        raise_error: raise a RuntimeError instead of stopping quietly.

    In the page this calls Python after every batch (about half the training speed).
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                                   "Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from functions, e.g. `LambdaCallback(on_epoch_end=lambda epoch, logs: ...)`;
    other hooks by keyword (`on_test_end=...`)."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_train_begin": on_train_begin,
                 "on_train_end": on_train_end, "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end, **kwargs}
        for name, function in hooks.items():
            if not hasattr(Callback, name) or not name.startswith("on_"):
                raise TypeError(f"LambdaCallback: unknown hook {name!r}")
            if function is not None:
                setattr(self, name, function)


class CallbackList:
    """Calls each hook on every callback, in order, as Keras' `CallbackList`.

    Args:
        callbacks: the callbacks.
        add_history: add a `History` at the end if there is none.
        add_progbar: add a `ProgbarLogger` at the end if there is none.
        model: the model, given to every callback.
        **params: given to every callback as `params` (`verbose`, `epochs`, `steps`).
    """

    def __init__(self, callbacks=None, add_history: bool = False, add_progbar: bool = False, model=None, **params):
        self.callbacks = list(callbacks or [])
        self.model, self.params = None, {}
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be pyapp.callbacks.Callback objects, got {type(callback).__name__}")
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)

    def __len__(self) -> int:
        return len(self.callbacks)

    def set_model(self, model) -> None:
        self.model = model
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params: dict) -> None:
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def batch_interval(self, kind: str) -> float | None:
        """How often the batch hooks of `kind` ("train", "test" or "predict") must be called:
        0 for every batch, seconds for at most that often, None for never."""
        wanting = [callback for callback in self.callbacks
                   if (callback.wants_batches() if kind == "train" else callback._wants(kind))]
        intervals = [0.0 if callback._batch_interval is None else callback._batch_interval for callback in wanting]
        return min(intervals) if intervals else None

    def wants_batches(self) -> bool:
        return self.batch_interval("train") is not None

    def overrides(self, *hooks: str) -> bool:
        """Whether a callback that needs its batch hooks called overrides one of `hooks`."""
        return any(callback._batch_interval != math.inf and callback._overrides(hook)
                   for callback in self.callbacks for hook in hooks)

    def __getattr__(self, hook: str):
        """`callback_list.on_epoch_end(epoch, logs)` calls it on every callback, and returns
        the logs they saw (with what they added, such as `learning_rate`)."""
        if not hook.startswith("on_") or not hasattr(Callback, hook):
            raise AttributeError(hook)
        indexed = "batch" in hook or "epoch" in hook

        def call(*args, logs=None):
            if len(args) > indexed:
                *args, logs = args
            logs = _pythonify(logs)
            for callback in self.callbacks:
                getattr(callback, hook)(*args, logs)
            return logs
        return call


def _pythonify(logs) -> dict:
    """The logs as Keras' CallbackList hands them to its callbacks: a new dict for each hook
    call (what a callback adds is seen by the callbacks after it, not by the caller's dict),
    sorted by name, numbers as Python floats."""
    out = {}
    for key, value in sorted((logs or {}).items()):
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass  # a prediction's outputs stay arrays
        out[key] = value
    return out
