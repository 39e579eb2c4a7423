"""Activation functions by Keras name, and their TF.js names."""

from __future__ import annotations

TFJS_NAMES = {
    "linear": "linear",
    "relu": "relu",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softmax": "softmax",
    "elu": "elu",
    "selu": "selu",
    "softplus": "softplus",
    "softsign": "softsign",
    "relu6": "relu6",
    "swish": "swish",
    "silu": "swish",  # Keras 3's name for swish
    "gelu": "gelu",
    "leaky_relu": None,  # a LeakyReLU layer after the layer: see layers.layer.FusedActivation
}


def get(identifier) -> str:
    """The Keras name of an activation given by name (None means linear).

    >>> get(None), get("relu")
    ('linear', 'relu')
    """
    if identifier is None:
        return "linear"
    if not isinstance(identifier, str):
        raise TypeError(f"activation must be a name like 'relu' (a string), got {identifier!r}; "
                        f"Python functions cannot run inside TF.js's training loop")
    if identifier not in TFJS_NAMES:
        raise ValueError(f"unknown activation {identifier!r}; expected one of {sorted(TFJS_NAMES)}")
    return identifier
