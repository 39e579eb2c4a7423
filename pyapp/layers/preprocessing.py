"""Preprocessing layers that are part of the model: Rescaling. (Resizing and CenterCrop are
refused: see `pyapp.layers.REFUSED`.)"""

from __future__ import annotations

from .layer import Layer

__all__ = ["Rescaling"]


class Rescaling(Layer):
    """`inputs * scale + offset`: `Rescaling(1 / 255)` maps pixel values to [0, 1]."""

    config_keys = ("scale", "offset")

    def __init__(self, scale: float, offset: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        for what, value in (("scale", scale), ("offset", offset)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{self.name}: {what} must be a number, got {value!r}")
        self.scale, self.offset = float(scale), float(offset)
