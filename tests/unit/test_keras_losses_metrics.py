"""pyapp.losses, pyapp.metrics and compile's arguments against Keras 3 itself: the names
Keras accepts, its classes' arguments and defaults, History's keys and evaluate's order.
(The values, computed in the page, are compared with Keras' in
tests/browser/test_losses_metrics.py.)"""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
from keras.src.losses import ALL_OBJECTS_DICT as KERAS_LOSSES  # noqa: E402
from keras.src.metrics import ALL_OBJECTS_DICT as KERAS_METRICS  # noqa: E402

import pyapp  # noqa: E402
from pyapp import layers, losses, metrics  # noqa: E402
from pyapp.models._compile import compile_spec  # noqa: E402

LOSS_CLASSES = [getattr(losses, name) for name in losses.__all__ if name not in ("Loss", "get", "names")]
METRIC_CLASSES = [getattr(metrics, name) for name in metrics.__all__ if name not in ("Metric", "get", "names")]


def keras_names_of(keras_class, registry: dict, function_names: tuple) -> set:
    """The strings Keras' registry maps to this class or to its function."""
    return {name for name, value in registry.items()
            if value is keras_class or getattr(value, "__name__", None) in function_names}


@pytest.mark.parametrize("cls", LOSS_CLASSES, ids=lambda c: c.__name__)
def test_loss_names_and_defaults_are_keras(cls):
    ours = cls()
    theirs = getattr(keras.losses, cls.__name__)(**ours.get_config())
    assert theirs.get_config()["name"] == ours.name == getattr(keras.losses, cls.__name__)().name
    arguments = {**theirs.get_config(), **theirs._fn_kwargs}  # (Keras' Huber leaves delta out of its config)
    for key, value in ours.fn_args().items():
        assert arguments[key] == value, key
    accepted = {name for name in losses.names() if losses.get(name).__class__ is cls}
    assert accepted <= set(KERAS_LOSSES)
    keras_class = getattr(keras.losses, cls.__name__)
    assert keras_names_of(keras_class, KERAS_LOSSES, (cls.fn, cls.fn.removesuffix("_loss"))) == accepted


@pytest.mark.parametrize("cls", METRIC_CLASSES, ids=lambda c: c.__name__)
def test_metric_names_and_defaults_are_keras(cls):
    ours = cls()
    keras_class = getattr(keras.metrics, cls.__name__)
    theirs = keras_class(**ours.get_config())
    assert theirs.name == ours.name == keras_class().name
    config = theirs.get_config()
    for key, value in ours.get_config().items():
        if key in config and key != "dtype":
            assert config[key] == value or np.allclose(config[key], value), key
    accepted = {name for name in metrics.names() if name not in ("accuracy", "acc")
                and type(metrics.get(name)) is cls}
    assert accepted <= set(KERAS_METRICS)
    function_names = () if cls is metrics.Accuracy else (cls.fn,)
    assert keras_names_of(keras_class, KERAS_METRICS, function_names) - {"accuracy"} == accepted


def test_auc_thresholds_are_keras():
    for ours, theirs in [(metrics.AUC(), keras.metrics.AUC()),
                         (metrics.AUC(num_thresholds=7), keras.metrics.AUC(num_thresholds=7)),
                         (metrics.AUC(thresholds=[0.9, 0.1, 0.5]), keras.metrics.AUC(thresholds=[0.9, 0.1, 0.5]))]:
        assert np.allclose(ours.thresholds, theirs.thresholds, rtol=0, atol=1e-12)
        assert ours.num_thresholds == theirs.num_thresholds


def test_a_metric_named_by_a_string_logs_under_that_string():
    assert metrics.get("mse").name == "mse" and type(metrics.get("mse")) is metrics.MeanSquaredError
    assert metrics.get("AUC").name == "AUC" and metrics.get(metrics.AUC(name="roc")).name == "roc"
    assert metrics.get("acc").name == "acc" and metrics.get("acc").fn == "accuracy_by_shape"
    assert metrics.get("Accuracy").fn == "accuracy"  # the class: exact equality, not picked by shapes


@pytest.mark.parametrize("make, message", [
    (lambda: losses.get("meansquarederror"), r"unknown loss 'meansquarederror': loss takes one of \[.*'mse'"),
    (lambda: metrics.get("f1"), r"unknown metric 'f1': metrics take \[.*'auc'"),
    (lambda: losses.get(3), "unknown loss 3"),
    (lambda: losses.Huber(delta=0), r"Huber: delta must be in \(0.0, inf\]"),
    (lambda: losses.BinaryCrossentropy(label_smoothing=1.5), r"label_smoothing must be in \[0.0, 1.0\]"),
    (lambda: losses.MeanSquaredError(reduction="sum"), "reduction='sum' is not supported"),
    (lambda: losses.CategoricalCrossentropy(axis=1), "axis=1 is not supported"),
    (lambda: losses.SparseCategoricalCrossentropy(ignore_class=0), "ignore_class=0 is not supported"),
    (lambda: losses.Poisson(dtype="float16"), "dtype='float16' is not supported"),
    (lambda: metrics.AUC(multi_label=True), "multi_label=True is not supported"),
    (lambda: metrics.AUC(label_weights=[1.0]), "label_weights"),
    (lambda: metrics.AUC(curve="PRGAIN"), "curve must be 'ROC' or 'PR'"),
    (lambda: metrics.AUC(num_thresholds=1), "num_thresholds must be an integer >= 2"),
    (lambda: metrics.Precision(top_k=2), "top_k=2 is not supported"),
    (lambda: metrics.Recall(thresholds=[0.3, 0.6]), "thresholds must be one number"),
    (lambda: metrics.TopKCategoricalAccuracy(k=0), "k must be an integer >= 1"),
    (lambda: metrics.SparseTopKCategoricalAccuracy(from_sorted_ids=True), "from_sorted_ids=True"),
])
def test_bad_arguments_are_refused_by_name(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_from_logits_must_be_a_bool():
    with pytest.raises(TypeError, match="from_logits must be True or False"):
        losses.BinaryCrossentropy(from_logits="yes")


# ---------------------------------------------------------------- compile's arguments


def test_compile_spec_reads_lists_and_dicts_per_output():
    spec = compile_spec(["cls", "reg"], loss={"reg": "mse", "cls": "bce"}, loss_weights={"reg": 0.5, "cls": 2},
                        metrics={"cls": ["accuracy", "auc", "auc"]})
    assert [type(loss) for loss in spec.losses] == [losses.BinaryCrossentropy, losses.MeanSquaredError]
    assert spec.loss_weights == [2.0, 0.5]
    assert spec.log_names() == ["loss", "cls_loss", "reg_loss", "cls_accuracy", "cls_auc", "cls_auc_1"]
    spec = compile_spec(["cls", "reg"], loss="mse", metrics=["mae", None])
    assert spec.loss_weights == [1.0, 1.0] and spec.log_names() == ["loss", "cls_loss", "reg_loss", "cls_mae"]
    spec = compile_spec(["out"], loss=losses.Huber(2.0), loss_weights=3, metrics=["mse", metrics.AUC(name="roc")])
    assert spec.loss_weights == [3.0] and spec.log_names() == ["loss", "mse", "roc"]
    page = spec.for_page()
    assert page["losses"] == [{"fn": "huber", "args": {"delta": 2.0}}]
    assert [m["name"] for m in page["metrics"][0]] == ["mse", "roc"]
    assert len(page["metrics"][0][1]["args"]["thresholds"]) == 200


@pytest.mark.parametrize("kwargs, message", [
    (dict(loss=None), "compile\\(\\) needs a loss"),
    (dict(loss={"cls": "mse"}), r"Expected keys \['cls', 'reg'\] in loss dict, but found loss.keys\(\)=\['cls'\]"),
    (dict(loss={"cls": "mse", "reg": "mse", "other": "mse"}), r"Expected keys \['cls', 'reg'\] in loss dict"),
    (dict(loss=["mse"]), r"loss: a list needs one entry per output \(2"),
    (dict(loss="mse", loss_weights=2.0), "loss_weights: a model with several outputs takes a list or a dict"),
    (dict(loss="mse", loss_weights=[1.0]), "loss_weights: a list needs one entry per output"),
    (dict(loss="mse", metrics="mae"), "metrics must be a list or a dict"),
    (dict(loss="mse", metrics=["mae"]), "metrics: a list needs one entry per output"),
    (dict(loss="mse", metrics={"out": ["mae"]}), r"Expected keys \['cls', 'reg'\] in metrics dict, but found metrics.keys\(\)=\['out'\]"),
    (dict(loss="nonsense"), "unknown loss 'nonsense'"),
])
def test_compile_spec_refuses_what_keras_refuses(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compile_spec(["cls", "reg"], **kwargs)


# ---------------------------------------------------------------- the native engine is Keras


def two_heads(framework):
    """The same two-output model in pyapp and in Keras, with the same weights."""
    if framework is keras:
        inputs = keras.Input((4,))
        hidden = keras.layers.Dense(6, activation="tanh", name="hidden")(inputs)
        model = keras.Model(inputs, [keras.layers.Dense(1, activation="sigmoid", name="cls")(hidden),
                                     keras.layers.Dense(2, name="reg")(hidden)])
    else:
        inputs = pyapp.Input((4,))
        hidden = layers.Dense(6, activation="tanh", name="hidden")(inputs)
        model = pyapp.Model(inputs, [layers.Dense(1, activation="sigmoid", name="cls")(hidden),
                                     layers.Dense(2, name="reg")(hidden)])
    rng = np.random.default_rng(5)
    model.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def test_the_native_engine_compiles_as_keras_does():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    y = [(rng.random((40, 1)) < 0.5).astype(np.float32), rng.normal(size=(40, 2)).astype(np.float32)]
    ours, theirs = two_heads(pyapp), two_heads(keras)
    ours.compile(optimizer=pyapp.optimizers.SGD(0.01), loss=["binary_crossentropy", losses.Huber(delta=0.5)],
                 loss_weights=[2.0, 0.5], metrics=[["accuracy", metrics.AUC(name="roc")], ["mae"]])
    theirs.compile(optimizer=keras.optimizers.SGD(0.01), loss=["binary_crossentropy", keras.losses.Huber(delta=0.5)],
                   loss_weights=[2.0, 0.5], metrics=[["accuracy", keras.metrics.AUC(name="roc")], ["mae"]])
    assert np.allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), rtol=1e-6)
    assert ours.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(
        theirs.evaluate(x, y, verbose=0, return_dict=True), rel=1e-6)
    history = ours.fit(x, y, epochs=1, batch_size=8, validation_split=0.25, verbose=0).history
    assert sorted(history) == sorted(theirs.fit(x, y, epochs=1, batch_size=8, validation_split=0.25, verbose=0).history)
    assert ours.predict(x, batch_size=7, verbose=0)[1].shape == (40, 2)


def test_the_page_computes_every_loss_and_metric_pyapp_names():
    """Each class's Keras function is in the page's table (pyapp/backend/_losses_metrics.js)."""
    import re
    from pathlib import Path

    source = (Path(pyapp.__file__).parent / "backend" / "_losses_metrics.js").read_text()
    tables = re.findall(r"^const (?:FUNCTIONS|STATEFUL) = \{\n(.*?)^\};", source, re.S | re.M)
    keys = {match for table in tables for match in re.findall(r"^  (\w+)[:,]", table, re.M)}
    wanted = {cls.fn for cls in LOSS_CLASSES + METRIC_CLASSES} | {metrics.get("accuracy").fn}
    assert len(tables) == 2 and wanted <= keys, sorted(wanted - keys)
