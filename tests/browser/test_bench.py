"""`build.py bench --quick`: the benchmark suite runs and every case produces numbers.

A smoke test of the suite, not a measurement: nothing here asserts a timing.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_bench_quick_writes_every_case(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads((tmp_path / "quick.json").read_text())
    assert data["quick"] is True and data["browser"].startswith("Chromium") and data["machine"]["cpus"] >= 1
    assert (tmp_path / "quick.html").read_text().count("<svg") >= 3
    cases = {figure["case"] for figure in data["figures"]}
    assert cases == {"startup", "bridge", "training", "inference", "memory", "sensors", "native", "apps", "melody", "scale"}
    for figure in data["figures"]:
        assert {"case", "name", "variant", "unit", "min", "median", "max", "runs"} <= set(figure)
        assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in figure["runs"]), figure
        # Counts of tensors left alive are 0 when nothing leaks; every other figure is a measure.
        assert all(v >= 0 if figure["unit"] == "tensors" else v > 0 for v in figure["runs"]), figure
        assert figure["min"] <= figure["median"] <= figure["max"]
    variants = {(f["name"], f["variant"]) for f in data["figures"]}
    for name in ("mlp_wasm_samples_per_s", "predict_1_wasm-threads_ms", "predict_1024_wasm-threads_samples_per_s",
                 "mlp_wasm-threads_peak_worker_js_heap", "mlp_wasm-threads_peak_main_js_heap",
                 "mlp_wasm-threads_pyodide_wasm_memory", "mlp_wasm-threads_tensors_alive_after"):
        assert (name, "pyapp") in variants and (name, "plain-tfjs") in variants, name
    for variant in ("bare-served", "pyscript-served", "app-served", "app-file"):
        assert ("python_ready", variant) in variants and ("numpy_sklearn_imported", variant) in variants, variant
    assert ("first_prediction", "app-served") in variants
    stacked = {(f["stack"], f["phase"]) for f in data["figures"] if f["name"] == "ready_timeline"}
    assert ("app-file", "Python initialised (wasm, standard library)") in stacked, stacked
    assert len({phase for stack, phase in stacked if stack == "app-served"}) >= 6, stacked
    for variant in ("digits-app-file", "digits-app-served"):  # a user's own app beside the IDE
        assert ("python_ready", variant) in variants and ("program_finished", variant) in variants
    assert {("folder_size", "digits-app"), ("folder_size", "ide")} <= variants
    for kind in ("mlp", "cnn"):  # pyapp on its Keras engine beside plain Keras
        assert {(f"{kind}_jax_train_samples_per_s", v) for v in ("plain-keras", "pyapp-keras")} <= variants
    # Backend choice: the app's own pick beside the best measured, for training and inference.
    for name in ("mlp_auto_backend_samples_per_s", "predict_1_auto_backend_ms", "predict_1024_auto_backend_samples_per_s"):
        picked = {variant.split("-", 1)[0] for n, variant in variants if n == name}
        assert picked == {"auto", "best"}, (name, picked)
    # Scale: pyapp, plain TF.js and native Keras side by side, in samples/s and in GFLOP/s.
    scale = {(f["name"], f["variant"]): f["median"] for f in data["figures"] if f["case"] == "scale"}
    for variant in ("native-keras-jax", "plain-tfjs-wasm-threads", "pyapp-wasm-threads"):
        speed, gflops = scale["mlp_samples_per_s", variant], scale["mlp_gflop_per_s", variant]
        assert gflops == pytest.approx(speed * 4_012_032 / 1e9), variant  # the MLP 784-512-512-10: 4.01 MFLOP a sample
    assert {variant.split("-", 1)[0] for name, variant in scale if name == "mlp_auto_backend_samples_per_s"} == {"auto", "best"}
