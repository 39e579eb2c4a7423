"""Recurrent layers over (batch, timesteps, features) inputs: SimpleRNN, LSTM, GRU; and
ConvLSTM2D over (batch, timesteps, rows, cols, channels)."""

from __future__ import annotations

from .. import activations, constraints, initializers, regularizers
from .convolutional import _channels_last, check_padding, output_length, spatial_tuple
from .layer import ANY, Layer, WithActivation, fraction, positive_int

__all__ = ["ConvLSTM2D", "GRU", "LSTM", "SimpleRNN"]


class _RNN(WithActivation, Layer):
    gates = 1
    rnn = True
    config_keys = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                   "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                   "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
                   "dropout", "recurrent_dropout", "return_sequences", "return_state", "go_backwards",
                   "stateful", "unroll")
    keras_only = {"zero_output_for_mask": False, "seed": ANY, "use_cudnn": ANY}
    only = {"return_state": False}

    def __init__(self, units: int, activation="tanh", use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.units = positive_int(units, f"{self.name}: units")
        self._set_activation(activation)
        self.use_bias = bool(use_bias)
        where = self.name + ": "
        self.kernel_initializer = initializers.get(kernel_initializer, where + "kernel_initializer")
        self.recurrent_initializer = initializers.get(recurrent_initializer, where + "recurrent_initializer")
        self.bias_initializer = initializers.get(bias_initializer, where + "bias_initializer")
        self.kernel_regularizer = regularizers.get(kernel_regularizer, where + "kernel_regularizer")
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer, where + "recurrent_regularizer")
        self.bias_regularizer = regularizers.get(bias_regularizer, where + "bias_regularizer")
        self.kernel_constraint = constraints.get(kernel_constraint, where + "kernel_constraint")
        self.recurrent_constraint = constraints.get(recurrent_constraint, where + "recurrent_constraint")
        self.bias_constraint = constraints.get(bias_constraint, where + "bias_constraint")
        self.activity_regularizer = regularizers.get(activity_regularizer, f"{self.name}: activity_regularizer")
        self.dropout = fraction(dropout, f"{self.name}: dropout")
        self.recurrent_dropout = fraction(recurrent_dropout, f"{self.name}: recurrent_dropout")
        if return_state:
            raise ValueError(f"{self.name}: return_state=True is not supported (a pyapp layer has one output)")
        self.return_sequences, self.return_state = bool(return_sequences), False
        self.go_backwards, self.stateful, self.unroll = bool(go_backwards), bool(stateful), bool(unroll)

    @property
    def changes_in_training(self) -> bool:
        return bool(self.dropout or self.recurrent_dropout)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expected input of rank 3 (batch, timesteps, features), got shape {input_shape}")
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def weight_specs(self, input_shape):
        n = self.gates * self.units
        features = None if input_shape is None else input_shape[-1]
        return [("kernel", (features, n)), ("recurrent_kernel", (self.units, n))] + (
            [("bias", (n,))] if self.use_bias else [])


class _GatedRNN(_RNN):
    config_keys = (*_RNN.config_keys, "recurrent_activation")
    tfjs_only = {"implementation": ANY}

    def __init__(self, units: int, recurrent_activation="sigmoid", **kwargs):
        super().__init__(units, **kwargs)
        # Keras 3's default; TF.js's own default is hard_sigmoid, which Keras 3 defines
        # differently, so it is always given explicitly.
        self.recurrent_activation = activations.get(recurrent_activation, f"{self.name}: recurrent_activation")


class SimpleRNN(_RNN):
    """A fully connected RNN: the output is fed back to the next step."""


class LSTM(_GatedRNN):
    """Long short-term memory (Hochreiter and Schmidhuber, 1997)."""

    gates = 4
    config_keys = (*_GatedRNN.config_keys, "unit_forget_bias")

    def __init__(self, units: int, unit_forget_bias: bool = True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)


class GRU(_GatedRNN):
    """Gated recurrent unit (Cho et al., 2014).

    TF.js implements only `reset_after=False` (Keras 3's default is True), so that is
    pyapp's default, and True is refused rather than silently changed.
    """

    gates = 3
    config_keys = (*_GatedRNN.config_keys, "reset_after")
    only = {**_RNN.only, "reset_after": False}

    def __init__(self, units: int, reset_after: bool = False, **kwargs):
        if reset_after:
            raise ValueError("GRU(reset_after=True) is not available in TensorFlow.js: TF.js's GRU computes "
                             "reset_after=False only. Build the GRU with reset_after=False")
        super().__init__(units, **kwargs)
        self.reset_after = False


class ConvLSTM2D(LSTM):
    """An LSTM whose input and recurrent transformations are 2D convolutions, over
    (batch, timesteps, rows, cols, channels) inputs.

    Args:
        filters, kernel_size, strides, padding, dilation_rate: the input convolution's, as
            in Conv2D (the recurrent one has strides 1 and "same" padding, as in Keras).
        The others as in LSTM; `unroll=True` is refused (TF.js cannot unroll it).

    >>> pyapp.layers.ConvLSTM2D(8, 3, padding="same")(pyapp.Input((10, 16, 16, 1)))  # (None, 16, 16, 8)
    """

    config_keys = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                   *(key for key in LSTM.config_keys if key != "units"))

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid", data_format=None,
                 dilation_rate=1, **kwargs):
        super().__init__(positive_int(filters, "ConvLSTM2D: filters"), **kwargs)
        self.filters = filters
        self.kernel_size = spatial_tuple(kernel_size, 2, f"{self.name}: kernel_size")
        self.strides = spatial_tuple(strides, 2, f"{self.name}: strides")
        self.padding = check_padding(padding, self.name)
        self.data_format = _channels_last(data_format, self.name)
        self.dilation_rate = spatial_tuple(dilation_rate, 2, f"{self.name}: dilation_rate")
        if self.unroll:
            raise ValueError(f"{self.name}: unroll=True is not supported: TF.js cannot unroll a convolutional RNN")

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 5:
            raise ValueError(f"{self.name}: expected input of rank 5 (batch, timesteps, rows, cols, channels), "
                             f"got shape {input_shape}")
        spatial = [output_length(n, k, s, self.padding, d)
                   for n, k, s, d in zip(input_shape[2:4], self.kernel_size, self.strides, self.dilation_rate)]
        step = (*spatial, self.filters)
        return (input_shape[0], input_shape[1], *step) if self.return_sequences else (input_shape[0], *step)

    def weight_specs(self, input_shape):
        n = 4 * self.filters
        channels = None if input_shape is None else input_shape[-1]
        return [("kernel", (*self.kernel_size, channels, n)), ("recurrent_kernel", (*self.kernel_size, self.filters, n))] \
            + ([("bias", (n,))] if self.use_bias else [])
