"""Property tests of the array conversions under CPython (hypothesis).

The expected values come from a path independent of numpy's astype: C's own conversion
of each element (ctypes), element by element, over the whole range of each dtype: NaN,
the infinities, -0.0, subnormals, values beyond float32's range, and integers beyond int32's.
"""

import ctypes
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from pyapp.backend import standardize_array

DTYPES = st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.uint8, np.int16, np.int32, np.int64,
                          np.uint32, np.uint64, np.bool_])
INT32 = (-2**31, 2**31 - 1)


@st.composite
def arrays(draw):
    dtype = np.dtype(draw(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    if dtype.kind == "f":  # every float the dtype holds: NaN, +-inf, -0.0, subnormals, extremes
        elements = hnp.from_dtype(dtype, allow_nan=True, allow_infinity=True, allow_subnormal=True)
    else:
        elements = hnp.from_dtype(dtype)
    return draw(hnp.arrays(dtype, shape, elements=elements))


def c_float32(value: float) -> float:
    """`value` as C converts a double to float (IEEE round to nearest; inf beyond the range)."""
    return ctypes.c_float(value).value


def same_float(got: float, expected: float) -> bool:
    """Equal, with NaN equal to NaN and -0.0 told apart from 0.0."""
    if math.isnan(expected):
        return math.isnan(got)
    return got == expected and math.copysign(1, got) == math.copysign(1, expected)


@settings(max_examples=300, deadline=None)
@given(arrays())
def test_standardize_matches_c_conversions(array):
    values = array.ravel().tolist()  # Python floats, ints and bools: no numpy on this path
    if array.dtype.kind in "iu" and any(not INT32[0] <= v <= INT32[1] for v in values):
        with pytest.raises(ValueError, match="outside int32's range"):
            standardize_array(array)
        return
    out = standardize_array(array)
    assert out.shape == array.shape and out.flags.c_contiguous
    assert out.dtype == {"f": np.float32, "i": np.int32, "u": np.int32, "b": np.bool_}[array.dtype.kind]
    got = out.ravel().tolist()
    if array.dtype.kind == "f":
        mismatches = [(v, g) for v, g in zip(values, got) if not same_float(g, c_float32(v))]
        assert not mismatches, mismatches[:5]
    else:
        assert got == values  # exact: ints stay the same ints, bools the same bools


@pytest.mark.parametrize("value, expected", [
    (1e-45, 1e-45), (1e-46, 0.0), (-1e-46, -0.0), (3.5e38, math.inf), (-3.5e38, -math.inf), (math.nan, math.nan),
])
def test_float64_edges_become_the_nearest_float32(value, expected):
    got = float(standardize_array(np.array([value]))[0])
    assert same_float(got, c_float32(expected) if not math.isinf(expected) else expected), got


def test_objects_and_strings_are_refused_with_the_dtype_named():
    with pytest.raises(TypeError, match="got dtype <U1"):
        standardize_array(np.array(["a"]))
    with pytest.raises(TypeError, match="got dtype object"):
        standardize_array(np.array([None]))
