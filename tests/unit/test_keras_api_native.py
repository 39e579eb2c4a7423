"""Keras 3's API under CPython (issue 14): layer arguments refused as Keras refuses them,
Input dtypes, Sequential.add/pop, trainable and clone_model on the native engine. The
same program runs in the page: tests/browser/test_keras_api.py."""

import json
import os
import sys
from pathlib import Path

import pytest

import pyapp
from pyapp import layers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from keras_api_program import BAD_LAYERS, check_result, program  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "jax")


@pytest.mark.parametrize("text", sorted(BAD_LAYERS))
def test_bad_layer_arguments_are_refused_at_construction_as_keras_does(text):
    import keras

    argument, keras_refuses = BAD_LAYERS[text]
    with pytest.raises(ValueError, match=argument):
        eval(text, {"layers": layers})
    if keras_refuses:
        with pytest.raises((ValueError, TypeError)):
            eval(text, {"layers": keras.layers})
    else:
        eval(text, {"layers": keras.layers})  # Keras takes it; TF.js could not honour it


def test_keras_only_arguments_are_taken_at_the_value_tfjs_computes():
    assert layers.Conv2D(4, 3, groups=1, lora_rank=None).filters == 4
    assert layers.Flatten(data_format="channels_last").name.startswith("flatten")
    with pytest.raises(TypeError, match="unexpected keyword arguments: \\['units_'\\]"):
        layers.Dense(3, units_=4)


def test_input_layer_configs_of_pyapp_and_keras_read_back():
    import keras

    ours = layers.InputLayer(shape=(3, 2), dtype="int64", name="ids")
    back = layers.InputLayer.from_config(ours.get_config())
    assert (back.name, back.batch_shape, back.dtype) == ("ids", (None, 3, 2), "int32")
    theirs = keras.layers.InputLayer(shape=(5,), dtype="float64", name="values").get_config()
    back = layers.InputLayer.from_config(theirs)
    assert (back.name, back.batch_shape, back.dtype) == ("values", (None, 5), "float32")


def test_model_trainable_sets_every_layer_as_keras_does():
    import keras

    ours = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(3), layers.Dense(1)])
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    for model in (ours, theirs):
        model.trainable = False
    assert [layer.trainable for layer in ours.layers] == [layer.trainable for layer in theirs.layers] == [False] * 2
    with pytest.raises(ValueError, match="trainable"):
        ours.trainable = "no"
    lines = []
    ours.summary(print_fn=lines.append)
    assert "Trainable params: 0 " in lines[0]


def test_a_base_with_dropout_cannot_keep_training_false():
    base = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(3), layers.Dropout(0.5)])
    with pytest.raises(ValueError, match=r"\['dropout.*training=False"):
        base(pyapp.Input((4,)), training=False)
    with pytest.raises(ValueError, match="training=True"):
        base(pyapp.Input((4,)), training=True)
    with pytest.raises(ValueError, match="shape"):
        base(pyapp.Input((5,)))
    branches = pyapp.Input((4,))
    forked = pyapp.Model(branches, layers.Add()([layers.Dense(2)(branches), layers.Dense(2)(branches)]))
    with pytest.raises(ValueError, match="not a chain"):
        pyapp.Sequential([forked])


def test_clone_model_refuses_what_it_cannot_do():
    model = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(3)])
    with pytest.raises(ValueError, match="clone_function"):
        pyapp.models.clone_model(model, clone_function=lambda layer: layer)


def test_the_program_on_the_native_engine():
    namespace = {}
    exec(program(), namespace)
    check_result(json.loads(json.dumps(namespace["result"])))


def test_keras_takes_float_data_for_integer_inputs_toward_zero_as_pyapp_does():
    import keras
    import numpy as np

    ids = keras.Input((3,), dtype="int32")
    model = keras.Model(ids, keras.layers.Embedding(10, 2)(ids))
    x = np.array([[1, 2, 3], [4, 5, 9]])
    assert np.array_equal(model.predict(x + 0.75, verbose=0), model.predict(x, verbose=0))


def test_a_nested_base_saves_flat_for_keras_and_a_keras_nested_file_is_refused_by_name(tmp_path):
    """What works of nesting (issue 14, part 6): a frozen base added to a Sequential trains
    its head only, and Keras 3 loads pyapp's file (its layers one by one) with the same
    outputs and freezing. A `.keras` file where Keras nested the base as one layer is
    refused, naming the layer and what to do."""
    import keras
    import numpy as np

    base = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(5, activation="relu", name="b1"),
                             layers.Dense(3, name="b2")], name="base")
    base.trainable = False
    model = pyapp.Sequential([base, layers.Dense(2, name="head")])
    frozen = base.get_weights()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype(np.float32)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, rng.normal(size=(16, 2)).astype(np.float32), epochs=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(frozen, model.get_weights()[:4]))
    model.save(tmp_path / "flat.keras")
    native = keras.saving.load_model(tmp_path / "flat.keras")
    assert [(layer.name, layer.trainable) for layer in native.layers] == [("b1", False), ("b2", False), ("head", True)]
    np.testing.assert_allclose(native.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)

    nested = keras.Sequential([keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)], name="kbase"),
                               keras.layers.Dense(2)])
    nested.save(tmp_path / "nested.keras")
    with pytest.raises(ValueError, match="layer 'kbase': a Sequential model nested as one layer"):
        pyapp.models.load_model(tmp_path / "nested.keras")
