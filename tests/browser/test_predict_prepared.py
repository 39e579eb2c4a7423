"""`predict` through the model's prepared JS function (one crossing a call) and `evaluate`'s
batch loop in the page: the same outputs as TF.js's own predict and as the per-batch path
that callbacks take, no tensors left behind, and the prepared function following the model
through set_weights, fit and a new layer. One page program for all of it."""

PREPARED = r'''
import numpy as np
import pyapp
from js import tf
from pyapp import layers
from pyapp.backend import _tfjs_engine as engine

rng = np.random.default_rng(0)
checks = {}


class Batches(pyapp.callbacks.Callback):
    """Asks for the predict batch hooks: predict then runs batch by batch."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_predict_batch_end(self, batch, logs=None):
        self.seen.append((batch, np.shape(logs["outputs"][0] if isinstance(logs["outputs"], list) else logs["outputs"])))


def tfjs_predict(model, xs):
    """TF.js's own predict, through to_tensor and to_numpy (no prepared function)."""
    return engine._predict_once(model._engine().model, xs, 32)


def same(a, b):
    a, b = (a if isinstance(a, list) else [a]), (b if isinstance(b, list) else [b])
    return len(a) == len(b) and all(x.shape == y.shape and x.dtype == y.dtype and np.allclose(x, y, atol=1e-6)
                                    for x, y in zip(a, b))


def dense_forward(model, x):
    out = x
    for layer, (kernel, bias) in zip(model.layers, zip(*[iter(model.get_weights())] * 2)):
        out = out @ kernel + bias
        out = np.maximum(out, 0) if layer.get_config()["activation"] == "relu" else out
    return out


# One input and output.
mlp = pyapp.Sequential([pyapp.Input((6,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
x = rng.normal(size=(11, 6)).astype(np.float32)
fast = mlp.predict(x, verbose=0)
recorder = Batches()
general = mlp.predict(x, batch_size=4, verbose=0, callbacks=[recorder])
checks["mlp: fast = per-batch path = TF.js's predict"] = same(fast, general) and same([fast], tfjs_predict(mlp, [x]))
checks["mlp: per-batch hooks ran"] = recorder.seen == [(0, (4, 3)), (1, (4, 3)), (2, (3, 3))]
checks["mlp: numbers"] = np.allclose(fast, dense_forward(mlp, x), atol=1e-5)
checks["mlp: a view with an offset, float64"] = same(mlp.predict(x[5:].astype(np.float64), verbose=0), fast[5:])
checks["mlp: a strided view"] = same(mlp.predict(np.asfortranarray(x), verbose=0), fast)
checks["mlp: one sample"] = same(mlp.predict(x[:1], verbose=0), fast[:1])
checks["mlp: batches in the prepared loop, last one short"] = same(mlp.predict(x, batch_size=4, verbose=0), fast)
checks["mlp: calling the model"] = same(np.asarray(mlp(x)), fast)
prepared = mlp._engine().predictor
checks["mlp: prepared once"] = prepared is not None and prepared.prepared is not None

# Several inputs (one of integers) and outputs.
numbers, tokens = pyapp.Input((3,)), pyapp.Input((4,), dtype="int32")
merged = layers.Concatenate()([layers.Dense(2)(numbers), layers.Flatten()(layers.Embedding(10, 3)(tokens))])
several = pyapp.Model([numbers, tokens], [layers.Dense(2, name="scores")(merged),
                                         layers.Dense(1, activation="sigmoid", name="chance")(merged)])
xs = [rng.normal(size=(9, 3)).astype(np.float32), rng.integers(0, 10, (9, 4)).astype(np.int32)]
fast = several.predict(xs, verbose=0)
general = several.predict(xs, batch_size=2, verbose=0, callbacks=[Batches()])
checks["several: fast = per-batch path = TF.js's predict"] = same(fast, general) and same(fast, tfjs_predict(several, xs))
checks["several: shapes"] = [a.shape for a in fast] == [(9, 2), (9, 1)]
checks["several: batches in the prepared loop"] = same(several.predict(xs, batch_size=2, verbose=0), fast)
checks["several: integer tokens as floats"] = same(several.predict([xs[0], xs[1].astype(np.float32)], verbose=0), fast)

# A dimension known only from the data (a sequence's length): TF.js's predict, unprepared.
steps = pyapp.Input((None, 3))
sequences = pyapp.Model(steps, layers.Dense(2)(steps))
x3 = rng.normal(size=(4, 5, 3)).astype(np.float32)
fast = sequences.predict(x3, verbose=0)
checks["sequences: unprepared, same as per-batch path"] = (sequences._engine().predictor.prepared is None
                                                           and same(fast, sequences.predict(x3, batch_size=3, verbose=0,
                                                                                            callbacks=[Batches()])))
checks["sequences: other lengths"] = sequences.predict(x3[:, :2], verbose=0).shape == (4, 2, 2)

# verbose="auto" prints Keras' progress line and returns the same.
checks["verbose auto: same outputs"] = same(mlp.predict(x, verbose="auto"), mlp.predict(x, verbose=0))

# No tensor left behind, whichever path.
before = tf.memory().numTensors
for _ in range(3):
    mlp.predict(x, verbose=0), mlp.predict(x, batch_size=4, verbose=0, callbacks=[Batches()])
    several.predict(xs, verbose=0), sequences.predict(x3, verbose=0)
checks["no tensors left"] = tf.memory().numTensors == before

# The prepared function follows the model.
mlp.set_weights([w + 0.5 for w in mlp.get_weights()])
checks["set_weights: new outputs"] = np.allclose(mlp.predict(x, verbose=0), dense_forward(mlp, x), atol=1e-5)
mlp.compile(optimizer=pyapp.optimizers.SGD(0.1), loss="mse")
before_fit = mlp.predict(x, verbose=0)
mlp.fit(x, rng.normal(size=(11, 3)).astype(np.float32), epochs=2, verbose=0)
after_fit = mlp.predict(x, verbose=0)
checks["fit: new outputs"] = not np.allclose(before_fit, after_fit) and same([after_fit], tfjs_predict(mlp, [x]))
checks["fit: still the prepared function"] = mlp._engine().predictor is prepared
mlp.add(layers.Dense(2))
grown = mlp.predict(x, verbose=0)
checks["add: a new model, prepared anew"] = (grown.shape == (11, 2) and mlp._engine().predictor is not prepared
                                             and np.allclose(grown, dense_forward(mlp, x), atol=1e-5))
mlp.pop()
checks["pop: back to three outputs"] = np.allclose(mlp.predict(x, verbose=0), after_fit, atol=1e-5)

# evaluate: the loss of outputs with several values a sample, weighted, with a regularizer, in
# batches that do not divide the samples, as Keras computes it.
dense = layers.Dense(2, kernel_regularizer=pyapp.regularizers.L2(0.01))
regularized = pyapp.Model(steps2 := pyapp.Input((5, 3)), dense(steps2))
regularized.compile(optimizer="sgd", loss="mse", loss_weights=[0.5], metrics=["mae"])
y3 = rng.normal(size=(7, 5, 2)).astype(np.float32)
x7 = rng.normal(size=(7, 5, 3)).astype(np.float32)
loss, mae = regularized.evaluate(x7, y3, batch_size=3, verbose=0)
kernel, bias = regularized.get_weights()
predicted = x7 @ kernel + bias
expected = 0.5 * np.mean((predicted - y3) ** 2) + 0.01 * np.sum(kernel ** 2)
checks["evaluate: weighted per-step loss plus the regularizer"] = bool(np.isclose(loss, expected, rtol=1e-5))
checks["evaluate: metric"] = bool(np.isclose(mae, np.mean(np.abs(predicted - y3)), rtol=1e-5))
before = tf.memory().numTensors
regularized.evaluate(x7, y3, batch_size=3, verbose=0)
checks["evaluate: no tensors left"] = tf.memory().numTensors == before


class Grows(pyapp.callbacks.Callback):
    """Makes Python allocate between evaluate's batches (Pyodide's memory may grow and move
    its views) and asks for the batch hooks, so evaluate calls into Python at each batch."""

    def __init__(self):
        super().__init__()
        self.kept = []

    def on_test_batch_end(self, batch, logs=None):
        self.kept.append(np.ones(4_000_000, np.float32))


# evaluate reads each batch from numpy's memory: the same numbers from a strided float64
# copy, from integer tokens, with Python running between batches, and from fit's validation
# (the tensors' path).
several.compile(optimizer="sgd", loss=["mse", "binary_crossentropy"], metrics=[["mae"], ["accuracy"]])
ys = [rng.normal(size=(9, 2)).astype(np.float32), rng.integers(0, 2, (9, 1)).astype(np.float32)]
reference = several.evaluate(xs, ys, batch_size=4, verbose=0)
checks["evaluate: several outputs, integer tokens"] = len(reference) == 5 and all(np.isfinite(reference))
checks["evaluate: a strided float64 copy"] = np.allclose(
    several.evaluate([np.asfortranarray(xs[0]).astype(np.float64), xs[1]], ys, batch_size=4, verbose=0), reference)
grows = Grows()
checks["evaluate: Python allocating between batches"] = (
    np.allclose(several.evaluate(xs, ys, batch_size=4, verbose=0, callbacks=[grows]), reference)
    and len(grows.kept) == 3)
del grows
history = several.fit(xs, ys, epochs=1, batch_size=4, verbose=0, validation_data=(xs, ys))
after = several.evaluate(xs, ys, batch_size=4, verbose=0, return_dict=True)
checks["evaluate = fit's validation"] = all(np.isclose(history.history["val_" + name][-1], value, rtol=1e-5)
                                            for name, value in after.items())
checks
'''


def test_prepared_predict_and_evaluate(app):
    reply = app.run(PREPARED, timeout=300_000)
    assert reply["error"] is None, reply["error"]["traceback"]
    checks = eval(reply["result"])
    failed = [name for name, ok in checks.items() if not ok]
    assert not failed, failed
    assert "step" in reply["stdout"]  # verbose="auto" printed Keras' progress line
