"""Optimizers, as in `keras.optimizers`, made into TF.js optimizers when a model compiles."""

from __future__ import annotations


class Optimizer:
    """The base class: holds the Keras arguments; `tfjs_factory()` names TF.js's."""

    def __init__(self, learning_rate: float):
        if not learning_rate > 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be > 0, got {learning_rate!r}")
        self.learning_rate = float(learning_rate)

    def get_config(self) -> dict:
        return dict(vars(self))

    def tfjs_factory(self) -> tuple[str, list]:
        raise NotImplementedError


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

    def __init__(self, learning_rate: float = 0.001, initial_accumulator_value: float = 0.1):
        super().__init__(learning_rate)
        self.initial_accumulator_value = initial_accumulator_value

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
