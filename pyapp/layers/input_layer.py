"""Model inputs: `Input(shape)` and the InputLayer behind it."""

from __future__ import annotations

from .layer import KerasTensor, Layer


class InputLayer(Layer):
    """The entry of a model: holds the shape and dtype of one sample."""

    def __init__(self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer needs shape=(...) (the shape of one sample)")
            batch_shape = (batch_size, *tuple(shape))
        self.batch_shape = tuple(batch_shape)
        self.dtype = dtype or "float32"
        if self.dtype not in ("float32", "int32", "bool"):
            raise ValueError(f"Input dtype must be float32, int32 or bool (TF.js's dtypes), got {self.dtype!r}")
        self.build(self.batch_shape)
        self.output = KerasTensor(self.batch_shape, self.dtype, self, [])

    def get_config(self) -> dict:
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "sparse": False, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None) -> KerasTensor:  # noqa: N802 (Keras' name)
    """A symbolic input of samples of `shape` (without the batch axis).

    >>> inputs = pyapp.Input(shape=(28, 28, 1))
    >>> inputs.shape
    (None, 28, 28, 1)
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name, batch_shape=batch_shape).output
