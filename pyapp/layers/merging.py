"""Layers that merge several inputs: Concatenate, Dot, and the element-wise Add, Subtract,
Multiply, Average, Maximum, Minimum. (TF.js 4.22 has no Subtract: the page runs pyapp's own,
pyapp/backend/_layers.js.)"""

from __future__ import annotations

from .layer import Layer

__all__ = ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract", "add", "average",
           "concatenate", "dot", "maximum", "minimum", "multiply", "subtract"]


def _inputs(input_shape, layer: Layer) -> list:
    if not isinstance(input_shape, list) or len(input_shape) < 2:
        raise ValueError(f"{layer.name}: {type(layer).__name__} needs a list of at least 2 inputs")
    return input_shape


class Concatenate(Layer):
    """Joins its inputs along `axis` (default: the last)."""

    config_keys = ("axis",)

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"{self.name}: axis must be an integer, got {axis!r}")
        self.axis = axis

    def compute_output_shape(self, input_shape):
        shapes = _inputs(input_shape, self)
        rank = len(shapes[0])
        axis = self.axis % rank
        for shape in shapes[1:]:
            if len(shape) != rank or any(a != b for i, (a, b) in enumerate(zip(shape, shapes[0])) if i != axis):
                raise ValueError(f"{self.name}: shapes {shapes} differ outside axis {self.axis}")
        sizes = [shape[axis] for shape in shapes]
        total = None if None in sizes else sum(sizes)
        return tuple(total if i == axis else d for i, d in enumerate(shapes[0]))


class Dot(Layer):
    """The dot product of two inputs along `axes` (an axis of each, or one for both);
    `normalize=True` makes it the cosine similarity."""

    config_keys = ("axes", "normalize")

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        pair = list(axes) if isinstance(axes, (list, tuple)) else [axes, axes]
        if len(pair) != 2 or not all(isinstance(a, int) and not isinstance(a, bool) for a in pair):
            raise ValueError(f"{self.name}: axes must be an integer or two, got {axes!r}")
        self.axes = axes if isinstance(axes, int) else list(axes)
        self.normalize = bool(normalize)

    def compute_output_shape(self, input_shape):
        shapes = _inputs(input_shape, self)
        if len(shapes) != 2:
            raise ValueError(f"{self.name}: Dot takes exactly 2 inputs, got {len(shapes)}")
        a, b = shapes
        axis_a, axis_b = ([self.axes] * 2 if isinstance(self.axes, int) else self.axes)
        axis_a, axis_b = axis_a % len(a), axis_b % len(b)
        if a[axis_a] is not None and b[axis_b] is not None and a[axis_a] != b[axis_b]:
            raise ValueError(f"{self.name}: axis {axis_a} of {a} and axis {axis_b} of {b} differ in size")
        rest = [d for i, d in enumerate(a) if i not in (0, axis_a)] + [d for i, d in enumerate(b) if i not in (0, axis_b)]
        return (a[0], *(rest or [1]))


class _ElementWise(Layer):
    def compute_output_shape(self, input_shape):
        shapes = _inputs(input_shape, self)
        if any(tuple(shape) != tuple(shapes[0]) for shape in shapes[1:]):
            raise ValueError(f"{self.name}: {type(self).__name__} needs inputs of one shape, got {shapes}")
        return tuple(shapes[0])


class Add(_ElementWise):
    """The element-wise sum of its inputs (all of one shape)."""


class Subtract(_ElementWise):
    """The first input minus the second (two inputs of one shape)."""

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list) and len(input_shape) != 2:
            raise ValueError(f"{self.name}: Subtract takes exactly 2 inputs, got {len(input_shape)}")
        return super().compute_output_shape(input_shape)


class Multiply(_ElementWise):
    """The element-wise product of its inputs (all of one shape)."""


class Average(_ElementWise):
    """The element-wise mean of its inputs (all of one shape)."""


class Maximum(_ElementWise):
    """The element-wise maximum of its inputs (all of one shape)."""


class Minimum(_ElementWise):
    """The element-wise minimum of its inputs (all of one shape)."""


# Keras' functional helpers: the layer, made and called on `inputs` at once.


def concatenate(inputs, axis: int = -1, **kwargs):
    """`Concatenate(axis=axis)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize: bool = False, **kwargs):
    """`Dot(axes, normalize)(inputs)`."""
    return Dot(axes, normalize=normalize, **kwargs)(inputs)


def add(inputs, **kwargs):
    """`Add()(inputs)`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """`Subtract()(inputs)`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """`Multiply()(inputs)`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """`Average()(inputs)`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """`Maximum()(inputs)`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """`Minimum()(inputs)`."""
    return Minimum(**kwargs)(inputs)
