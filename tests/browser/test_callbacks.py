"""Keras 3 callbacks in the page: one program trains tiny models with all of them at once,
and its results are checked against Keras 3 run natively here, in the test process.

Checked: the hooks called and their order (against Keras' for the same fit, evaluate and
predict), checkpoint files (.keras, .weights.h5, indexeddb://) that load with the weights
of their epoch, EarlyStopping's restored weights, the learning rate per epoch in History and
in TF.js's optimizer, ReduceLROnPlateau's rates (against Keras' own fed the same losses), a
schedule's rate at every step, the CSV file, TerminateOnNaN (against Keras'), and the
progress bar redrawn in place in the output pane.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re

import numpy as np
import pytest

# A callback that records each hook: its name, epoch or batch index, and its logs' names.
# The page runs it on pyapp's Callback, the test process on Keras'.
RECORDER = r'''
HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end"]

def _hook(name):
    def method(self, *args, logs=None):
        if args and isinstance(args[-1], dict) or (args and args[-1] is None):
            args, logs = args[:-1], args[-1]
        self.calls.append([name, *args, sorted(logs or {})])
    return method

def _init(self):
    Base.__init__(self)
    self.calls = []

Recorder = type("Recorder", (Base,), {"__init__": _init, **{name: _hook(name) for name in HOOKS}})
'''

DATA = r'''
import numpy as np
rng = np.random.default_rng(0)
x = rng.random((40, 3), dtype=np.float32)
y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
xv, yv = x[:12] + 0.05, y[:12]
x_nan = x.copy()
x_nan[9] = np.nan  # in the second batch of 8, without shuffling
rate_by_epoch = lambda epoch, lr: [0.05, 0.025, 4.0][epoch]  # the last epoch diverges: epoch 2 is not the best
'''

PROGRAM = DATA + r'''
import json, os, shutil
import pyapp
from pyapp import layers, callbacks as cb
from pyapp.optimizers import schedules
Base = cb.Callback
''' + RECORDER + r'''
shutil.rmtree("/tmp/callbacks", ignore_errors=True)
os.makedirs("/tmp/callbacks")
os.chdir("/tmp/callbacks")
out = {}

def make(optimizer):
    pyapp.utils.set_random_seed(0)
    model = pyapp.Sequential([pyapp.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    return model

def tfjs_optimizer(model):
    return model._engine().model.optimizer

def gap(a, b):
    return max(float(np.abs(p - q).max()) for p, q in zip(a, b))

# 1. Everything at once, the progress bar of verbose=1 in the output pane.
model = make(pyapp.optimizers.SGD(0.05))
record, weights_at, tfjs_rates = Recorder(), [], []
print("=== fit ===")
history = model.fit(x, y, batch_size=8, epochs=3, validation_data=(xv, yv), verbose=1, callbacks=[
    record,
    cb.ModelCheckpoint("ckpt/m-{epoch:02d}-{val_loss:.2f}.keras"),
    cb.ModelCheckpoint("best.weights.h5", save_weights_only=True, save_best_only=True),
    cb.ModelCheckpoint("indexeddb://callbacks-best", save_best_only=True),
    cb.LearningRateScheduler(rate_by_epoch),
    cb.LambdaCallback(on_epoch_begin=lambda epoch, logs: tfjs_rates.append(float(tfjs_optimizer(model).learningRate)),
                      on_epoch_end=lambda epoch, logs: weights_at.append(model.get_weights())),
    cb.CSVLogger("log.csv"),
    cb.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)])
print("=== end ===")
model.evaluate(x, y, batch_size=8, callbacks=[record], verbose=0)
model.predict(x, batch_size=16, callbacks=[record], verbose=0)
best = int(np.argmin(history.history["val_loss"]))
checkpoints = sorted(os.listdir("ckpt"))
twin = make("sgd")
twin.load_weights("best.weights.h5")
out.update(calls=record.calls, history=history.history, tfjs_rates=tfjs_rates, best=best,
           files=sorted(os.listdir(".")), checkpoints=checkpoints, csv=open("log.csv").read(),
           checkpoint_gaps=[gap(pyapp.models.load_model("ckpt/" + name).get_weights(), weights)
                            for name, weights in zip(checkpoints, weights_at)],
           best_weights_gap=gap(twin.get_weights(), weights_at[best]),
           indexeddb_gap=gap(pyapp.models.load_model("indexeddb://callbacks-best").get_weights(), weights_at[best]),
           restored_gap=gap(model.get_weights(), weights_at[best]),
           last_gap=gap(model.get_weights(), weights_at[-1]))
pyapp.models.delete_model("indexeddb://callbacks-best")

# 2. ReduceLROnPlateau, validation without test batch hooks, verbose=2.
model = make(pyapp.optimizers.SGD(0.05))
order = []
history = model.fit(x, y, batch_size=8, epochs=4, validation_data=(xv, yv), verbose=2, callbacks=[
    cb.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=0.5),
    cb.LambdaCallback(on_test_begin=lambda logs: order.append("test_begin"),
                      on_test_end=lambda logs: order.append(["test_end", sorted(logs)]),
                      on_epoch_end=lambda epoch, logs: order.append("epoch_end"))])
out["plateau"], out["plateau_order"] = history.history, order

# 3. A schedule: each step's rate in TF.js's optimizer (with a batch hook, and without).
schedule = schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
model = make(pyapp.optimizers.SGD(schedule))
steps = []
model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[cb.LambdaCallback(
    on_train_batch_end=lambda batch, logs: steps.append((float(tfjs_optimizer(model).learningRate),
                                                         int(tfjs_optimizer(model).iterations))))])
model = make(pyapp.optimizers.SGD(schedule))
model.fit(x, y, batch_size=8, epochs=1, verbose=0)
out["schedule"] = {"steps": steps, "js_only": [float(tfjs_optimizer(model).learningRate), model.optimizer.iterations,
                                               model.optimizer.learning_rate]}

# 4. TerminateOnNaN.
model = make("sgd")
history = model.fit(x_nan, y, batch_size=8, epochs=3, shuffle=False, verbose=0, callbacks=[cb.TerminateOnNaN()])
out["nan"] = {"losses": history.history["loss"], "iterations": model.optimizer.iterations}

# 5. The hooks leave no tensors behind (the model and its optimizer exist already); the last
# batch's logs are the epoch's (running means of the loss, running values of the metrics).
model = make(pyapp.optimizers.SGD(schedule))
model.fit(x, y, epochs=1, verbose=0)
before = pyapp.backend.memory()["num_tensors"]
last_logs = {}
keep = lambda kind: lambda batch, logs: last_logs.setdefault(kind, []).append(dict(logs))
history = model.fit(x, y, batch_size=8, epochs=2, validation_data=(xv, yv), verbose=1, callbacks=[
    Recorder(), cb.LambdaCallback(on_train_batch_end=keep("train"), on_test_batch_end=keep("test"))])
out["tensors"] = [before, pyapp.backend.memory()["num_tensors"]]
evaluated = model.evaluate(xv, yv, batch_size=5, return_dict=True,
                           callbacks=[cb.LambdaCallback(on_test_batch_end=keep("evaluate"))])
out["last_logs"] = {"history": history.history, "evaluated": evaluated, **last_logs}
json.dumps(out)
'''

BAR = re.compile(r"5/5 ━{20} \d+s \d+m?s/step - loss: [\d.e+-]+ - mae: [\d.e+-]+ - val_loss: [\d.e+-]+ - "
                 r"val_mae: [\d.e+-]+ - learning_rate: [\d.e+-]+")


@pytest.fixture(scope="module")
def keras_reference():
    """What Keras 3 does natively for the same fit, evaluate and predict, and NaN data."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    scope = {"Base": keras.callbacks.Callback}
    exec(DATA + RECORDER, scope)
    x, y, xv, yv = (scope[name] for name in ("x", "y", "xv", "yv"))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    record = scope["Recorder"]()
    model.fit(x, y, batch_size=8, epochs=3, validation_data=(xv, yv), verbose=0,
              callbacks=[record, keras.callbacks.LearningRateScheduler(scope["rate_by_epoch"])])
    model.evaluate(x, y, batch_size=8, callbacks=[record], verbose=0)
    model.predict(x, batch_size=16, callbacks=[record], verbose=0)
    stopped = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    stopped.compile(optimizer="sgd", loss="mse")
    nan = stopped.fit(scope["x_nan"], y, batch_size=8, epochs=3, shuffle=False, verbose=0,
                      callbacks=[keras.callbacks.TerminateOnNaN()])
    return {"keras": keras, "calls": [list(call) for call in record.calls],
            "nan": {"epochs": len(nan.history["loss"]), "iterations": int(stopped.optimizer.iterations)}}


def test_callbacks_in_the_page(app, keras_reference):
    keras = keras_reference["keras"]
    before = app.js("() => document.querySelector('#output').textContent.length")
    reply = app.run(PROGRAM)
    assert reply["error"] is None, reply["error"]["traceback"] or reply["error"]["message"]
    out = json.loads(ast.literal_eval(reply["result"]))

    # Every hook, in Keras' order, with the same logs.
    assert out["calls"] == keras_reference["calls"]

    # Checkpoints: one .keras per epoch named from its logs, each with its epoch's weights;
    # the best epoch's weights in best.weights.h5, in IndexedDB, and restored at the end.
    history, best = out["history"], out["best"]
    assert out["checkpoints"] == [f"m-{epoch + 1:02d}-{loss:.2f}.keras" for epoch, loss in enumerate(history["val_loss"])]
    assert max(out["checkpoint_gaps"]) == 0
    assert best < 2 and out["best_weights_gap"] == 0 and out["indexeddb_gap"] == 0 and out["restored_gap"] == 0
    assert out["last_gap"] > 0, "the last epoch differs from the best, so restoring did something"
    assert set(out["files"]) == {"best.weights.h5", "ckpt", "log.csv"}

    # Learning rates: in History (float32, as Keras keeps them) and in TF.js's optimizer.
    rates = [0.05, 0.025, 4.0]
    assert history["learning_rate"] == [float(np.float32(rate)) for rate in rates]
    assert out["tfjs_rates"] == pytest.approx(rates)
    rows = out["csv"].splitlines()
    assert rows[0] == "epoch,learning_rate,loss,mae,val_loss,val_mae" and len(rows) == 4
    assert [float(value) for value in rows[2].split(",")] == pytest.approx(
        [1] + [history[key][1] for key in ("learning_rate", "loss", "mae", "val_loss", "val_mae")])

    # ReduceLROnPlateau: Keras' own, fed the page's losses, sets the same rates.
    plateau = out["plateau"]
    reference = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=0.5)
    reference.set_model(type("Model", (), {"optimizer": keras.optimizers.SGD(0.05)})())
    reference.on_train_begin()
    expected = []
    for epoch, loss in enumerate(plateau["loss"]):
        logs = {"loss": loss}
        reference.on_epoch_end(epoch, logs)
        expected.append(logs["learning_rate"])
    assert plateau["learning_rate"] == pytest.approx(expected) and min(expected) < 0.05
    assert len(plateau["val_loss"]) == 4
    assert out["plateau_order"] == ["test_begin", ["test_end", ["loss", "mae"]], "epoch_end"] * 4, \
        "the test hooks around the page's validation, as Keras orders them"

    # The schedule: each step's rate as Keras' ExponentialDecay gives it; without batch hooks too.
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
    steps = out["schedule"]["steps"]
    assert [s[1] for s in steps] == list(range(1, 11))
    assert [s[0] for s in steps] == pytest.approx([float(schedule(step)) for step in range(10)], rel=1e-6)
    js_rate, iterations, next_rate = out["schedule"]["js_only"]
    assert iterations == 5 and js_rate == pytest.approx(float(schedule(4)), rel=1e-6)
    assert next_rate == pytest.approx(float(schedule(5)), rel=1e-6)

    # TerminateOnNaN stops at the same batch as Keras'.
    nan = out["nan"]
    assert len(nan["losses"]) == keras_reference["nan"]["epochs"] == 1 and math.isnan(nan["losses"][0])
    assert nan["iterations"] == keras_reference["nan"]["iterations"] == 2
    assert "Batch 1: Invalid loss, terminating training" in reply["stdout"]

    # The progress bar: redrawn in place ("\r") in stdout, one line per epoch in the pane.
    printed = reply["stdout"].split("=== fit ===\n")[1].split("=== end ===")[0]
    assert printed.count("\r") >= 6 and re.search(r"\r[1-4]/5 ━", printed), printed
    pane = app.js("() => document.querySelector('#output').textContent")[before:]
    shown = pane.split("=== fit ===\n")[1].split("=== end ===")[0].splitlines()
    assert shown[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"] and len(shown) == 6, shown
    assert all(BAR.fullmatch(line.rstrip()) for line in shown[1::2]), shown
    assert "\r" not in pane
    verbose_2 = [line for line in pane.splitlines() if line.startswith("5/5 - ") and "learning_rate" in line]
    assert len(verbose_2) == 4 and all("/step - loss: " in line and " - val_loss: " in line for line in verbose_2)
    assert out["tensors"][0] == out["tensors"][1], "no tensors left behind by the hooks"
    last = out["last_logs"]
    for epoch in range(2):
        assert last["train"][5 * epoch + 4] == pytest.approx({k: last["history"][k][epoch] for k in ("loss", "mae")},
                                                             rel=1e-5)
        assert last["test"][2 * epoch + 1] == pytest.approx(
            {k: last["history"]["val_" + k][epoch] for k in ("loss", "mae")}, rel=1e-5)
    assert len(last["evaluate"]) == 3 and last["evaluate"][-1] == pytest.approx(last["evaluated"], rel=1e-6)
    assert last["evaluate"][0] != pytest.approx(last["evaluated"]), "batch logs of the first batch only"
