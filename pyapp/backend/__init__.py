"""Where pyapp's models run: the engine, and its compute backend.

    pyapp.backend.engine_name()          # 'tfjs' in the page, 'keras' under CPython
    pyapp.backend.get_backend()          # 'wasm', 'webgl', ... in the page; 'jax', 'torch', ... natively
    pyapp.backend.available_backends()   # e.g. ['webgl', 'wasm', 'cpu']
    pyapp.backend.set_backend("wasm")
    t = pyapp.backend.convert_to_tensor(np.ones((2, 3)))
    pyapp.backend.convert_to_numpy(t)

A model is a Keras 3 description held in Python (DESIGN.md, decision 10); an engine runs
it. Where the code runs picks the engine: in a browser (Pyodide), TensorFlow.js through the
JS FFI (`_tfjs_engine`); under CPython, Keras 3 on whatever backend Keras is set to use
(`KERAS_BACKEND`: JAX, TensorFlow or PyTorch; `_keras_engine`). Only this package imports
`js`, `pyodide` or `keras`, and only when an engine is first used, so that the rest of
pyapp imports under plain CPython.
"""

from __future__ import annotations

import sys

from .arrays import as_array_list, standardize_array

__all__ = ["engine_name", "engine", "engine_available", "set_backend", "get_backend", "available_backends",
           "memory", "convert_to_tensor", "convert_to_numpy", "standardize_array", "as_array_list"]

NATIVE_SETUP = 'pip install "pyapp[keras]"   (Keras 3 and JAX; or keras with TensorFlow or PyTorch)'


def engine_name() -> str:
    """"tfjs" where Python runs in a browser (Pyodide), "keras" elsewhere."""
    return "tfjs" if sys.platform == "emscripten" else "keras"


_engine = []  # the engine module, once imported (every predict asks for it)


def engine():
    """The engine module of this place: build, compile, fit, evaluate, predict, weights, storage."""
    if _engine:
        return _engine[0]
    if engine_name() == "tfjs":
        from . import _tfjs_engine as module
    else:
        try:
            from . import _keras_engine as module
        except ImportError as error:
            raise ImportError(f"pyapp runs models under CPython on Keras 3, which is not installed here "
                              f"({error}). Install it with: {NATIVE_SETUP}") from None
    _engine.append(module)
    return module


def engine_available() -> bool:
    """Whether `engine()` can run models here."""
    try:
        engine()
    except ImportError:
        return False
    return True


def set_backend(name: str) -> None:
    """Use compute backend `name` from now on: in the page a TF.js backend ("webgpu",
    "webgl", "wasm" or "cpu"). Natively Keras' backend is chosen before Keras is imported
    (KERAS_BACKEND), so only the one in use is accepted."""
    names = available_backends()
    if name not in names:
        raise ValueError(f"unknown or unavailable backend {name!r}; available: {names}")
    engine().set_backend(name)


def get_backend() -> str:
    """The compute backend in use (a TF.js backend in the page, Keras' natively)."""
    return engine().get_backend()


def available_backends() -> list[str]:
    """The compute backends that can run here, fastest kind first."""
    return engine().available_backends()


def memory() -> dict:
    """TF.js's memory use: {"num_tensors", "num_bytes"} (in the page)."""
    return engine().memory()


def convert_to_tensor(value):
    """A tensor of the engine holding a copy of a numpy array (float64 becomes float32)."""
    return engine().to_tensor(standardize_array(value))


def convert_to_numpy(tensor):
    """An engine's tensor's values as a numpy array."""
    return engine().to_numpy(tensor)
