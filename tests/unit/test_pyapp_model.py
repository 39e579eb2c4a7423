"""pyapp's pure-Python side under CPython: shapes, parameter counts, summary, callbacks."""

import numpy as np
import pytest

import pyapp
from pyapp import callbacks, layers
from pyapp.backend import standardize_array


def test_sequential_shapes_and_params_match_keras():
    model = pyapp.Sequential([pyapp.Input((8, 8, 1)), layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2),
                              layers.Flatten(), layers.Dense(10, activation="softmax")])
    assert [layer.output_shape for layer in model.layers] == [(None, 6, 6, 8), (None, 3, 3, 8), (None, 72), (None, 10)]
    assert model.count_params() == 80 + 730


@pytest.mark.parametrize("layer, input_shape, output_shape, params", [
    (layers.Dense(5), (None, 3), (None, 5), 20),
    (layers.Conv2D(4, 3, padding="same", strides=2), (None, 9, 9, 2), (None, 5, 5, 4), 76),
    (layers.Conv1D(4, 3), (None, 10, 2), (None, 8, 4), 28),
    (layers.AveragePooling2D(2), (None, 5, 5, 3), (None, 2, 2, 3), 0),
    (layers.GlobalAveragePooling2D(), (None, 5, 5, 3), (None, 3), 0),
    (layers.GlobalAveragePooling1D(), (None, 7, 3), (None, 3), 0),
    (layers.GlobalMaxPooling1D(), (None, 7, 3), (None, 3), 0),
    (layers.Reshape((-1, 2)), (None, 6), (None, 3, 2), 0),
    (layers.Embedding(10, 4), (None, 7), (None, 7, 4), 40),
    (layers.SimpleRNN(3), (None, 5, 2), (None, 3), 3 * (2 + 3 + 1)),
    (layers.LSTM(3, return_sequences=True), (None, 5, 2), (None, 5, 3), 4 * 3 * (2 + 3 + 1)),
    (layers.GRU(3), (None, 5, 2), (None, 3), 3 * 3 * (2 + 3 + 1)),
    (layers.BatchNormalization(), (None, 4), (None, 4), 16),
    (layers.Dropout(0.5), (None, 4), (None, 4), 0),
])
def test_layer_output_shape_and_params(layer, input_shape, output_shape, params):
    layer.build(input_shape)
    assert layer.output_shape == output_shape
    assert layer.count_params() == params


def test_functional_model_with_two_inputs():
    a, b = pyapp.Input((4,)), pyapp.Input((3,))
    merged = layers.Concatenate()([layers.Dense(5)(a), b])
    out = layers.Add()([layers.Dense(2)(merged), layers.Dense(2)(merged)])
    model = pyapp.Model([a, b], out)
    assert out.shape == (None, 2)
    assert model.count_params() == 25 + 2 * 18
    assert [type(layer).__name__ for layer in model.layers][:2] == ["InputLayer", "InputLayer"]


def test_summary_table():
    model = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(3, name="hidden"), layers.BatchNormalization()])
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert "hidden (Dense)" in text and "(None, 3)" in text and "15" in text
    assert "Total params: 27" in text and "Non-trainable params: 6" in text


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="unknown activation 'relu6x'"):
        layers.Dense(3, activation="relu6x")
    with pytest.raises(ValueError, match="positive integer"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="expected input of rank 4"):
        pyapp.Sequential([pyapp.Input((8, 8)), layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match="reset_after=False"):
        layers.GRU(3, reset_after=True)
    with pytest.raises(TypeError, match="unexpected keyword"):
        layers.Dense(3, unitz=4)
    with pytest.raises(ValueError, match="unknown loss"):
        pyapp.Sequential([pyapp.Input((2,)), layers.Dense(1)]).compile(loss="nope")


def test_inputs_are_checked_before_tfjs():
    model = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"expected an array of shape \('n', 4\).*got shape \(10, 3\)"):
        model.predict(np.zeros((10, 3)))
    with pytest.raises(ValueError, match="x has 10 samples but y has 9"):
        model.evaluate(np.zeros((10, 4)), np.zeros((9, 1)))
    with pytest.raises(TypeError, match="numbers or booleans"):
        model.predict(np.array([["a"] * 4]))


def test_an_array_as_the_input_takes_it_is_passed_on_as_it_is():
    """The one-array case is checked in one go; anything else goes the general way."""
    model = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(1)])
    ready = np.zeros((3, 4), np.float32)
    assert model._check_inputs(ready)[0] is ready
    for other in (np.zeros((3, 4)), np.asfortranarray(np.zeros((3, 4), np.float32)), np.zeros((8, 4), np.float32)[::2]):
        checked = model._check_inputs(other)[0]
        assert checked.dtype == np.float32 and checked.flags.c_contiguous and np.array_equal(checked, other)
    for wrong, message in ((np.zeros((3, 5), np.float32), "expected an array of shape"),
                           (np.zeros((4,), np.float32), "expected an array of shape"),
                           (np.zeros((0, 4), np.float32), "empty: no samples")):
        with pytest.raises(ValueError, match=message):
            model._check_inputs(wrong)


def test_standardize_array_dtypes():
    assert standardize_array(np.zeros(3, np.float64)).dtype == np.float32
    assert standardize_array(np.zeros(3, np.uint8)).dtype == np.int32
    assert standardize_array([True]).dtype == np.bool_
    with pytest.raises(ValueError, match="int32"):
        standardize_array(np.array([2**40]))


class _FakeModel:
    def __init__(self):
        self.stop_training = False
        self.weights = [np.zeros(1)]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = weights


def test_early_stopping_and_restore_best_weights():
    model = _FakeModel()
    stopper = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    stopper.set_model(model)
    stopper.on_train_begin()
    for epoch, loss in enumerate([1.0, 0.5, 0.6, 0.7, 0.8]):
        model.weights = [np.array([float(epoch)])]
        stopper.on_epoch_end(epoch, {"val_loss": loss})
        if model.stop_training:
            break
    assert epoch == 3 and stopper.stopped_epoch == 3
    stopper.on_train_end()
    assert model.weights[0][0] == 1.0, "the weights of the best epoch are back"


def test_history_and_batch_hooks():
    history = callbacks.History()
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": np.float32(0.5)})
    assert history.history == {"loss": [0.5]} and type(history.history["loss"][0]) is float
    assert not history.wants_batches()
    assert callbacks.LambdaCallback(on_batch_end=lambda b, logs: None).wants_batches()

    class PerBatch(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            pass
    assert PerBatch().wants_batches()


def test_seed_makes_initializer_configs_repeat():
    def configs():
        pyapp.utils.set_random_seed(7)
        return [layers.Dense(2, name=f"d{i}").get_config()["kernel_initializer"] for i in range(2)]
    first, second = configs(), configs()
    assert first == second and first[0] != first[1]


def test_functional_helpers_make_and_call_the_layer():
    a, b = pyapp.Input((3,)), pyapp.Input((2,))
    joined = layers.concatenate([a, b])
    assert joined.shape == (None, 5) and isinstance(joined.layer, layers.Concatenate)
    for helper, cls in ((layers.add, layers.Add), (layers.multiply, layers.Multiply), (layers.average, layers.Average),
                        (layers.maximum, layers.Maximum), (layers.minimum, layers.Minimum)):
        out = helper([a, a], name=f"{helper.__name__}_of_a")
        assert isinstance(out.layer, cls) and out.layer.name == f"{helper.__name__}_of_a" and out.shape == (None, 3)
