"""One program of Keras 3 API checks (issue 14) that runs unchanged in both engines: under
CPython on Keras 3 (tests/unit/test_keras_api_native.py) and in the page on TF.js
(tests/browser/test_keras_api.py). Its last expression is a JSON text of what it saw.
"""

import math

# Layer arguments refused at construction: the argument the message must name, and whether
# Keras 3 refuses it too (False: only pyapp does, as TF.js cannot honour it).
BAD_LAYERS = {
    "layers.Conv2D(0, 3)": ("filters", True),
    "layers.Conv2D(4, 0)": ("kernel_size", True),
    "layers.Conv2D(4, 3, strides=0)": ("strides", True),
    "layers.Conv2D(4, 3, padding='full')": ("padding", True),
    "layers.Conv2D(4, 3, groups=2)": ("groups", False),
    "layers.LSTM(-1)": ("units", True),
    "layers.Dense(0)": ("units", True),
    "layers.Dense(3, kernel_initializer='nope')": ("kernel_initializer", True),
    "layers.Dense(3, activation='nope')": ("activation", True),
    "layers.Dense(3, kernel_regularizer='nope')": ("kernel_regularizer", True),
    "layers.Dense(3, bias_constraint='nope')": ("bias_constraint", True),
    "layers.Dense(3, trainable='yes')": ("trainable", True),
    "layers.Dense(3, dtype='float64')": ("dtype", False),
    "layers.Dropout(-0.1)": ("rate", True),
    "layers.Dropout(1.0)": ("rate", False),
    "layers.MaxPooling2D(0)": ("pool_size", True),
    "layers.Embedding(0, 3)": ("input_dim", True),
}

PROGRAM = r'''
import json
import numpy as np
import pyapp
from pyapp import layers

BAD_LAYERS = %r
result = {}
rng = np.random.default_rng(0)
pyapp.utils.set_random_seed(0)

# -- 1. arguments refused at construction, naming the argument
errors = {}
for text in BAD_LAYERS:
    try:
        eval(text)
        errors[text] = None
    except Exception as error:
        errors[text] = [type(error).__name__, str(error)]
result["errors"] = errors
result["accepted"] = [layers.Dense(3, lora_rank=None).name.startswith("dense"), layers.Dropout(0.0).rate]

# -- 2. InputLayer configs; int64 and float64 data
spec = layers.InputLayer(shape=(3,), dtype="int64", name="ids")
back = layers.InputLayer.from_config(spec.get_config())
result["input_from_config"] = [back.name, list(back.batch_shape), back.dtype]
ids = pyapp.Input((3,), dtype="int64")
words = pyapp.Model(ids, layers.Dense(1)(layers.Flatten()(layers.Embedding(10, 2)(ids))))
words.compile(optimizer="sgd", loss="mse")
x_ids = rng.integers(0, 10, size=(16, 3)).astype(np.int64)
y_ids = rng.normal(size=(16, 1))  # float64
words.fit(x_ids, y_ids, epochs=1, verbose=0)
result["int64"] = [words.predict(x_ids, verbose=0).dtype.name, float(words.evaluate(x_ids, y_ids, verbose=0))]
result["int64_same"] = bool(np.array_equal(words.predict(x_ids, verbose=0),
                                           words.predict(x_ids.astype(np.int32), verbose=0)))
result["float_ids"] = bool(np.array_equal(words.predict(x_ids + 0.75, verbose=0),  # Keras truncates them
                                          words.predict(x_ids, verbose=0)))
try:
    words.predict(x_ids + 2**40, verbose=0)
    result["int64_too_big"] = None
except ValueError as error:
    result["int64_too_big"] = str(error)
values = pyapp.Input((4,), dtype="float64")
floats = pyapp.Model(values, layers.Dense(2)(values))
x64 = rng.normal(size=(8, 4))
result["float64"] = [values.dtype, floats.predict(x64, verbose=0).dtype.name,
                     bool(np.array_equal(floats.predict(x64, verbose=0),
                                         floats.predict(x64.astype(np.float32), verbose=0)))]

# -- 3. Sequential.add and pop keep the weights, trained or not
x = rng.normal(size=(64, 4)).astype(np.float32)
y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32)).astype(np.float32)
stack = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(1)])
stack.compile(optimizer="adam", loss="mse")
stack.fit(x, y, epochs=2, verbose=0)
trained = stack.get_weights()
stack.add(layers.Dense(2))
added = stack.get_weights()
popped_layer = stack.pop()
popped = stack.get_weights()
result["add_pop"] = [all(np.array_equal(a, b) for a, b in zip(trained, added)), len(added) - len(trained),
                     len(popped) == len(trained) and all(np.array_equal(a, b) for a, b in zip(trained, popped)),
                     popped_layer.name.startswith("dense"), stack.predict(x[:2], verbose=0).shape[1]]

# -- 4. a frozen base (with BatchNormalization) under a new head: the base stays exactly as it was
base = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(8, activation="relu"), layers.BatchNormalization(),
                         layers.Dense(4, activation="relu")])
base.compile(optimizer="adam", loss="mse")
base.fit(x, rng.normal(size=(64, 4)).astype(np.float32), epochs=1, verbose=0)
base_names = [layer.name for layer in base.layers]
base.trainable = False
inputs = pyapp.Input((4,))
model = pyapp.Model(inputs, layers.Dense(1, name="head")(base(inputs)))
def weights_by_layer(m):
    flat, out = m.get_weights(), {}
    for layer in m.layers:
        count = len(layer.weight_specs(layer.input_shape))
        out[layer.name], flat = flat[:count], flat[count:]
    return out
start = weights_by_layer(model)
result["base_weights_carried"] = all(
    np.array_equal(a, b) for name in base_names for a, b in zip(start[name], weights_by_layer(base)[name]))
model.compile(optimizer=pyapp.optimizers.Adam(0.05), loss="mse")
model.fit(x, y, epochs=2, batch_size=16, verbose=0)
after = weights_by_layer(model)
same = lambda name, a, b: all(np.array_equal(u, v) for u, v in zip(a[name], b[name]))
result["frozen"] = {"base_same": [same(name, start, after) for name in base_names],
                    "head_changed": not same("head", start, after),
                    "trainable": [model.trainable, base.trainable, [layer.trainable for layer in model.layers]]}
base.trainable = True  # counts from the next compile, as in Keras
model.fit(x, y, epochs=1, batch_size=16, verbose=0)
before_compile = weights_by_layer(model)
model.compile(optimizer=pyapp.optimizers.Adam(0.05), loss="mse")
model.fit(x, y, epochs=1, batch_size=16, verbose=0)
recompiled = weights_by_layer(model)
result["unfrozen"] = [all(same(name, start, before_compile) for name in base_names),
                      not same(base_names[0], before_compile, recompiled)]
base.trainable = False
stacked = pyapp.Sequential([base, layers.Dense(1, name="top")])
stacked.compile(optimizer="adam", loss="mse")
first = weights_by_layer(stacked)
stacked.fit(x, y, epochs=1, verbose=0)
last = weights_by_layer(stacked)
result["sequential_base"] = [[layer.name for layer in stacked.layers] == base_names + ["top"],
                             all(same(name, first, last) for name in base_names), not same("top", first, last)]
try:
    base(inputs, training=False)
    result["training_false"] = None
except ValueError as error:
    result["training_false"] = str(error)

# -- 5. clone_model: the same architecture, fresh weights
clone = pyapp.models.clone_model(stack)
result["clone"] = [clone.get_config() == stack.get_config(), type(clone).__name__,
                   not all(np.array_equal(a, b) for a, b in zip(clone.get_weights(), stack.get_weights()))]
json.dumps(result)
'''


def program() -> str:
    return PROGRAM % (BAD_LAYERS,)


def check_result(result: dict) -> None:
    """What the program must have seen, in either engine."""
    for text, (argument, _) in BAD_LAYERS.items():
        kind, message = result["errors"][text]
        assert kind == "ValueError" and argument in message, (text, kind, message)
    assert result["accepted"] == [True, 0.0]
    assert result["input_from_config"] == ["ids", [None, 3], "int32"]
    assert result["int64"][0] == "float32" and math.isfinite(result["int64"][1])
    assert result["int64_same"] and result["float_ids"]
    assert "int32" in result["int64_too_big"]
    assert result["float64"] == ["float32", "float32", True]
    assert result["add_pop"] == [True, 2, True, True, 1]
    assert result["base_weights_carried"]
    frozen = result["frozen"]
    assert frozen["base_same"] == [True, True, True] and frozen["head_changed"], frozen
    assert frozen["trainable"] == [True, False, [True, False, False, False, True]]
    assert result["unfrozen"] == [True, True]
    assert result["sequential_base"] == [True, True, True]
    assert "training=False" in result["training_false"]
    assert result["clone"] == [True, "Sequential", True]
