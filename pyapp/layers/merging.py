"""Layers that merge several inputs: Concatenate, Add."""

from __future__ import annotations

from .layer import Layer


class Concatenate(Layer):
    """Joins its inputs along `axis` (default: the last)."""

    tfjs_class = "concatenate"

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"{self.name}: Concatenate needs a list of at least 2 inputs")
        rank = len(input_shape[0])
        axis = self.axis % rank
        for shape in input_shape[1:]:
            if len(shape) != rank or any(a != b for i, (a, b) in enumerate(zip(shape, input_shape[0])) if i != axis):
                raise ValueError(f"{self.name}: shapes {input_shape} differ outside axis {self.axis}")
        sizes = [shape[axis] for shape in input_shape]
        total = None if None in sizes else sum(sizes)
        return tuple(total if i == axis else d for i, d in enumerate(input_shape[0]))

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}

    def tfjs_config(self) -> dict:
        return {**super().tfjs_config(), "axis": self.axis}


class Add(Layer):
    """The element-wise sum of its inputs (all of one shape)."""

    tfjs_class = "add"

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"{self.name}: Add needs a list of at least 2 inputs")
        if any(tuple(shape) != tuple(input_shape[0]) for shape in input_shape[1:]):
            raise ValueError(f"{self.name}: Add needs inputs of one shape, got {input_shape}")
        return tuple(input_shape[0])
