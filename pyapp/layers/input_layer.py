"""Model inputs: `Input(shape)` and the InputLayer behind it."""

from __future__ import annotations

from .layer import KerasTensor, Layer

__all__ = ["Input", "InputLayer", "INPUT_DTYPES"]

# The dtypes a model input can have: TF.js's. Keras' wider integer types are taken as
# int32 (what TF.js holds; larger values are refused when data comes).
INPUT_DTYPES = {"float32": "float32", "float16": "float32", "float64": "float32", "int32": "int32",
                "int64": "int32", "int16": "int32", "int8": "int32", "uint8": "int32", "bool": "bool"}


class InputLayer(Layer):
    """The entry of a model: holds the shape and dtype of one sample."""

    config_keys = ("batch_shape", "dtype", "sparse")
    keras_only = {"ragged": False, "optional": False}

    def __init__(self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None, sparse: bool = False,
                 **kwargs):
        kwargs.pop("trainable", None)  # an input has no weights to train
        super().__init__(name=name, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer needs shape=(...) (the shape of one sample)")
            batch_shape = (batch_size, *tuple(shape))
        self.batch_shape = tuple(batch_shape)
        if not all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in self.batch_shape):
            raise ValueError(f"Input: the shape must be positive integers or None, got {tuple(self.batch_shape[1:])}")
        dtype = dtype or "float32"
        if dtype not in INPUT_DTYPES:
            raise ValueError(f"Input dtype must be one of {sorted(INPUT_DTYPES)}, got {dtype!r}")
        self.dtype = INPUT_DTYPES[dtype]
        if sparse:
            raise ValueError("Input(sparse=True) is not supported: TF.js has no sparse tensors")
        self.sparse = False
        self.build(self.batch_shape)
        self.output = KerasTensor(self.batch_shape, self.dtype, self, [])

    def canonical_config(self) -> dict:
        return {"name": self.name, "batch_shape": list(self.batch_shape), "dtype": self.dtype, "sparse": False}

    def get_config(self) -> dict:
        return {**self.canonical_config(), "ragged": False}

    @classmethod
    def from_config(cls, config: dict) -> "InputLayer":
        config = {k: v for k, v in config.items() if k not in ("ragged", "optional")}
        if "batch_input_shape" in config:  # Keras 2's name
            config["batch_shape"] = config.pop("batch_input_shape")
        return cls(**config)

    @classmethod
    def from_canonical(cls, config: dict) -> "InputLayer":
        return cls.from_config(config)


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None) -> KerasTensor:  # noqa: N802 (Keras' name)
    """A symbolic input of samples of `shape` (without the batch axis).

    >>> inputs = pyapp.Input(shape=(28, 28, 1))
    >>> inputs.shape
    (None, 28, 28, 1)
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name, batch_shape=batch_shape).output
