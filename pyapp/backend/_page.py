"""The page around the worker: what Python sends it (charts, downloads) or asks of it (camera frames).

Our worker defines JS globals for this (static/worker/worker.js): `pyappSend(kind,
payload, transfer)` posts a message the page handles, `pyappRequest(kind, payload,
transfer)` returns a promise of the page's answer, and `pyappStopRequested` says that the
page's Stop came while pyapp waited in `run_sync`. Hosts other than our page (PyScript,
JupyterLite) have none of them, and what needs them says so.
"""

from __future__ import annotations

import contextlib
import json

import js
from pyodide.ffi import JsException, JsProxy, to_js


class NoPageError(RuntimeError):
    """Raised where Python runs without the pyapp page around it (e.g. in a PyScript page)."""


class PageError(RuntimeError):
    """The page failed to answer a request (its handler threw); the message is the JS error's."""


def has_page() -> bool:
    return getattr(js, "pyappSend", None) is not None


def _require_page(what: str) -> None:
    if not has_page():
        raise NoPageError(f"{what} needs the pyapp page (dist/index.html); Python runs elsewhere here")


def _plain(payload, transfer):
    """Plain data goes through JSON, which keeps None as null (to_js would make it undefined,
    which charts misread) and is fast for long lists; payloads that carry ArrayBuffers to
    transfer go through to_js, which keeps them as they are, and a JS object goes as it is."""
    if isinstance(payload, JsProxy):
        return payload
    if not transfer:
        return js.JSON.parse(json.dumps(payload))
    return to_js(payload, dict_converter=js.Object.fromEntries)


def send(kind: str, payload: dict, transfer=(), what: str | None = None) -> None:
    """Posts `payload` to the page's `message:<kind>` listeners; `transfer` lists ArrayBuffers to move."""
    _require_page(what or kind)
    js.pyappSend(kind, _plain(payload, transfer), to_js(list(transfer)))


def request(kind: str, payload: dict, transfer=(), what: str | None = None):
    """A JS promise of the page's answer to `kind` (await it, or block on it with JSPI)."""
    _require_page(what or kind)
    return js.pyappRequest(kind, _plain(payload, transfer), to_js(list(transfer)))


async def ask(kind: str, payload: dict, transfer=(), what: str | None = None):
    """The page's answer to `kind`, awaited. A JS error on the way is raised as PageError,
    so that callers outside the bridge need not know JsException."""
    try:
        return await request(kind, payload, transfer, what)
    except JsException as error:
        raise PageError(str(error)) from None


@contextlib.contextmanager
def stoppable_wait():
    """Marks a wait in `run_sync` for the page's Stop: Stop's signal cannot reach a program
    suspended there, so the worker sets `pyappStopRequested` instead, and the wait ends in
    KeyboardInterrupt."""
    outer = bool(getattr(js, "pyappWaiting", False))
    js.pyappWaiting = True
    try:
        yield
    finally:
        js.pyappWaiting = outer
        if getattr(js, "pyappStopRequested", False):
            js.pyappStopRequested = False
            raise KeyboardInterrupt("stopped while waiting for TensorFlow.js")


async def app_file(path: str) -> bytes:
    """A file of the running app by its path in the app's folder (the worker's fetch
    serves it from disk too, through the page)."""
    _require_page(f"reading the app's file {path}")
    response = await js.fetch(path)
    if not response.ok:
        raise OSError(f"the app's file {path} could not be read (HTTP {response.status})")
    return (await response.arrayBuffer()).to_py().tobytes()


def buffer_of(data: bytes):
    """A fresh JS ArrayBuffer holding `data`: one copy, which can then be transferred."""
    array = js.Uint8Array.new(len(data))
    array.assign(data)
    return array.buffer


def copy_into(js_buffer, out):
    """Copies a JS ArrayBuffer into the numpy array `out` (same byte length) and returns `out`:
    the one copy that a buffer transferred from the page makes."""
    js_buffer.assign_to(out)
    return out
