"""The keras_roundtrip example: a model trained in native Keras opens in the page, is
fine-tuned there, and its saved `.keras` file loads in Keras again (issue 6)."""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: F401,E402 - in the tools lock: a missing one fails
sys.path.insert(0, str(ROOT / "examples"))
import keras_roundtrip_server as keras_side  # noqa: E402

EXAMPLE = (ROOT / "static" / "examples" / "keras_roundtrip.py").read_text()


def test_example_fine_tunes_a_keras_model_and_keras_reads_it_back(app, tmp_path):
    before, after = eval(app.check(EXAMPLE))
    # The page predicts with Keras' own weights: Keras scores the shipped file the same.
    assert before == pytest.approx(keras_side.check(keras_side.SHIPPED), abs=1e-9)
    assert after >= 0.9 and after > before
    saved = base64.b64decode(app.check("import base64\nbase64.b64encode(open('digits_finetuned.keras', 'rb').read()).decode()").strip("'"))
    (tmp_path / "finetuned.keras").write_bytes(saved)
    assert keras_side.check(tmp_path / "finetuned.keras") == pytest.approx(after, abs=1e-9)
    assert app.check("'indexeddb://digits-finetuned' in pyapp.models.list_models()") == "True"
