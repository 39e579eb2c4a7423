"""Adds CPython bytecode to wheels and to Pyodide's standard library zip. Runs *inside*
Pyodide (under Node, started by tools/pycompile.mjs), so that the bytecode is that of the
exact interpreter the page runs (CPython 3.12 for Pyodide 0.27), whatever Python runs
the build.

Pyodide 0.27's packages and standard library ship as sources only, and Pyodide does not
write bytecode (`sys.dont_write_bytecode`), so every import in the page compiled its
module anew: `compile` was 60% of `import numpy, sklearn` (docs/decisions.md). Each `.py`
member gets `__pycache__/<name>.cpython-312.pyc` beside it, unchecked-hash based (PEP 552),
so that the file's mtime after unpacking does not matter; the sources stay, for tracebacks
and `inspect`. The standard library is imported from its zip (`/lib/python312.zip`), where
zipimport looks for `<name>.pyc` beside the source instead. pyodide-build's `pyodide py-compile` does this too, but needs a host Python
of the same version as Pyodide's, which the build does not have.

Called as `compile_archives(in_folder, out_folder, names, prefixes)`: each archive
`in_folder/name` is written to `out_folder/name`, its members compiled as if installed
under `prefixes[name]` (the folder the page unpacks it into, or the zip it imports from).
"""

import importlib.util
import io
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

CACHE_TAG = importlib.util.cache_from_source("x.py").split("/")[-1][1:]  # ".cpython-312.pyc"


def _pyc_name(member: str, zipimported: bool) -> str:
    if zipimported:
        return member + "c"
    folder, _, file_name = member.rpartition("/")
    return (folder + "/" if folder else "") + "__pycache__/" + file_name[:-3] + CACHE_TAG


def compile_archive(source: str, target: str, prefix: str) -> tuple[int, int]:
    """Writes `source` with bytecode added to `target`: (compiled, left as source only)."""
    zipimported = prefix.endswith(".zip")
    compiled = skipped = 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        names = set(archive.namelist())
        record = None
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                record = (info, data)
                continue
            out.writestr(info, data)
            pyc = _pyc_name(info.filename, zipimported)
            if not info.filename.endswith(".py") or pyc in names:
                continue
            try:
                code = compile(data, f"{prefix}/{info.filename}", "exec", dont_inherit=True)
            except (SyntaxError, ValueError):  # test data written for other Pythons
                skipped += 1
                continue
            entry = zipfile.ZipInfo(pyc, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False))
            names.add(pyc)
            compiled += 1
        if record is not None:
            # A wheel lists its files; bytecode may be listed without a hash (PEP 376/491).
            added = sorted(names - set(archive.namelist()))
            out.writestr(record[0], record[1] + "".join(f"{name},,\n" for name in added).encode())
    with open(target, "wb") as file:
        file.write(buffer.getvalue())
    return compiled, skipped


def compile_archives(in_folder: str, out_folder: str, names: list, prefixes: dict) -> dict:
    return {name: compile_archive(f"{in_folder}/{name}", f"{out_folder}/{name}", prefixes[name]) for name in names}
