"""Metrics by Keras name, and the names TF.js logs them under."""

from __future__ import annotations

TFJS_NAMES = {"accuracy": "accuracy", "acc": "accuracy", "mse": "mse", "mean_squared_error": "mse",
              "mae": "mae", "mean_absolute_error": "mae"}
# TF.js logs "accuracy" as "acc"; Keras as "accuracy".
_LOG_NAMES = {"acc": "accuracy", "mse": "mse", "mae": "mae"}


def get(identifier) -> str:
    if identifier not in TFJS_NAMES:
        raise ValueError(f"unknown metric {identifier!r}; expected one of {sorted(TFJS_NAMES)}")
    return TFJS_NAMES[identifier]


def keras_log_name(tfjs_name: str) -> str:
    """TF.js's log key as Keras names it: acc -> accuracy, val_acc -> val_accuracy."""
    prefix = "val_" if tfjs_name.startswith("val_") else ""
    base = tfjs_name[len(prefix):]
    for tfjs, keras in _LOG_NAMES.items():
        if base == tfjs or base.endswith("_" + tfjs):
            base = base[: len(base) - len(tfjs)] + keras
            break
    return prefix + base
