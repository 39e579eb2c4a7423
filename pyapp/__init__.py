"""pyapp: a Keras-style API for machine learning in the browser, on TensorFlow.js.

    import pyapp
    from pyapp import layers

    model = pyapp.Sequential([pyapp.Input((64,)), layers.Dense(64, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, validation_split=0.2)
    model.predict(x[:5])
"""

__version__ = "0.1.0"

from . import activations, backend, callbacks, constraints, initializers, layers, losses, metrics, models
from . import optimizers, regularizers, sensors, utils
from . import audio, data, datasets, distribution, vis
from .layers import Input
from .models import Model, Sequential

__all__ = ["Input", "Model", "Sequential", "activations", "backend", "callbacks", "constraints", "initializers",
           "layers", "losses", "metrics", "models", "optimizers", "regularizers", "sensors", "utils", "data",
           "datasets", "distribution", "vis", "audio"]
