"""Wrappers, layers that run another layer: Bidirectional and TimeDistributed.

Their config holds the wrapped layer's ({"class_name", "config"}), and their weights are
the wrapped layer's, in Keras 3's order (Bidirectional: the forward layer's, then the
backward layer's).
"""

from __future__ import annotations

from .layer import Layer
from .recurrent import RNN

__all__ = ["Bidirectional", "TimeDistributed"]

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _wrapped(layer, where: str) -> Layer:
    """A pyapp layer, or the layer of a canonical {"class_name", "config"}."""
    from . import TABLE

    if isinstance(layer, dict) and isinstance(layer.get("config"), dict):
        if layer.get("class_name") not in TABLE:
            raise ValueError(f"{where}: layer class {layer.get('class_name')!r} is not in pyapp's layer table")
        return TABLE[layer["class_name"]].from_canonical(layer["config"])
    if not isinstance(layer, Layer):
        raise TypeError(f"{where}: layer must be a pyapp layer (such as layers.LSTM(8)), got {type(layer).__name__}")
    if layer.built:
        raise ValueError(f"{where}: the wrapped layer {layer.name!r} is already used elsewhere: wrap a new layer")
    return layer


class _Wrapper(Layer):
    nested_keys = ("layer",)

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        self.layer = _wrapped(layer, self.name)

    @property
    def changes_in_training(self) -> bool:
        return self.layer.changes_in_training

    def canonical_config(self) -> dict:
        config = super().canonical_config()
        config["layer"] = {"class_name": type(self.layer).__name__, "config": self.layer.canonical_config()}
        return config

    def non_trainable_weight_names(self) -> tuple[str, ...]:
        return self.layer.non_trainable_weight_names()


class TimeDistributed(_Wrapper):
    """Applies `layer` to every step of the input's second axis (time).

    Args:
        layer: the layer to apply, such as `layers.Dense(8)`; its input is one step,
            (batch, *input_shape[2:]).

    >>> outputs = pyapp.layers.TimeDistributed(pyapp.layers.Dense(2))(pyapp.Input((10, 4)))  # (None, 10, 2)
    """

    config_keys = ("layer",)

    def _step_shape(self, input_shape):
        if input_shape is None:
            return None
        if len(input_shape) < 3:
            raise ValueError(f"{self.name}: TimeDistributed needs an input of rank 3 or more (batch, time, ...), "
                             f"got shape {input_shape}")
        return (input_shape[0], *input_shape[2:])

    def compute_output_shape(self, input_shape):
        step = self.layer.compute_output_shape(self._step_shape(input_shape))
        return (step[0], input_shape[1], *step[1:])

    def weight_specs(self, input_shape):
        return self.layer.weight_specs(self._step_shape(input_shape))

    def tfjs_weights(self, input_shape=None) -> list[str]:
        return self.layer.tfjs_weights(self._step_shape(input_shape))

    def keras_weight_groups(self) -> list[tuple[str, int]]:
        return [("layer/" + group, count) for group, count in self.layer.keras_weight_groups()]


class Bidirectional(_Wrapper):
    """Runs a recurrent layer forwards and a copy of it backwards over the time axis, and
    merges their outputs.

    Args:
        layer: the recurrent layer (SimpleRNN, LSTM or GRU) that runs forwards; Keras 3
            names it "forward_<its name>", and its copy "backward_<its name>".
        merge_mode: how the two outputs are merged: "concat" (default), "sum", "mul",
            "ave". (None, two outputs, is not supported: a pyapp layer has one output.)
        backward_layer: the backward layer, if given, must be Keras 3's copy of `layer`
            running backwards, the only one TF.js makes.

    With a mask (Masking, Embedding(mask_zero=True)) and `return_sequences=True`, Keras 3
    outputs zeros at masked steps and TF.js the previous step's output (TF.js's recurrent
    layers compute `zero_output_for_mask=False` only).

    >>> outputs = pyapp.layers.Bidirectional(pyapp.layers.LSTM(8))(pyapp.Input((10, 4)))  # (None, 16)
    """

    config_keys = ("merge_mode", "layer")
    nested_keys = ("layer", "backward_layer")
    derived_keys = ("backward_layer",)
    tfjs_nested_prefix = "forward_"
    keras_only = {"weights": None}

    def __init__(self, layer, merge_mode: str | None = "concat", backward_layer=None, **kwargs):
        super().__init__(layer, **kwargs)
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"{self.name}: merge_mode must be one of {_MERGE_MODES}, got {merge_mode!r}")
        if merge_mode is None:
            raise ValueError(f"{self.name}: merge_mode=None is not supported (it gives two outputs; a pyapp layer "
                             "has one)")
        self.merge_mode = merge_mode
        if not self.layer.rnn:
            raise ValueError(f"{self.name}: Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU), got "
                             f"{type(self.layer).__name__}")
        if isinstance(self.layer, RNN):
            raise ValueError(f"{self.name}: Bidirectional(RNN(cell)) is not supported: TF.js 4.22's Bidirectional "
                             "cannot copy an RNN layer (it passes the cell object where a config belongs; measured "
                             "here). Wrap SimpleRNN, LSTM or GRU instead")
        if self.layer.go_backwards:
            raise ValueError(f"{self.name}: the wrapped layer must run forwards (go_backwards=False): "
                             "Bidirectional runs its copy backwards")
        self.layer.name = "forward_" + self.layer.name.removeprefix("forward_")
        if backward_layer is not None:
            given = _wrapped(backward_layer, self.name).canonical_config()
            expected = self.derived_config(self.canonical_config())["backward_layer"]["config"]
            if {**given, "name": None} != {**expected, "name": None}:
                raise ValueError(f"{self.name}: backward_layer must be `layer` with go_backwards=True (TF.js makes "
                                 "only that one)")

    @classmethod
    def derived_config(cls, config: dict) -> dict:
        forward = config["layer"]
        name = "backward_" + forward["config"]["name"].removeprefix("forward_")
        return {"backward_layer": {"class_name": forward["class_name"],
                                   "config": {**forward["config"], "name": name, "go_backwards": True}}}

    @classmethod
    def nested_from_keras(cls, config: dict) -> dict:
        # Keras 3 sets its wrapped layers' zero_output_for_mask to their return_sequences.
        if config.get("zero_output_for_mask") == config.get("return_sequences"):
            config.pop("zero_output_for_mask", None)
        return config

    def _backward_name(self) -> str:
        return "backward_" + self.layer.name.removeprefix("forward_")

    def compute_output_shape(self, input_shape):
        shape = self.layer.compute_output_shape(input_shape)
        if self.merge_mode == "concat":
            return (*shape[:-1], 2 * shape[-1])
        return shape

    def weight_specs(self, input_shape):
        specs = self.layer.weight_specs(input_shape)
        return ([(f"{self.layer.name}/{name}", shape) for name, shape in specs]
                + [(f"{self._backward_name()}/{name}", shape) for name, shape in specs])

    def tfjs_weights(self, input_shape=None) -> list[str]:
        names = self.layer.tfjs_weights(input_shape)
        return [f"{self.layer.name}/{name}" for name in names] + [f"{self._backward_name()}/{name}" for name in names]

    def keras_weight_groups(self) -> list[tuple[str, int]]:
        groups = self.layer.keras_weight_groups()
        return [(f"{side}/{group}", count) for side in ("forward_layer", "backward_layer") for group, count in groups]
