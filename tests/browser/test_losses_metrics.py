"""Keras 3's losses and metrics in the page (issue #14): one program computes every loss and
metric on fixed random data, fits briefly with validation, and evaluates a two-output model
with loss weights; it runs in the page (TF.js) and here (pyapp's native engine, that is
Keras 3 itself), and the two must agree: History keys exactly, values within 1e-5 relative.

Precision, recall and AUC are confusion-matrix counts in both, so they agree as closely as
the rest: a prediction would have to fall within float32 rounding of one of AUC's 200
thresholds to be counted differently (Keras buckets evenly spread thresholds; the page
compares with each).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

RTOL, ATOL = 1e-5, 1e-6

PROGRAM = r'''
import numpy as np
import pyapp
from pyapp import layers, losses, metrics


def data(kind, seed, n=50):
    """(y_true, y_pred) of a kind; n=50 with batches of 16 leaves a partial last batch."""
    rng = np.random.default_rng(seed)
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    softmax = lambda z: np.exp(z) / np.exp(z).sum(-1, keepdims=True)  # noqa: E731
    if kind in ("binary", "binary_logits"):
        y_pred = rng.normal(size=(n, 1)) * 2
        return f32(rng.random((n, 1)) < 0.5), f32(y_pred if kind == "binary_logits" else 1 / (1 + np.exp(-y_pred)))
    if kind in ("categorical", "categorical_logits", "sparse", "sparse_logits"):
        labels = rng.integers(0, 5, n)
        logits = rng.normal(size=(n, 5)) * 2
        y_pred = f32(logits if kind.endswith("logits") else softmax(logits))
        return (f32(labels) if kind.startswith("sparse") else f32(np.eye(5)[labels])), y_pred
    if kind == "positive":
        return f32(rng.random((n, 3)) * 3), f32(rng.random((n, 3)) * 3 + 0.01)
    if kind == "distribution":
        return f32(softmax(rng.normal(size=(n, 3)))), f32(softmax(rng.normal(size=(n, 3))))
    if kind == "hinge":
        return f32(rng.random((n, 3)) < 0.5), f32(rng.normal(size=(n, 3)))
    if kind == "signed":
        return f32(np.where(rng.random((n, 3)) < 0.5, -1, 1)), f32(rng.normal(size=(n, 3)))
    if kind == "integers":
        return f32(rng.integers(0, 3, (n, 3))), f32(rng.integers(0, 3, (n, 3)))
    return f32(rng.normal(size=(n, 3))), f32(rng.normal(size=(n, 3)))  # "real"


LOSSES = [  # (loss, data kind)
    ("mse", "real"), ("mean_squared_error", "real"), (losses.MeanSquaredError(), "real"), ("mae", "real"),
    ("MeanAbsoluteError", "real"), ("mape", "positive"), ("MAPE", "real"), ("msle", "positive"),
    (losses.MeanSquaredLogarithmicError(), "positive"), ("cosine_similarity", "real"),
    (losses.CosineSimilarity(axis=-1), "real"), ("huber", "real"), (losses.Huber(delta=0.3), "real"),
    ("log_cosh", "real"), (losses.LogCosh(), "real"), ("kld", "distribution"), (losses.KLDivergence(), "distribution"),
    ("poisson", "positive"), ("hinge", "hinge"), ("hinge", "signed"), (losses.SquaredHinge(), "hinge"),
    ("squared_hinge", "signed"), ("categorical_hinge", "categorical"), ("binary_crossentropy", "binary"),
    (losses.BinaryCrossentropy(label_smoothing=0.1), "binary"),
    (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2), "binary_logits"),
    ("categorical_crossentropy", "categorical"), (losses.CategoricalCrossentropy(label_smoothing=0.1), "categorical"),
    (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.05), "categorical_logits"),
    ("sparse_categorical_crossentropy", "sparse"),
    (losses.SparseCategoricalCrossentropy(from_logits=True), "sparse_logits"),
]

METRICS = [  # (loss, metrics, data kind)
    ("binary_crossentropy", ["accuracy", "acc", "binary_accuracy", metrics.BinaryAccuracy(threshold=0.3, name="ba3"),
                             "auc", metrics.AUC(num_thresholds=50, summation_method="minoring", name="auc_min"),
                             metrics.AUC(summation_method="majoring", name="auc_maj"),
                             metrics.AUC(curve="PR", name="pr_auc"),
                             metrics.AUC(thresholds=[0.2, 0.5, 0.9], name="auc3"),
                             "precision", "recall", metrics.Precision(thresholds=0.7, name="p7"),
                             metrics.Recall(thresholds=0.3, name="r3"), "binary_crossentropy", "bce",
                             metrics.BinaryCrossentropy(label_smoothing=0.1, name="bce_smooth")], "binary"),
    (losses.BinaryCrossentropy(from_logits=True),
     [metrics.AUC(from_logits=True), metrics.BinaryCrossentropy(from_logits=True)], "binary_logits"),
    ("categorical_crossentropy", ["accuracy", metrics.CategoricalAccuracy(), "top_k_categorical_accuracy",
                                  metrics.TopKCategoricalAccuracy(k=2, name="top2"), "categorical_crossentropy",
                                  "categorical_hinge", metrics.Precision(class_id=2, name="p2"),
                                  metrics.Recall(class_id=0, name="r0"), "kl_divergence",
                                  metrics.CategoricalCrossentropy(label_smoothing=0.2, name="cce_smooth")],
     "categorical"),
    ("sparse_categorical_crossentropy", ["acc", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
                                         metrics.SparseTopKCategoricalAccuracy(k=2, name="stop2"),
                                         "sparse_categorical_crossentropy"], "sparse"),
    (losses.SparseCategoricalCrossentropy(from_logits=True),
     [metrics.SparseCategoricalCrossentropy(from_logits=True), metrics.SparseCategoricalAccuracy()], "sparse_logits"),
    ("mse", ["mse", "mae", "MeanSquaredError", "root_mean_squared_error", metrics.RootMeanSquaredError(name="rmse"),
             "cosine_similarity", metrics.CosineSimilarity(axis=-1, name="cos"), metrics.LogCoshError(),
             "log_cosh_error", "hinge", "squared_hinge"], "real"),
    ("mse", ["mape", "msle", "poisson", metrics.Poisson(name="p"), metrics.MeanAbsolutePercentageError()], "positive"),
    ("mse", [metrics.Accuracy(), "Accuracy"], "integers"),
    ("kld", ["kl_divergence", metrics.KLDivergence(name="kld")], "distribution"),
]


def identity(width):
    inputs = pyapp.Input((width,))
    return pyapp.Model(inputs, layers.Activation("linear")(inputs))


def two_heads():
    """A two-output model with fixed weights (one head regularized: Keras adds the penalty to the loss)."""
    inputs = pyapp.Input((4,))
    hidden = layers.Dense(6, activation="tanh", name="hidden")(inputs)
    cls = layers.Dense(1, activation="sigmoid", name="cls", kernel_regularizer="l2")(hidden)
    reg = layers.Dense(2, name="reg")(hidden)
    model = pyapp.Model(inputs, [cls, reg])
    rng = np.random.default_rng(7)
    model.set_weights([rng.normal(size=w.shape).astype(np.float32) * 0.5 for w in model.get_weights()])
    return model


def fit_history(model, x, y, epochs, batch_size, validation_split):
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_split=validation_split, shuffle=False,
                     verbose=0).history


def run(fit_history=fit_history):
    out = {"losses": [], "metrics": []}
    for index, (loss, kind) in enumerate(LOSSES):
        y_true, y_pred = data(kind, index)
        model = identity(y_pred.shape[1])
        model.compile(optimizer="sgd", loss=loss)
        out["losses"].append(model.evaluate(y_pred, y_true, batch_size=16, verbose=0, return_dict=True))
    for index, (loss, chosen, kind) in enumerate(METRICS):
        y_true, y_pred = data(kind, 100 + index)
        model = identity(y_pred.shape[1])
        model.compile(optimizer="sgd", loss=loss, metrics=chosen)
        out["metrics"].append(model.evaluate(y_pred, y_true, batch_size=16, verbose=0, return_dict=True))

    rng = np.random.default_rng(3)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    y_cls = (rng.random((60, 1)) < 0.5).astype(np.float32)
    y_reg = rng.normal(size=(60, 2)).astype(np.float32)
    # A learning rate too small to move float32 weights: the epoch's training metrics are
    # then those of fixed weights, the same in both engines.
    still = pyapp.optimizers.SGD(learning_rate=1e-30)
    model = two_heads()
    model.compile(optimizer=still, loss={"cls": "binary_crossentropy", "reg": losses.Huber(delta=0.5)},
                  loss_weights={"cls": 2.0, "reg": 0.5},
                  metrics={"cls": ["accuracy", "auc", metrics.Precision(name="p")],
                           "reg": ["mae", "root_mean_squared_error"]})
    out["two_heads_fit"] = fit_history(model, x, [y_cls, y_reg], epochs=2, batch_size=8, validation_split=0.25)
    out["two_heads_evaluate"] = model.evaluate(x, [y_cls, y_reg], batch_size=16, verbose=0)
    out["two_heads_dict"] = model.evaluate(x, [y_cls, y_reg], batch_size=16, verbose=0, return_dict=True)
    predicted = model.predict(x, batch_size=7, verbose=0)
    out["predict_batch_size"] = [float(np.abs(a - b).max()) for a, b in zip(predicted, model.predict(x, verbose=0))]

    model = two_heads()
    model.compile(optimizer=still, loss=["binary_crossentropy", "mse"], loss_weights=[0.0, 1.0],
                  metrics=[["binary_accuracy"], None])
    out["zero_weight"] = model.evaluate(x, [y_cls, y_reg], batch_size=16, verbose=0, return_dict=True)

    # A Sequential (TF.js trains the model it wraps), regularized: Keras adds the penalty to the loss.
    single = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(3, activation="softmax", kernel_regularizer="l2")])
    single.set_weights([np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), np.zeros(3, np.float32)])
    single.compile(optimizer=still, loss="sparse_categorical_crossentropy",
                   metrics=["accuracy", metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")])
    labels = rng.integers(0, 3, 60).astype(np.float32)
    out["single_fit"] = fit_history(single, x, labels, epochs=1, batch_size=16, validation_split=0.2)
    return out
'''


def still_fit_history(model, x, y, epochs, batch_size, validation_split):
    """Keras' History of a fit whose weights do not move (learning rate 1e-30): each epoch
    the loss and metrics of the training part, and `val_` those of the validation part.
    (Keras' NumPy backend evaluates but cannot train; it starts in seconds where JAX spends
    a minute compiling these 60 small models.)"""
    split = int(len(x) * (1 - validation_split))
    part = lambda arrays, s: [a[s] for a in arrays] if isinstance(arrays, list) else arrays[s]  # noqa: E731
    logs = {}
    for prefix, s in (("", slice(None, split)), ("val_", slice(split, None))):
        values = model.evaluate(x[s], part(y, s), batch_size=batch_size, verbose=0, return_dict=True)
        logs.update({prefix + key: [value] * epochs for key, value in values.items()})
    return logs


def numpy_backend_sums_lists() -> None:
    """Keras 3.15's NumPy backend fails to add regularization losses (its `sum` takes no list,
    which Keras' trainer passes it); the other backends take one."""
    from keras.src.backend.numpy import numpy as backend

    plain = backend.sum
    backend.sum = lambda x, *args, **kwargs: plain(np.stack(x) if isinstance(x, list) else x, *args, **kwargs)


def native_results() -> dict:
    """The program's results on Keras 3 (its NumPy backend), in a process of its own."""
    script = ("import json, sys; sys.path.insert(0, sys.argv[1]); import test_losses_metrics as t; "
              "t.numpy_backend_sums_lists(); namespace = {}; exec(t.PROGRAM, namespace); "
              "print(json.dumps(namespace['run'](t.still_fit_history)))")
    env = {**os.environ, "KERAS_BACKEND": "numpy", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", script, str(Path(__file__).parent)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def expected():
    return native_results()


def assert_close(page, native, where: str, differences: dict) -> None:
    """page == native within RTOL (ATOL near 0); records each relative difference by key."""
    if isinstance(native, dict):
        assert sorted(page) == sorted(native), f"{where}: keys {sorted(page)} != Keras' {sorted(native)}"
        for key in native:
            assert_close(page[key], native[key], f"{where}[{key!r}]", differences)
    elif isinstance(native, list):
        assert len(page) == len(native), f"{where}: {len(page)} values, Keras has {len(native)}"
        for index, (a, b) in enumerate(zip(page, native)):
            assert_close(a, b, f"{where}[{index}]", differences)
    else:
        assert np.isclose(page, native, rtol=RTOL, atol=ATOL), f"{where}: page {page} != Keras {native}"
        differences[where] = abs(page - native) / max(abs(native), ATOL)


# Memory returns to where it was after fit (with validation), evaluate and predict: the
# metrics' state lives as long as the compiled model, the rest is freed.
MEMORY = r'''
model = two_heads()
model.compile(optimizer="adam", loss=["binary_crossentropy", "mse"], metrics=[["accuracy", "auc"], ["mae"]])
x = np.random.default_rng(1).normal(size=(40, 4)).astype(np.float32)
y = [(x[:, :1] > 0).astype(np.float32), x[:, :2]]
model.fit(x, y, epochs=1, batch_size=8, verbose=0)  # makes Adam's slots
before = pyapp.backend.memory()["num_tensors"]
model.fit(x, y, epochs=2, batch_size=8, validation_split=0.25, verbose=0)
model.evaluate(x, y, batch_size=16, verbose=0)
model.predict(x, batch_size=16, verbose=0)
pyapp.backend.memory()["num_tensors"] - before
'''


def test_every_loss_and_metric_in_the_page_equals_keras(app, expected):
    page = json.loads(app.check(PROGRAM + "\nimport json\njson.dumps(run())", timeout=240_000).strip("'"))
    differences: dict = {}
    assert_close(page["losses"], expected["losses"], "losses", differences)
    assert_close(page["metrics"], expected["metrics"], "metrics", differences)
    for key in ("two_heads_fit", "two_heads_evaluate", "two_heads_dict", "zero_weight", "single_fit"):
        assert_close(page[key], expected[key], key, differences)
    auc = [value for where, value in differences.items() if "auc" in where]
    print(f"\n{len(differences)} values, largest relative difference {max(differences.values()):.2e}; "
          f"{len(auc)} AUC values, largest {max(auc):.2e}")
    assert page["predict_batch_size"] == [0.0, 0.0]
    # Keras 3's names, spelled out (not only "the same as native").
    keys = ["loss", "cls_loss", "reg_loss", "cls_accuracy", "cls_auc", "cls_p", "reg_mae",
            "reg_root_mean_squared_error"]
    assert sorted(page["two_heads_fit"]) == sorted(keys + ["val_" + key for key in keys])
    assert sorted(page["single_fit"]) == ["accuracy", "loss", "top2", "val_accuracy", "val_loss", "val_top2"]
    assert {"acc", "accuracy", "auc", "precision", "recall"} <= set(page["metrics"][0])
    assert app.check(MEMORY) == "0"
