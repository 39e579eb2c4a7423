"""Property tests of the array conversions under CPython (hypothesis)."""

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from pyapp.backend import standardize_array

DTYPES = st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.uint8, np.int16, np.int32, np.int64, np.bool_])


@st.composite
def arrays(draw):
    dtype = np.dtype(draw(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
    if dtype.kind == "b":
        elements = st.booleans()
    elif dtype.kind == "f":
        elements = hnp.from_dtype(dtype, allow_nan=False, allow_infinity=False, min_value=-1000, max_value=1000)
    else:
        elements = st.integers(max(-1000, int(np.iinfo(dtype).min)), min(1000, int(np.iinfo(dtype).max)))
    return draw(hnp.arrays(dtype, shape, elements=elements))


@settings(max_examples=200, deadline=None)
@given(arrays())
def test_standardize_keeps_shape_and_values(array):
    out = standardize_array(array)
    assert out.shape == array.shape and out.flags.c_contiguous
    assert out.dtype == {"f": np.float32, "i": np.int32, "u": np.int32, "b": np.bool_}[array.dtype.kind]
    assert np.array_equal(out, array.astype(out.dtype))
