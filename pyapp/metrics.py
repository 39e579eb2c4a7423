"""Keras 3's metrics: by name (`metrics=["accuracy", "auc"]`) or as objects
(`pyapp.metrics.TopKCategoricalAccuracy(k=3)`), with Keras' names in History.

Each class has Keras' name, arguments and defaults. Natively the Keras engine makes
`keras.metrics.<Class>(**metric.get_config())`; in the page, the TF.js engine computes
Keras' function `metric.fn` with `metric.fn_args()` in TF.js
(pyapp/backend/_losses_metrics.js). As in Keras, every metric's epoch value is over all
the epoch's samples: AUC, Precision, Recall and RootMeanSquaredError keep counts (a
confusion matrix, sums), not means of batch values.

>>> model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", pyapp.metrics.AUC()])
>>> history = model.fit(x, y, validation_split=0.2)
>>> sorted(history.history)
['accuracy', 'auc', 'loss', 'val_accuracy', 'val_auc', 'val_loss']
"""

from __future__ import annotations

from .losses import _check_bool, _check_dtype, _check_float, _check_int, _CrossentropyArguments

__all__ = ["Metric", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
           "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "AUC", "Precision", "Recall",
           "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
           "RootMeanSquaredError", "CosineSimilarity", "Hinge", "SquaredHinge", "CategoricalHinge", "LogCoshError",
           "KLDivergence", "Poisson", "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "get", "names"]

_EPSILON = 1e-7  # keras.backend.epsilon(): AUC's end thresholds lie this far outside [0, 1]


class Metric:
    """A Keras 3 metric: its name (History's key) and the arguments the page computes it with.

    Args:
        name: History's key (`val_` + name for validation).
        dtype: None or "float32" (the page computes in float32).
    """

    fn = ""  # Keras' function of this metric: the page's implementation of it
    aliases: tuple[str, ...] = ()  # the strings Keras accepts for it, besides the class's name

    def __init__(self, name: str, dtype: str | None = None):
        if not isinstance(name, str) or not name:
            raise ValueError(f"{type(self).__name__}: name must be a non-empty string, got {name!r}")
        _check_dtype(type(self).__name__, dtype)
        self.name = name
        self.dtype = dtype

    def fn_args(self) -> dict:
        """The arguments of the page's function `fn` (beyond y_true, y_pred)."""
        return {}

    def get_config(self) -> dict:
        """The arguments of `keras.metrics.<Class>` that give this metric."""
        return {"name": self.name, "dtype": self.dtype, **self.fn_args()}

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _simple(class_name: str, fn: str, default_name: str, aliases: tuple[str, ...], doc: str) -> type:
    """A metric class without arguments beyond name and dtype."""

    def __init__(self, name: str = default_name, dtype: str | None = None):
        Metric.__init__(self, name, dtype)

    return type(class_name, (Metric,), {"__init__": __init__, "fn": fn, "aliases": aliases, "__doc__": doc,
                                        "__module__": __name__})


Accuracy = _simple("Accuracy", "accuracy", "accuracy", (),
                   "How often y_pred equals y_true exactly (the string 'accuracy' picks the kind by shapes).")
CategoricalAccuracy = _simple("CategoricalAccuracy", "categorical_accuracy", "categorical_accuracy",
                              ("categorical_accuracy",), "How often argmax(y_pred) is argmax(y_true) (one-hot labels).")
SparseCategoricalAccuracy = _simple("SparseCategoricalAccuracy", "sparse_categorical_accuracy",
                                    "sparse_categorical_accuracy", ("sparse_categorical_accuracy",),
                                    "How often argmax(y_pred) is the integer label.")
MeanSquaredError = _simple("MeanSquaredError", "mean_squared_error", "mean_squared_error",
                           ("mse", "MSE", "mean_squared_error"), "The mean of square(y_true - y_pred).")
MeanAbsoluteError = _simple("MeanAbsoluteError", "mean_absolute_error", "mean_absolute_error",
                            ("mae", "MAE", "mean_absolute_error"), "The mean of abs(y_true - y_pred).")
MeanAbsolutePercentageError = _simple("MeanAbsolutePercentageError", "mean_absolute_percentage_error",
                                      "mean_absolute_percentage_error",
                                      ("mape", "MAPE", "mean_absolute_percentage_error"),
                                      "100 * the mean of abs((y_true - y_pred) / y_true).")
MeanSquaredLogarithmicError = _simple("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error",
                                      "mean_squared_logarithmic_error",
                                      ("msle", "MSLE", "mean_squared_logarithmic_error"),
                                      "The mean of square(log(y_pred + 1) - log(y_true + 1)).")
RootMeanSquaredError = _simple("RootMeanSquaredError", "root_mean_squared_error", "root_mean_squared_error",
                               ("root_mean_squared_error",), "sqrt of the mean squared error over all samples.")
Hinge = _simple("Hinge", "hinge", "hinge", ("hinge",), "The hinge loss, as a metric.")
SquaredHinge = _simple("SquaredHinge", "squared_hinge", "squared_hinge", ("squared_hinge",),
                       "The squared hinge loss, as a metric.")
CategoricalHinge = _simple("CategoricalHinge", "categorical_hinge", "categorical_hinge", ("categorical_hinge",),
                           "The categorical hinge loss, as a metric.")
LogCoshError = _simple("LogCoshError", "log_cosh", "logcosh", ("log_cosh_error",),
                       "The mean of log(cosh(y_pred - y_true)).")
KLDivergence = _simple("KLDivergence", "kl_divergence", "kl_divergence", ("kl_divergence",),
                       "Kullback-Leibler divergence of y_pred from y_true.")
Poisson = _simple("Poisson", "poisson", "poisson", ("poisson",), "The mean of y_pred - y_true * log(y_pred).")


class BinaryAccuracy(Metric):
    """How often (y_pred > threshold) equals the 0/1 label.

    Args:
        threshold: a prediction above it counts as 1.
    """

    fn = "binary_accuracy"
    aliases = ("binary_accuracy",)

    def __init__(self, name: str = "binary_accuracy", dtype: str | None = None, threshold: float = 0.5):
        super().__init__(name, dtype)
        self.threshold = _check_float(type(self).__name__, "threshold", threshold)

    def fn_args(self) -> dict:
        return {"threshold": self.threshold}


class TopKCategoricalAccuracy(Metric):
    """How often the one-hot label's class is among the k highest predictions.

    Args:
        k: how many of the highest predictions count.
    """

    fn = "top_k_categorical_accuracy"
    aliases = ("top_k_categorical_accuracy",)

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: str | None = None):
        super().__init__(name, dtype)
        self.k = _check_int(type(self).__name__, "k", k, low=1)

    def fn_args(self) -> dict:
        return {"k": self.k}


class SparseTopKCategoricalAccuracy(Metric):
    """How often the integer label is among the k highest predictions.

    Args:
        k: how many of the highest predictions count.
        from_sorted_ids: only False in pyapp (y_pred are scores, not sorted class ids).
    """

    fn = "sparse_top_k_categorical_accuracy"
    aliases = ("sparse_top_k_categorical_accuracy",)

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype: str | None = None,
                 from_sorted_ids: bool = False):
        super().__init__(name, dtype)
        self.k = _check_int(type(self).__name__, "k", k, low=1)
        if from_sorted_ids is not False:
            raise ValueError(f"SparseTopKCategoricalAccuracy: from_sorted_ids={from_sorted_ids!r} is not supported "
                             "in pyapp; only False")

    def fn_args(self) -> dict:
        return {"k": self.k}

    def get_config(self) -> dict:
        return {**super().get_config(), "from_sorted_ids": False}


class CosineSimilarity(Metric):
    """The cosine similarity of y_true and y_pred along `axis` (1 is most similar).

    Args:
        axis: the axis along which to compare.
    """

    fn = "cosine_similarity"
    aliases = ("cosine_similarity",)

    def __init__(self, name: str = "cosine_similarity", dtype: str | None = None, axis: int = -1):
        super().__init__(name, dtype)
        self.axis = _check_int(type(self).__name__, "axis", axis)

    def fn_args(self) -> dict:
        return {"axis": self.axis}


class BinaryCrossentropy(_CrossentropyArguments, Metric):
    """The binary crossentropy loss, as a metric.

    Args:
        from_logits: whether y_pred are logits rather than probabilities.
        label_smoothing: in [0, 1]: labels move towards 0.5 by this much.
    """

    fn = "binary_crossentropy"
    aliases = ("bce", "BCE", "binary_crossentropy")

    def __init__(self, name: str = "binary_crossentropy", dtype: str | None = None, from_logits: bool = False,
                 label_smoothing: float = 0.0):
        super().__init__(name, dtype)
        self._take_crossentropy_arguments(from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_CrossentropyArguments, Metric):
    """The categorical crossentropy loss, as a metric.

    Args:
        from_logits: whether y_pred are logits rather than probabilities.
        label_smoothing: in [0, 1]: labels move towards 1 / classes by this much.
        axis: only -1 in the page.
    """

    fn = "categorical_crossentropy"
    aliases = ("categorical_crossentropy",)

    def __init__(self, name: str = "categorical_crossentropy", dtype: str | None = None, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1):
        super().__init__(name, dtype)
        self._take_crossentropy_arguments(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_CrossentropyArguments, Metric):
    """The sparse categorical crossentropy loss, as a metric.

    Args:
        from_logits: whether y_pred are logits rather than probabilities.
        axis: only -1 in the page.
    """

    fn = "sparse_categorical_crossentropy"
    aliases = ("sparse_categorical_crossentropy",)

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype: str | None = None,
                 from_logits: bool = False, axis: int = -1):
        super().__init__(name, dtype)
        self._take_crossentropy_arguments(from_logits=from_logits, axis=axis)


class AUC(Metric):
    """Area under the ROC (or precision-recall) curve, from a confusion matrix at each
    threshold over all samples seen (Keras' approximation: 200 thresholds by default).

    Args:
        num_thresholds: how many thresholds (> 1), evenly spread over [0, 1].
        curve: "ROC" or "PR".
        summation_method: "interpolation", "minoring" or "majoring".
        thresholds: explicit thresholds in [0, 1] instead of num_thresholds.
        from_logits: whether y_pred are logits (a sigmoid makes them probabilities).
        multi_label, num_labels, label_weights: only their defaults in pyapp (one AUC over
            all labels).
    """

    fn = "auc"
    aliases = ("auc",)

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name: str | None = None, dtype: str | None = None, thresholds=None, multi_label: bool = False,
                 num_labels: int | None = None, label_weights=None, from_logits: bool = False):
        super().__init__(name or "auc", dtype)
        for argument, value in (("multi_label", multi_label), ("num_labels", num_labels),
                                ("label_weights", label_weights)):
            if value not in (None, False):
                raise ValueError(f"AUC: {argument}={value!r} is not supported in pyapp; only its default "
                                 "(one AUC over all labels)")
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR' in pyapp, got {curve!r}")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: summation_method must be 'interpolation', 'minoring' or 'majoring', "
                             f"got {summation_method!r}")
        if thresholds is not None:
            inner = sorted(_check_float("AUC", "thresholds", t, 0.0, 1.0) for t in thresholds)
            num_thresholds = len(inner) + 2
        else:
            num_thresholds = _check_int("AUC", "num_thresholds", num_thresholds, low=2)
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.num_thresholds = num_thresholds
        self.curve = curve
        self.summation_method = summation_method
        self.given_thresholds = None if thresholds is None else inner
        self.thresholds = [0.0 - _EPSILON, *inner, 1.0 + _EPSILON]
        self.from_logits = _check_bool("AUC", "from_logits", from_logits)

    def fn_args(self) -> dict:
        return {"thresholds": self.thresholds, "curve": self.curve, "summation_method": self.summation_method,
                "from_logits": self.from_logits}

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "thresholds": self.given_thresholds,
                "from_logits": self.from_logits}


class _ConfusionMetric(Metric):
    def __init__(self, thresholds, top_k, class_id, name: str, dtype: str | None):
        super().__init__(name, dtype)
        owner = type(self).__name__
        if top_k is not None:
            raise ValueError(f"{owner}: top_k={top_k!r} is not supported in pyapp; only None")
        if isinstance(thresholds, (list, tuple)):
            raise ValueError(f"{owner}: thresholds must be one number in pyapp (a list gives a list of values), "
                             f"got {thresholds!r}")
        self.threshold = 0.5 if thresholds is None else _check_float(owner, "thresholds", thresholds, 0.0, 1.0)
        self.class_id = None if class_id is None else _check_int(owner, "class_id", class_id, low=0)

    def fn_args(self) -> dict:
        return {"thresholds": self.threshold, "class_id": self.class_id}

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.threshold, "class_id": self.class_id}


class Precision(_ConfusionMetric):
    """true positives / predicted positives, over all samples seen.

    Args:
        thresholds: a prediction above it counts as positive (default 0.5).
        top_k: only None in pyapp.
        class_id: compute it for this class (column) only.
    """

    fn = "precision"
    aliases = ("precision",)

    def __init__(self, thresholds=None, top_k=None, class_id=None, name: str | None = None, dtype: str | None = None):
        super().__init__(thresholds, top_k, class_id, name or "precision", dtype)


class Recall(_ConfusionMetric):
    """true positives / actual positives, over all samples seen.

    Args:
        thresholds: a prediction above it counts as positive (default 0.5).
        top_k: only None in pyapp.
        class_id: compute it for this class (column) only.
    """

    fn = "recall"
    aliases = ("recall",)

    def __init__(self, thresholds=None, top_k=None, class_id=None, name: str | None = None, dtype: str | None = None):
        super().__init__(thresholds, top_k, class_id, name or "recall", dtype)


class _AccuracyByShape(Metric):
    """The strings "accuracy" and "acc": binary, sparse categorical or categorical accuracy,
    picked as Keras picks them, from the shapes of y_true and y_pred."""

    fn = "accuracy_by_shape"


_CLASSES = [Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
            SparseTopKCategoricalAccuracy, AUC, Precision, Recall, MeanSquaredError, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, RootMeanSquaredError, CosineSimilarity, Hinge,
            SquaredHinge, CategoricalHinge, LogCoshError, KLDivergence, Poisson, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy]
_BY_NAME = {name: cls for cls in _CLASSES for name in (cls.__name__, *cls.aliases)}
_BY_SHAPE = ("accuracy", "acc")


def names() -> list[str]:
    """Every string `get` accepts."""
    return sorted([*_BY_NAME, *_BY_SHAPE])


def get(identifier) -> Metric:
    """A metric object from a name Keras accepts ("auc", "mse", "accuracy", ...) or a metric
    object. As in Keras, a metric given by a string is logged under that string.

    >>> pyapp.metrics.get("mse").name
    'mse'
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier in _BY_SHAPE:
            return _AccuracyByShape(identifier)
        if identifier in _BY_NAME:
            metric = _BY_NAME[identifier]()
            metric.name = identifier
            return metric
    raise ValueError(f"unknown metric {identifier!r}: metrics take {names()} or pyapp.metrics objects "
                     f"(e.g. pyapp.metrics.AUC())")
