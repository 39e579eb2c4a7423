"""The gradient kernels composed for the WASM backend (static/worker/wasm_gradients.js):
equal to the CPU backend's and to float64 numpy over random cases, numerically checked, and
every supported layer trains on WASM without borrowing a kernel from the CPU backend."""

import json
import math

import numpy as np

CASES = 60
TOLERANCE = 1e-4


# ---------------------------------------------------------------- float64 references


def _axis(size, taps, stride, dilation, pad):
    """(outputs, padding before) of one spatial axis, as TF.js's computeConv2DInfo."""
    span = (taps - 1) * dilation + 1
    if pad == "valid":
        return math.ceil((size - span + 1) / stride), 0
    if pad == "same":
        out = math.ceil(size / stride)
        return out, max((out - 1) * stride + span - size, 0) // 2
    before, after = pad
    return (size + before + after - span) // stride + 1, before


def _geometry(case):
    x_shape, f_shape = case["x_shape"], case["filter_shape"]
    pads = ("valid", "valid") if case["pad"] == "valid" else ("same", "same") if case["pad"] == "same" \
        else (tuple(case["pad"][1]), tuple(case["pad"][2]))
    rows = _axis(x_shape[1], f_shape[0], case["strides"][0], case["dilations"][0], pads[0])
    cols = _axis(x_shape[2], f_shape[1], case["strides"][1], case["dilations"][1], pads[1])
    return rows, cols


def _windows(x, case):
    """x's patches, [kh, kw, batch, out_h, out_w, channels], padded with zeros."""
    (out_h, top), (out_w, left) = _geometry(case)
    kh, kw = case["filter_shape"][:2]
    (sh, sw), (dh, dw) = case["strides"], case["dilations"]
    padded = np.zeros((x.shape[0], x.shape[1] + top + (kh - 1) * dh + out_h * sh,
                       x.shape[2] + left + (kw - 1) * dw + out_w * sw, x.shape[3]))
    padded[:, top:top + x.shape[1], left:left + x.shape[2]] = x
    return np.stack([np.stack([padded[:, i * dh:i * dh + (out_h - 1) * sh + 1:sh, j * dw:j * dw + (out_w - 1) * sw + 1:sw]
                               for j in range(kw)]) for i in range(kh)])


def conv(x, w, case):
    """The forward convolution (depthwise if case says so), NHWC, float64."""
    patches = _windows(x, case)
    if case["depthwise"]:
        out = np.einsum("hwbijc,hwcm->bijcm", patches, w)
        return out.reshape(*out.shape[:3], -1)
    return np.einsum("hwbijc,hwco->bijo", patches, w)


def filter_gradient(x, dy, case):
    patches = _windows(x, case)
    if case["depthwise"]:
        dy = dy.reshape(*dy.shape[:3], x.shape[3], -1)
        return np.einsum("hwbijc,bijcm->hwcm", patches, dy)
    return np.einsum("hwbijc,bijo->hwco", patches, dy)


def input_gradient(w, dy, case):
    """d sum(conv(x, w) * dy) / dx: conv is linear in x, so its adjoint applied to dy."""
    x_shape = case["x_shape"]
    basis = np.eye(int(np.prod(x_shape))).reshape(-1, *x_shape)
    return np.array([np.sum(conv(e, w, case) * dy) for e in basis]).reshape(x_shape)


def segment_sum(x, ids, num_segments):
    out = np.zeros((num_segments, *x.shape[ids.ndim:]))
    valid = (ids >= 0) & (ids < num_segments)
    np.add.at(out, ids[valid], x[valid])
    return out


# ---------------------------------------------------------------- random cases


def _conv_case(rng, kernel):
    depthwise = kernel.startswith("Depthwise")
    kh, kw = rng.integers(1, 4, 2)
    strides = [int(v) for v in rng.integers(1, 4, 2)]
    dilations = [1, 1]
    if depthwise and rng.random() < 0.4:  # TF.js asks strides or dilations to be 1
        strides, dilations = [1, 1], [int(v) for v in rng.integers(1, 3, 2)]
    height = int(rng.integers((kh - 1) * dilations[0] + 1, 10))
    width = int(rng.integers((kw - 1) * dilations[1] + 1, 10))
    channels, batch = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    out_channels = int(rng.integers(1, 3)) if depthwise else int(rng.integers(1, 5))
    pad = ["same", "valid", "explicit"][rng.integers(3)]
    if pad == "explicit":
        pad = [[0, 0], [int(v) for v in rng.integers(0, 3, 2)], [int(v) for v in rng.integers(0, 3, 2)], [0, 0]]
    case = {"kernel": kernel, "depthwise": depthwise, "x_shape": [batch, height, width, channels],
            "filter_shape": [int(kh), int(kw), channels, out_channels], "strides": strides,
            "dilations": dilations, "pad": pad}
    (out_h, _), (out_w, _) = _geometry(case)
    if out_h < 1 or out_w < 1:
        return None
    dy_shape = [batch, out_h, out_w, channels * out_channels if depthwise else out_channels]
    x = rng.normal(size=case["x_shape"]).astype(np.float32)
    w = rng.normal(size=case["filter_shape"]).astype(np.float32)
    dy = case["dy"] = rng.normal(size=dy_shape).astype(np.float32)
    attrs = {"strides": strides, "pad": pad}
    if depthwise:
        attrs["dilations"] = dilations
    else:
        attrs["dataFormat"] = "NHWC"
    if kernel.endswith("BackpropInput"):
        attrs["inputShape"] = case["x_shape"]
        case["inputs"] = {"dy": dy, "filter": w}
        case["reference"] = lambda: input_gradient(w.astype(float), dy.astype(float), case)
    else:
        attrs["filterShape"] = case["filter_shape"]
        case["inputs"] = {"x": x, "dy": dy}
        case["reference"] = lambda: filter_gradient(x.astype(float), dy.astype(float), case)
    if not depthwise and rng.random() < 0.25:
        attrs["dataFormat"] = "NCHW"
        case["inputs"] = {name: v.transpose(0, 3, 1, 2) if v.ndim == 4 and name != "filter" else v
                          for name, v in case["inputs"].items()}
        if pad not in ("same", "valid"):
            attrs["pad"] = [pad[0], pad[3], pad[1], pad[2]]
        if kernel == "Conv2DBackpropInput":
            attrs["inputShape"] = [case["x_shape"][i] for i in (0, 3, 1, 2)]
            nhwc = case["reference"]
            case["reference"] = lambda: nhwc().transpose(0, 3, 1, 2)
    case["attrs"] = attrs
    # The CPU backend's depthwise gradients ignore dilations (core's gradient never asks).
    case["cpu_comparable"] = dilations == [1, 1]
    return case


def _segment_case(rng):
    ids_shape = [int(v) for v in rng.integers(1, 6, rng.integers(1, 3))]
    num_segments = int(rng.integers(1, 7))
    low, high = (-2, num_segments + 2) if rng.random() < 0.3 else (0, num_segments)
    ids = rng.integers(low, high, ids_shape).astype(np.int32)
    x = rng.normal(size=ids_shape + [int(v) for v in rng.integers(1, 4, rng.integers(0, 2))]).astype(np.float32)
    return {"kernel": "UnsortedSegmentSum", "inputs": {"x": x, "segmentIds": ids}, "attrs": {"numSegments": num_segments},
            "reference": lambda: segment_sum(x.astype(float), ids, num_segments),
            # The CPU backend sums over the first axis only, right for one-dimensional ids.
            "cpu_comparable": len(ids_shape) == 1}


def _matmul_case(rng, kernel):
    """A product with at least one operand transposed (the untransposed one is XNNPACK's own);
    the fused kernel with a bias and relu, as Dense's forward step runs it."""
    transpose_a, transpose_b = [(True, False), (False, True), (True, True)][int(rng.integers(0, 3))]
    batch, rows, inner, cols = (int(v) for v in rng.integers(1, 40, 4))
    if kernel == "_FusedMatMul":
        # As Dense runs it (tfjs-layers reshapes to 2-D). The backend adds a bias to the first
        # matrix of a batch only, transposed or not: a bug off every layer's path, left alone.
        batch = 1
    a = rng.normal(size=(batch, inner, rows) if transpose_a else (batch, rows, inner)).astype(np.float32)
    b = rng.normal(size=(batch, cols, inner) if transpose_b else (batch, inner, cols)).astype(np.float32)
    inputs, attrs = {"a": a, "b": b}, {"transposeA": transpose_a, "transposeB": transpose_b}
    if kernel == "_FusedMatMul":
        inputs["bias"] = rng.normal(size=cols).astype(np.float32)
        attrs.update(activation="relu", leakyreluAlpha=0)

    def reference():
        product = np.matmul(np.swapaxes(a, 1, 2) if transpose_a else a, np.swapaxes(b, 1, 2) if transpose_b else b)
        return np.maximum(product + inputs["bias"], 0) if kernel == "_FusedMatMul" else product

    return {"kernel": kernel, "inputs": inputs, "attrs": attrs, "reference": reference, "cpu_comparable": True}


def random_cases(seed=15):
    rng = np.random.default_rng(seed)
    kernels = ["Conv2DBackpropFilter"] * 14 + ["Conv2DBackpropInput"] * 10 + ["DepthwiseConv2dNativeBackpropFilter"] * 10 + \
        ["DepthwiseConv2dNativeBackpropInput"] * 10 + ["UnsortedSegmentSum"] * 8 + ["BatchMatMul"] * 5 + ["_FusedMatMul"] * 3
    cases = []
    for kernel in kernels:
        case = None
        while case is None:
            case = _segment_case(rng) if kernel == "UnsortedSegmentSum" else \
                _matmul_case(rng, kernel) if kernel.endswith("MatMul") else _conv_case(rng, kernel)
        cases.append(case)
    return cases


def test_random_cases_cover_the_attributes():
    cases = random_cases()
    assert len(cases) == CASES
    convs = [c for c in cases if "Conv" in c["kernel"]]
    assert {str(c["attrs"]["pad"])[:5] for c in convs} >= {"same", "valid", "[[0, "}
    assert any(max(c["attrs"]["strides"]) > 1 for c in convs) and any(max(c["dilations"]) > 1 for c in convs)
    assert any(c["attrs"].get("dataFormat") == "NCHW" for c in convs)
    assert any(c["x_shape"][0] > 1 for c in convs) and any(c["filter_shape"][3] > 1 for c in convs if c["depthwise"])
    assert any((c["inputs"]["segmentIds"] < 0).any() for c in cases if c["kernel"] == "UnsortedSegmentSum")
    products = [(c["kernel"], c["attrs"]["transposeA"], c["attrs"]["transposeB"]) for c in cases if c["kernel"].endswith("MatMul")]
    assert {(a, b) for _, a, b in products} == {(True, False), (False, True), (True, True)}


def test_references_are_numeric_gradients():
    """The float64 references equal central differences of the forward convolution."""
    rng = np.random.default_rng(1)
    for case in [c for c in random_cases() if "Conv" in c["kernel"]][::5]:
        x, w = rng.normal(size=case["x_shape"]), rng.normal(size=case["filter_shape"])
        dy = case["dy"].astype(float)  # NHWC, as conv() is
        by_input = case["kernel"].endswith("BackpropInput")
        point = x if by_input else w
        loss = (lambda v: np.sum(conv(v, w, case) * dy)) if by_input else (lambda v: np.sum(conv(x, v, case) * dy))
        numeric = np.zeros_like(point)
        for index in np.ndindex(point.shape):
            step = np.zeros_like(point)
            step[index] = 1e-3
            numeric[index] = (loss(point + step) - loss(point - step)) / 2e-3
        exact = input_gradient(w, dy, case) if by_input else filter_gradient(x, dy, case)
        assert np.abs(numeric - exact).max() < 1e-6 * max(1, np.abs(exact).max()), case["kernel"]


# ---------------------------------------------------------------- in the page

KERNELS_IN_PAGE = r"""
import json
from pyodide.code import run_js
reply = await run_js('''(async () => {
  const cases = %s;
  const previous = tf.getBackend();
  const borrowedBefore = JSON.stringify(globalThis.pyappBorrowedKernelCalls);
  const results = {};
  for (const backendName of ["wasm", "cpu"]) {
    await tf.setBackend(backendName);
    const backend = tf.backend();
    results[backendName] = cases.map((c) => {
      const dataIds = backend.numDataIds();
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([name, v]) => [name, tf.tensor(v.data, v.shape, v.dtype)]));
      try {
        const out = tf.engine().runKernel(c.kernel, inputs, c.attrs);
        const reply = {shape: out.shape, values: Array.from(out.dataSync())};
        out.dispose();
        tf.dispose(Object.values(inputs));
        return {...reply, leaked: backend.numDataIds() - dataIds};
      } catch (error) {
        tf.dispose(Object.values(inputs));
        return {error: String(error.message || error)};
      }
    });
  }
  await tf.setBackend(previous);
  results.borrowed = borrowedBefore !== JSON.stringify(globalThis.pyappBorrowedKernelCalls);
  return JSON.stringify(results);
})()''')
reply
"""


def _page_case(case):
    return {"kernel": case["kernel"], "attrs": case["attrs"],
            "inputs": {name: {"data": v.ravel().tolist(), "shape": list(v.shape), "dtype": "int32" if v.dtype == np.int32 else "float32"}
                       for name, v in case["inputs"].items()}}


def _relative(a, b):
    if a.shape != b.shape:
        return math.inf
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-6)) if b.size else 0.0


def test_gradient_kernels_match_cpu_and_numpy(app):
    """All cases in one page session: WASM against float64 numpy and the CPU backend, no leaks."""
    cases = random_cases()
    reply = app.check(KERNELS_IN_PAGE % json.dumps([_page_case(c) for c in cases]))
    results = json.loads(eval(reply))  # the repr of a JSON string
    assert not results["borrowed"]
    failures = []
    for index, (case, wasm, cpu) in enumerate(zip(cases, results["wasm"], results["cpu"])):
        reference = case["reference"]()
        if "error" in wasm:
            failures.append((index, case["kernel"], wasm["error"]))
            continue
        ours = np.array(wasm["values"]).reshape(wasm["shape"])
        if wasm["leaked"]:
            failures.append((index, case["kernel"], case["attrs"], "leaked", wasm["leaked"]))
        if _relative(ours, reference) > TOLERANCE:
            failures.append((index, case["kernel"], case["attrs"], "numpy", ours.shape, _relative(ours, reference)))
        if case["cpu_comparable"]:
            theirs = np.array(cpu["values"]).reshape(cpu["shape"])
            if _relative(ours, theirs) > TOLERANCE:
                failures.append((index, case["kernel"], case["attrs"], "cpu", _relative(ours, theirs)))
    assert not failures, failures


TRAIN_EACH_LAYER = r"""
import json
import numpy as np
import pyapp
from pyapp import layers
from js import JSON, pyappBorrowedKernelCalls

pyapp.backend.set_backend("wasm")
rng = np.random.default_rng(0)
image, seq, volume = (8, 8, 2), (6, 3), (4, 4, 4, 1)
models = {
    "Dense": ((5,), [layers.Dense(3)]),
    "Conv1D": (seq, [layers.Conv1D(3, 2, strides=2, padding="same"), layers.Flatten()]),
    "Conv2D": (image, [layers.Conv2D(3, 3, strides=2, padding="same"), layers.Flatten()]),
    "Conv3D": (volume, [layers.Conv3D(2, 2), layers.Flatten()]),
    "SeparableConv2D": (image, [layers.SeparableConv2D(3, 3, depth_multiplier=2), layers.Flatten()]),
    "DepthwiseConv2D": (image, [layers.DepthwiseConv2D(3, strides=2, padding="same"), layers.Flatten()]),
    "Conv2DTranspose": (image, [layers.Conv2DTranspose(2, 3, strides=2), layers.Flatten()]),
    "Embedding": ((4,), [layers.Embedding(7, 3), layers.Flatten()]),
    "LSTM": (seq, [layers.LSTM(4)]),
    "GRU": (seq, [layers.GRU(4)]),
    "SimpleRNN": (seq, [layers.SimpleRNN(4)]),
    "MaxPooling1D": (seq, [layers.Conv1D(2, 1), layers.MaxPooling1D(2), layers.GlobalMaxPooling1D()]),
    "AveragePooling1D": (seq, [layers.Conv1D(2, 1), layers.AveragePooling1D(2), layers.GlobalAveragePooling1D()]),
    "MaxPooling2D": (image, [layers.Conv2D(2, 1), layers.MaxPooling2D(2), layers.GlobalMaxPooling2D()]),
    "AveragePooling2D": (image, [layers.Conv2D(2, 1), layers.AveragePooling2D(2), layers.GlobalAveragePooling2D()]),
    "AveragePooling3D": (volume, [layers.Conv3D(2, 1), layers.AveragePooling3D(2), layers.Flatten()]),
}
before = JSON.stringify(pyappBorrowedKernelCalls)
results = {}
for name, (shape, stack) in models.items():
    ids = name == "Embedding"
    model = pyapp.Sequential([pyapp.Input(shape, dtype="int32" if ids else "float32"), *stack, layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = rng.integers(0, 7, (4, *shape)).astype(np.int32) if ids else rng.normal(size=(4, *shape)).astype(np.float32)
    y = rng.normal(size=(4, 1)).astype(np.float32)
    first = [w.copy() for w in model.get_weights()]
    history = await model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    changed = [bool(np.any(a != b)) for a, b in zip(first, model.get_weights())]
    results[name] = {"loss": history.history["loss"][-1], "all_weights_changed": all(changed)}
results["borrowed"] = before != JSON.stringify(pyappBorrowedKernelCalls)
json.dumps(results)
"""


def test_every_layer_trains_on_wasm_without_the_cpu_backend(app):
    try:
        results = json.loads(eval(app.check(TRAIN_EACH_LAYER)))
    finally:
        app.check(f"import pyapp\npyapp.backend.set_backend({app.info['backend']!r})")
    assert results.pop("borrowed") is False
    for name, result in results.items():
        assert math.isfinite(result["loss"]) and result["all_weights_changed"], (name, result)
