"""The layer table under CPython: each entry against Keras 3 itself, and the one set of
layers that pyapp builds, loads and converts."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pyapp
from pyapp import io as model_io
from pyapp import layers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layer_examples import CELLS, EXAMPLES, keras_model, layer_arguments  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[2]
ENTRIES = sorted(set(layers.TABLE) - {"InputLayer"})


def test_every_layer_of_the_table_has_an_example():
    assert sorted(EXAMPLES) == ENTRIES


def test_layers_load_model_and_the_converter_accept_one_set():
    exported = {name for name in layers.__all__ if isinstance(getattr(layers, name), type)
                and issubclass(getattr(layers, name), layers.Layer) and name != "Layer"}
    assert exported == set(layers.TABLE) == set(model_io.supported_layers())


@pytest.mark.parametrize("class_name", ENTRIES)
def test_each_layer_is_what_keras_3_builds_from_its_config(class_name):
    """pyapp's config builds the same layer in Keras 3 (shapes, weights in order), and Keras'
    own config of it reads back into pyapp's config (a cell's, in an RNN)."""
    import keras
    args, shapes, _ = EXAMPLES[class_name]
    ours = layers.TABLE[class_name](**layer_arguments(args, layers))
    theirs = keras.layers.deserialize({"module": "keras.layers", "class_name": class_name, "config": ours.get_config(),
                                      "registered_name": None})
    back = layers.TABLE[class_name].from_config(theirs.get_config())
    assert back.canonical_config() == ours.canonical_config()
    if class_name in CELLS:
        ours, theirs = layers.RNN(ours), keras.layers.RNN(theirs)
    batch_shapes = [(None, *shape) for shape in shapes]
    given = batch_shapes if len(shapes) > 1 else batch_shapes[0]
    ours.build(given)
    theirs.build(given)
    assert tuple(ours.output_shape) == tuple(theirs.compute_output_shape(given))
    assert [(name.rsplit("/", 1)[-1], tuple(shape)) for name, shape in ours.weight_specs(given)] == [
        (w.path.rsplit("/", 1)[-1], tuple(w.shape)) for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()


@pytest.mark.parametrize("class_name", ENTRIES)
def test_each_layer_converts_to_tfjs_and_back_unchanged(class_name):
    """Keras' .keras of a model with the layer -> TF.js model.json -> .keras: same weights,
    bit for bit, and same config (the page's TF.js reads that model.json: test_io_keras)."""
    model = keras_model(class_name)
    data = _keras_bytes(model)
    description = model_io.read_keras(data)
    back = model_io.read_tfjs(*model_io.write_tfjs(description))
    for before, after in zip(description.layers, back.layers):
        assert before.config == after.config, before.name
        assert all(np.array_equal(a, b) for a, b in zip(before.weights, after.weights)), before.name


def _keras_bytes(model) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.keras"
        model.save(path)
        return path.read_bytes()


# ---------------------------------------------------------------- a model, with no engine


NO_ENGINE = r'''
import sys
sys.modules["keras"] = None  # as if Keras were not installed
import json, numpy as np, pyapp
from pyapp import layers
inputs = pyapp.Input((8,))
hidden = layers.Dense(4, activation="relu", name="hidden")(inputs)
model = pyapp.Model(inputs, [layers.Dense(1, name="a")(hidden), layers.Dense(2, name="b")(hidden)])
lines = []
model.summary(print_fn=lines.append)
again = pyapp.models.model_from_json(model.to_json())
print(json.dumps({"params": model.count_params(), "again": again.count_params(),
                  "summary": lines[0], "config": model.get_config(), "engine": pyapp.backend.engine_name()}))
try:
    model.predict(np.zeros((1, 8)))
except ImportError as error:
    print(error)
'''


def test_config_summary_and_json_need_neither_a_browser_nor_keras():
    run = subprocess.run([sys.executable, "-c", NO_ENGINE], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    import json

    first, error = run.stdout.strip().split("\n", 1)
    result = json.loads(first)
    assert result["params"] == result["again"] == 8 * 4 + 4 + 5 + 10
    assert "hidden (Dense)" in result["summary"] and "Total params: 51" in result["summary"]
    assert [entry["class_name"] for entry in result["config"]["layers"]] == ["InputLayer", "Dense", "Dense", "Dense"]
    assert result["engine"] == "keras"
    assert 'pip install "pyapp[keras]"' in error


def test_model_config_is_keras_3s():
    import keras
    model = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(3, name="d"), layers.LayerNormalization(name="n")])
    native = keras.Sequential.from_config(model.get_config())
    assert [layer.name for layer in native.layers] == ["d", "n"] and native.count_params() == model.count_params()
    assert pyapp.models.model_from_config(native.get_config()).count_params() == model.count_params()


def test_refused_keras_configs_name_the_layer_and_the_reason():
    with pytest.raises(ValueError, match="GRU.*reset_after=False"):
        layers.GRU.from_config({"name": "g", "units": 2, "reset_after": True})
    with pytest.raises(ValueError, match="groups=2 cannot be expressed in TF.js"):
        layers.Conv2D.from_config({"name": "c", "filters": 2, "kernel_size": [3, 3], "groups": 2})
    with pytest.raises(ValueError, match="hard_sigmoid"):
        layers.Dense(2, activation="hard_sigmoid")
    with pytest.raises(ValueError, match="LeakyReLU"):
        layers.Dense(2, activation="leaky_relu")
    with pytest.raises(ValueError, match="return_state"):
        layers.LSTM(2, return_state=True)
    with pytest.raises(ValueError, match="float32"):
        layers.Dense(2, dtype="float64")
    with pytest.raises(ValueError, match="alpha=0.5 cannot be expressed"):  # found by the round trip in the page
        layers.ELU.from_config({"name": "e", "alpha": 0.5})
    with pytest.raises(ValueError, match="last axis only"):
        layers.Softmax(axis=1)


def test_regularizer_and_constraint_objects_are_keras_3s():
    import keras

    from pyapp import constraints, regularizers

    dense = layers.Dense(3, kernel_regularizer=regularizers.L2(1e-3), bias_regularizer=regularizers.l1_l2(l1=0.1),
                         kernel_constraint=constraints.MaxNorm(3), bias_constraint=constraints.NonNeg())
    theirs = keras.layers.Dense.from_config(dense.get_config())
    assert isinstance(theirs.kernel_regularizer, keras.regularizers.L2) and theirs.kernel_regularizer.l2 == 1e-3
    assert isinstance(theirs.bias_regularizer, keras.regularizers.L1L2) and theirs.bias_regularizer.l1 == 0.1
    assert isinstance(theirs.kernel_constraint, keras.constraints.MaxNorm) and theirs.kernel_constraint.max_value == 3
    assert isinstance(theirs.bias_constraint, keras.constraints.NonNeg)
    with pytest.raises(ValueError, match=">= 0"):
        regularizers.L2(-1)


def test_a_refused_keras_layer_says_why():
    import keras

    model = keras.Sequential([keras.Input((4, 4, 4, 1)), keras.layers.MaxPooling3D(2), keras.layers.Flatten()])
    with pytest.raises(model_io.ConversionError, match="'MaxPooling3D' is refused: TF.js 4.22's MaxPooling3D"):
        model_io.read_keras(_keras_bytes(model))
    assert set(layers.REFUSED).isdisjoint(layers.TABLE)


# ---------------------------------------------------------------- wrappers, and layers TF.js lacks


def test_wrappers_refuse_what_tfjs_cannot_run_and_name_it():
    import keras

    with pytest.raises(ValueError, match="merge_mode=None is not supported"):
        layers.Bidirectional(layers.LSTM(2), merge_mode=None)
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="wraps a recurrent layer.*got Dense"):
        layers.Bidirectional(layers.Dense(2))
    with pytest.raises(ValueError, match="go_backwards=False"):
        layers.Bidirectional(layers.LSTM(2, go_backwards=True))
    with pytest.raises(ValueError, match="backward_layer must be `layer` with go_backwards=True"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(3, go_backwards=True))
    with pytest.raises(TypeError, match="layer must be a pyapp layer"):
        layers.TimeDistributed("dense")
    with pytest.raises(ValueError, match="rank 3 or more"):
        layers.TimeDistributed(layers.Dense(2))(pyapp.Input((4,)))
    odd = keras.layers.Bidirectional(keras.layers.LSTM(2), backward_layer=keras.layers.LSTM(
        2, go_backwards=True, activation="relu"))
    with pytest.raises(ValueError, match="backward_layer must be what Keras 3 makes"):
        layers.Bidirectional.from_config(odd.get_config())
    same = keras.layers.Bidirectional(keras.layers.LSTM(2), backward_layer=keras.layers.LSTM(2, go_backwards=True))
    assert layers.Bidirectional.from_config(same.get_config()).layer.name.startswith("forward_")


def test_wrappers_shapes_and_names_are_keras_3s():
    bidirectional = layers.Bidirectional(layers.GRU(3, return_sequences=True), merge_mode="concat")
    out = layers.TimeDistributed(layers.Dense(2))(bidirectional(pyapp.Input((5, 4))))
    assert bidirectional.output_shape == (None, 5, 6) and out.shape == (None, 5, 2)
    names = [name for name, _ in bidirectional.weight_specs(bidirectional.input_shape)]
    assert names[0].startswith("forward_gru") and names[3].startswith("backward_gru") and len(names) == 6


def test_subtract_takes_two_inputs():
    a, b, c = pyapp.Input((3,)), pyapp.Input((3,)), pyapp.Input((3,))
    assert layers.subtract([a, b]).shape == (None, 3)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([a, b, c])


@pytest.mark.parametrize("axis, batched", [(-1, False), (None, False), ((1, 2), False), (-1, True)])
def test_normalization_adapts_as_keras_3_does(axis, batched):
    """adapt() gives Keras' mean and variance, and a model with the layer predicts as Keras'
    adapted layer computes, on the native engine."""
    import keras

    data = np.random.default_rng(3).normal(2, 3, size=(60, 3, 4))  # float64, as Keras takes it
    theirs = keras.layers.Normalization(axis=axis)
    # Keras adapts to batches through tf.data only (TensorFlow is not installed here): the
    # whole array's statistics are what its running combination of batches computes.
    theirs.adapt(data.astype(np.float32) if batched else data)
    ours = layers.Normalization(axis=axis)
    ours.adapt([data[i:i + 25].astype(np.float32) for i in range(0, 60, 25)] if batched else data)
    mean, variance, count = ours.carried_weights
    np.testing.assert_allclose(mean, np.asarray(theirs.adapt_mean), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(variance, np.asarray(theirs.adapt_variance), rtol=1e-5)
    model = pyapp.Sequential([pyapp.Input((3, 4)), ours])
    x = data[:5].astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), np.asarray(theirs(x)), rtol=1e-5, atol=1e-5)


def test_normalization_refuses_bad_arguments():
    with pytest.raises(ValueError, match="both mean and variance"):
        layers.Normalization(mean=[1.0])
    with pytest.raises(ValueError, match="one shape"):
        layers.Normalization(mean=[1.0, 2.0], variance=[1.0])
    with pytest.raises(ValueError, match="were given"):
        layers.Normalization(mean=1.0, variance=2.0).adapt(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="outside the input"):
        layers.Normalization(axis=3)(pyapp.Input((4,)))
    with pytest.raises(ValueError, match="invert must be True or False"):
        layers.Normalization(invert="yes")


@pytest.mark.parametrize("class_name", ["Normalization", "Bidirectional", "TimeDistributed", "Subtract", "RNN",
                                        "StackedRNNCells", "CategoryEncoding"])
def test_keras_reads_the_keras_file_pyapp_writes(class_name, tmp_path):
    """.keras (Keras) -> pyapp.io -> .keras: Keras loads it with the same weights (an int32
    count, nested layers' groups) and predicts the same."""
    import keras

    model = keras_model(class_name)
    (tmp_path / "back.keras").write_bytes(model_io.write_keras(model_io.read_keras(_keras_bytes(model))))
    back = keras.saving.load_model(tmp_path / "back.keras")
    assert [w.dtype for w in back.weights] == [w.dtype for w in model.weights]
    for before, after in zip(model.get_weights(), back.get_weights()):
        assert np.array_equal(before, after)
    from layer_examples import sample_inputs

    x = sample_inputs(class_name)
    x = x if len(x) > 1 else x[0]
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_resizing_and_center_crop_refuse_what_they_cannot_compute():
    import keras

    with pytest.raises(ValueError, match="interpolation must be 'bilinear' or 'nearest'"):
        layers.Resizing(4, 4, interpolation="bicubic")
    with pytest.raises(ValueError, match="pad_to_aspect_ratio=True is not supported"):
        layers.Resizing(4, 4, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="antialias=True is not supported"):
        layers.Resizing(4, 4, antialias=True)
    with pytest.raises(ValueError, match="data_format must be 'channels_last'"):
        layers.CenterCrop(4, 4, data_format="channels_first")
    with pytest.raises(ValueError, match="height must be a positive integer"):
        layers.CenterCrop(0, 4)
    with pytest.raises(ValueError, match="rank 4"):
        layers.Resizing(4, 4)(pyapp.Input((8, 3)))
    with pytest.raises(ValueError, match="pad_to_aspect_ratio=True cannot be expressed"):
        layers.Resizing.from_config(keras.layers.Resizing(4, 4, pad_to_aspect_ratio=True).get_config())
    assert layers.Resizing.from_config(keras.layers.Resizing(4, 4, fill_value=2.0).get_config()).height == 4


def test_conv3d_transpose_is_refused_with_what_was_measured():
    import keras

    model = keras.Sequential([keras.Input((2, 3, 3, 2)), keras.layers.Conv3DTranspose(2, 3)])
    with pytest.raises(model_io.ConversionError, match="'Conv3DTranspose' is refused: TF.js 4.22's Conv3DTranspose"):
        model_io.read_keras(_keras_bytes(model))


def test_conv_lstm2d_shapes_are_keras_3s_and_unroll_is_refused():
    import keras

    for args in ({"strides": 2}, {"padding": "same", "dilation_rate": 2, "return_sequences": True}):
        ours = layers.ConvLSTM2D(3, (3, 2), **args)(pyapp.Input((4, 9, 8, 2)))
        theirs = keras.layers.ConvLSTM2D(3, (3, 2), **args)(keras.Input((4, 9, 8, 2)))
        assert ours.shape == tuple(theirs.shape)
    with pytest.raises(ValueError, match="unroll=True is not supported"):
        layers.ConvLSTM2D(2, 3, unroll=True)
    with pytest.raises(ValueError, match="rank 5"):
        layers.ConvLSTM2D(2, 3)(pyapp.Input((4, 4, 2)))


def test_rnn_cells_and_category_encoding_refuse_what_they_cannot_compute():
    with pytest.raises(TypeError, match="expected an RNN cell .* got Dense"):
        layers.RNN(layers.Dense(2))
    with pytest.raises(ValueError, match="return_state=True is not supported"):
        layers.RNN(layers.LSTMCell(2), return_state=True)
    with pytest.raises(ValueError, match=r"GRUCell\(reset_after=True\) is not available"):
        layers.GRUCell(2, reset_after=True)
    with pytest.raises(ValueError, match="cells must be a non-empty list"):
        layers.StackedRNNCells([])
    with pytest.raises(TypeError, match=r"run it over a sequence with layers.RNN\(LSTMCell"):
        layers.LSTMCell(2)(pyapp.Input((3, 2)))
    with pytest.raises(ValueError, match="TF.js 4.22's Bidirectional cannot copy an RNN layer"):
        layers.Bidirectional(layers.RNN(layers.LSTMCell(2)))
    with pytest.raises(ValueError, match="num_tokens must be a positive integer"):
        layers.CategoryEncoding(0)
    with pytest.raises(ValueError, match="output_mode must be one of"):
        layers.CategoryEncoding(3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="sparse=True is not supported"):
        layers.CategoryEncoding(3, sparse=True)
    with pytest.raises(ValueError, match="TF.js 4.22 cannot one-hot encode several"):
        layers.CategoryEncoding(3, output_mode="one_hot")(pyapp.Input((2,), dtype="int32"))


def test_rnn_of_stacked_cells_runs_natively_as_keras_3():
    """A pyapp model with RNN(list of cells) and CategoryEncoding, on the Keras engine, with
    the weights of a Keras 3 model of the same layers: the same outputs."""
    import keras

    def build(module, model_class):
        sequence = module.RNN([module.LSTMCell(4), module.GRUCell(3, reset_after=False)], return_sequences=True,
                              go_backwards=True)
        return model_class([pyapp.Input((5, 2)) if module is layers else keras.Input((5, 2)), sequence,
                            module.RNN(module.SimpleRNNCell(2))])

    theirs = build(keras.layers, keras.Sequential)
    ours = build(layers, pyapp.Sequential)
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(0).normal(size=(6, 5, 2)).astype(np.float32)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-6)
    counts = pyapp.Sequential([pyapp.Input((4,), dtype="int32"), layers.CategoryEncoding(5, output_mode="count")])
    values = np.array([[0, 1, 1, 4], [3, 3, 3, 2]], np.int32)
    np.testing.assert_array_equal(counts.predict(values, verbose=0), [[1, 2, 0, 0, 1], [0, 0, 1, 3, 0]])
