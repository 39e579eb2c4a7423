"""Activation functions by Keras 3 name, and the name TF.js gives the same function.

    >>> pyapp.activations.get(None), pyapp.activations.get("relu")
    ('linear', 'relu')
"""

from __future__ import annotations

__all__ = ["ACTIVATIONS", "get", "tfjs_name", "from_tfjs"]

# Keras 3 name -> TF.js name, for the functions both compute alike (measured equal within
# 1e-6 in the browser tests).
ACTIVATIONS = {
    "linear": "linear", "relu": "relu", "relu6": "relu6", "sigmoid": "sigmoid", "tanh": "tanh",
    "softmax": "softmax", "softplus": "softplus", "softsign": "softsign", "elu": "elu", "selu": "selu",
    "silu": "swish", "swish": "swish", "log_softmax": "log_softmax", "mish": "mish", "gelu": "gelu",
}
# Names that one side has and the other computes differently or not at all: refused, saying why.
_REFUSED = {
    "hard_sigmoid": "differs between Keras 3 (relu6(x + 3) / 6) and TF.js (clip(0.2x + 0.5, 0, 1)); it is refused "
                    "rather than silently changed. Use 'sigmoid'",
    "leaky_relu": "has no TF.js activation function; add a layers.LeakyReLU(negative_slope=0.2) layer after the layer",
}


def get(identifier, where: str = "activation") -> str:
    """The Keras 3 name of an activation given by name (None is "linear")."""
    if identifier is None:
        return "linear"
    if not isinstance(identifier, str):
        raise TypeError(f"{where}: an activation is a name like 'relu' (a string), got {identifier!r}; "
                        "Python functions cannot run inside TF.js's training loop")
    if identifier in _REFUSED:
        raise ValueError(f"{where}: activation {identifier!r} {_REFUSED[identifier]}")
    if identifier not in ACTIVATIONS:
        raise ValueError(f"{where}: unknown activation {identifier!r}; expected one of {sorted(ACTIVATIONS)}")
    return identifier


def tfjs_name(identifier, where: str = "activation") -> str:
    """TF.js's name (as model.json writes it) of the Keras activation `identifier`."""
    return ACTIVATIONS[get(identifier, where)]


def from_tfjs(name, where: str = "activation") -> str:
    """The Keras 3 name of a TF.js activation (model.json's snake_case or TF.js's camelCase)."""
    if name in ("hard_sigmoid", "hardSigmoid"):
        raise ValueError(f"{where}: TF.js's activation 'hard_sigmoid' (clip(0.2x + 0.5, 0, 1)) differs from Keras "
                         "3's (relu6(x + 3) / 6); it is refused rather than silently changed. Build the layer with "
                         "'sigmoid' (note: TF.js's LSTM and GRU default to recurrentActivation 'hardSigmoid'; pyapp's "
                         "to 'sigmoid', as Keras 3)")
    for keras, tfjs in ACTIVATIONS.items():
        if name == tfjs and keras != "swish":  # Keras 3 calls it silu
            return keras
    if name == "logSoftmax":
        return "log_softmax"
    raise ValueError(f"{where}: TF.js activation {name!r} has no equal in Keras 3")
