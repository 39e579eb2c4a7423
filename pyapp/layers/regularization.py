"""Regularization layers that act while training only: SpatialDropout1D, GaussianNoise,
GaussianDropout, AlphaDropout. (Dropout is in core.)"""

from __future__ import annotations

from .layer import ANY, Layer, fraction

__all__ = ["AlphaDropout", "GaussianDropout", "GaussianNoise", "SpatialDropout1D"]


class SpatialDropout1D(Layer):
    """Drops whole channels of (batch, steps, channels) samples while training."""

    base_keys = ("name", "dtype")  # Keras' SpatialDropout1D takes no `trainable`
    config_keys = ("rate",)
    keras_only = {"seed": ANY}
    changes_in_training = True

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate = fraction(rate, f"{self.name}: rate")
        self.seed = seed

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expected input of rank 3 (batch, steps, channels), got {input_shape}")
        return input_shape


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of `stddev` while training."""

    config_keys = ("stddev",)
    keras_only = {"seed": ANY}
    changes_in_training = True

    def __init__(self, stddev: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError(f"{self.name}: stddev must be a number >= 0, got {stddev!r}")
        self.stddev = float(stddev)
        self.seed = seed


class GaussianDropout(Layer):
    """Multiplies by Gaussian noise of mean 1 (variance rate / (1 - rate)) while training."""

    config_keys = ("rate",)
    keras_only = {"seed": ANY}
    changes_in_training = True

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate = fraction(rate, f"{self.name}: rate")
        self.seed = seed


class AlphaDropout(Layer):
    """Dropout that keeps the mean and variance of its inputs (for SELU networks)."""

    config_keys = ("rate", "noise_shape")
    keras_only = {"seed": ANY}
    changes_in_training = True

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate = fraction(rate, f"{self.name}: rate")
        self.noise_shape = None if noise_shape is None else list(noise_shape)
        self.seed = seed
