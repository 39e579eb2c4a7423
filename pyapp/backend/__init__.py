"""The compute backend: TensorFlow.js, reached through the JS FFI.

    pyapp.backend.available_backends()   # e.g. ['webgl', 'wasm', 'cpu']
    pyapp.backend.set_backend("wasm")
    pyapp.backend.get_backend()          # 'wasm'
    t = pyapp.backend.convert_to_tensor(np.ones((2, 3)))
    pyapp.backend.convert_to_numpy(t)

Only `_tfjs` touches the FFI; it is imported on first use, so that the rest of pyapp
imports under plain CPython too.
"""

from __future__ import annotations

from .arrays import as_array_list, standardize_array


def _bridge():
    from . import _tfjs

    return _tfjs


def set_backend(name: str) -> None:
    """Use TF.js backend `name` ("webgpu", "webgl", "wasm" or "cpu") from now on."""
    names = available_backends()
    if name not in names:
        raise ValueError(f"unknown or unavailable backend {name!r}; available: {names}")
    _bridge().set_backend(name)


def get_backend() -> str:
    """The TF.js backend in use."""
    return _bridge().get_backend()


def available_backends() -> list[str]:
    """The TF.js backends registered here, fastest kind first."""
    return _bridge().available_backends()


def memory() -> dict:
    """TF.js's memory use: {"num_tensors", "num_bytes"}."""
    return _bridge().memory()


def convert_to_tensor(value):
    """A TF.js tensor holding a copy of a numpy array (float64 becomes float32)."""
    return _bridge().to_tensor(standardize_array(value))


def convert_to_numpy(tensor):
    """A TF.js tensor's values as a numpy array."""
    return _bridge().to_numpy(tensor)


__all__ = ["set_backend", "get_backend", "available_backends", "memory", "convert_to_tensor",
           "convert_to_numpy", "standardize_array", "as_array_list"]
