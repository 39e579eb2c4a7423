"""The bridge: numpy to tensor and back, against the page's own memcpy limit.

For 1e3..1e7 float32 elements: MB/s of a numpy array made into a TF.js tensor, and of a
tensor read back into numpy, each next to a plain `Float32Array.slice()` of the same size
in the same worker (one copy: the most any transfer can do).
"""

SIZES = (10**3, 10**4, 10**5, 10**6, 10**7)

ROUND_TRIP = """
import time
import numpy as np
from js import Float32Array, performance
from pyapp.backend import convert_to_numpy, convert_to_tensor

def seconds_per(fn, reps):
    started = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - started) / reps

results = {}
for n in SIZES:
    reps = max(3, 3 * 10**6 // n)
    x = np.random.default_rng(0).random(n, dtype=np.float32)
    def to_tensor():
        convert_to_tensor(x).dispose()
    tensor = convert_to_tensor(x)
    def to_numpy():
        convert_to_numpy(tensor)
    assert (convert_to_numpy(tensor) == x).all()
    source = Float32Array.new(n)
    started = performance.now()
    for _ in range(reps):
        source.slice()
    memcpy = (performance.now() - started) / 1000 / reps
    mb = n * 4 / 1e6
    results[n] = (mb / seconds_per(to_tensor, reps), mb / seconds_per(to_numpy, reps), mb / memcpy)
    tensor.dispose()
results
"""


def run(harness, runs, quick):
    sizes = SIZES[:3] if quick else SIZES
    page = harness.open_app("served")
    measured = {n: ([], [], []) for n in sizes}
    for _ in range(runs):
        reply = page.evaluate("code => window.pyapp.runPython(code)", f"SIZES = {sizes!r}\n" + ROUND_TRIP)
        if reply["error"]:
            raise RuntimeError(reply["error"]["traceback"] or reply["error"]["message"])
        for n, values in eval(reply["result"]).items():  # a dict of float tuples from our code
            for series, value in zip(measured[n], values):
                series.append(value)
    page.context.close()
    figures = []
    for n, (to_tensor, to_numpy, memcpy) in measured.items():
        name = f"copy_{n:.0e}_float32".replace("+0", "")
        figures.append({"case": "bridge", "name": name, "variant": "memcpy-Float32Array.slice", "unit": "MB/s", "values": memcpy})
        figures.append({"case": "bridge", "name": name, "variant": "numpy-to-tensor", "unit": "MB/s", "values": to_tensor})
        figures.append({"case": "bridge", "name": name, "variant": "tensor-to-numpy", "unit": "MB/s", "values": to_numpy})
    return figures
