"""One example of every layer of the table: its arguments and the input it takes.

Both the CPython tests (each layer against Keras 3 itself) and the browser's round trip
(Keras 3 -> page -> Keras 3) build their models from here; a layer added to the table
without an example here fails `test_every_layer_of_the_table_has_an_example`.
"""

from __future__ import annotations

import numpy as np

# class name -> (layer arguments, input shapes of one sample (several for merging layers), input dtype)
EXAMPLES: dict[str, tuple[dict, list[tuple], str]] = {
    "Dense": ({"units": 3, "activation": "tanh", "kernel_regularizer": "l2"}, [(5,)], "float32"),
    "Activation": ({"activation": "softplus"}, [(4,)], "float32"),
    "LeakyReLU": ({"negative_slope": 0.1}, [(4,)], "float32"),
    "ReLU": ({"max_value": 0.5}, [(4,)], "float32"),
    "ELU": ({}, [(4,)], "float32"),
    "PReLU": ({"shared_axes": [1]}, [(3, 2)], "float32"),
    "Softmax": ({}, [(3, 2)], "float32"),
    "SpatialDropout1D": ({"rate": 0.3}, [(4, 2)], "float32"),
    "GaussianNoise": ({"stddev": 0.2}, [(4,)], "float32"),
    "GaussianDropout": ({"rate": 0.2}, [(4,)], "float32"),
    "AlphaDropout": ({"rate": 0.2}, [(4,)], "float32"),
    "Masking": ({"mask_value": 0.0}, [(4, 2)], "float32"),
    "RepeatVector": ({"n": 3}, [(4,)], "float32"),
    "Permute": ({"dims": (2, 1)}, [(3, 2)], "float32"),
    "UpSampling2D": ({"size": (2, 3)}, [(2, 2, 2)], "float32"),
    "ZeroPadding2D": ({"padding": ((1, 0), (2, 1))}, [(3, 3, 2)], "float32"),
    "Cropping2D": ({"cropping": ((1, 0), (0, 1))}, [(4, 4, 2)], "float32"),
    "Dropout": ({"rate": 0.3}, [(4,)], "float32"),
    "Flatten": ({}, [(3, 2)], "float32"),
    "Reshape": ({"target_shape": (2, 3)}, [(6,)], "float32"),
    "Embedding": ({"input_dim": 10, "output_dim": 3}, [(4,)], "int32"),
    "BatchNormalization": ({"momentum": 0.9}, [(4,)], "float32"),
    "LayerNormalization": ({"epsilon": 1e-4}, [(4,)], "float32"),
    "Conv1D": ({"filters": 2, "kernel_size": 3, "padding": "same", "activation": "relu"}, [(6, 2)], "float32"),
    "Conv2D": ({"filters": 2, "kernel_size": (3, 2), "strides": 2, "kernel_constraint": "max_norm"}, [(6, 6, 2)],
               "float32"),
    "Conv3D": ({"filters": 2, "kernel_size": 2, "padding": "same"}, [(3, 4, 4, 2)], "float32"),
    "Conv2DTranspose": ({"filters": 2, "kernel_size": 3, "strides": 2}, [(3, 3, 2)], "float32"),
    "SeparableConv2D": ({"filters": 3, "kernel_size": 2, "depth_multiplier": 2}, [(4, 4, 2)], "float32"),
    "DepthwiseConv2D": ({"kernel_size": 2, "depth_multiplier": 2, "padding": "same"}, [(4, 4, 2)], "float32"),
    "AveragePooling3D": ({"pool_size": 2}, [(4, 4, 4, 2)], "float32"),
    "Rescaling": ({"scale": 0.5, "offset": -1.0}, [(4,)], "float32"),
    "Dot": ({"axes": 1}, [(3,), (3,)], "float32"),
    "MaxPooling1D": ({"pool_size": 2}, [(6, 2)], "float32"),
    "AveragePooling1D": ({"pool_size": 3, "strides": 1}, [(6, 2)], "float32"),
    "MaxPooling2D": ({"pool_size": (2, 2)}, [(4, 4, 2)], "float32"),
    "AveragePooling2D": ({"pool_size": 2, "padding": "same"}, [(5, 5, 2)], "float32"),
    "GlobalAveragePooling1D": ({}, [(5, 3)], "float32"),
    "GlobalMaxPooling1D": ({}, [(5, 3)], "float32"),
    "GlobalAveragePooling2D": ({}, [(3, 3, 2)], "float32"),
    "GlobalMaxPooling2D": ({}, [(3, 3, 2)], "float32"),
    "SimpleRNN": ({"units": 3, "return_sequences": True}, [(4, 2)], "float32"),
    "LSTM": ({"units": 3}, [(4, 2)], "float32"),
    "ConvLSTM2D": ({"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True}, [(3, 4, 4, 2)],
                   "float32"),
    "GRU": ({"units": 3, "reset_after": False}, [(4, 2)], "float32"),
    "Concatenate": ({"axis": -1}, [(3,), (2,)], "float32"),
    "Add": ({}, [(3,), (3,)], "float32"),
    "Multiply": ({}, [(3,), (3,)], "float32"),
    "Average": ({}, [(3,), (3,)], "float32"),
    "Maximum": ({}, [(3,), (3,)], "float32"),
    "Minimum": ({}, [(3,), (3,)], "float32"),
    "Bidirectional": ({"layer": ("LSTM", {"units": 3, "return_sequences": True}), "merge_mode": "sum"}, [(4, 2)],
                      "float32"),
    "Normalization": ({"axis": -1}, [(3, 4)], "float32"),
    "Subtract": ({}, [(3,), (3,)], "float32"),
    "Resizing": ({"height": 5, "width": 3, "crop_to_aspect_ratio": True}, [(4, 6, 2)], "float32"),
    "CenterCrop": ({"height": 3, "width": 2}, [(6, 5, 2)], "float32"),
    "TimeDistributed": ({"layer": ("Dense", {"units": 2, "activation": "tanh"})}, [(3, 4)], "float32"),
    "RNN": ({"cell": ("LSTMCell", {"units": 3}), "return_sequences": True, "go_backwards": True}, [(4, 2)],
            "float32"),
    "SimpleRNNCell": ({"units": 3, "activation": "relu"}, [(4, 2)], "float32"),
    "LSTMCell": ({"units": 3, "recurrent_activation": "tanh"}, [(4, 2)], "float32"),
    "GRUCell": ({"units": 3, "reset_after": False}, [(4, 2)], "float32"),
    "StackedRNNCells": ({"cells": [("LSTMCell", {"units": 3}), ("GRUCell", {"units": 2, "reset_after": False}),
                                   ("LSTMCell", {"units": 2})]}, [(4, 2)], "float32"),
    "CategoryEncoding": ({"num_tokens": 10, "output_mode": "count"}, [(4,)], "int32"),
}

# Cells compute only inside an RNN layer: their example runs as RNN(cell).
CELLS = {"SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"}


def layer_arguments(args: dict, module) -> dict:
    """The example's arguments, with nested layers, (class name, arguments), made from `module`
    (keras.layers or pyapp.layers): a wrapper's layer, an RNN's cell, a stack's cells."""

    def make(value):
        return getattr(module, value[0])(**value[1])

    return {key: make(value) if key in ("layer", "cell") else [make(v) for v in value] if key == "cells" else value
            for key, value in args.items()}


def example_layer(class_name: str, module):
    """The layer of the example as it goes into a model, made from `module`: a cell in an RNN."""
    args = layer_arguments(EXAMPLES[class_name][0], module)
    layer = getattr(module, class_name)(**args)
    return module.RNN(layer) if class_name in CELLS else layer


def sample_inputs(class_name: str, count: int = 4, seed: int = 0) -> list[np.ndarray]:
    """Inputs for the example of `class_name`: `count` samples per input."""
    _, shapes, dtype = EXAMPLES[class_name]
    rng = np.random.default_rng(seed)
    if dtype == "int32":
        return [rng.integers(0, 10, size=(count, *shape)).astype(np.int32) for shape in shapes]
    return [rng.normal(size=(count, *shape)).astype(np.float32) for shape in shapes]


def keras_model(class_name: str):
    """A trained-looking Keras 3 functional model: the example layer (with random, not
    initial, weights), then a Dense on its flattened output, so that every layer's output
    reaches a prediction."""
    import keras

    args, shapes, dtype = EXAMPLES[class_name]
    inputs = [keras.Input(shape, dtype=dtype) for shape in shapes]
    layer = example_layer(class_name, keras.layers)
    x = layer(inputs if len(inputs) > 1 else inputs[0])
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(x) if len(x.shape) > 2 else x)
    model = keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs)
    rng = np.random.default_rng(1)
    model.set_weights([np.zeros(w.shape, w.dtype) if "int" in str(w.dtype)  # Normalization's count
                       else rng.normal(0, 0.5, w.shape).astype(np.float32) if "variance" not in w.path
                       else rng.uniform(0.5, 1.5, w.shape).astype(np.float32) for w in model.weights])
    for each in model.layers:
        if hasattr(each, "finalize_state"):  # Normalization reads its weights then (Keras does it on loading)
            each.finalize_state()
    return model
