"""Trains a small network on scikit-learn's 8x8 handwritten digits, with live charts, and
keeps it in the browser's storage: `python -m digits_app.main`, in the page or natively."""

import json
from importlib import resources

import numpy as np
import pyapp
from pyapp import layers
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

MODEL_URL = "indexeddb://digits-app"
SHOWN_PREDICTIONS = 5


def load_settings() -> dict:
    """The training settings shipped in the package, data/settings.json."""
    settings = resources.files("digits_app") / "data" / "settings.json"
    return json.loads(settings.read_text(encoding="utf-8"))


def main() -> None:
    settings = load_settings()
    class_names = settings["class_names"]

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data / 16, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
    print(f"{len(x_train)} training and {len(x_test)} test pictures of 8x8 pixels")

    pyapp.utils.set_random_seed(0)
    model = pyapp.Sequential([
        pyapp.Input(shape=(64,)),
        layers.Dense(settings["hidden_units"], activation="relu"),
        layers.Dense(len(class_names), activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    pyapp.vis.show_model_summary(model)

    charts = pyapp.vis.fit_callbacks(["loss", "val_loss", "accuracy", "val_accuracy"])
    model.fit(x_train, y_train, epochs=settings["epochs"], batch_size=settings["batch_size"],
              validation_split=0.15, callbacks=[charts])

    probabilities = model.predict(x_test, verbose=0)
    predicted = probabilities.argmax(axis=1)
    pyapp.vis.confusion_matrix(y_test, predicted, class_names=class_names)
    shown = slice(SHOWN_PREDICTIONS)
    for image, truth, guess in zip(x_test[shown], y_test[shown], predicted[shown]):
        pyapp.vis.display(image.reshape(8, 8), title=f"predicted {class_names[guess]}, true {class_names[truth]}")

    model.save(MODEL_URL)
    reloaded = pyapp.models.load_model(MODEL_URL)
    if not np.allclose(reloaded.predict(x_test, verbose=0), probabilities, atol=1e-5):
        raise RuntimeError(f"the model loaded back from {MODEL_URL} predicts differently from the one saved")
    print(f"saved to {MODEL_URL}")
    print(f"test accuracy: {np.mean(predicted == y_test):.3f}")


if __name__ == "__main__":
    main()
