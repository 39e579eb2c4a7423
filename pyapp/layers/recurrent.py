"""Recurrent layers over (batch, timesteps, features) inputs."""

from __future__ import annotations

from .. import activations
from ..initializers import tfjs_config as initializer_config
from .layer import Layer


class _RNN(Layer):
    gates = 1

    def __init__(self, units: int, activation="tanh", use_bias: bool = True, return_sequences: bool = False,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.return_sequences = return_sequences
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expected input of rank 3 (batch, timesteps, features), got shape {input_shape}")
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def _count_params(self, input_shape) -> int:
        units = self.units
        return self.gates * (units * (input_shape[-1] + units) + (units if self.use_bias else 0))

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "activation": self.activation, "use_bias": self.use_bias,
                "return_sequences": self.return_sequences, "kernel_initializer": self.kernel_initializer,
                "recurrent_initializer": self.recurrent_initializer, "bias_initializer": self.bias_initializer}

    def tfjs_config(self) -> dict:
        if self.activation == "leaky_relu":
            raise ValueError(f"{self.name}: leaky_relu is not available inside TF.js's recurrent layers")
        return {**super().tfjs_config(), "units": self.units, "activation": activations.TFJS_NAMES[self.activation],
                "useBias": self.use_bias, "returnSequences": self.return_sequences,
                "kernelInitializer": initializer_config(self.kernel_initializer),
                "recurrentInitializer": initializer_config(self.recurrent_initializer),
                "biasInitializer": initializer_config(self.bias_initializer)}


class _GatedRNN(_RNN):
    def __init__(self, units: int, recurrent_activation="sigmoid", **kwargs):
        super().__init__(units, **kwargs)
        # Keras 3's default; TF.js's own default is hard_sigmoid, which Keras 3 defines
        # differently, so it is always set explicitly.
        self.recurrent_activation = activations.get(recurrent_activation)

    def get_config(self) -> dict:
        return {**super().get_config(), "recurrent_activation": self.recurrent_activation}

    def tfjs_config(self) -> dict:
        return {**super().tfjs_config(), "recurrentActivation": activations.TFJS_NAMES[self.recurrent_activation]}


class SimpleRNN(_RNN):
    """A fully connected RNN: the output is fed back to the next step."""

    tfjs_class = "simpleRNN"


class LSTM(_GatedRNN):
    """Long short-term memory (Hochreiter and Schmidhuber, 1997)."""

    tfjs_class = "lstm"
    gates = 4

    def __init__(self, units: int, unit_forget_bias: bool = True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias

    def get_config(self) -> dict:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}

    def tfjs_config(self) -> dict:
        return {**super().tfjs_config(), "unitForgetBias": self.unit_forget_bias}


class GRU(_GatedRNN):
    """Gated recurrent unit (Cho et al., 2014).

    TF.js implements only `reset_after=False` (Keras 3's default is True), so that is
    pyapp's default, and True is refused rather than silently changed.
    """

    tfjs_class = "gru"
    gates = 3

    def __init__(self, units: int, reset_after: bool = False, **kwargs):
        if reset_after:
            raise ValueError("GRU(reset_after=True) is not available in TensorFlow.js; use reset_after=False")
        super().__init__(units, **kwargs)
        self.reset_after = False

    def get_config(self) -> dict:
        return {**super().get_config(), "reset_after": False}
