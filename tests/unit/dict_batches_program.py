"""One program of dict inputs and targets, PyDataset and generator checks (issue 14, part 3)
that runs unchanged on Keras 3 itself and on pyapp in both engines: `program("keras")` under
CPython on Keras 3, `program("pyapp")` natively (tests/unit/test_dict_batches_native.py) and in the
page on TF.js (tests/browser/test_dict_batches.py). Its last expression is a JSON text of
what it saw; `check_result` says what every run must see, `same_as_keras` what pyapp must
see as Keras does.
"""

PROGRAM = r'''
import json
import math
import os
import tempfile

import numpy as np
import {module} as keras

result = {{}}
rng = np.random.default_rng(0)
keras.utils.set_random_seed(0)
n = 240
age = rng.normal(size=(n, 2)).astype("float32")
city = rng.normal(size=(n, 3)).astype("float32")
price = (age @ [1.0, -2.0] + city @ [0.5, 1.5, -1.0]).astype("float32")
kind = (price > 0).astype("int32") + (price > 1.5).astype("int32")

def two_inputs(dict_made=False):
    a = keras.Input((2,), name="age")
    c = keras.Input((3,), name="city")
    hidden = keras.layers.Dense(16, activation="relu", name="hidden")(keras.layers.concatenate([a, c]))
    p = keras.layers.Dense(1, name="price")(hidden)
    k = keras.layers.Dense(3, activation="softmax", name="kind")(hidden)
    if dict_made:
        return keras.Model(inputs={{"city": c, "age": a}}, outputs={{"p": p, "k": k}})
    return keras.Model([a, c], [p, k])

def losses(history):
    return [float(v) for v in history.history["loss"]]

# -- 1. dict inputs and targets keyed by Input and output layer names; dict compile arguments
x = {{"age": age, "city": city}}
y = {{"price": price, "kind": kind}}
model = two_inputs()
model.compile(optimizer=keras.optimizers.Adam(0.01),
              loss={{"price": "mse", "kind": "sparse_categorical_crossentropy"}},
              loss_weights={{"price": 1.0, "kind": 0.5}}, metrics={{"kind": ["accuracy"]}})
history = model.fit(x, y, epochs=6, batch_size=32, verbose=0,
                    validation_data=({{"age": age[:60], "city": city[:60]}}, {{"price": price[:60], "kind": kind[:60]}}))
result["dict_history"] = sorted(history.history)
result["dict_losses"] = losses(history)
result["dict_evaluate"] = sorted(model.evaluate(x, y, verbose=0, return_dict=True))
predicted = model.predict(x, verbose=0)
result["dict_predict"] = [type(predicted).__name__, [list(p.shape) for p in predicted]]

# -- 2. a model made with dicts: dict predictions by its keys, kept by a .keras file
made = two_inputs(dict_made=True)
made.compile(optimizer="adam", loss={{"p": "mse", "k": "sparse_categorical_crossentropy"}}, metrics={{"k": ["accuracy"]}})
result["made_history"] = sorted(made.fit(x, {{"p": price, "k": kind}}, epochs=1, verbose=0).history)
out = made.predict(x, verbose=0)
result["made_predict"] = sorted((key, list(value.shape)) for key, value in out.items())
path = os.path.join(tempfile.mkdtemp(), "dict_made.keras")
made.save(path)
loaded = keras.models.load_model(path)
again = loaded.predict(x, verbose=0)
result["made_loaded"] = [type(again).__name__, sorted(again),
                         max(float(np.abs(again[key] - out[key]).max()) for key in out)]

# -- 3. a PyDataset (ragged last batch, dict batches) for fit, validation, evaluate and predict
class Rows(keras.utils.PyDataset):
    def __init__(self, rows, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.rows, self.batch_size, self.epochs_ended = rows, batch_size, 0

    def __len__(self):
        return math.ceil(len(self.rows) / self.batch_size)

    def __getitem__(self, index):
        part = self.rows[index * self.batch_size:(index + 1) * self.batch_size]
        return {{"age": age[part], "city": city[part]}}, {{"price": price[part], "kind": kind[part]}}

    def on_epoch_end(self):
        self.epochs_ended += 1

model = two_inputs()
model.compile(optimizer=keras.optimizers.Adam(0.01), loss={{"price": "mse", "kind": "sparse_categorical_crossentropy"}},
              metrics={{"kind": ["accuracy"]}})
train = Rows(np.arange(200), 48, workers=2, use_multiprocessing=False)  # 5 batches, the last of 8
history = model.fit(train, epochs=6, verbose=0, validation_data=Rows(np.arange(200, n), 16))
result["dataset_history"] = sorted(history.history)
result["dataset_losses"] = losses(history)
result["dataset_epochs_ended"] = train.epochs_ended
result["dataset_evaluate"] = sorted(model.evaluate(Rows(np.arange(n), 100), verbose=0, return_dict=True))
result["dataset_predict"] = [list(p.shape) for p in model.predict(Rows(np.arange(n), 100), verbose=0)]

# -- 4. an endless generator with steps_per_epoch; lists of arrays, batches of two sizes
def endless():
    while True:
        for start in range(0, n, 40):
            stop = start + (40 if start % 80 == 0 else 20)
            yield [age[start:stop], city[start:stop]], [price[start:stop], kind[start:stop]]

model = two_inputs()
model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["mse", "sparse_categorical_crossentropy"])
history = model.fit(endless(), steps_per_epoch=6, epochs=5, verbose=0)
result["generator_history"] = sorted(history.history)
result["generator_losses"] = losses(history)

# -- 5. a Sequential without an Input takes its input shape from the first batch
stack = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
stack.compile(optimizer="adam", loss="mse")
stack.fit((pair for pair in [(age[:60], price[:60]), (age[60:100], price[60:100])]), epochs=1, verbose=0)
result["sequential_from_batches"] = list(stack.predict(age[:5], verbose=0).shape)

result
'''

# pyapp's errors: each snippet runs after the program, in its namespace.
BAD = {
    "x_missing_key": 'model.fit({"age": age}, [price, kind], verbose=0)',
    "x_unknown_key": 'model.fit({"age": age, "city": city, "town": city}, [price, kind], verbose=0)',
    "y_missing_key": 'model.fit([age, city], {"price": price}, verbose=0)',
    "loss_unknown_key": 'model.compile(optimizer="adam", loss={"price": "mse", "kinds": "mse"})',
    "one_tuple_batch": 'model.fit((b for b in [([age[:4], city[:4]],)]), verbose=0)',
    "y_with_dataset": 'model.fit(train, [price, kind], verbose=0)',
    "sample_weights": 'model.fit((b for b in [([age[:4], city[:4]], [price[:4], kind[:4]], np.ones(4))]), verbose=0)',
}
ERRORS = r'''
errors = {}
for name, text in BAD.items():
    try:
        eval(text)
        errors[name] = None
    except Exception as error:
        errors[name] = [type(error).__name__, str(error)]
result["errors"] = errors
'''


def program(module: str = "pyapp") -> str:
    """The program on `module` ("pyapp" or "keras"); pyapp's also records its errors."""
    text = PROGRAM.format(module=module)
    if module == "pyapp":
        text = text.replace("\nresult\n", f"\nBAD = {BAD!r}\n{ERRORS}\njson.dumps(result)\n")
    else:
        text = text.replace("\nresult\n", "\njson.dumps(result)\n")
    return text


def check_result(result: dict) -> None:
    """What the program must have seen, in either engine (pyapp's runs)."""
    assert result["dict_history"] == ["kind_accuracy", "kind_loss", "loss", "price_loss", "val_kind_accuracy",
                                      "val_kind_loss", "val_loss", "val_price_loss"]
    for name in ("dict_losses", "dataset_losses", "generator_losses"):
        assert result[name][-1] < 0.8 * result[name][0], (name, result[name])
    assert result["dict_evaluate"] == ["kind_accuracy", "kind_loss", "loss", "price_loss"]
    assert result["dict_predict"] == ["list", [[240, 1], [240, 3]]]
    assert result["made_history"] == ["k_accuracy", "k_loss", "loss", "p_loss"]
    assert result["made_predict"] == [["k", [240, 3]], ["p", [240, 1]]]
    assert result["made_loaded"][:2] == ["dict", ["k", "p"]] and result["made_loaded"][2] < 1e-5
    assert result["dataset_history"] == result["dict_history"]
    assert result["dataset_epochs_ended"] >= 6
    assert result["dataset_evaluate"] == result["dict_evaluate"]
    assert result["dataset_predict"] == [[240, 1], [240, 3]]
    assert result["generator_history"] == ["kind_loss", "loss", "price_loss"]
    assert result["sequential_from_batches"] == [5, 1]
    errors = result["errors"]
    for name in ("x_missing_key", "x_unknown_key", "y_missing_key", "loss_unknown_key", "one_tuple_batch",
                 "y_with_dataset", "sample_weights"):
        assert errors[name] is not None and errors[name][0] == "ValueError", (name, errors[name])
    assert "missing ['city']" in errors["x_missing_key"][1] and "['age', 'city']" in errors["x_missing_key"][1]
    assert "unknown ['town']" in errors["x_unknown_key"][1]
    assert "missing ['kind']" in errors["y_missing_key"][1] and "['price', 'kind']" in errors["y_missing_key"][1]
    assert "Expected keys ['price', 'kind'] in loss dict" in errors["loss_unknown_key"][1]
    assert "batch 0 of x" in errors["one_tuple_batch"][1] and "a tuple of 1" in errors["one_tuple_batch"][1]
    assert "`y` should not be passed" in errors["y_with_dataset"][1]
    assert "sample weights" in errors["sample_weights"][1]


def same_as_keras(result: dict, keras_result: dict) -> None:
    """What pyapp must see as Keras 3 does on the same program."""
    for key in ("dict_history", "dict_evaluate", "dict_predict", "made_history", "made_predict", "dataset_history",
                "dataset_evaluate", "dataset_predict", "generator_history", "sequential_from_batches"):
        assert result[key] == keras_result[key], (key, result[key], keras_result[key])
    assert result["made_loaded"][:2] == keras_result["made_loaded"][:2]
