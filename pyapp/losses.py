"""Keras 3's losses: by name (`loss="mse"`) or as objects (`pyapp.losses.Huber(delta=2.0)`).

Each class has Keras' name, arguments and defaults. Natively the Keras engine makes
`keras.losses.<Class>(**loss.get_config())`; in the page, the TF.js engine computes Keras'
function `loss.fn` with `loss.fn_args()` in TF.js (pyapp/backend/_losses_metrics.js),
so the batch loop never calls Python.

>>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
>>> model.compile(optimizer="adam", loss=pyapp.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1))
"""

from __future__ import annotations

__all__ = ["Loss", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "CosineSimilarity", "Huber", "LogCosh", "KLDivergence", "Poisson", "Hinge",
           "SquaredHinge", "CategoricalHinge", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "get", "names"]

_REDUCTION = "sum_over_batch_size"


class Loss:
    """A Keras 3 loss: its name, and the arguments the page computes it with.

    Args:
        name: the loss's name (Keras' default for each class).
        reduction: only Keras' default, "sum_over_batch_size" (the mean over the batch), is
            supported in the page.
        dtype: None or "float32" (the page computes in float32).
    """

    fn = ""  # Keras' function of this loss: the page's implementation of it
    aliases: tuple[str, ...] = ()  # the strings Keras accepts for it, besides the class's name

    def __init__(self, name: str, reduction: str = _REDUCTION, dtype: str | None = None):
        if reduction != _REDUCTION:
            raise ValueError(f"{type(self).__name__}: reduction={reduction!r} is not supported in pyapp; "
                             f"only {_REDUCTION!r} (the mean over the batch)")
        _check_dtype(type(self).__name__, dtype)
        self.name = name
        self.reduction = reduction
        self.dtype = dtype

    def fn_args(self) -> dict:
        """The arguments of Keras' function `fn` (beyond y_true, y_pred)."""
        return {}

    def get_config(self) -> dict:
        """The arguments of `keras.losses.<Class>` that give this loss."""
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype, **self.fn_args()}

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MeanSquaredError(Loss):
    """mean(square(y_true - y_pred)) over the last axis."""

    fn = "mean_squared_error"
    aliases = ("mse", "MSE", "mean_squared_error")

    def __init__(self, reduction: str = _REDUCTION, name: str = "mean_squared_error", dtype: str | None = None):
        super().__init__(name, reduction, dtype)


class MeanAbsoluteError(Loss):
    """mean(abs(y_true - y_pred)) over the last axis."""

    fn = "mean_absolute_error"
    aliases = ("mae", "MAE", "mean_absolute_error")

    def __init__(self, reduction: str = _REDUCTION, name: str = "mean_absolute_error", dtype: str | None = None):
        super().__init__(name, reduction, dtype)


class MeanAbsolutePercentageError(Loss):
    """100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)))."""

    fn = "mean_absolute_percentage_error"
    aliases = ("mape", "MAPE", "mean_absolute_percentage_error")

    def __init__(self, reduction: str = _REDUCTION, name: str = "mean_absolute_percentage_error",
                 dtype: str | None = None):
        super().__init__(name, reduction, dtype)


class MeanSquaredLogarithmicError(Loss):
    """mean(square(log(y_pred + 1) - log(y_true + 1)))."""

    fn = "mean_squared_logarithmic_error"
    aliases = ("msle", "MSLE", "mean_squared_logarithmic_error")

    def __init__(self, reduction: str = _REDUCTION, name: str = "mean_squared_logarithmic_error",
                 dtype: str | None = None):
        super().__init__(name, reduction, dtype)


class CosineSimilarity(Loss):
    """The negative cosine similarity of y_true and y_pred along `axis` (-1 is most similar)."""

    fn = "cosine_similarity_loss"  # Keras' losses.cosine_similarity (negated, unlike the metric)
    aliases = ("cosine_similarity",)

    def __init__(self, axis: int = -1, reduction: str = _REDUCTION, name: str = "cosine_similarity",
                 dtype: str | None = None):
        super().__init__(name, reduction, dtype)
        self.axis = _check_int("CosineSimilarity", "axis", axis)

    def fn_args(self) -> dict:
        return {"axis": self.axis}


class Huber(Loss):
    """Quadratic for errors up to `delta`, linear above.

    Args:
        delta: where the loss turns from quadratic to linear (a positive float).
    """

    fn = "huber"
    aliases = ("huber",)

    def __init__(self, delta: float = 1.0, reduction: str = _REDUCTION, name: str = "huber_loss",
                 dtype: str | None = None):
        super().__init__(name, reduction, dtype)
        self.delta = _check_float("Huber", "delta", delta, low=0.0, low_open=True)

    def fn_args(self) -> dict:
        return {"delta": self.delta}


class LogCosh(Loss):
    """mean(log(cosh(y_pred - y_true))): like MSE for small errors, MAE for large ones."""

    fn = "log_cosh"
    aliases = ("log_cosh",)

    def __init__(self, reduction: str = _REDUCTION, name: str = "log_cosh", dtype: str | None = None):
        super().__init__(name, reduction, dtype)


class KLDivergence(Loss):
    """sum(y_true * log(y_true / y_pred)), both clipped to [epsilon, 1]."""

    fn = "kl_divergence"
    aliases = ("kld", "KLD", "kl_divergence")

    def __init__(self, reduction: str = _REDUCTION, name: str = "kl_divergence", dtype: str | None = None):
        super().__init__(name, reduction, dtype)


class Poisson(Loss):
    """mean(y_pred - y_true * log(y_pred + epsilon))."""

    fn = "poisson"
    aliases = ("poisson",)

    def __init__(self, reduction: str = _REDUCTION, name: str = "poisson", dtype: str | None = None):
        super().__init__(name, reduction, dtype)


class Hinge(Loss):
    """mean(max(1 - y_true * y_pred, 0)); labels of 0 and 1 count as -1 and 1."""

    fn = "hinge"
    aliases = ("hinge",)

    def __init__(self, reduction: str = _REDUCTION, name: str = "hinge", dtype: str | None = None):
        super().__init__(name, reduction, dtype)


class SquaredHinge(Loss):
    """mean(square(max(1 - y_true * y_pred, 0))); labels of 0 and 1 count as -1 and 1."""

    fn = "squared_hinge"
    aliases = ("squared_hinge",)

    def __init__(self, reduction: str = _REDUCTION, name: str = "squared_hinge", dtype: str | None = None):
        super().__init__(name, reduction, dtype)


class CategoricalHinge(Loss):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)."""

    fn = "categorical_hinge"
    aliases = ("categorical_hinge",)

    def __init__(self, reduction: str = _REDUCTION, name: str = "categorical_hinge", dtype: str | None = None):
        super().__init__(name, reduction, dtype)


class _CrossentropyArguments:
    """The crossentropies' `from_logits`, `label_smoothing` and `axis`, checked in one place
    for the losses and the metrics of that name; `fn_args` hands on the ones given."""

    def _take_crossentropy_arguments(self, **given) -> None:
        owner = type(self).__name__
        checks = {"from_logits": lambda value: _check_bool(owner, "from_logits", value),
                  "label_smoothing": lambda value: _check_float(owner, "label_smoothing", value, 0.0, 1.0),
                  "axis": lambda value: _check_last_axis(owner, value)}
        self._crossentropy_arguments = {key: checks[key](value) for key, value in given.items()}
        for key, value in self._crossentropy_arguments.items():
            setattr(self, key, value)

    def fn_args(self) -> dict:
        return dict(self._crossentropy_arguments)


class _Crossentropy(_CrossentropyArguments, Loss):
    def __init__(self, from_logits: bool, label_smoothing: float, axis: int, reduction: str, name: str,
                 dtype: str | None):
        super().__init__(name, reduction, dtype)
        self._take_crossentropy_arguments(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class BinaryCrossentropy(_Crossentropy):
    """Crossentropy of 0/1 labels and probabilities (or logits).

    Args:
        from_logits: whether y_pred are logits rather than probabilities.
        label_smoothing: in [0, 1]: labels move towards 0.5 by this much.
        axis: only -1 in the page.
    """

    fn = "binary_crossentropy"
    aliases = ("bce", "BCE", "binary_crossentropy")

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str = _REDUCTION, name: str = "binary_crossentropy", dtype: str | None = None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)


class CategoricalCrossentropy(_Crossentropy):
    """Crossentropy of one-hot labels and class probabilities (or logits).

    Args:
        from_logits: whether y_pred are logits rather than probabilities.
        label_smoothing: in [0, 1]: labels move towards 1 / classes by this much.
        axis: only -1 in the page.
    """

    fn = "categorical_crossentropy"
    aliases = ("categorical_crossentropy",)

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str = _REDUCTION, name: str = "categorical_crossentropy", dtype: str | None = None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)


class SparseCategoricalCrossentropy(_CrossentropyArguments, Loss):
    """Crossentropy of integer labels and class probabilities (or logits).

    Args:
        from_logits: whether y_pred are logits rather than probabilities.
        ignore_class: only None in pyapp.
        axis: only -1 in the page.
    """

    fn = "sparse_categorical_crossentropy"
    aliases = ("sparse_categorical_crossentropy",)

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None, reduction: str = _REDUCTION,
                 axis: int = -1, name: str = "sparse_categorical_crossentropy", dtype: str | None = None):
        super().__init__(name, reduction, dtype)
        if ignore_class is not None:
            raise ValueError(f"SparseCategoricalCrossentropy: ignore_class={ignore_class!r} is not supported in "
                             "pyapp; only None")
        self._take_crossentropy_arguments(from_logits=from_logits, axis=axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "ignore_class": None}


_CLASSES = [MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
            CosineSimilarity, Huber, LogCosh, KLDivergence, Poisson, Hinge, SquaredHinge, CategoricalHinge,
            BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy]
_BY_NAME = {name: cls for cls in _CLASSES for name in (cls.__name__, *cls.aliases)}


def names() -> list[str]:
    """Every string `get` accepts."""
    return sorted(_BY_NAME)


def get(identifier) -> Loss:
    """A loss object from a name Keras accepts ("mse", "BinaryCrossentropy", ...) or a loss object.

    >>> pyapp.losses.get("mse")
    MeanSquaredError(name='mean_squared_error', reduction='sum_over_batch_size', dtype=None)
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError(f"unknown loss {identifier!r}: loss takes one of {names()} or a pyapp.losses object "
                     f"(e.g. pyapp.losses.Huber(delta=2.0))")


# ---------------------------------------------------------------- argument checks (shared with metrics)


def _check_dtype(owner: str, dtype) -> None:
    if dtype not in (None, "float32"):
        raise ValueError(f"{owner}: dtype={dtype!r} is not supported in pyapp; None or 'float32' (the page "
                         "computes in float32)")


def _check_bool(owner: str, argument: str, value) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{owner}: {argument} must be True or False, got {value!r}")
    return value


def _check_int(owner: str, argument: str, value, low: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or (low is not None and value < low):
        wanted = "an integer" if low is None else f"an integer >= {low}"
        raise ValueError(f"{owner}: {argument} must be {wanted}, got {value!r}")
    return value


def _check_float(owner: str, argument: str, value, low: float | None = None, high: float | None = None,
                 low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{owner}: {argument} must be a number, got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    if too_low or (high is not None and value > high):
        bounds = f"{'(' if low_open else '['}{low}, {high if high is not None else 'inf'}]"
        raise ValueError(f"{owner}: {argument} must be in {bounds}, got {value!r}")
    return float(value)


def _check_last_axis(owner: str, axis) -> int:
    if axis != -1 or isinstance(axis, bool):
        raise ValueError(f"{owner}: axis={axis!r} is not supported in pyapp; only -1 (the last axis)")
    return -1
