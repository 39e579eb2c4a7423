"""pyapp.distribution natively: Keras 3's data parallelism on two virtual CPU devices (JAX)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DATA_PARALLEL = r'''
import json, sys
import numpy as np, pyapp
from pyapp import layers
devices = pyapp.distribution.list_devices("cpu")
pyapp.distribution.set_distribution(pyapp.distribution.DataParallel(devices=devices))
pyapp.utils.set_random_seed(0)
model = pyapp.Sequential([pyapp.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
rng = np.random.default_rng(0)
x = rng.normal(size=(256, 8)).astype("float32"); y = x.sum(1, keepdims=True)
history = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
kernel = model._engine_model.trainable_variables[0].value  # the engine's own (Keras) weights
model.save(sys.argv[1])
print(json.dumps({"devices": devices, "losses": history.history["loss"],
                  "kernel_on": len(kernel.sharding.device_set),
                  "distribution": type(pyapp.distribution.distribution()).__name__}))
'''


def test_data_parallel_on_two_devices_trains_and_ships_a_keras_file(tmp_path):
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2", "KERAS_BACKEND": "jax",
           "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", DATA_PARALLEL, str(tmp_path / "model.keras")], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["devices"] == ["cpu:0", "cpu:1"] and result["distribution"] == "DataParallel"
    assert result["kernel_on"] == 2, "the weights are on both devices"
    assert result["losses"][-1] < 0.8 * result["losses"][0], result["losses"]
    from pyapp import io as model_io

    assert [layer.class_name for layer in model_io.read_keras(tmp_path / "model.keras").layers] == [
        "InputLayer", "Dense", "Dense"]
