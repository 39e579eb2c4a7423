"""Layers, as in `keras.layers`, and the layer table.

`TABLE` maps each Keras 3 layer class name to its pyapp class: the one list of layers that
pyapp builds, `load_model` reads, and `pyapp.io` / `python3 -m pyapp.convert` convert.
Adding a layer is adding its class here (see `Layer` for what a class says about itself).
"""

from .activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .convolutional import Conv1D, Conv2D
from .core import Activation, Dense, Dropout, Embedding, Flatten, Masking, Reshape
from .input_layer import Input, InputLayer
from .layer import KerasTensor, Layer
from .merging import (Add, Average, Concatenate, Maximum, Minimum, Multiply, add, average, concatenate, maximum,
                      minimum, multiply)
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                      GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
from .recurrent import GRU, LSTM, SimpleRNN
from .regularization import AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D
from .reshaping import Cropping2D, Permute, RepeatVector, UpSampling2D, ZeroPadding2D

TABLE: dict[str, type[Layer]] = {cls.__name__: cls for cls in (
    InputLayer, Dense, Activation, ReLU, LeakyReLU, ELU, PReLU, Softmax, Dropout, SpatialDropout1D,
    GaussianNoise, GaussianDropout, AlphaDropout, Masking, Flatten, Reshape, RepeatVector, Permute,
    UpSampling2D, ZeroPadding2D, Cropping2D, Embedding,
    BatchNormalization, LayerNormalization, Conv1D, Conv2D,
    MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D,
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
    SimpleRNN, LSTM, GRU, Concatenate, Add, Multiply, Average, Maximum, Minimum,
)}

__all__ = sorted(TABLE) + ["Input", "KerasTensor", "Layer", "TABLE", "add", "average", "concatenate", "maximum",
                           "minimum", "multiply"]
