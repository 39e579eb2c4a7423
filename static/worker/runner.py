"""Runs the user's programs in the worker (loaded by worker.js, not part of pyapp).

`run_code` runs a whole program with top-level await allowed, and reports the repr of its
last expression, or the exception as a traceback that starts at the user's own code.
"""

import asyncio
import contextlib
import importlib
import importlib.abc
import importlib.machinery
import runpy
import sys
import traceback

from pyodide.code import eval_code_async
from pyodide.console import PyodideConsole
from pyodide.ffi import can_run_sync, run_sync


class LazyPackageFinder(importlib.abc.MetaPathFinder):
    """Loads a bundled package the first time anything imports it.

    The worker already loads the packages a program's own import lines name before it
    runs; this catches the rest: imports inside functions, or inside a library (pyapp's
    data sets import scikit-learn only when called). It blocks on Pyodide's loadPackage
    with run_sync, which needs JSPI; without it the import fails as usual.
    """

    def __init__(self, packages_by_import: dict):
        self.packages_by_import = packages_by_import
        self.loading = set()

    def find_spec(self, fullname, path, target=None):
        top = fullname.partition(".")[0]
        package = self.packages_by_import.get(top)
        if package is None or top in self.loading or top in sys.modules or not can_run_sync():
            return None
        # Imported here, not above: this module is kept in Python's snapshot, which then holds
        # no JS object of the worker that took it.
        import pyodide_js

        self.loading.add(top)
        try:
            run_sync(pyodide_js.loadPackage(package, checkIntegrity=False))
        finally:
            self.loading.discard(top)
        importlib.invalidate_caches()
        return importlib.machinery.PathFinder.find_spec(fullname, path)


def install_lazy_imports(packages_by_import) -> None:
    sys.meta_path.append(LazyPackageFinder(dict(packages_by_import)))


def _user_traceback(error: BaseException, filename: str) -> str:
    """The traceback without the runner's own frames (those before the user's file)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    if isinstance(error, SyntaxError) or tb is None:
        tb = None
    return "".join(traceback.format_exception(type(error), error, tb))


# The task of the program (or console line) now running, for `stop_waiting_program`.
_running_task = None


def stop_waiting_program() -> bool:
    """Stops a program that waits at an `await` (a camera frame, a sleep) when Stop is
    pressed; returns whether there was one.

    Stop's SIGINT is checked only while Python runs bytecode, and then by whatever Python
    runs first: a callback of the event loop (a timer, a settled JS promise) as often as the
    program, which then waits for ever. Cancelling the program's task ends the wait instead.
    (pyapp's waits in `run_sync`, which cancelling cannot reach, are stopped by the worker
    through pyapp.backend._page.stoppable_wait.)
    """
    task = _running_task
    if task is None or task.done():
        return False
    return task.cancel("stopped")


def _stopped(error: BaseException) -> BaseException:
    """A cancelled program reports what the user did: a KeyboardInterrupt."""
    if isinstance(error, asyncio.CancelledError):
        interrupted = KeyboardInterrupt("stopped while the program was waiting")
        interrupted.__traceback__ = error.__traceback__
        return interrupted
    return error


def _raise_if_stopped_before_start() -> None:
    """Stop came after the job began but before its Python did (its imports loading):
    the worker set `pyappStopRequested`, and the program does not start."""
    import js

    if getattr(js, "pyappStopRequested", False):
        js.pyappStopRequested = False
        raise KeyboardInterrupt("stopped before it started")


@contextlib.contextmanager
def _running_program():
    """The current task is the program Stop stops while this lasts; its output is flushed
    at the end."""
    global _running_task
    _running_task = asyncio.current_task()
    try:
        yield
    finally:
        _running_task = None
        sys.stdout.flush()
        sys.stderr.flush()


def _error_reply(error: BaseException, traceback_text: str) -> dict:
    return {"type": type(error).__name__, "message": str(error), "traceback": traceback_text}


async def run_code(code: str, namespace: dict, filename: str = "<exec>") -> dict:
    with _running_program():
        try:
            _raise_if_stopped_before_start()
            value = await eval_code_async(code, globals=namespace, filename=filename)
        except BaseException as error:  # SystemExit and KeyboardInterrupt are the user's too.
            error = _stopped(error)
            sys.last_exc = error
            return {"result": None, "error": _error_reply(error, _user_traceback(error, filename))}
    return {"result": None if value is None else repr(value), "error": None}


async def run_module(name: str) -> dict:
    """Runs module `name` as `python -m name` would: an app's main module (build.py app).
    Its traceback starts at the module's own code (not in runpy or this runner)."""
    with _running_program():
        try:
            _raise_if_stopped_before_start()
            runpy.run_module(name, run_name="__main__", alter_sys=True)
        except SystemExit as error:
            if error.code not in (None, 0):
                return {"result": None, "error": _error_reply(error, f"SystemExit: {error.code}\n")}
        except BaseException as error:
            error = _stopped(error)
            sys.last_exc = error
            tb = error.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename in ("<pyapp-runner>", "<frozen runpy>"):
                tb = tb.tb_next
            text = "".join(traceback.format_exception(type(error), error, tb))
            return {"result": None, "error": _error_reply(error, text)}
    return {"result": None, "error": None}


# ---------------------------------------------------------------- the console (REPL)


def make_console(namespace: dict):
    """Python's console semantics (continuation lines, top-level await, tracebacks that
    start at the user's line) from Pyodide's own PyodideConsole, sharing `namespace`
    with the editor's runs so that a run's variables can be inspected."""
    return PyodideConsole(globals=namespace, filename="<console>")


async def console_push(console, line: str) -> dict:
    """One line typed at the console: {"status": "incomplete"} while a block is open,
    else the repr of the value or the error, as `run_code` reports them."""
    future = console.push(line)
    if future.syntax_check == "incomplete":
        return {"status": "incomplete", "result": None, "error": None}
    with _running_program():
        try:
            _raise_if_stopped_before_start()
            value = await future
        except BaseException as error:
            error = _stopped(error)
            return {"status": "complete", "result": None, "error": _error_reply(error, future.formatted_error or "")}
    if value is not None:
        import builtins

        builtins._ = value  # as Python's console does
    return {"status": "complete", "result": None if value is None else repr(value), "error": None}


def complete(console, source: str) -> dict:
    """Completions of the last word of `source` from the live session's names."""
    try:
        completions, start = console.complete(source)
    except Exception:  # a broken __getattr__ or __dir__ in user code must not break typing
        completions, start = [], len(source)
    return {"completions": sorted(set(completions)), "start": start}


# ---------------------------------------------------------------- the user's files


async def install_wheel(path: str) -> str:
    """Installs a wheel the user gave (already written to the in-memory file system)
    with micropip, offline: dependencies come from Pyodide's own packages or must be
    installed already. Returns the wheel's distribution name."""
    import micropip

    await micropip.install("emfs:" + path)
    return path.rsplit("/", 1)[-1].split("-", 1)[0]


# ---------------------------------------------------------------- display()

_MAX_DISPLAY_PIXELS = 4096 * 4096


def _image_rgba(array):
    """(H, W), (H, W, 1), (H, W, 3) or (H, W, 4) numpy data as RGBA bytes; None if it is
    not image-shaped. Floats in [0, 1] are scaled by 255; other ranges are stretched."""
    import numpy as np

    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        return None
    if array.dtype.kind not in "biuf" or array.size == 0 or array.shape[0] * array.shape[1] > _MAX_DISPLAY_PIXELS:
        return None
    if array.dtype != np.uint8:
        values = np.nan_to_num(array.astype(np.float64))
        low, high = float(values.min()), float(values.max())
        if array.dtype.kind in "f" and low >= 0 and high <= 1:
            values = values * 255
        elif high > low and not (low >= 0 and high <= 255):
            values = (values - low) * (255 / (high - low))
        array = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.shape[2] == 3:
        array = np.concatenate([array, np.full(array.shape[:2] + (1,), 255, np.uint8)], axis=-1)
    return np.ascontiguousarray(array)


def display(*objects, title: str | None = None) -> None:
    """Shows each object in the page's output, under the program's other output: a numpy
    image array ((H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA; uint8, or floats in [0, 1])
    or a matplotlib figure as a picture, anything else as its repr.

        display(x_train[0].reshape(8, 8), title="first digit")
    """
    from js import Object, pyappDisplay
    from pyodide.ffi import to_js

    sys.stdout.flush()
    sys.stderr.flush()
    for obj in objects:
        message = {"kind": "text", "text": repr(obj), "title": title}
        if type(obj).__module__ == "numpy" and type(obj).__name__ == "ndarray":
            rgba = _image_rgba(obj)
            if rgba is not None:
                message = {"kind": "image", "width": rgba.shape[1], "height": rgba.shape[0],
                           "rgba": to_js(rgba.tobytes()), "title": title}
        elif hasattr(obj, "savefig"):  # a matplotlib figure
            import io

            buffer = io.BytesIO()
            obj.savefig(buffer, format="png")
            message = {"kind": "png", "png": to_js(buffer.getvalue()), "title": title}
        pyappDisplay(to_js(message, dict_converter=Object.fromEntries))


def install_display() -> None:
    """`display` is a builtin in the page, as it is in IPython."""
    import builtins

    builtins.display = display
