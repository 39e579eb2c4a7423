"""Optimizers, as in `keras.optimizers`, made into the engine's optimizers when a model compiles.

    optimizer = pyapp.optimizers.Adam(learning_rate=0.001)
    model.compile(optimizer=optimizer, loss="mse")
    optimizer.learning_rate = 0.0005        # as in Keras: the next step uses it
    optimizer.learning_rate                 # 0.0005 (a float32 value, as Keras keeps it)
    pyapp.optimizers.SGD(learning_rate=pyapp.optimizers.schedules.CosineDecay(0.1, 1000))
"""

from __future__ import annotations

import numpy as np

from . import schedules
from .schedules import LearningRateSchedule

__all__ = ["Adagrad", "Adam", "Optimizer", "RMSprop", "SGD", "get", "schedules"]


class Optimizer:
    """The base class: holds the Keras arguments; `tfjs_factory()` names TF.js's.

    `learning_rate` is a float or a `schedules.LearningRateSchedule`. Once a model is
    compiled with the optimizer, `learning_rate` and `iterations` read the engine's
    optimizer, and setting `learning_rate` changes it for the next step.
    """

    def __init__(self, learning_rate):
        if not isinstance(learning_rate, LearningRateSchedule):
            _check_rate(type(self).__name__, learning_rate)
            learning_rate = float(learning_rate)
        self._learning_rate = learning_rate
        self._engine_state = None  # the engine's optimizer (`learning_rate()`, `set_learning_rate`, `iterations()`)

    @property
    def schedule(self) -> LearningRateSchedule | None:
        """The learning-rate schedule, or None for a constant rate."""
        return self._learning_rate if isinstance(self._learning_rate, LearningRateSchedule) else None

    @property
    def iterations(self) -> int:
        """The optimizer steps taken so far (one per batch)."""
        return 0 if self._engine_state is None else self._engine_state.iterations()

    @property
    def learning_rate(self) -> float:
        """The rate of the next step: the schedule's at `iterations`, or the constant rate."""
        if self._engine_state is not None:
            return _float32(self._engine_state.learning_rate())
        if self.schedule is not None:
            return _float32(self.schedule(self.iterations))
        return _float32(self._learning_rate)

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if self.schedule is not None:
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` "
                            "constructor argument, hence its learning rate is not settable. If you need the learning "
                            "rate to be settable, you should instantiate the optimizer with a float `learning_rate` "
                            "argument.")
        _check_rate("learning_rate", value)
        self._learning_rate = float(value)
        if self._engine_state is not None:
            self._engine_state.set_learning_rate(float(value))

    def attach(self, engine_state) -> None:
        """Called by an engine when a model compiles with this optimizer: `engine_state` has
        `learning_rate()`, `set_learning_rate(value)` and `iterations()`."""
        self._engine_state = engine_state

    def get_config(self) -> dict:
        """The Keras 3 config (a schedule as Keras serializes it)."""
        rate = schedules.serialize(self.schedule) if self.schedule is not None else self._learning_rate
        return {"learning_rate": rate, **{k: v for k, v in vars(self).items() if not k.startswith("_")}}

    def tfjs_factory(self) -> tuple[str, list]:
        raise NotImplementedError


def _check_rate(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or not value > 0:
        raise ValueError(f"{name}: the learning rate must be a number > 0 or a "
                         f"pyapp.optimizers.schedules.LearningRateSchedule, got {value!r}")


def _float32(value) -> float:
    """As Keras keeps the rate: a float32 variable (so 0.001 reads 0.0010000000474974513)."""
    return float(np.float32(value))


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2014). `pyapp.optimizers.Adam(learning_rate=0.001)`"""

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def tfjs_factory(self):
        return "adam", [self.learning_rate, self.beta_1, self.beta_2, self.epsilon]


class SGD(Optimizer):
    """Stochastic gradient descent, with momentum and Nesterov momentum."""

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False):
        super().__init__(learning_rate)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum, self.nesterov = momentum, nesterov

    def tfjs_factory(self):
        if self.momentum == 0 and not self.nesterov:
            return "sgd", [self.learning_rate]
        return "momentum", [self.learning_rate, self.momentum, self.nesterov]


class RMSprop(Optimizer):
    """RMSprop: divides the gradient by a moving average of its magnitude."""

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7,
                 centered: bool = False):
        super().__init__(learning_rate)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def tfjs_factory(self):
        return "rmsprop", [self.learning_rate, self.rho, self.momentum, self.epsilon, self.centered]


class Adagrad(Optimizer):
    """Adagrad: learning rates adapted to how often each parameter is updated."""

    def __init__(self, learning_rate: float = 0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        if epsilon != 1e-7:  # TF.js's adagrad has no argument for it: it adds its backend's, 1e-7
            raise ValueError(f"Adagrad: epsilon={epsilon!r} is not supported in pyapp; only 1e-7 (Keras' default)")
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def tfjs_factory(self):
        return "adagrad", [self.learning_rate, self.initial_accumulator_value]


_BY_NAME = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier) -> Optimizer:
    """An optimizer from a name ("adam") or an Optimizer."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"unknown optimizer {identifier!r}; expected one of {sorted(_BY_NAME)} or a pyapp.optimizers object")
