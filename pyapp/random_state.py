"""The seed set by `pyapp.utils.set_random_seed`, handed out to initializers and shuffles."""

from __future__ import annotations

import numpy as np

_seed: int | None = None
_counter = 0


def set_seed(seed: int | None) -> None:
    global _seed, _counter
    _seed, _counter = seed, 0


def next_seed() -> int | None:
    """A new seed derived from the global one (None if no seed is set)."""
    global _counter
    if _seed is None:
        return None
    _counter += 1
    return (_seed * 1_000_003 + _counter) % (2**31 - 1)


def generator() -> np.random.Generator:
    """A numpy generator: seeded if a seed is set, else fresh entropy."""
    return np.random.default_rng(next_seed())
