"""The `scale` bench case's FLOP counts: by hand, and against XLA's own count of the same model."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from cases import scale  # noqa: E402


def test_training_flops_by_hand():
    # convnet: conv 26x26x32 from 3x3x1, pool to 13x13, conv 11x11x64 from 3x3x32, pool to 5x5, dense 1600 -> 10
    convnet = 26 * 26 * 32 * 3 * 3 * 1 + 11 * 11 * 64 * 3 * 3 * 32 + 5 * 5 * 64 * 10
    mlp = 784 * 512 + 512 * 512 + 512 * 10
    lstm = 50 * 4 * 64 * (32 + 64) + 64 * 10  # 50 steps of four gates over [input, state], then the head
    for model, multiply_adds in (("convnet", convnet), ("mlp", mlp), ("lstm", lstm)):
        assert scale.training_flops_per_sample(model) == 3 * 2 * multiply_adds, model
    assert scale.training_flops_per_sample("convnet") == 14_645_760


def test_layer_flops_kernel_forms_and_errors():
    square = scale.layer_flops("Conv2D", {"filters": 8, "kernel_size": 3}, (10, 10, 4), (8, 8, 8))
    assert square == scale.layer_flops("Conv2D", {"filters": 8, "kernel_size": (3, 3)}, (10, 10, 4), (8, 8, 8)) == 2 * 64 * 8 * 9 * 4
    with pytest.raises(ValueError, match="name must be one of"):
        scale.layer_flops("Conv3D", {}, (4, 4, 4, 1), (2, 2, 2, 1))
    with pytest.raises(ValueError, match="model must be one of convnet, mlp, lstm"):
        scale.training_flops_per_sample("resnet")


@pytest.mark.parametrize("model", list(scale.MODELS))
def test_forward_flops_match_xla(model):
    """XLA counts every op of Keras' forward pass on JAX; ours counts the products, so it is a
    little lower (biases, activations, pooling, the LSTM's gate arithmetic), within 5%."""
    keras = scale._keras()
    import jax

    shape, layers = scale.MODELS[model]
    # unrolled, so that XLA counts every step of the LSTM rather than one loop body
    net = keras.Sequential([keras.Input(shape)] + [getattr(keras.layers, name)(**arguments, **({"unroll": True} if name == "LSTM" else {}))
                                                   for name, arguments in layers])
    trainable = [v.value for v in net.trainable_variables]
    fixed = [v.value for v in net.non_trainable_variables]
    compiled = jax.jit(lambda weights, x: net.stateless_call(weights, fixed, x)[0]).lower(
        trainable, np.zeros((1, *shape), np.float32)).compile()
    cost = compiled.cost_analysis()
    xla = (cost[0] if isinstance(cost, list) else cost)["flops"]
    ours = scale.training_flops_per_sample(model) / scale.TRAINING_FACTOR
    assert 0.95 * xla <= ours <= xla, (model, ours, xla)
