"""The native-Keras half of the keras_roundtrip example (run under CPython, not in the page).

    pip install keras jax scikit-learn
    python3 examples/keras_roundtrip_server.py train            # -> static/models/digits_keras.keras
    python3 examples/keras_roundtrip_server.py check FILE.keras  # a model the page fine-tuned and saved

`train` fits a small network on scikit-learn's digits with Keras 3 on JAX (on a server
this could be a GPU or a cluster) and writes a `.keras` file that the build ships in
dist/models/; the page's `static/examples/keras_roundtrip.py` loads it, predicts,
fine-tunes, and saves a `.keras` file that `check` loads back in Keras and evaluates.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

SHIPPED = Path(__file__).resolve().parents[1] / "static" / "models" / "digits_keras.keras"


def digits_split():
    """The same split as the page's example: features scaled to 0..1, a quarter held out."""
    digits = load_digits()
    return train_test_split((digits.data / 16).astype("float32"), digits.target, test_size=0.25, random_state=0)


def train(target: Path = SHIPPED) -> float:
    x_train, x_test, y_train, y_test = digits_split()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ], name="digits_keras")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    # Few epochs on purpose: the page's fine-tuning then has something left to improve.
    model.fit(x_train, y_train, epochs=3, batch_size=32, verbose=0)
    accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
    target.parent.mkdir(parents=True, exist_ok=True)
    model.save(target)
    return float(accuracy)


def check(path: Path) -> float:
    _, x_test, _, y_test = digits_split()
    model = keras.saving.load_model(path)
    return float(np.mean(model.predict(x_test, verbose=0).argmax(axis=1) == y_test))


if __name__ == "__main__":
    command = sys.argv[1:2]
    if command == ["train"]:
        print(f"test accuracy in Keras: {train():.3f}; wrote {SHIPPED}")
    elif command == ["check"] and len(sys.argv) == 3:
        print(f"test accuracy of {sys.argv[2]} in Keras: {check(Path(sys.argv[2])):.3f}")
    else:
        sys.exit(__doc__)
