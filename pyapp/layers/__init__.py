"""Layers, as in `keras.layers`."""

from .convolutional import (AveragePooling2D, Conv1D, Conv2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                            GlobalMaxPooling1D, MaxPooling2D)
from .core import Activation, BatchNormalization, Dense, Dropout, Embedding, Flatten, Reshape
from .input_layer import Input, InputLayer
from .layer import KerasTensor, Layer
from .merging import Add, Concatenate
from .recurrent import GRU, LSTM, SimpleRNN

__all__ = ["Activation", "Add", "AveragePooling2D", "BatchNormalization", "Concatenate", "Conv1D", "Conv2D", "Dense",
           "Dropout", "Embedding", "Flatten", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
           "GRU", "Input", "InputLayer", "KerasTensor", "Layer", "LSTM", "MaxPooling2D", "Reshape", "SimpleRNN"]
