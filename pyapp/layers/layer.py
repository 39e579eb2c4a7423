"""The base of every layer, and the symbolic tensors that functional models are made of.

A pyapp layer is a Keras 3 layer config held in Python: its class, its config (the dict
Keras 3's `get_config()` returns), its output shape and its weights' shapes. Neither engine
lives here: the TF.js engine (in the page) and the Keras 3 engine (under CPython) both
build their own layer from the config (pyapp/backend/).

Each layer class is its entry in the one layer table (`pyapp.layers.TABLE`), which
`load_model`, `pyapp.io` and `python3 -m pyapp.convert` also read:

- its `__init__` arguments named in `config_keys` are the Keras 3 config keys that TF.js
  has too;
- `keras_only`: Keras 3 config keys that TF.js lacks, each with the only value that TF.js
  can honour (any other value is refused, naming the layer), or `ANY` where the value
  does not change what the layer computes; pyapp's own configs leave them out;
- `only`: keys both have, of which pyapp supports one value (a layer with several
  outputs, `return_state=True`, is not a pyapp layer);
- `tfjs_only`: TF.js config keys that Keras 3 lacks, dropped on the way to Keras;
- `tfjs_names`: Keras 3 keys that TF.js names differently (`tfjs_weight_names`, weights);
- `weight_specs()`: the weights, by their names, in Keras 3's variable order;
- `nested_keys`: config keys that hold another layer's config (the wrappers').
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict

from .. import activations, constraints, initializers, regularizers
from .._serialized import plain

__all__ = ["ANY", "KerasTensor", "Layer", "unique_name"]

ANY = object()  # keras_only / tfjs_only: any value is accepted (it does not change the computation)

_name_counters: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))


def _snake_case(name: str) -> str:
    """Keras' naming of layers by class: Dense -> dense, Conv2D -> conv2d, LSTM -> lstm."""
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    """dense, dense_1, dense_2, ... as Keras names layers."""
    index = next(_name_counters[prefix]) - 1
    return prefix if index == 0 else f"{prefix}_{index}"


def positive_int(value, what: str) -> int:
    """`value` if it is a positive integer, else a ValueError naming `what`."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return value


def fraction(value, what: str) -> float:
    """A fraction in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{what} must be a number in [0, 1), got {value!r}")
    return float(value)


class KerasTensor:
    """A symbolic tensor: the shape and dtype of a layer's output, and where it came from."""

    def __init__(self, shape: tuple, dtype: str = "float32", layer: "Layer | None" = None, inputs: list | None = None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.layer = layer
        self.inputs = inputs or []

    def __repr__(self) -> str:
        origin = f", from {self.layer.name}" if self.layer else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{origin}>"


class Layer:
    """The base class of layers.

    Args:
        name: the layer's name (unique in a model); by default the class name in
            snake_case, numbered (dense, dense_1, ...).
        input_shape: the shape of one sample (no batch axis), for the first layer of a
            `Sequential` model, as in Keras 2.
        trainable: whether `fit` updates its weights.
        dtype: the dtype of its weights and computation: "float32" (TF.js computes in
            float32 only; anything else is refused).
    """

    config_keys: tuple[str, ...] = ()
    base_keys: tuple[str, ...] = ("name", "trainable", "dtype")  # of Layer's own arguments, those Keras writes
    keras_only: dict = {}
    only: dict = {}
    tfjs_only: dict = {}
    tfjs_names: dict = {}
    tfjs_weight_names: dict = {}  # Keras 3 weight name -> TF.js's, where they differ
    rnn = False  # Keras 3 keeps the weights in the layer's `cell` (in .keras files)
    int_weights: tuple[str, ...] = ()  # weights that Keras 3 keeps as int32 (float32 in pyapp and TF.js)
    nested_keys: tuple[str, ...] = ()  # config keys holding a layer's {"class_name", "config"} (wrappers)
    derived_keys: tuple[str, ...] = ()  # Keras 3 config keys that follow from the others (see `derived_config`)
    tfjs_nested_prefix = ""  # what TF.js leaves out of a nested layer's name (Bidirectional's "forward_")
    changes_in_training = False  # computes otherwise while training (dropout, noise, batch statistics)

    def __init__(self, name: str | None = None, input_shape=None, trainable: bool = True, dtype=None, **kwargs):
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"a layer's name must be a non-empty string, got {name!r}")
        self.name = name or unique_name(_snake_case(type(self).__name__))
        self._check_keras_only(kwargs)
        self.input_shape_arg = tuple(input_shape) if input_shape is not None else None
        if not isinstance(trainable, bool):
            raise ValueError(f"{self.name}: trainable must be True or False, got {trainable!r}")
        self.trainable = trainable
        self.carried_weights: list | None = None  # from the model it was called through (Model.__call__)
        self.dtype = _float32(dtype, self.name)
        self.built = False
        self.input_shape = None
        self.output_shape = None

    def _check_keras_only(self, kwargs: dict) -> None:
        """Keras 3 arguments that TF.js lacks (`keras_only`) are taken at the one value TF.js
        computes too, and refused at any other; any other argument is a TypeError."""
        unknown = sorted(key for key in kwargs if key not in self.keras_only)
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments: {unknown}")
        for key, value in kwargs.items():
            allowed = self.keras_only[key]
            if allowed is not ANY and plain(value) != plain(allowed):
                raise ValueError(f"{self.name}: {key}={value!r} is not supported: TF.js computes {key}={allowed!r} "
                                 f"only")

    # -- Keras' protocol -------------------------------------------------------------

    def build(self, input_shape) -> None:
        self.input_shape = input_shape
        self.output_shape = self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape

    def weight_specs(self, input_shape) -> list[tuple[str, tuple]]:
        """(name, shape) of each weight, in Keras 3's order. With `input_shape=None` an axis
        that depends on the input is None, and a shape whose very rank does is None."""
        return []

    def tfjs_weights(self, input_shape=None) -> list[str]:
        """The names of the weights of `weight_specs` as TF.js names them, in the same order."""
        return [self.tfjs_weight_names.get(name, name) for name, _ in self.weight_specs(input_shape)]

    def keras_weight_groups(self) -> list[tuple[str, int]]:
        """Where a Keras 3 `.weights.h5` file keeps the weights, in order: (group under the
        layer's own, how many weights)."""
        return [("cell/vars" if self.rnn else "vars", len(self.weight_specs(None)))]

    @classmethod
    def derived_config(cls, config: dict) -> dict:
        """The canonical values of `derived_keys`, which Keras 3 writes, from the rest of the
        canonical `config` (a file whose values differ is refused)."""
        return {}

    @classmethod
    def nested_from_keras(cls, config: dict) -> dict:
        """A nested layer's canonical config as this wrapper reads it from Keras 3 (which may
        force some of its keys)."""
        return config

    def count_params(self) -> int:
        """The number of weights, once the input shape is known."""
        if not self.built:
            raise ValueError(f"layer {self.name!r} is not built yet: its input shape is unknown")
        total = 0
        for name, shape in self.weight_specs(self.input_shape):
            if any(d is None for d in shape):
                raise ValueError(f"layer {self.name!r}: weight {name!r} has an unknown size {shape}")
            size = 1
            for d in shape:
                size *= d
            total += size
        return total

    def non_trainable_weight_names(self) -> tuple[str, ...]:
        """Weights that training does not update through gradients (BatchNormalization's statistics)."""
        return ()

    # -- the config ------------------------------------------------------------------

    def canonical_config(self) -> dict:
        """The layer's Keras 3 config without Keras' wrappers (pyapp.io's common form):
        initializers as {"class_name", "config"}, dtype as a name, tuples as lists."""
        config = {key: getattr(self, key) for key in self.base_keys}
        for key in self.config_keys:
            config[key] = plain(getattr(self, key))
        return config

    def get_config(self) -> dict:
        """The config Keras 3's `get_config()` gives for this layer (`keras.layers.deserialize`
        of {"class_name", "config"} rebuilds it)."""
        from ..io._layers import keras_from_canonical

        config = keras_from_canonical(type(self).__name__, self.canonical_config())
        if self.input_shape_arg is not None:
            config["batch_shape"] = [None, *self.input_shape_arg]
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        """The layer a Keras 3 config (from `get_config()`, or Keras' own) describes;
        what TF.js could not run the same way is refused, naming the layer."""
        from ..io._layers import canonical_from_keras

        config = dict(config)
        batch_shape = config.pop("batch_shape", None)
        canonical = canonical_from_keras(cls.__name__, config, f"layer {config.get('name')!r} ({cls.__name__})")
        layer = cls.from_canonical(canonical)
        if batch_shape is not None:
            layer.input_shape_arg = tuple(batch_shape[1:])
        return layer

    @classmethod
    def from_canonical(cls, config: dict) -> "Layer":
        """The layer of a canonical config (see `canonical_config`), checked against the table."""
        from ..io._layers import check_canonical

        check_canonical(cls.__name__, config)
        taken = {key: config[key] for key in ("name", "trainable", *cls.config_keys) if key in config}
        return cls(**taken)

    # -- calling ---------------------------------------------------------------------

    def __call__(self, inputs):
        """Called on KerasTensors: records the layer in a functional model's graph."""
        many = isinstance(inputs, (list, tuple))
        tensors = list(inputs) if many else [inputs]
        if not tensors or not all(isinstance(t, KerasTensor) for t in tensors):
            got = type(tensors[0]).__name__ if tensors else "nothing"
            raise TypeError(f"{self.name}: call a layer on the output of pyapp.Input(...) or of another layer "
                            f"(to predict on data, use model.predict); got {got}")
        shapes = [t.shape for t in tensors] if many else tensors[0].shape
        self.build(shapes)
        return KerasTensor(self.output_shape, "float32", self, tensors)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _float32(dtype, name: str) -> str:
    if isinstance(dtype, dict):  # Keras 3's DTypePolicy
        dtype = (dtype.get("config") or {}).get("name")
    if dtype not in (None, "float32"):
        raise ValueError(f"layer {name!r}: dtype {dtype!r} is not supported: TF.js computes in float32 only")
    return "float32"


# -- the arguments many layers share ---------------------------------------------------


class WithActivation:
    """For layers with an `activation` argument, by Keras 3 name."""

    def _set_activation(self, activation) -> None:
        self.activation = activations.get(activation, self.name)


class WithKernel:
    """For layers with a kernel and a bias: their initializers, regularizers and constraints
    (each a Keras name, a {"class_name", "config"} dict, or None)."""

    def _set_kernel_args(self, use_bias, kernel_initializer, bias_initializer, kernel_regularizer=None,
                         bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                         bias_constraint=None) -> None:
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer, f"{self.name}: kernel_initializer")
        self.bias_initializer = initializers.get(bias_initializer, f"{self.name}: bias_initializer")
        self.kernel_regularizer = regularizers.get(kernel_regularizer, f"{self.name}: kernel_regularizer")
        self.bias_regularizer = regularizers.get(bias_regularizer, f"{self.name}: bias_regularizer")
        self.activity_regularizer = regularizers.get(activity_regularizer, f"{self.name}: activity_regularizer")
        self.kernel_constraint = constraints.get(kernel_constraint, f"{self.name}: kernel_constraint")
        self.bias_constraint = constraints.get(bias_constraint, f"{self.name}: bias_constraint")
