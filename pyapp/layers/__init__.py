"""Layers, as in `keras.layers`, and the layer table.

`TABLE` maps each Keras 3 layer class name to its pyapp class: the one list of layers that
pyapp builds, `load_model` reads, and `pyapp.io` / `python3 -m pyapp.convert` convert.
Adding a layer is adding its class here (see `Layer` for what a class says about itself).
"""

from .activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .convolutional import Conv1D, Conv2D, Conv2DTranspose, Conv3D, DepthwiseConv2D, SeparableConv2D
from .core import Activation, Dense, Dropout, Embedding, Flatten, Masking, Reshape
from .input_layer import Input, InputLayer
from .layer import KerasTensor, Layer
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average, concatenate,
                      dot, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D,
                      GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
from .preprocessing import CategoryEncoding, CenterCrop, Normalization, Rescaling, Resizing
from .recurrent import (GRU, LSTM, RNN, ConvLSTM2D, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell,
                        StackedRNNCells)
from .regularization import AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D
from .reshaping import Cropping2D, Permute, RepeatVector, UpSampling2D, ZeroPadding2D
from .wrappers import Bidirectional, TimeDistributed

TABLE: dict[str, type[Layer]] = {cls.__name__: cls for cls in (
    InputLayer, Dense, Activation, ReLU, LeakyReLU, ELU, PReLU, Softmax, Dropout, SpatialDropout1D,
    GaussianNoise, GaussianDropout, AlphaDropout, Masking, Flatten, Reshape, RepeatVector, Permute,
    UpSampling2D, ZeroPadding2D, Cropping2D, Embedding,
    BatchNormalization, LayerNormalization, Conv1D, Conv2D, Conv3D, Conv2DTranspose, SeparableConv2D,
    DepthwiseConv2D, MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D, AveragePooling3D,
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
    SimpleRNN, LSTM, GRU, ConvLSTM2D, RNN, SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells, Concatenate, Dot,
    Add, Multiply, Average, Maximum, Minimum, Rescaling, Normalization, Resizing, CenterCrop, CategoryEncoding,
    Subtract, Bidirectional, TimeDistributed,
)}

# Keras 3 layers that pyapp refuses, and why; `load_model` and the converter say so by name.
REFUSED: dict[str, str] = {
    "Lambda": "it runs Python code, which TF.js cannot run (write the computation with layers)",
    "MultiHeadAttention": "TF.js 4.22 has it only in its unreleased tfjs-layers NLP models",
    "MaxPooling3D": "TF.js 4.22's MaxPooling3D gave values 2.4e-3 off Keras 3's on the WASM backend (measured here)",
    "Conv3DTranspose": "TF.js 4.22's Conv3DTranspose gave values off Keras 3's on the WASM backend: up to 11 with "
                       "strides 2, and with strides 1 up to 1.7 after other models had run (measured here)",
}

__all__ = sorted(TABLE) + ["Input", "KerasTensor", "Layer", "REFUSED", "TABLE", "add", "average", "concatenate", "dot",
                           "maximum", "minimum", "multiply", "subtract"]
