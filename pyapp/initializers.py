"""Weight initializers, as in `keras.initializers`: by Keras name or config.

A layer keeps each initializer in the common form {"class_name", "config"} (Keras 3's
serialized form without its wrapper), which both engines read. A seed set with
`pyapp.utils.set_random_seed` is given to every random initializer, each its own (seed + a
counter), so that the same program builds the same initial weights on the same engine.

    >>> pyapp.initializers.get("he_normal")["class_name"]
    'HeNormal'
"""

from __future__ import annotations

from . import random_state
from ._serialized import from_identifier

__all__ = ["CLASSES", "get"]

# The initializers both engines have, with Keras 3's default arguments.
CLASSES = {
    "Zeros": {}, "Ones": {}, "Constant": {"value": 0.0},
    "RandomUniform": {"minval": -0.05, "maxval": 0.05}, "RandomNormal": {"mean": 0.0, "stddev": 0.05},
    "TruncatedNormal": {"mean": 0.0, "stddev": 0.05},
    "VarianceScaling": {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"},
    "GlorotUniform": {}, "GlorotNormal": {}, "HeNormal": {}, "HeUniform": {}, "LecunNormal": {}, "LecunUniform": {},
    "Orthogonal": {"gain": 1.0}, "Identity": {"gain": 1.0},
}
_RANDOM = {"RandomUniform", "RandomNormal", "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal",
           "HeNormal", "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal"}
_ALIASES = {"uniform": "RandomUniform", "normal": "RandomNormal"}


def get(identifier, where: str = "initializer") -> dict | None:
    """The initializer `identifier` names (e.g. "glorot_uniform", or a Keras config dict) in
    the common form. One given by name that draws at random is seeded from
    `pyapp.utils.set_random_seed`; a config is taken as it is (a model read from a file
    keeps its own)."""
    value = from_identifier(identifier, where, "initializer", CLASSES, _ALIASES)
    if isinstance(identifier, str) and value["class_name"] in _RANDOM:
        seed = random_state.next_seed()
        if seed is not None:
            value["config"]["seed"] = seed
    return value
