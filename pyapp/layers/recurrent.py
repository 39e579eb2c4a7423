"""Recurrent layers over (batch, timesteps, features) inputs: SimpleRNN, LSTM, GRU, and RNN
running any cell (SimpleRNNCell, LSTMCell, GRUCell, or a StackedRNNCells of them); and
ConvLSTM2D over (batch, timesteps, rows, cols, channels)."""

from __future__ import annotations

from .. import activations, constraints, initializers, regularizers
from .convolutional import _channels_last, check_padding, output_length, spatial_tuple
from .layer import ANY, Layer, WithActivation, _snake_case, fraction, positive_int

__all__ = ["ConvLSTM2D", "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell", "StackedRNNCells"]

# The arguments of a recurrent layer that are not its cell's.
_SEQUENCE_KEYS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")


class _Recurrent(WithActivation, Layer):
    """A recurrent step's arguments and weights, which a cell and its layer share."""

    gates = 1
    config_keys = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                   "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                   "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
                   "dropout", "recurrent_dropout")
    keras_only = {"seed": ANY}

    def __init__(self, units: int, activation="tanh", use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 **kwargs):
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

    @property
    def changes_in_training(self) -> bool:
        return bool(self.dropout or self.recurrent_dropout)

    def weight_specs(self, input_shape):
        n = self.gates * self.units
        features = None if input_shape is None else input_shape[-1]
        return [("kernel", (features, n)), ("recurrent_kernel", (self.units, n))] + (
            [("bias", (n,))] if self.use_bias else [])


class _Gated(_Recurrent):
    config_keys = (*_Recurrent.config_keys, "recurrent_activation")
    tfjs_only = {"implementation": ANY}

    def __init__(self, units: int, recurrent_activation="sigmoid", **kwargs):
        super().__init__(units, **kwargs)
        # Keras 3's default; TF.js's own default is hard_sigmoid, which Keras 3 defines
        # differently, so it is always given explicitly.
        self.recurrent_activation = activations.get(recurrent_activation, f"{self.name}: recurrent_activation")


class _LSTMStep(_Gated):
    gates = 4
    config_keys = (*_Gated.config_keys, "unit_forget_bias")

    def __init__(self, units: int, unit_forget_bias: bool = True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)


class _GRUStep(_Gated):
    gates = 3
    config_keys = (*_Gated.config_keys, "reset_after")
    only = {"reset_after": False}

    def __init__(self, units: int, reset_after: bool = False, **kwargs):
        if reset_after:
            raise ValueError(f"{type(self).__name__}(reset_after=True) is not available in TensorFlow.js: TF.js's "
                             f"{type(self).__name__} computes reset_after=False only. Build it with reset_after=False")
        super().__init__(units, **kwargs)
        self.reset_after = False


# -- the layers that run their own cell ---------------------------------------------------


class _Sequence:
    """A layer that runs a recurrent step over the time axis: the arguments of that."""

    rnn = True

    def _set_sequence_args(self, return_sequences, return_state, go_backwards, stateful, unroll) -> None:
        if return_state:
            raise ValueError(f"{self.name}: return_state=True is not supported (a pyapp layer has one output)")
        self.return_sequences, self.return_state = bool(return_sequences), False
        self.go_backwards, self.stateful, self.unroll = bool(go_backwards), bool(stateful), bool(unroll)

    def _output_units(self) -> int:
        return self.units

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expected input of rank 3 (batch, timesteps, features), got shape {input_shape}")
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self._output_units())
        return (input_shape[0], self._output_units())


_LAYER_KERAS_ONLY = {"zero_output_for_mask": False, "seed": ANY, "use_cudnn": ANY}


def _sequence_layer(step: type) -> type:
    """The layer class that runs `step`'s computation over time (SimpleRNN for its cell, ...)."""

    class _Layer(_Sequence, step):
        config_keys = (*step.config_keys, *_SEQUENCE_KEYS)
        keras_only = _LAYER_KERAS_ONLY
        only = {**step.only, "return_state": False}

        def __init__(self, units: int, return_sequences: bool = False, return_state: bool = False,
                     go_backwards: bool = False, stateful: bool = False, unroll: bool = False, **kwargs):
            super().__init__(units, **kwargs)
            self._set_sequence_args(return_sequences, return_state, go_backwards, stateful, unroll)

    return _Layer


class SimpleRNN(_sequence_layer(_Recurrent)):
    """A fully connected RNN: the output is fed back to the next step."""


class LSTM(_sequence_layer(_LSTMStep)):
    """Long short-term memory (Hochreiter and Schmidhuber, 1997)."""


class GRU(_sequence_layer(_GRUStep)):
    """Gated recurrent unit (Cho et al., 2014).

    TF.js implements only `reset_after=False` (Keras 3's default is True), so that is
    pyapp's default, and True is refused rather than silently changed.
    """


# -- cells, and the RNN layer that runs one ----------------------------------------------


class _Cell:
    """One step of a recurrent layer; it computes only inside `layers.RNN`."""

    def __call__(self, inputs):
        raise TypeError(f"{self.name}: a cell is one step of a recurrent layer: run it over a sequence with "
                        f"layers.RNN({type(self).__name__}(...)), not by calling it")


class SimpleRNNCell(_Cell, _Recurrent):
    """The step of SimpleRNN, for `layers.RNN`.

    Args:
        units, activation, ...: as in SimpleRNN, without its sequence arguments
            (return_sequences, go_backwards, ...), which are RNN's.

    >>> pyapp.layers.RNN(pyapp.layers.SimpleRNNCell(8))(pyapp.Input((10, 4)))  # (None, 8)
    """


class LSTMCell(_Cell, _LSTMStep):
    """The step of LSTM, for `layers.RNN`.

    >>> pyapp.layers.RNN(pyapp.layers.LSTMCell(8), return_sequences=True)(pyapp.Input((10, 4)))  # (None, 10, 8)
    """


class GRUCell(_Cell, _GRUStep):
    """The step of GRU, for `layers.RNN` (`reset_after=False` only, as GRU).

    >>> pyapp.layers.RNN(pyapp.layers.GRUCell(8, reset_after=False))(pyapp.Input((10, 4)))  # (None, 8)
    """


_CELLS = (SimpleRNNCell, LSTMCell, GRUCell)


def _cell(cell, where: str) -> Layer:
    """A cell of pyapp, or that of a canonical {"class_name", "config"}."""
    from .wrappers import _wrapped

    kinds = (*_CELLS, StackedRNNCells)
    if not isinstance(cell, (*kinds, dict)):
        raise TypeError(f"{where}: expected an RNN cell (SimpleRNNCell, LSTMCell, GRUCell or StackedRNNCells), "
                        f"got {type(cell).__name__}")
    cell = _wrapped(cell, where)
    if not isinstance(cell, kinds):  # a config of another layer
        raise TypeError(f"{where}: expected an RNN cell's config, got a {type(cell).__name__}'s")
    return cell


class StackedRNNCells(_Cell, Layer):
    """Cells run one after the other at each step, as one cell: each cell's output is the
    next one's input.

    Args:
        cells: the cells (SimpleRNNCell, LSTMCell, GRUCell), first to last.

    >>> cells = [pyapp.layers.LSTMCell(8), pyapp.layers.LSTMCell(4)]
    >>> pyapp.layers.RNN(pyapp.layers.StackedRNNCells(cells))(pyapp.Input((10, 3)))  # (None, 4)
    """

    config_keys = ("cells",)
    nested_keys = ("cells",)

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f"{self.name}: cells must be a non-empty list of RNN cells, got {cells!r}")
        self.cells = [_cell(each, self.name) for each in cells]
        if any(isinstance(each, StackedRNNCells) for each in self.cells):
            raise ValueError(f"{self.name}: cells must be SimpleRNNCell, LSTMCell or GRUCell (not StackedRNNCells)")

    @property
    def units(self) -> int:
        return self.cells[-1].units

    @property
    def changes_in_training(self) -> bool:
        return any(each.changes_in_training for each in self.cells)

    def canonical_config(self) -> dict:
        config = super().canonical_config()
        config["cells"] = [{"class_name": type(each).__name__, "config": each.canonical_config()}
                           for each in self.cells]
        return config

    def _cell_inputs(self, input_shape):
        """Each cell with the shape of its input: the previous cell's output."""
        for each in self.cells:
            yield each, input_shape
            input_shape = None if input_shape is None else (*input_shape[:-1], each.units)

    def weight_specs(self, input_shape):
        return [(f"{each.name}/{name}", shape) for each, shape_in in self._cell_inputs(input_shape)
                for name, shape in each.weight_specs(shape_in)]

    def tfjs_weights(self, input_shape=None) -> list[str]:
        # TF.js's StackedRNNCells puts cell i's weights under "RNNCell_<i>/" whatever its name.
        return [f"RNNCell_{i}/{name}" for i, (each, shape_in) in enumerate(self._cell_inputs(input_shape))
                for name in each.tfjs_weights(shape_in)]

    def keras_weight_groups(self) -> list[tuple[str, int]]:
        # Keras 3 files the cells of a list by class in snake case, numbered on repeats (saving_lib).
        groups, used = [], {}
        for each in self.cells:
            base = _snake_case(type(each).__name__)
            used[base] = used.get(base, -1) + 1
            groups += [(f"cells/{base}{f'_{used[base]}' if used[base] else ''}/{group}", count)
                       for group, count in each.keras_weight_groups()]
        return groups


class RNN(_Sequence, Layer):
    """Runs a cell over the time axis of (batch, timesteps, features) inputs.

    Args:
        cell: the step: a SimpleRNNCell, LSTMCell or GRUCell, a StackedRNNCells, or a
            list of cells (made a StackedRNNCells, as Keras 3 does).
        return_sequences: the output at every step (batch, timesteps, units) rather than
            at the last one (batch, units).
        return_state: False only (True gives several outputs; a pyapp layer has one).
        go_backwards: run over the steps from last to first.
        stateful, unroll: as in Keras 3.

    >>> pyapp.layers.RNN([pyapp.layers.LSTMCell(8), pyapp.layers.GRUCell(4)])(pyapp.Input((10, 3)))  # (None, 4)
    """

    config_keys = ("cell", *_SEQUENCE_KEYS)
    nested_keys = ("cell",)
    keras_only = {"zero_output_for_mask": False}
    only = {"return_state": False}
    # TF.js writes its cell's arguments into the RNN's config as well (and a stack's cells):
    # the "cell" entry says the same.
    tfjs_only = {key: ANY for key in {"cells", "implementation", "reset_after",
                                      *(key for each in _CELLS for key in each.config_keys)}}

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(list(cell))
        self.cell = _cell(cell, self.name)
        self._set_sequence_args(return_sequences, return_state, go_backwards, stateful, unroll)

    def _output_units(self) -> int:
        return self.cell.units

    @property
    def changes_in_training(self) -> bool:
        return self.cell.changes_in_training

    def canonical_config(self) -> dict:
        config = super().canonical_config()
        config["cell"] = {"class_name": type(self.cell).__name__, "config": self.cell.canonical_config()}
        return config

    def weight_specs(self, input_shape):
        return self.cell.weight_specs(input_shape)

    def tfjs_weights(self, input_shape=None) -> list[str]:
        return self.cell.tfjs_weights(input_shape)

    def keras_weight_groups(self) -> list[tuple[str, int]]:
        return [("cell/" + group, count) for group, count in self.cell.keras_weight_groups()]


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
