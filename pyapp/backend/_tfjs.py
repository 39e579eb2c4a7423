"""The bridge to TensorFlow.js: TF.js itself, arrays, waiting for promises, and the
browser's model storage. (The TF.js engine, which builds and trains models, is
`_tfjs_engine`; both live in pyapp.backend, the only package that imports `js` and
`pyodide`.)

The rest of pyapp is plain Python that speaks in configs, shapes and numpy arrays; this
package turns them into TF.js objects and back (DESIGN.md, decisions 6-8).

- Arrays cross with one copy each way: TF.js copies from a typed-array view of the numpy
  buffer (`PyProxy.getBuffer`, or, where each microsecond counts, a view at the array's
  address), and `TypedArray.assign_to` copies a tensor's data straight into a new numpy
  array. Never through Python lists.
- Configs cross as JSON (`JSON.parse`), so that None becomes null, not undefined.
- TF.js errors are raised as Python exceptions with TF.js's message.
"""

from __future__ import annotations

import json
import re

import numpy as np

import js
from pyodide.ffi import JsException, create_proxy, to_js

from . import _page

_BUFFER_FORMATS = {"float32": "f32", "int32": "i32", "bool": "u8"}


# ---------------------------------------------------------------- TF.js itself


_started: list[bool] = []  # [True] once TF.js is known to be up


def tf():
    """The TF.js module: the host's (our page's worker starts it on demand), or the copy
    pyapp carries if the host has none."""
    if not _started:
        _start_tfjs()
        _started.append(True)
    return js.tf


def _start_tfjs() -> None:
    host_start = getattr(js, "pyappTensorFlow", None)
    if host_start is not None:
        # Our page's worker starts TF.js once Python is ready, or now if asked first.
        if getattr(js, "pyappTensorFlowUp", False):
            return
        try:
            run_async_blocking(host_start())
        except JsException as error:
            raise RuntimeError(js_message(error)) from None
    elif getattr(js, "tf", None) is None:
        _load_carried_tfjs()


def _load_carried_tfjs() -> None:
    """For hosts other than our page (a PyScript page, JupyterLite): run the TF.js that
    ships inside the pyapp wheel, and give its WASM backend the wasm files as blob URLs."""
    from importlib.resources import files

    folder = files("pyapp") / "_tfjs"
    for script in ("tf.min.js", "tf-backend-wasm.min.js"):
        js.eval(folder.joinpath(script).read_text())  # indirect eval: the global scope
    paths = {}  # setWasmPaths wants all three; TF.js picks by what the browser allows
    for wasm in ("tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"):
        data = folder.joinpath(wasm).read_bytes()
        blob = js.Blob.new(to_js([js.Uint8Array.new(to_js(memoryview(data)))]), json_object({"type": "application/wasm"}))
        paths[wasm] = js.URL.createObjectURL(blob)
    js.tf.wasm.setWasmPaths(json_object(paths), True)
    if can_block():
        # available_backends() lists initialised backends, as our page's worker leaves them:
        # initialise the carried ones too, then keep the one TF.js chose first.
        run_async_blocking(js.tf.ready())
        chosen = js.tf.getBackend()
        for name in js.Object.keys(js.tf.engine().registryFactory):
            run_async_blocking(js.tf.setBackend(name))
        run_async_blocking(js.tf.setBackend(chosen))


def json_object(value):
    """A Python dict/list of plain values as a JS object (None -> null)."""
    return js.JSON.parse(json.dumps(value))


def js_message(error: JsException) -> str:
    """A JS error's message, without the "Error: " or "TypeError: " that names its class."""
    return re.sub(r"^\w*Error: ", "", str(error))


def js_error(error: JsException) -> Exception:
    """A TF.js error as the Python exception a user expects."""
    return ValueError(f"TensorFlow.js: {js_message(error)}")


# ---------------------------------------------------------------- backends


def set_backend(name: str) -> None:
    if not run_async_blocking(tf().setBackend(name)):
        raise ValueError(f"backend {name!r} could not be initialised; available: {available_backends()}")


def get_backend() -> str:
    return str(tf().getBackend())


def available_backends() -> list[str]:
    """The backends that have initialised. (Not tf.findBackend: that starts initialising
    an async backend such as WebGPU, which blocks every op until it settles.)"""
    initialised = set(js.Object.keys(tf().engine().registry).to_py())
    return [name for name in ("webgpu", "webgl", "wasm", "cpu") if name in initialised]


def memory() -> dict:
    info = tf().memory()
    return {"num_tensors": int(info.numTensors), "num_bytes": int(info.numBytes)}


# ---------------------------------------------------------------- arrays


def to_tensor(array: np.ndarray):
    """A TF.js tensor holding a copy of `array` (already of a TF.js dtype)."""
    dtype = array.dtype.name
    array = np.asarray(array, order="C")
    proxy = create_proxy(array)
    try:
        buffer = proxy.getBuffer(_BUFFER_FORMATS[dtype])
        try:
            # WASM copies the values into its own heap; CPU and WebGL keep the array they
            # are given, which must then be a copy: a view of Python's memory would change
            # when numpy frees or reuses it. Either way, one copy.
            values = buffer.data if tf().getBackend() == "wasm" else buffer.data.slice()
            return tf().tensor(values, to_js(list(array.shape)), dtype)
        finally:
            buffer.release()
    except JsException as error:
        raise js_error(error) from None
    finally:
        proxy.destroy()


def to_numpy(tensor) -> np.ndarray:
    """The tensor's values as a new numpy array (the tensor is left alone)."""
    out = np.empty(tuple(tensor.shape.to_py()), dtype=np.dtype(str(tensor.dtype)))
    if out.size:
        array_helpers().values(tensor).assign_to(out)
    return out


# The JS side of the arrays' crossing, for JS code that copies arrays itself (the engine's
# prepared predict).
_ARRAY_HELPERS = """
// A tensor's values, to be copied before the tensor is disposed of: on WASM a view of the
// heap (dataSync() would copy out of it first), elsewhere dataSync()'s array.
const values = (tensor) =>
  tf.getBackend() === "wasm" && tensor.dtype !== "bool" ? tf.backend().typedArrayFromHeap(tensor) : tensor.dataSync();
// `length` values of a TF.js dtype in Pyodide's memory at `address` (a numpy array's data,
// see address()), as a typed-array view: valid until Python runs again, which may free the
// array or grow the memory.
const TYPED = { float32: Float32Array, int32: Int32Array, bool: Uint8Array };
const view = (dtype, address, length) => new TYPED[dtype](pyodide.HEAPU8.buffer, address, length);
// Rows [start, end) of a C-contiguous array of samples of `shape` at `address`, as a view.
const rows = (dtype, address, shape, start, end) => {
  const size = shape.reduce((a, b) => a * b, 1);
  return view(dtype, address + start * size * TYPED[dtype].BYTES_PER_ELEMENT, (end - start) * size);
};
// The batches of arrays at `addresses` ([dtype, sample shape] each in `specs`):
// (start, end) -> a tensor of those rows of each array (made from a view: use it before
// Python runs again).
const batches = (specs, addresses) => (start, end) => specs.map(([dtype, shape], i) =>
  tf.tensor(rows(dtype, addresses[i], shape, start, end), [end - start, ...shape], dtype));
return { values, view, rows, batches };
"""
_array_helpers = []


def array_helpers():
    """The JS side of the arrays' crossing (made once per session): `values(tensor)`,
    `view(dtype, address, length)`, `rows(dtype, address, shape, start, end)` and
    `batches(specs, addresses)`."""
    if not _array_helpers:
        import pyodide_js

        # `_module` (Emscripten's module, whose HEAPU8 is Python's memory) is not Pyodide's
        # public API, but no public one gives JS a view by address without a proxy per
        # array; the pinned Pyodide 0.27 has it, and test_predict_prepared.py fails if it moves.
        _array_helpers.append(js.Function.new("tf", "pyodide", _ARRAY_HELPERS)(tf(), pyodide_js._module))
    return _array_helpers[0]


def address(array: np.ndarray) -> int:
    """Where a C-contiguous array's data starts in Pyodide's memory, for `view` in JS: one
    number crosses instead of a proxy and a buffer (the array must outlive the JS call)."""
    return array.ctypes.data  # (half the cost of __array_interface__, measured in Pyodide)


# ---------------------------------------------------------------- waiting for TF.js


def run_async_blocking(awaitable):
    """Waits for a JS promise or Python awaitable without `await` (JSPI), where possible;
    a Stop pressed meanwhile ends the wait in KeyboardInterrupt."""
    from pyodide.ffi import ConversionError, can_run_sync, run_sync

    if not can_run_sync():
        raise RuntimeError(
            "this call has to wait for TensorFlow.js, and this browser cannot wait without "
            "`await` (no JSPI): write `await model.fit(...)` instead of `model.fit(...)`")
    with _page.stoppable_wait():
        try:
            return run_sync(awaitable)
        except ConversionError as error:
            # A Stop that lands while run_sync converts its argument comes out as a
            # ConversionError caused by the KeyboardInterrupt (seen served, about 1 in 2 stops
            # of an endless fit of tiny epochs): it is the interrupt.
            if isinstance(error.__cause__, KeyboardInterrupt):
                raise error.__cause__ from None
            raise


def can_block() -> bool:
    from pyodide.ffi import can_run_sync

    return bool(can_run_sync())


# ---------------------------------------------------------------- saving


def save_artifacts(model):
    """A promise of the model's ModelArtifacts, saved to memory only."""
    return js.Function.new("tf", "model", """
        let kept = null;
        const handler = tf.io.withSaveHandler(async (artifacts) => { kept = artifacts; return {modelArtifactsInfo: {}}; });
        return model.save(handler).then(() => kept);
    """)(tf(), model)


def save_to_browser(model, url: str) -> None:
    """Saves a model with TF.js's handler of indexeddb://, localstorage:// or downloads://
    (in the page's main thread, where only it has one: see below)."""
    try:
        if _through_page(url):
            artifacts = run_async_blocking(save_artifacts(model))
            run_async_blocking(_page.request("page-models.save", _js_record(url=url, artifacts=artifacts)))
        else:
            run_async_blocking(model.save(url))
    except JsException as error:
        raise OSError(f"cannot save the model to {url!r}: {js_message(error)}") from None


def load_artifacts(url: str) -> tuple:
    """(topology, weight specs, weight bytes) of a model in browser storage."""
    try:
        if _through_page(url):
            artifacts = run_async_blocking(_page.request("page-models.load", {"url": url}))
        else:
            handlers = tf().io.getLoadHandlers(url)
            if not handlers.length:
                raise ValueError(f"no way to load {url!r} here")
            artifacts = run_async_blocking(handlers[0].load())
    except JsException as error:
        raise ValueError(f"cannot load {url!r}: {js_message(error)}") from None
    return _artifact_parts(artifacts)


def _artifact_parts(artifacts) -> tuple:
    """(topology, weight specs, weight bytes) of TF.js ModelArtifacts."""
    data = artifacts.weightData
    if not hasattr(data, "to_bytes"):  # TF.js may give a list of ArrayBuffers
        data = js.Function.new("tf", "d", "return tf.io.concatenateArrayBuffers(d)")(tf(), data)
    return artifacts.modelTopology.to_py(), artifacts.weightSpecs.to_py(), data.to_bytes()


def load_http_artifacts(url: str) -> tuple:
    """(topology, weight specs, weight bytes) of a TF.js model.json shipped with the app."""
    try:
        artifacts = run_async_blocking(tf().io.http(url).load())
    except JsException as error:
        raise ValueError(f"cannot load {url!r}: {js_message(error)}") from None
    return _artifact_parts(artifacts)


def fetch_app_file(path: str) -> bytes:
    """The bytes of a file shipped with the app (a path relative to index.html).

    The worker's fetch() resolves it under the app's folder in both ways of opening the
    page (from disk it asks the page for the file), and refuses anything outside it.
    """
    try:
        response = run_async_blocking(js.fetch(path))
    except JsException as error:
        raise FileNotFoundError(f"{path}: {js_message(error)}") from None
    if not response.ok:
        raise FileNotFoundError(f"{path} is neither a file here nor shipped with the app (HTTP {response.status})")
    return run_async_blocking(response.arrayBuffer()).to_bytes()


# TF.js's handlers of these model URLs need what only a page's main thread has: localStorage,
# and the document that starts downloads. Where Python runs in our page's worker, the page
# takes those models (static/app/page_models.js), with TF.js's own handlers.
_MAIN_THREAD_ONLY = {"localstorage://": "localStorage", "downloads://": "document"}
LOCAL_STORAGE = "localstorage://"


def _missing_here(url: str) -> str | None:
    """What TF.js's handler of `url` needs that this thread lacks (localStorage, document), or None."""
    for scheme, needed in _MAIN_THREAD_ONLY.items():
        if url.startswith(scheme) and getattr(js, needed, None) is None:
            return needed
    return None


def unreachable_storage(url: str) -> str | None:
    """What saving to `url` needs that neither Python's thread nor a pyapp page gives, or None."""
    return None if _page.has_page() else _missing_here(url)


def _through_page(url: str) -> bool:
    return _missing_here(url) is not None and _page.has_page()


def _js_record(**fields):
    """A JS object of `fields` (JS values stay as they are)."""
    record = js.Object.new()
    for key, value in fields.items():
        setattr(record, key, value)
    return record


def list_models() -> dict:
    try:
        listed = run_async_blocking(tf().io.listModels()).to_py()
        if _through_page(LOCAL_STORAGE):
            listed.update(run_async_blocking(_page.request("page-models.list", {})).to_py())
    except JsException as error:
        raise OSError(f"cannot list the saved models: {js_message(error)}") from None
    return {url: {"date_saved": str(info.get("dateSaved")), "bytes": int(info.get("weightDataBytes") or 0)}
            for url, info in listed.items()}


def delete_model(url: str) -> None:
    if _through_page(url):
        run_async_blocking(_page.request("page-models.delete", {"url": url}))
    else:
        run_async_blocking(tf().io.removeModel(url))
