"""The fused Adam and RMSprop steps of pyapp/backend/_fused_optimizers.js, run by Node with
TF.js's own tfjs-core, against keras.optimizers.Adam and RMSprop under CPython, step by step."""

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

# Reads {source, optimizer, variable, gradients, rates, options} on stdin; prints the variable
# after each step.
RUNNER = """
const tf = require(process.argv[1]);
const args = JSON.parse(require("fs").readFileSync(0, "utf8"));
const { adamUpdate, adamAlpha, rmspropUpdate } = new Function("tf", args.source)(tf);
const variable = Float32Array.from(args.variable);
const zeros = () => new Float32Array(variable.length);
const [first, second, third] = [zeros(), zeros(), zeros()];
const o = args.options;
const steps = args.gradients.map((values, i) => {
  const gradient = Float32Array.from(values);
  if (args.optimizer === "adam") {
    const alpha = adamAlpha(args.rates[i], o.beta1, o.beta2, i + 1);
    adamUpdate(variable, gradient, first, second, alpha, o.beta1, o.beta2, o.epsilon);
  } else {
    rmspropUpdate(variable, gradient, first, second, o.centered ? third : null, args.rates[i], o.rho, o.momentum,
                  o.epsilon);
  }
  return Array.from(variable);
});
console.log(JSON.stringify(steps));
"""


def _fused_steps(optimizer, variable, gradients, rates, **options):
    arguments = {"source": SOURCE.read_text(), "optimizer": optimizer, "variable": variable.tolist(),
                 "gradients": [g.tolist() for g in gradients], "rates": rates, "options": options}
    done = subprocess.run(["node", "-e", RUNNER, str(TFJS_CORE)], input=json.dumps(arguments), capture_output=True,
                          text=True, check=True, timeout=60)
    return np.array(json.loads(done.stdout), np.float32)


def _keras_steps(optimizer, variable, gradients, rates):
    """The variable after each step of a Keras optimizer, its learning rate set before each."""
    import keras

    weights = keras.Variable(variable)
    steps = []
    for gradient, rate in zip(gradients, rates):
        optimizer.learning_rate = rate
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(gradient), weights)])
        steps.append(np.array(weights.numpy()))
    return np.array(steps)


def _data(seed):
    """A variable, 6 gradients from 1e-9 to 10 (where epsilon is added matters for the small
    ones) and the learning rate at each step, as a schedule or a set learning_rate changes it."""
    rng = np.random.default_rng(seed)
    size = 40
    variable = rng.normal(size=size).astype(np.float32)
    scales = np.logspace(-9, 1, size)
    gradients = [(rng.normal(size=size) * scales).astype(np.float32) for _ in range(6)]
    return variable, gradients, [0.01, 0.01, 0.005, 0.005, 0.002, 0.001]


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
    import keras

    variable, gradients, rates = _data(7)
    fused = _fused_steps("adam", variable, gradients, rates, beta1=beta1, beta2=beta2, epsilon=epsilon)
    keras_steps = _keras_steps(keras.optimizers.Adam(beta_1=beta1, beta_2=beta2, epsilon=epsilon), variable,
                               gradients, rates)
    np.testing.assert_allclose(fused, keras_steps, rtol=1e-6, atol=1e-9)
    # TF.js's own placement of epsilon is measurably different on the same data
    assert np.abs(_tfjs_formula(variable, gradients, rates, beta1, beta2, epsilon) - keras_steps).max() > 1e-4


def _tfjs_centered_rmsprop(variable, gradients, rates, rho, momentum, epsilon):
    """TF.js's centered RMSprop in float64: epsilon subtracted under the square root."""
    value, ms, mg, moment, steps = variable.astype(np.float64), 0.0, 0.0, 0.0, []
    for gradient, rate in zip(gradients, rates):
        ms = rho * ms + (1 - rho) * gradient ** 2
        mg = rho * mg + (1 - rho) * gradient
        moment = momentum * moment + rate * gradient / np.sqrt(ms - (mg ** 2 + epsilon))
        value = value - moment
        steps.append(value)
    return np.array(steps)


@pytest.mark.parametrize("rho, momentum, epsilon, centered",
                         [(0.9, 0.0, 1e-7, False), (0.8, 0.5, 1e-4, False), (0.9, 0.0, 1e-7, True),
                          (0.8, 0.5, 1e-4, True)])
def test_fused_rmsprop_is_keras_rmsprop(rho, momentum, epsilon, centered):
    import keras

    variable, gradients, rates = _data(11)
    fused = _fused_steps("rmsprop", variable, gradients, rates, rho=rho, momentum=momentum, epsilon=epsilon,
                         centered=centered)
    keras_steps = _keras_steps(keras.optimizers.RMSprop(rho=rho, momentum=momentum, epsilon=epsilon,
                                                        centered=centered), variable, gradients, rates)
    np.testing.assert_allclose(fused, keras_steps, rtol=1e-6, atol=1e-9)
    if centered:  # TF.js's own centered step is measurably different on the same data (NaN where ms - mg^2 < epsilon)
        with np.errstate(invalid="ignore"):
            tfjs = _tfjs_centered_rmsprop(variable, gradients, rates, rho, momentum, epsilon)
        assert not np.allclose(tfjs, keras_steps, rtol=1e-4, atol=1e-6, equal_nan=False)
