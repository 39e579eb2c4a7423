"""pyapp's callbacks, schedules, Progbar and normalize against Keras 3's own, under CPython.

The same sequence of logs goes to a pyapp callback and to Keras' callback of the same name,
on models that only hold an optimizer and weights: both must change the learning rate,
stop, restore and write files the same way. The native engine's fit must call pyapp's
hooks in the order Keras calls its own.
"""

from __future__ import annotations

import os
import re
import types

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

import pyapp  # noqa: E402
from pyapp import callbacks, optimizers  # noqa: E402
from pyapp.optimizers import schedules  # noqa: E402


class _Model:
    """What a callback touches: the optimizer, the weights, stop_training."""

    def __init__(self, optimizer=None):
        self.optimizer, self.stop_training, self.weights = optimizer, False, [np.zeros(1)]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]


def _pair(pyapp_callback, keras_callback, rate: float = 0.1):
    """The two callbacks, each on a model with its own library's SGD optimizer."""
    ours, theirs = _Model(optimizers.SGD(rate)), _Model(keras.optimizers.SGD(rate))
    pyapp_callback.set_model(ours)
    keras_callback.set_model(theirs)
    return ours, theirs


def _keras_rate(model) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


# ---------------------------------------------------------------- schedules


@pytest.mark.parametrize("name, kwargs", [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.5}),
    ("ExponentialDecay", {"initial_learning_rate": 0.3, "decay_steps": 4, "decay_rate": 0.9, "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [5, 12], "values": [1.0, 0.5, 0.1]}),
    ("CosineDecay", {"initial_learning_rate": 0.2, "decay_steps": 20}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.1, "warmup_target": 0.5,
                     "warmup_steps": 5}),
])
def test_schedules_give_keras_rates(name, kwargs):
    ours, theirs = getattr(schedules, name)(**kwargs), getattr(keras.optimizers.schedules, name)(**kwargs)
    for step in range(40):
        assert ours(step) == pytest.approx(float(theirs(step)), rel=1e-6, abs=1e-9), (name, step)
    assert ours.get_config() == theirs.get_config()
    rebuilt = keras.optimizers.schedules.deserialize(schedules.serialize(ours))
    assert type(rebuilt).__name__ == name and rebuilt.get_config() == theirs.get_config()


def test_schedule_errors_and_optimizer_rates():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5)
    with pytest.raises(ValueError, match="1 less than"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1])
    with pytest.raises(ValueError, match="learning rate must be a number > 0"):
        optimizers.Adam(learning_rate="fast")
    optimizer = optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.5))
    assert optimizer.learning_rate == pytest.approx(0.1) and optimizer.iterations == 0
    with pytest.raises(TypeError, match="not settable"):
        optimizer.learning_rate = 0.01
    keras_optimizer = keras.optimizers.SGD.from_config(optimizer.get_config())
    assert isinstance(keras_optimizer.learning_rate, keras.Variable) or keras_optimizer.learning_rate is not None
    constant = optimizers.Adam(0.001)
    assert constant.learning_rate == float(np.float32(0.001)) == _keras_rate(_Model(keras.optimizers.Adam(0.001)))
    constant.learning_rate = 0.5
    assert constant.learning_rate == 0.5 and constant.get_config()["learning_rate"] == 0.5
    with pytest.raises(ValueError, match="learning_rate"):
        constant.learning_rate = -1


# ---------------------------------------------------------------- callbacks against Keras'


@pytest.mark.parametrize("kwargs", [
    {"monitor": "val_loss", "factor": 0.5, "patience": 1},
    {"monitor": "val_loss", "factor": 0.2, "patience": 2, "cooldown": 2, "min_lr": 0.005},
    {"monitor": "val_accuracy", "factor": 0.5, "patience": 0, "mode": "max", "min_delta": 0.05},
])
def test_reduce_lr_on_plateau_as_keras(kwargs):
    ours, theirs = callbacks.ReduceLROnPlateau(**kwargs), keras.callbacks.ReduceLROnPlateau(**kwargs)
    model, keras_model = _pair(ours, theirs)
    values = [1.0, 0.9, 0.95, 0.97, 0.96, 0.5, 0.6, 0.61, 0.62, 0.63, 0.7, 0.71, 0.4, 0.41, 0.42]
    ours.on_train_begin({})
    theirs.on_train_begin({})
    for epoch, value in enumerate(values):
        logs, keras_logs = {"val_loss": value, "val_accuracy": 1 - value}, {"val_loss": value, "val_accuracy": 1 - value}
        ours.on_epoch_end(epoch, logs)
        theirs.on_epoch_end(epoch, keras_logs)
        assert logs == pytest.approx(keras_logs), epoch
        assert model.optimizer.learning_rate == pytest.approx(_keras_rate(keras_model)), epoch
    assert model.optimizer.learning_rate < 0.1, "the rate went down"


def test_learning_rate_scheduler_as_keras():
    for schedule in (lambda epoch, lr: lr * 0.5 if epoch % 2 else lr, lambda epoch: 0.1 / (1 + epoch)):
        ours, theirs = callbacks.LearningRateScheduler(schedule), keras.callbacks.LearningRateScheduler(schedule)
        model, keras_model = _pair(ours, theirs)
        for epoch in range(6):
            ours.on_epoch_begin(epoch)
            theirs.on_epoch_begin(epoch)
            logs, keras_logs = {"loss": 1.0}, {"loss": 1.0}
            ours.on_epoch_end(epoch, logs)
            theirs.on_epoch_end(epoch, keras_logs)
            assert logs == pytest.approx(keras_logs) and "learning_rate" in logs
    bad = callbacks.LearningRateScheduler(lambda epoch, lr: "0.1")
    bad.set_model(_Model(optimizers.SGD(0.1)))
    with pytest.raises(ValueError, match="should be a float"):
        bad.on_epoch_begin(0)


@pytest.mark.parametrize("kwargs", [
    {"monitor": "val_loss", "patience": 2, "restore_best_weights": True},
    {"monitor": "val_loss", "patience": 1, "min_delta": 0.05, "restore_best_weights": True, "start_from_epoch": 2},
    {"monitor": "val_loss", "patience": 3, "baseline": 0.5},
    {"monitor": "val_accuracy", "patience": 1, "mode": "max"},
])
def test_early_stopping_as_keras(kwargs):
    ours, theirs = callbacks.EarlyStopping(**kwargs), keras.callbacks.EarlyStopping(**kwargs)
    model, keras_model = _pair(ours, theirs)
    values = [1.0, 0.8, 0.82, 0.79, 0.85, 0.9, 0.6, 0.95, 0.97, 0.99]
    for callback in (ours, theirs):
        callback.on_train_begin({})
    stops = {}
    for name, callback, target in (("pyapp", ours, model), ("keras", theirs, keras_model)):
        for epoch, value in enumerate(values):
            target.weights = [np.array([float(epoch)])]
            callback.on_epoch_end(epoch, {"val_loss": value, "val_accuracy": 1 - value})
            if target.stop_training:
                break
        callback.on_train_end({})
        stops[name] = (epoch, callback.stopped_epoch, getattr(callback, "best_epoch", None), target.weights[0][0])
    assert stops["pyapp"] == stops["keras"]


def test_terminate_on_nan_as_keras(capsys):
    ours, theirs = callbacks.TerminateOnNaN(), keras.callbacks.TerminateOnNaN()
    model, keras_model = _pair(ours, theirs)
    for batch, loss in enumerate([0.5, 0.4, np.inf, 0.3]):
        for callback in (ours, theirs):
            callback.on_train_batch_end(batch, {"loss": loss})
        if model.stop_training:
            break
    assert batch == 2 and model.stop_training and keras_model.stop_training
    printed = capsys.readouterr().out
    assert printed.count("Batch 2: Invalid loss, terminating training") == 2
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 0"):
        callbacks.TerminateOnNaN(raise_error=True).on_batch_end(0, {"loss": float("nan")})


@pytest.mark.parametrize("separator, append", [(",", False), (";", True)])
def test_csv_logger_writes_keras_files(tmp_path, separator, append):
    files = {}
    for name, cls in (("pyapp", callbacks.CSVLogger), ("keras", keras.callbacks.CSVLogger)):
        path = tmp_path / f"{name}.csv"
        if append:
            path.write_text(f"epoch{separator}loss\n")
        logger = cls(str(path), separator=separator, append=append)
        logger.on_train_begin({})
        logger.on_epoch_end(0, {"loss": 0.5, "mae": np.float32(0.25)})
        logger.on_epoch_end(1, {"loss": 0.25, "mae": 0.125, "val_loss": 0.3})
        logger.on_train_end({})
        files[name] = path.read_text()
    assert files["pyapp"] == files["keras"]
    assert "NA" in files["pyapp"], "val_ columns before validation ran, as Keras"


def test_model_checkpoint_paths_and_errors():
    logs = {"loss": 0.123, "val_loss": 0.4567}
    for pattern in ("ckpt/m-{epoch:02d}-{val_loss:.2f}.keras", "w-{epoch:03d}.weights.h5"):
        weights_only = pattern.endswith(".weights.h5")
        ours = callbacks.ModelCheckpoint(pattern, save_weights_only=weights_only)
        theirs = keras.callbacks.ModelCheckpoint(pattern, save_weights_only=weights_only)
        path = ours.filepath.format(epoch=4, **logs)
        assert path == theirs._get_file_path(3, None, logs)
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        callbacks.ModelCheckpoint("model.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        callbacks.ModelCheckpoint("model.h5")
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.ModelCheckpoint("model.keras", save_freq="batch")
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max'"):
        callbacks.ModelCheckpoint("model.keras", mode="lowest")
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=2)
    with pytest.raises(ValueError, match="separator"):
        callbacks.CSVLogger("log.csv", separator=", ")
    with pytest.raises(ValueError, match="automatically determine"):
        stopper = callbacks.EarlyStopping(monitor="f1")
        stopper.on_train_begin()
        stopper.on_epoch_end(0, {"f1": 0.5})
    assert callbacks.ModelCheckpoint("indexeddb://best").filepath == "indexeddb://best"
    with pytest.raises(ValueError, match="save_freq='epoch' only"):
        callbacks.ModelCheckpoint("indexeddb://best", save_freq=5)


def test_batch_calls_only_for_callbacks_that_use_them():
    def interval(*chosen, kind="train"):
        return callbacks.CallbackList(list(chosen), add_history=True, verbose=1, epochs=1, steps=1).batch_interval(kind)

    assert interval(callbacks.EarlyStopping(), callbacks.CSVLogger("x.csv"), callbacks.ModelCheckpoint("m.keras")) is None
    assert interval(callbacks.ModelCheckpoint("m.keras", save_freq=10)) == 0
    assert interval(callbacks.TerminateOnNaN()) == 0
    assert interval(callbacks.LambdaCallback(on_test_batch_end=print), kind="test") == 0
    assert interval(callbacks.LambdaCallback(on_test_batch_end=print)) is None
    bar = callbacks.CallbackList([], add_progbar=True, verbose=1, epochs=1, steps=1)
    assert bar.batch_interval("train") == 0.05 and bar.batch_interval("test") == 0.05
    assert callbacks.CallbackList([], add_progbar=True, verbose=2, epochs=1, steps=1).batch_interval("train") is None
    with pytest.raises(TypeError, match="LambdaCallback: unknown hook 'on_epoch_ended'"):
        callbacks.LambdaCallback(on_epoch_ended=print)


# ---------------------------------------------------------------- the progress bar, normalize


def _clock(monkeypatch, *modules):
    now = [1000.0]

    def fake():
        now[0] += 0.25
        return now[0]
    for module in modules:
        monkeypatch.setattr(module.time, "time", fake)


def test_progbar_prints_keras_lines(monkeypatch, capsys):
    from keras.src.utils import progbar as keras_progbar

    shown = {}
    for name, cls, module in (("pyapp", pyapp.utils.Progbar, pyapp.utils), ("keras", keras_progbar.Progbar, keras_progbar)):
        _clock(monkeypatch, module)
        for verbose in (1, 2):
            bar = cls(target=12, verbose=verbose, stateless_metrics=set())
            for step in range(1, 13):
                bar.update(step, [("loss", 1.0 / step), ("accuracy", 0.0001 * step)], finalize=False)
            bar.update(12, [("loss", 0.05), ("accuracy", 0.9)], finalize=True)
        shown[name] = capsys.readouterr().out
    keras_text = re.sub(r"\x1b\[\d+m|\x08", "", shown["keras"])  # its colours and backspaces
    ours = shown["pyapp"].replace("─", "━")  # the part to come is a lighter line in the page (no colours)
    assert ours == keras_text
    last = shown["pyapp"].split("\r")[-1].splitlines()
    assert re.fullmatch(r"12/12 ━{20} \d+s \d+ms/step - loss: 0\.0500 - accuracy: 0\.9000", last[0]), last[0]
    assert last[1].startswith("12/12 - ") and last[1].endswith("/step - loss: 0.0500 - accuracy: 0.9000")


def test_normalize_as_keras():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5, 3))
    x[0, 0] = 0
    for axis in (-1, 1, 2):
        for order in (1, 2, np.inf):
            np.testing.assert_allclose(pyapp.utils.normalize(x, axis, order), keras.utils.normalize(x, axis, order))
    # Keras' numpy path breaks on axis=0 (`axis or -1`); pyapp's normalizes along it.
    norms = np.abs(x).sum(axis=0, keepdims=True)
    np.testing.assert_allclose(pyapp.utils.normalize(x, 0, 1), x / np.where(norms == 0, 1, norms))
    with pytest.raises(ValueError, match="axis"):
        pyapp.utils.normalize(x, axis=3)
    with pytest.raises(TypeError, match="numbers"):
        pyapp.utils.normalize(np.array(["a"]))



@pytest.mark.parametrize("kwargs", [{}, {"maxlen": 2}, {"maxlen": 4, "padding": "post"},
                                    {"maxlen": 2, "truncating": "post", "value": -1},
                                    {"dtype": "float32", "value": 0.5}])
def test_pad_sequences_as_keras(kwargs):
    ragged = [[1], [2, 3], [], [4, 5, 6], np.array([7, 8])]
    ours, theirs = pyapp.utils.pad_sequences(ragged, **kwargs), keras.utils.pad_sequences(ragged, **kwargs)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)
    vectors = [np.ones((2, 3)), np.zeros((1, 3))]  # items that are themselves arrays
    np.testing.assert_array_equal(pyapp.utils.pad_sequences(vectors), keras.utils.pad_sequences(vectors))


def test_pad_sequences_errors():
    for kwargs, argument in [({"padding": "middle"}, "padding"), ({"truncating": "no"}, "truncating"),
                             ({"maxlen": -1}, "maxlen")]:
        with pytest.raises(ValueError, match=argument):
            pyapp.utils.pad_sequences([[1, 2]], **kwargs)
    with pytest.raises(ValueError, match="list of sequences"):
        pyapp.utils.pad_sequences([1, 2])
    with pytest.raises(ValueError, match="sequence 1 has items of shape"):
        pyapp.utils.pad_sequences([np.ones((2, 3)), np.ones((2, 4))])

# ---------------------------------------------------------------- the native engine


HOOKS = [name for name in vars(keras.callbacks.Callback) if name.startswith("on_") and "_batch_" in name
         or name in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin",
                     "on_test_end", "on_predict_begin", "on_predict_end")]


def recorder(base):
    """A callback of `base` (pyapp's or Keras' Callback) that records each hook call: its
    name, batch or epoch index, and the names of its logs."""
    def hook(name):
        def method(self, *args, **kwargs):
            logs = kwargs.get("logs", args[-1] if args and isinstance(args[-1], dict) else None)
            index = [a for a in args if isinstance(a, int)]
            self.calls.append((name, *index, tuple(sorted(logs or {}))))
        return method
    names = [h for h in HOOKS if not h.startswith("on_batch_")]
    cls = type("Recorder", (base,), {name: hook(name) for name in names})
    instance = cls()
    instance.calls = []
    return instance


def hook_sequence(library, layers_module, model_class, input_layer):
    """The hooks called by one fit (with validation), evaluate and predict."""
    rng = np.random.default_rng(1)
    x, y = rng.random((20, 3), dtype=np.float32), rng.random((20, 2), dtype=np.float32)
    model = model_class([input_layer((3,)), layers_module.Dense(2)])
    model.compile(optimizer=library.optimizers.SGD(0.01), loss="mse", metrics=["mae"])
    record = recorder(library.callbacks.Callback)
    model.fit(x, y, batch_size=8, epochs=2, validation_data=(x[:10], y[:10]), callbacks=[record], verbose=0)
    model.evaluate(x, y, batch_size=8, callbacks=[record], verbose=0)
    model.predict(x, batch_size=16, callbacks=[record], verbose=0)
    return record.calls


def test_native_engine_calls_every_hook_as_keras():
    ours = hook_sequence(pyapp, pyapp.layers, pyapp.Sequential, pyapp.Input)
    theirs = hook_sequence(keras, keras.layers, keras.Sequential, keras.Input)
    assert ours == theirs
    assert {call[0] for call in ours} == set(HOOKS) - {"on_batch_begin", "on_batch_end"}


def test_native_fit_with_schedule_and_weights_files(tmp_path):
    x = np.random.default_rng(2).random((24, 3), dtype=np.float32)
    y = x.sum(axis=1, keepdims=True)
    model = pyapp.Sequential([pyapp.Input((3,)), pyapp.layers.Dense(4), pyapp.layers.Dense(1)])
    schedule = schedules.PiecewiseConstantDecay([3, 5], [0.1, 0.05, 0.01])
    model.compile(optimizer=optimizers.SGD(schedule), loss="mse")
    rates = []
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False, callbacks=[
        callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: rates.append(model.optimizer.learning_rate))])
    assert rates == pytest.approx([schedule(step) for step in range(9)]) and model.optimizer.iterations == 9
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    twin = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    twin.load_weights(path)
    np.testing.assert_allclose(twin.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    twin.layers[0].set_weights([w * 2 for w in twin.layers[0].get_weights()])
    twin.save_weights(path)
    model.load_weights(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), twin.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(str(tmp_path / "m.h5"))
