"""The data examples (static/examples/) run unedited, start to finish, in the page opened
both ways, and meet their bars; the codelab's final chart is screenshot into tests/artifacts/."""

import time
from pathlib import Path

import pytest

from conftest import chart, wait_drawn

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "static" / "examples"
ARTIFACTS = ROOT / "tests" / "artifacts"


def run_example(app, name: str) -> dict:
    code = (EXAMPLES / name).read_text()
    assert code.startswith("# ") and ":" in code.partition("\n")[0], "first line must be '# Title: summary'"
    started = time.monotonic()
    reply = app.run(code, timeout=300_000)
    assert reply["error"] is None, reply["error"]["traceback"] or reply["error"]["message"]
    print(f"{name} ({app.mode}): {time.monotonic() - started:.1f} s")
    return reply


def test_codelab_cars(app):
    reply = run_example(app, "codelab_cars.py")
    assert "392 cars with both horsepower and MPG" in reply["stdout"]
    final_mse, constant_mse = (float(v) for v in app.check("(final_mse, constant_mse)").strip("()").split(","))
    assert final_mse < constant_mse, f"training MSE {final_mse} is not below a constant predictor's {constant_mse}"
    # Predictions are back in MPG (un-normalised), and plotted over the 392 cars.
    low, high = (float(v) for v in app.check("(float(predicted.min()), float(predicted.max()))").strip("()").split(","))
    assert 5 < low < high < 50
    assert wait_drawn(app, chart("Horsepower v MPG"), 392) == 392
    assert wait_drawn(app, chart("Model Predictions vs Original Data"), 492) == 392 + 100
    assert wait_drawn(app, chart("Training Performance", "epoch: loss"), 50) == 50
    ARTIFACTS.mkdir(exist_ok=True)
    surface = app.page.locator('[data-surface="Model Predictions vs Original Data"]')
    surface.scroll_into_view_if_needed()
    surface.screenshot(path=str(ARTIFACTS / f"codelab_predictions_{app.mode}.png"))


def test_digits_cnn(app):
    reply = run_example(app, "digits_cnn.py")
    accuracy = float(app.check("test_accuracy"))
    assert accuracy >= 0.9, reply["stdout"]
    assert int(app.check("int(matrix.sum())")) == int(app.check("len(y_test)")) == 450
    assert wait_drawn(app, chart("Confusion Matrix"), 450) == 450
    assert wait_drawn(app, chart("Model Training", "epoch: accuracy"), 40) == 40  # accuracy and val_accuracy, 20 epochs
    assert wait_drawn(app, chart("Model Summary"), 5) == 5


def test_iris_sklearn_vs_pyapp(app):
    run_example(app, "iris_sklearn_vs_pyapp.py")
    sklearn_accuracy, pyapp_accuracy = (float(v) for v in
                                        app.check("(sklearn_accuracy, pyapp_accuracy)").strip("()").split(","))
    assert sklearn_accuracy >= 0.9 and pyapp_accuracy >= 0.9
    assert wait_drawn(app, chart("scikit-learn vs pyapp"), 2) == 2
    assert wait_drawn(app, chart("pyapp: confusion matrix"), 45) == 45


@pytest.mark.parametrize("name", ["codelab_cars.py", "digits_cnn.py", "iris_sklearn_vs_pyapp.py"])
def test_example_is_in_the_menu(dist, name):
    import json

    index = json.loads((dist / "examples" / "index.json").read_text())
    assert f"examples/{name}" in [entry["file"] for entry in index]
    assert index[0]["name"] == "codelab_cars"  # the default example


def test_sklearn_objects_work_with_pyapp_models(app):
    """A scikit-learn Pipeline (MinMaxScaler, then a pyapp model as its last step) and
    train_test_split, used as they are."""
    accuracy = app.check("""
import warnings
import pyapp
from pyapp import layers
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

iris = pyapp.datasets.load_iris()
x_train, x_test, y_train, y_test = train_test_split(iris.data, iris.target, test_size=0.3, random_state=0,
                                                    stratify=iris.target)
pyapp.utils.set_random_seed(0)
model = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax")])
model.compile(optimizer=pyapp.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
pipeline = make_pipeline(MinMaxScaler(), model).fit(x_train, y_train, sequential__epochs=60, sequential__verbose=0)
with warnings.catch_warnings():
    warnings.simplefilter("error")  # scikit-learn sees a pyapp model as fitted: no FutureWarning
    predicted = pipeline.predict(x_test).argmax(axis=1)
float((predicted == y_test).mean())
""")
    assert float(accuracy) >= 0.9


def test_to_tensor_in_the_page(app):
    reply = app.check("""
import numpy as np
import pyapp
before = pyapp.backend.memory()["num_tensors"]
tensor = pyapp.data.to_tensor(np.arange(6.0).reshape(2, 3))
seen = (list(tensor.shape), str(tensor.dtype), pyapp.backend.convert_to_numpy(tensor).tolist())
tensor.dispose()
try:
    pyapp.data.to_tensor(np.zeros((0, 3)))
except ValueError as error:
    seen += (str(error),)
seen + (pyapp.backend.memory()["num_tensors"] - before,)
""")
    assert reply == ("([2, 3], 'float32', [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], "
                     "'to_tensor: the array is empty (shape (0, 3))', 0)")
