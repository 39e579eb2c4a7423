"""Runs the user's programs in the worker (loaded by worker.js, not part of pyapp).

`run_code` runs a whole program with top-level await allowed, and reports the repr of its
last expression, or the exception as a traceback that starts at the user's own code.
"""

import importlib
import importlib.abc
import importlib.machinery
import sys
import traceback

import pyodide_js
from pyodide.code import eval_code_async
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


async def run_code(code: str, namespace: dict, filename: str = "<exec>") -> dict:
    try:
        value = await eval_code_async(code, globals=namespace, filename=filename)
    except BaseException as error:  # SystemExit and KeyboardInterrupt are the user's too.
        sys.last_exc = error
        return {
            "result": None,
            "error": {
                "type": type(error).__name__,
                "message": str(error),
                "traceback": _user_traceback(error, filename),
            },
        }
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return {"result": None if value is None else repr(value), "error": None}
