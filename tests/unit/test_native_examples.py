"""The examples the page runs, unedited, under CPython on Keras 3 (issue 13: one model, two
engines). Each example that needs no sensor runs as `python example.py` in a folder of its
own (with the app's models/ beside it, as the page has them) and meets the bar its page
test sets (tests/browser/test_examples_data.py, test_keras_roundtrip.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "static" / "examples"
NATIVE = sorted(path.stem for path in EXAMPLES.glob("*.py") if "sensors" not in path.read_text())



def run_native(name: str, folder: Path) -> str:
    """Runs static/examples/<name>.py under CPython in `folder`; returns its output."""
    shutil.copytree(ROOT / "static" / "models", folder / "models")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYAPP_VIS_DIR": str(folder / "charts"),
           "PYAPP_MODEL_STORE": str(folder / "store"), "KERAS_BACKEND": "jax"}
    run = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], cwd=folder, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    return run.stdout


def number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in the output:\n{text[-2000:]}"
    return float(found.group(1))


def test_the_examples_without_sensors_are_these():
    assert NATIVE == ["codelab_cars", "digits_cnn", "digits_mlp", "iris_sklearn_vs_pyapp", "keras_roundtrip", "melody_rnn"]


def test_codelab_cars(tmp_path):
    out = run_native("codelab_cars", tmp_path)
    assert "392 cars with both horsepower and MPG" in out
    final_mse = number(r"training MSE on 0\.\.1 data: ([\d.]+)", out)
    assert final_mse < number(r"always predicting the mean: ([\d.]+)", out)
    charts = {path.name for path in (tmp_path / "charts").glob("*.png")}
    assert any("Model_Predictions_vs_Original_Data" in name for name in charts), charts


@pytest.mark.parametrize("name", ["digits_mlp", "digits_cnn"])
def test_digits(name, tmp_path):
    out = run_native(name, tmp_path)
    assert number(r"test accuracy: ([\d.]+) on the jax backend", out) >= 0.9


def test_iris_sklearn_vs_pyapp(tmp_path):
    out = run_native("iris_sklearn_vs_pyapp", tmp_path)
    assert number(r"scikit-learn LogisticRegression: test accuracy ([\d.]+)", out) >= 0.9
    assert number(r"pyapp network: +test accuracy ([\d.]+)", out) >= 0.9


def test_keras_roundtrip(tmp_path):
    """Natively the "page" is Keras itself: the shipped model scores as Keras scores it, is
    fine-tuned, and is kept in the native model store and as a .keras file Keras reads."""
    sys.path.insert(0, str(ROOT / "examples"))
    import keras_roundtrip_server as keras_side

    out = run_native("keras_roundtrip", tmp_path)
    before = number(r"accuracy of the Keras model, predicting in the page: ([\d.]+)", out)
    after = number(r"accuracy after fine-tuning in the page: ([\d.]+)", out)
    assert before == pytest.approx(keras_side.check(keras_side.SHIPPED), abs=1e-3)
    assert after >= 0.9 and after > before
    assert keras_side.check(tmp_path / "digits_finetuned.keras") == pytest.approx(after, abs=1e-3)
    assert (tmp_path / "store" / "indexeddb" / "digits-finetuned.keras").exists()


def test_melody_rnn(tmp_path):
    out = run_native("melody_rnn", tmp_path)
    first, last = (float(v) for v in re.search(r"trained: loss ([\d.]+) -> ([\d.]+)", out).groups())
    assert last < first - 0.3, out
    assert len(re.findall(r"temperature [\d.]+: ((?:\S+ ){31}\S+)$", out, re.MULTILINE)) == 2, out
    assert len(list((tmp_path / "charts").glob("display-*composed*.png"))) == 2, "the piano rolls"
    sound = tmp_path / "pyapp-sound-1.wav"
    assert sound.stat().st_size > 44100, "the melodies, as a WAV file natively"
