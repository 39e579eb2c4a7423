"""The example app examples/apps/digits_app runs natively, on Keras 3, as
`python -m digits_app.main` with the project on PYTHONPATH (its settings read as package
data), trains to the bar the page's digits examples meet, and keeps its model in the
native model store."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "examples" / "apps" / "digits_app"


def test_digits_app_runs_natively(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT), str(ROOT)]),
           "PYAPP_VIS_DIR": str(tmp_path / "charts"), "PYAPP_MODEL_STORE": str(tmp_path / "store"),
           "KERAS_BACKEND": "jax"}
    run = subprocess.run([sys.executable, "-m", "digits_app.main"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    assert lines[-2] == "saved to indexeddb://digits-app", run.stdout[-2000:]
    accuracy = re.fullmatch(r"test accuracy: (\d\.\d{3})", lines[-1])
    assert accuracy, f"last line: {lines[-1]!r}"
    assert float(accuracy.group(1)) >= 0.9
    assert (tmp_path / "store" / "indexeddb" / "digits-app.keras").exists()
    charts = {path.name for path in (tmp_path / "charts").glob("*.png")}
    assert any("Confusion_Matrix" in name for name in charts), charts
