"""pyapp: a Keras-style API for machine learning in the browser, on TensorFlow.js."""

__version__ = "0.1.0"
