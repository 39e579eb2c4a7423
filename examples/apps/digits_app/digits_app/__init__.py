"""Digits app: a pyapp network learns scikit-learn's handwritten digits, in the browser or natively."""

__version__ = "0.1.0"
