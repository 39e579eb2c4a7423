"""Normalization layers: BatchNormalization, LayerNormalization."""

from __future__ import annotations

from .. import constraints, initializers, regularizers
from .layer import ANY, Layer

__all__ = ["BatchNormalization", "LayerNormalization"]


def _axes(axis, name: str) -> list[int]:
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise ValueError(f"{name}: axis must be an integer or a list of them, got {axis!r}")
    return axes


def _channels(layer, input_shape) -> tuple:
    """The shape of the normalised axes, which must be known."""
    if input_shape is None:
        return (None,) * len(_axes(layer.axis, layer.name))
    shape = tuple(input_shape[a] for a in _axes(layer.axis, layer.name))
    if any(d is None for d in shape):
        raise ValueError(f"{layer.name}: axis {layer.axis} of the input must be known, got shape {input_shape}")
    return shape


class _Normalization(Layer):
    def _set_common(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                    gamma_regularizer) -> None:
        _axes(axis, self.name)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        if isinstance(self, LayerNormalization):
            self.axis = _axes(axis, self.name)  # Keras 3 keeps LayerNormalization's axes as a list
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon <= 0:
            raise ValueError(f"{self.name}: epsilon must be a number > 0, got {epsilon!r}")
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer, f"{self.name}: beta_initializer")
        self.gamma_initializer = initializers.get(gamma_initializer, f"{self.name}: gamma_initializer")
        self.beta_regularizer = regularizers.get(beta_regularizer, f"{self.name}: beta_regularizer")
        self.gamma_regularizer = regularizers.get(gamma_regularizer, f"{self.name}: gamma_regularizer")

    def _scale_and_offset(self, input_shape) -> list:
        shape = _channels(self, input_shape)
        return ([("gamma", shape)] if self.scale else []) + ([("beta", shape)] if self.center else [])


class BatchNormalization(_Normalization):
    """Normalises its inputs with batch statistics while training, moving averages after."""

    config_keys = ("axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
                   "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
                   "beta_constraint", "gamma_constraint")
    keras_only = {"synchronized": False, "renorm": False, "renorm_clipping": None, "renorm_momentum": ANY}
    changes_in_training = True

    def __init__(self, axis=-1, momentum: float = 0.99, epsilon: float = 0.001, center: bool = True,
                 scale: bool = True, beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self._set_common(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum < 1:
            raise ValueError(f"{self.name}: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer, f"{self.name}: moving_mean_initializer")
        self.moving_variance_initializer = initializers.get(moving_variance_initializer,
                                                            f"{self.name}: moving_variance_initializer")
        self.beta_constraint = constraints.get(beta_constraint, f"{self.name}: beta_constraint")
        self.gamma_constraint = constraints.get(gamma_constraint, f"{self.name}: gamma_constraint")

    def weight_specs(self, input_shape):
        shape = _channels(self, input_shape)
        return self._scale_and_offset(input_shape) + [("moving_mean", shape), ("moving_variance", shape)]

    def non_trainable_weight_names(self):
        return ("moving_mean", "moving_variance")


class LayerNormalization(_Normalization):
    """Normalises each sample over `axis` (by default its last), then scales and shifts."""

    config_keys = ("axis", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
                   "beta_regularizer", "gamma_regularizer")
    keras_only = {"rms_scaling": False, "beta_constraint": None, "gamma_constraint": None}

    def __init__(self, axis=-1, epsilon: float = 0.001, center: bool = True, scale: bool = True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 **kwargs):
        super().__init__(**kwargs)
        self._set_common(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer)

    def weight_specs(self, input_shape):
        return self._scale_and_offset(input_shape)
