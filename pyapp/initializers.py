"""Weight initializers by Keras name, as TF.js initializer configs.

A seed set with `pyapp.utils.set_random_seed` is given to every initializer, each layer
its own (seed + a counter), so that the same program builds the same initial weights.
"""

from __future__ import annotations

from . import random_state

TFJS_CLASSES = {
    "glorot_uniform": "GlorotUniform",
    "glorot_normal": "GlorotNormal",
    "he_uniform": "HeUniform",
    "he_normal": "HeNormal",
    "lecun_uniform": "LeCunUniform",
    "lecun_normal": "LeCunNormal",
    "random_uniform": "RandomUniform",
    "random_normal": "RandomNormal",
    "truncated_normal": "TruncatedNormal",
    "orthogonal": "Orthogonal",
    "zeros": "Zeros",
    "ones": "Ones",
}
_SEEDED = {"GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LeCunUniform", "LeCunNormal",
           "RandomUniform", "RandomNormal", "TruncatedNormal", "Orthogonal"}


def tfjs_config(identifier) -> dict:
    """{"className", "config"} for TF.js; the identifier is a Keras name."""
    if not isinstance(identifier, str) or identifier not in TFJS_CLASSES:
        raise ValueError(f"unknown initializer {identifier!r}; expected one of {sorted(TFJS_CLASSES)}")
    class_name = TFJS_CLASSES[identifier]
    config = {}
    if class_name in _SEEDED:
        seed = random_state.next_seed()
        if seed is not None:
            config["seed"] = seed
    return {"className": class_name, "config": config}
