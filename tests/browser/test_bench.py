"""`build.py bench --quick`: the benchmark suite runs and every case produces numbers.

A smoke test of the suite, not a measurement: nothing here asserts a timing.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_quick_writes_every_case(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads((tmp_path / "quick.json").read_text())
    assert data["quick"] is True and data["browser"].startswith("Chromium") and data["machine"]["cpus"] >= 1
    assert (tmp_path / "quick.html").read_text().count("<svg") >= 3
    cases = {figure["case"] for figure in data["figures"]}
    assert cases == {"startup", "bridge", "training"}
    for figure in data["figures"]:
        assert {"case", "name", "variant", "unit", "min", "median", "max", "runs"} <= set(figure)
        assert all(isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in figure["runs"]), figure
        assert figure["min"] <= figure["median"] <= figure["max"]
    variants = {(f["name"], f["variant"]) for f in data["figures"]}
    assert ("mlp_wasm_samples_per_s", "pyapp") in variants and ("mlp_wasm_samples_per_s", "plain-tfjs") in variants
    assert ("python_ready", "bare-served") in variants
