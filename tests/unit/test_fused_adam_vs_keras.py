"""The fused Adam step of pyapp/backend/_fused_optimizers.js, run by Node with TF.js's own
tfjs-core, against keras.optimizers.Adam under CPython, step by step."""

import json
import os
import shutil
import subprocess

import numpy as np
import pytest

import build

os.environ.setdefault("KERAS_BACKEND", "jax")

SOURCE = build.ROOT / "pyapp" / "backend" / "_fused_optimizers.js"
TFJS_CORE = build.NODE_MODULES / "@tensorflow" / "tfjs-core"
pytestmark = pytest.mark.skipif(shutil.which("node") is None or not TFJS_CORE.exists(),
                                reason="needs Node and node_modules (python3 build.py build)")

# Reads {source, variable, gradients, rates, beta1, beta2, epsilon} on stdin; prints the
# variable after each step.
RUNNER = """
const tf = require(process.argv[1]);
const args = JSON.parse(require("fs").readFileSync(0, "utf8"));
const { adamUpdate, adamAlpha } = new Function("tf", args.source)(tf);
const variable = Float32Array.from(args.variable);
const m = new Float32Array(variable.length), v = new Float32Array(variable.length);
const steps = args.gradients.map((gradient, i) => {
  const alpha = adamAlpha(args.rates[i], args.beta1, args.beta2, i + 1);
  adamUpdate(variable, Float32Array.from(gradient), m, v, alpha, args.beta1, args.beta2, args.epsilon);
  return Array.from(variable);
});
console.log(JSON.stringify(steps));
"""


def _fused_steps(variable, gradients, rates, beta1, beta2, epsilon):
    arguments = {"source": SOURCE.read_text(), "variable": variable.tolist(),
                 "gradients": [g.tolist() for g in gradients], "rates": rates, "beta1": beta1, "beta2": beta2,
                 "epsilon": epsilon}
    done = subprocess.run(["node", "-e", RUNNER, str(TFJS_CORE)], input=json.dumps(arguments), capture_output=True,
                          text=True, check=True, timeout=60)
    return np.array(json.loads(done.stdout), np.float32)


def _keras_steps(variable, gradients, rates, beta1, beta2, epsilon):
    import keras

    weights = keras.Variable(variable)
    optimizer = keras.optimizers.Adam(learning_rate=rates[0], beta_1=beta1, beta_2=beta2, epsilon=epsilon)
    steps = []
    for gradient, rate in zip(gradients, rates):
        optimizer.learning_rate = rate
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(gradient), weights)])
        steps.append(np.array(weights.numpy()))
    return np.array(steps)


def _tfjs_formula(variable, gradients, rates, beta1, beta2, epsilon):
    """TF.js's Adam in float64: epsilon added to the bias-corrected sqrt(v)."""
    value, m, v, steps = variable.astype(np.float64), 0.0, 0.0, []
    for t, (gradient, rate) in enumerate(zip(gradients, rates), start=1):
        m = beta1 * m + (1 - beta1) * gradient
        v = beta2 * v + (1 - beta2) * gradient ** 2
        value = value - rate * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + epsilon)
        steps.append(value)
    return np.array(steps)


@pytest.mark.parametrize("beta1, beta2, epsilon", [(0.9, 0.999, 1e-7), (0.8, 0.99, 1e-4)])
def test_fused_adam_is_keras_adam(beta1, beta2, epsilon):
    rng = np.random.default_rng(7)
    size = 40
    variable = rng.normal(size=size).astype(np.float32)
    # gradients from 1e-9 to 10: where epsilon is added matters for the small ones
    scales = np.logspace(-9, 1, size)
    gradients = [(rng.normal(size=size) * scales).astype(np.float32) for _ in range(6)]
    rates = [0.01, 0.01, 0.005, 0.005, 0.002, 0.001]  # as a schedule or a set learning_rate changes it

    fused = _fused_steps(variable, gradients, rates, beta1, beta2, epsilon)
    keras_steps = _keras_steps(variable, gradients, rates, beta1, beta2, epsilon)
    np.testing.assert_allclose(fused, keras_steps, rtol=1e-6, atol=1e-9)
    # TF.js's own placement of epsilon is measurably different on the same data
    assert np.abs(_tfjs_formula(variable, gradients, rates, beta1, beta2, epsilon) - keras_steps).max() > 1e-4
