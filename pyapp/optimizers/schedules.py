"""Learning-rate schedules, as in `keras.optimizers.schedules`: the learning rate as a
function of the optimizer's step (one step per batch).

    schedule = pyapp.optimizers.schedules.ExponentialDecay(0.01, decay_steps=100, decay_rate=0.9)
    model.compile(optimizer=pyapp.optimizers.SGD(learning_rate=schedule), loss="mse")
    schedule(250)                # the rate of step 250, as a float

The formulas are Keras 3's, in numpy, so both engines train with the same rates: in the
page they are evaluated in Python once per epoch for the epoch's steps, and TF.js's batch
loop sets each step's rate without calling Python.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["CosineDecay", "ExponentialDecay", "LearningRateSchedule", "PiecewiseConstantDecay", "deserialize",
           "serialize"]


class LearningRateSchedule:
    """The base class: `schedule(step)` is the learning rate of optimizer step `step`.

    Subclasses define `__call__(step)` and `get_config()`.
    """

    def __call__(self, step: int) -> float:
        raise NotImplementedError(f"Learning rate schedule {type(self).__name__!r} must override `__call__(self, step)`")

    def get_config(self) -> dict:
        raise NotImplementedError(f"Learning rate schedule {type(self).__name__!r} must override `get_config()`")

    @classmethod
    def from_config(cls, config: dict) -> "LearningRateSchedule":
        return cls(**config)


def _positive_steps(name: str, value) -> None:
    if not value > 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`; with `staircase`, the
    exponent is rounded down (the rate changes every `decay_steps` steps).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps over which the rate is multiplied by `decay_rate` (> 0).
        decay_rate: the factor per `decay_steps`.
        staircase: decay in steps instead of continuously.

    >>> round(ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(20), 6)
    0.025
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False,
                 name: str = "ExponentialDecay"):
        _positive_steps("decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps, self.decay_rate = initial_learning_rate, decay_steps, decay_rate
        self.staircase, self.name = staircase, name

    def __call__(self, step: int) -> float:
        p = np.float32(step) / np.float32(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return float(np.float32(self.initial_learning_rate) * np.power(np.float32(self.decay_rate), p))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` up to step `boundaries[0]` (included), `values[1]` up to `boundaries[1]`,
    ..., and `values[-1]` after the last boundary.

    Args:
        boundaries: increasing step numbers.
        values: one more rate than boundaries.

    >>> round(PiecewiseConstantDecay([100, 200], [0.1, 0.01, 0.001])(150), 6)
    0.01
    """

    def __init__(self, boundaries: list, values: list, name: str = "PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"The length of boundaries should be 1 less than the length of values. Received: "
                             f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length "
                             f"{len(values)}.")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step: int) -> float:
        index = int(np.searchsorted(np.asarray(self.boundaries), step, side="left"))  # step <= boundary: that piece
        return float(np.float32(self.values[index]))

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """A half cosine from the rate to `alpha` times it over `decay_steps` (SGDR, Loshchilov
    and Hutter 2016), after an optional linear warm-up from `initial_learning_rate` to
    `warmup_target` over `warmup_steps`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps of the decay (> 0).
        alpha: the final rate, as a fraction of the rate the decay starts from.
        warmup_target: the rate reached by the warm-up (None: no warm-up).
        warmup_steps: steps of the warm-up.

    >>> round(CosineDecay(0.1, decay_steps=100)(50), 6)
    0.05
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0, name: str = "CosineDecay",
                 warmup_target: float | None = None, warmup_steps: int = 0):
        _positive_steps("decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps, self.alpha, self.name = initial_learning_rate, decay_steps, alpha, name
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def _decay(self, step, start_rate):
        cosine = np.float32(0.5) * (1 + np.cos(np.float32(math.pi) * (step / np.float32(self.decay_steps))))
        return start_rate * ((1 - np.float32(self.alpha)) * cosine + np.float32(self.alpha))

    def __call__(self, step: int) -> float:
        initial = np.float32(self.initial_learning_rate)
        step = np.float32(step)
        if self.warmup_target is None:
            return float(self._decay(min(step, np.float32(self.decay_steps)), initial))
        target, warmup = np.float32(self.warmup_target), np.float32(self.warmup_steps)
        step = min(step, np.float32(self.decay_steps) + warmup)
        if step < warmup:
            return float((target - initial) * (step / warmup) + initial)
        return float(self._decay(step - warmup, target))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


_BY_NAME = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay, CosineDecay)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """The schedule as Keras 3 serializes it (what `keras.optimizers.schedules.deserialize` reads)."""
    return {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def deserialize(config: dict) -> LearningRateSchedule:
    """A schedule from `serialize`'s dict (or Keras 3's)."""
    if not isinstance(config, dict) or config.get("class_name") not in _BY_NAME:
        raise ValueError(f"deserialize: expected a serialized schedule, one of {sorted(_BY_NAME)}, got {config!r:.200}")
    return _BY_NAME[config["class_name"]].from_config(config["config"])
