# pyapp in a PyScript page: train a small network on scikit-learn's digits and show the result.
# ?backend=webgl|wasm|cpu in the page's URL picks a TF.js backend; by default TF.js chooses.
import json
from urllib.parse import parse_qs

import numpy as np
from sklearn.datasets import load_digits

import pyapp
from pyapp import layers
from pyscript import display, document, window

status = document.getElementById("status")
backend = parse_qs(str(window.location.search).lstrip("?")).get("backend", [None])[0]
if backend:
    pyapp.backend.set_backend(backend)
status.textContent = "Training on scikit-learn's digits…"

pyapp.utils.set_random_seed(0)
digits = load_digits()
x, y = (digits.data / 16).astype(np.float32), digits.target
model = pyapp.Sequential([
    pyapp.Input(shape=(64,)),
    layers.Dense(32, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = await model.fit(x[:1400], y[:1400], epochs=8, batch_size=32, verbose=0)
loss, accuracy = model.evaluate(x[1400:], y[1400:], verbose=0)

losses = history.history["loss"]
display(f"backend: {pyapp.backend.get_backend()}; training loss {losses[0]:.3f} -> {losses[-1]:.3f}; "
        f"held-out loss {loss:.4f}, accuracy {accuracy:.4f}", target="result")
result = document.getElementById("result")
result.dataset.backend = pyapp.backend.get_backend()
result.dataset.firstLoss, result.dataset.lastLoss = f"{losses[0]:.6f}", f"{losses[-1]:.6f}"
result.dataset.accuracy = f"{accuracy:.6f}"

# A Keras 3 model shipped with the app (pyscript.json's "files" puts it in Python's file
# system), read as it is: a .keras file needs pyfive, which pyapp's wheel declares.
status.textContent = "Predicting with a Keras 3 model…"
keras_model = pyapp.models.load_model("digits_keras.keras")
result.dataset.kerasPredictions = json.dumps(keras_model.predict(x[1400:], verbose=0).tolist())
status.textContent = "Done."
