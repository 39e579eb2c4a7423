"""numpy <-> tensor round trips in the page on generated shapes and dtypes: exact."""

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

CASES = st.lists(st.tuples(st.sampled_from(["float32", "int32", "bool"]),
                           hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6)),
                 min_size=20, max_size=20)

ROUND_TRIPS = """
import numpy as np
from pyapp.backend import convert_to_numpy, convert_to_tensor, set_backend, get_backend
rng = np.random.default_rng(0)
failures = []
for backend in ("wasm", "cpu", "webgl"):
    set_backend(backend)
    for dtype, shape in CASES:
        if dtype == "float32":
            x = rng.normal(size=shape).astype(np.float32) * 1e6
        elif dtype == "int32":
            x = rng.integers(-2**31, 2**31 - 1, size=shape, dtype=np.int64).astype(np.int32)
        else:
            x = rng.random(size=shape) > 0.5
        t = convert_to_tensor(x)
        back = convert_to_numpy(t)
        t.dispose()
        if back.dtype != x.dtype or back.shape != x.shape or not np.array_equal(back, x):
            failures.append((backend, dtype, shape, str(back.dtype), back.shape))
set_backend(DEFAULT)
failures
"""


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=CASES)
def test_round_trip_is_exact(app, cases):
    code = f"CASES = {[(dtype, tuple(shape)) for dtype, shape in cases]!r}\nDEFAULT = {app.info['backend']!r}\n"
    assert app.check(code + ROUND_TRIPS) == "[]"
