# Digits with a small MLP: train a 64-64-10 network on scikit-learn's handwritten digits, in this page.
import numpy as np
import pyapp
from pyapp import layers
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    digits.data / 16, digits.target, test_size=0.25, random_state=0)

pyapp.utils.set_random_seed(0)
model = pyapp.Sequential([
    pyapp.Input(shape=(64,)),
    layers.Dense(64, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
model.fit(x_train, y_train, epochs=10, validation_split=0.2)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {accuracy:.3f} on the {pyapp.backend.get_backend()} backend")
