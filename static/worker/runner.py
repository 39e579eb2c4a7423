"""Runs the user's programs in the worker (loaded by worker.js, not part of pyapp).

`run_code` runs a whole program with top-level await allowed, and reports the repr of its
last expression, or the exception as a traceback that starts at the user's own code.
"""

import sys
import traceback

from pyodide.code import eval_code_async


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
