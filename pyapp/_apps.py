"""App folders: a program as a static app of its own, with no editor, that opens from disk.

Two tools make them, and both use this module so that the two folders cannot differ:
`python3 build.py app PROJECT` (CPython, from a project with pyproject.toml) and the IDE's
Export app… (in the page, from the open files). An app folder holds:

    index.html, app.js, *.css, vendor/   the app's page (static/standalone/)
    worker.js, pyodide/, tfjs/           the runtime, the packages it needs, its own wheel
    assets/<file>.js                     each runtime file again, for pages opened from disk

The main app's build writes `standalone/shell.json` into dist/: which of its files an app
folder takes, and under which name. The IDE reads it; build.py writes it and reads it.

Example (in the page; the IDE's Export app… button does this):

    await export_from_ide({"name": "my-app", "main": "main.py",
                           "sources": {"main.py": "print('hi')"}, "data_files": [], "wheels": []})
"""

from __future__ import annotations

import ast
import base64
import hashlib
import html
import io
import json
import posixpath
import re
import zipfile

__all__ = ["SHELL_INDEX", "asset_script", "render_page", "app_config", "package_name", "make_wheel",
           "export_from_ide"]

# In dist/: the app shell's index (written by build.py).
SHELL_INDEX = "standalone/shell.json"
# Wheels are read as zips by Pyodide; deflate level 1 keeps the page's export quick.
_ZIP_LEVEL = 1


def asset_script(name: str, data: bytes) -> bytes:
    """`assets/<name>.js`: a classic script that hands a file's bytes to a page opened from
    disk, where nothing can be fetched (static/app/assets.js reads it).

    Args:
        name: the file's path in the app folder, e.g. "pyodide/pyodide.asm.wasm".
        data: its bytes.
    """
    payload = base64.b64encode(data).decode("ascii")
    return f"pyappAssetLoaded({json.dumps(name)},{json.dumps(payload)});\n".encode()


def app_config(name: str, main: str, package: str, version: str = "", summary: str = "") -> dict:
    """What the app's page reads (static/standalone/main.js): its name, and the main module
    to run once the package named `package` (in the app's pyodide-lock.json) is loaded."""
    return {"name": name, "version": version, "summary": summary, "main": main, "package": package}


def render_page(template: str, config: dict) -> bytes:
    """The app's index.html from static/standalone/index.html and the config."""
    as_json = json.dumps(config).replace("</", "<\\/")
    return template.replace("{{TITLE}}", html.escape(config["name"])).replace("{{CONFIG}}", as_json).encode()


def package_name(name: str) -> str:
    """A project name (PEP 503 normalised) as a Python package name: "My App" -> "my_app"."""
    canonical = re.sub(r"[-_.\s]+", "-", name.strip()).lower().strip("-")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", canonical):
        raise ValueError(f"an app name needs letters or digits (and - _ . or spaces between them), got {name!r}")
    module = canonical.replace("-", "_")
    return module if module[0].isalpha() else f"app_{module}"


def make_wheel(name: str, version: str, files: dict[str, bytes], requires: list[str]) -> tuple[str, bytes]:
    """A pure-Python wheel (PEP 427) of `files` (their paths in site-packages).

    Returns (file name, bytes). Made with zipfile because no wheel builder runs in the page.
    """
    distribution = package_name(name)
    info = f"{distribution}-{version}.dist-info"
    metadata = "".join([f"Metadata-Version: 2.1\nName: {_canonical(package_name(name))}\nVersion: {version}\n",
                        *(f"Requires-Dist: {requirement}\n" for requirement in requires)])
    wheel = "Wheel-Version: 1.0\nGenerator: pyapp\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    contents = {**files, f"{info}/METADATA": metadata.encode(), f"{info}/WHEEL": wheel.encode()}
    record = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL) as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(data)}\n")
        archive.writestr(f"{info}/RECORD", "".join(record) + f"{info}/RECORD,,\n")
    return f"{distribution}-{version}-py3-none-any.whl", buffer.getvalue()


# ---------------------------------------------------------------- the IDE's Export app…

# The exported app's __main__: the program finds its files as it did in the IDE, where the
# editor's other files are importable and data files are in the working directory.
_LAUNCHER = '''"""Runs {main}, exported from the pyapp IDE, as the IDE ran it."""
import os
import runpy
import shutil
import sys
from pathlib import Path

here = Path(__file__).parent
for data in (here / "files").glob("*"):
    if not Path(data.name).exists():
        shutil.copyfile(data, data.name)
sys.path.insert(0, str(here / "program"))
runpy.run_path(str(here / "program" / {main!r}), run_name="__main__")
'''


def _imported_modules(text: str) -> set[str]:
    """The top-level modules a program's import statements name (a file that does not
    parse names none: it fails in the app as it does in the IDE)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _wheel_facts(data: bytes) -> tuple[str, list[str], list[str]]:
    """(name, top-level imports, requirement names) of a wheel's bytes."""
    from email.parser import Parser

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        metadata_path = next(n for n in names if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        metadata = Parser().parsestr(archive.read(metadata_path).decode())
    tops = sorted({n.split("/")[0].removesuffix(".py") for n in names
                   if n.endswith(".py") and ".dist-info/" not in n and ".data/" not in n})
    requires = [re.split(r"[\s;<>=!~\[(]", r, maxsplit=1)[0] for r in metadata.get_all("Requires-Dist") or []
                if "extra ==" not in r]
    return metadata["Name"], tops, requires


def _lock_entry(name: str, version: str, file_name: str, data: bytes, imports: list[str], depends: list[str]) -> dict:
    return {"name": name, "version": version, "file_name": file_name, "install_dir": "site", "package_type": "package",
            "sha256": hashlib.sha256(data).hexdigest(), "imports": imports, "depends": depends,
            "unvendored_tests": False}


def _closure(packages: dict, names: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(packages[name]["depends"])
    return seen


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


async def export_from_ide(request: dict) -> str:
    """Zips the open files as an app folder and offers it as a download; returns the zip's name.

    Args:
        request: {"name": the app's name, "main": the file to run (one of `sources`),
            "sources": {file name: text} of the editor's files, "data_files": names of files
            in the working directory to ship with it, "wheels": paths of installed wheels}.
    """
    from .backend._page import app_file, buffer_of, send

    name, main, sources = request["name"], request["main"], request["sources"]
    if main not in sources:
        raise ValueError(f"the file to run, {main!r}, is not one of the open files ({', '.join(sources)})")
    package = package_name(name)
    project = _canonical(package)  # its name in the lock, and the app folder's
    print(f"Exporting {name}: {main} runs as the app, with {len(sources) - 1} more file(s) and "
          f"{len(request['data_files'])} data file(s).")
    lock = json.loads(await app_file("pyodide/pyodide-lock.json"))
    packages = lock["packages"]
    by_import = {module: entry["name"] for entry in packages.values() for module in entry["imports"]}

    # What the program imports decides which of the app's packages go in: nothing more.
    wanted = {by_import[module] for text in sources.values() for module in _imported_modules(text) if module in by_import}
    kept: dict[str, bytes] = {}
    for path in request["wheels"]:
        data = open(path, "rb").read()
        wheel_name, tops, requires = _wheel_facts(data)
        file_name = posixpath.basename(path)
        version = file_name.split("-")[1]
        depends = [_canonical(r) for r in requires if _canonical(r) in packages]
        packages[_canonical(wheel_name)] = _lock_entry(_canonical(wheel_name), version, file_name, data, tops, depends)
        kept[file_name] = data
        wanted.add(_canonical(wheel_name))
    shipped = _closure(packages, wanted)

    files = {f"{package}/__init__.py": b"", f"{package}/__main__.py": _LAUNCHER.format(main=main).encode()}
    files |= {f"{package}/program/{file}": text.encode() for file, text in sources.items() if file.endswith(".py")}
    files |= {f"{package}/files/{file}": text.encode() for file, text in sources.items() if not file.endswith(".py")}
    for data_file in request["data_files"]:
        files[f"{package}/files/{posixpath.basename(data_file)}"] = open(data_file, "rb").read()
    wheel_file, wheel = make_wheel(name, "0.1.0", files, sorted(shipped))
    app_lock = dict(lock, packages={n: packages[n] for n in sorted(shipped)})
    app_lock["packages"][project] = _lock_entry(project, "0.1.0", wheel_file, wheel, [package], sorted(shipped))

    shell = json.loads(await app_file(SHELL_INDEX))
    runtime = {path: await app_file(source) for path, source in shell["runtime"].items()}
    for entry in app_lock["packages"].values():
        file_name = entry["file_name"]
        runtime[f"pyodide/{file_name}"] = wheel if file_name == wheel_file else kept.get(file_name) or \
            await app_file(f"pyodide/{file_name}")
    runtime["pyodide/pyodide-lock.json"] = json.dumps(app_lock, indent=1).encode()
    page = {path: await app_file(source) for path, source in shell["page"].items()}
    page["index.html"] = render_page(page["index.html"].decode(), app_config(name, package, project))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL) as archive:
        for path, data in {**page, **runtime}.items():
            archive.writestr(f"{project}/{path}", data)
        for path, data in runtime.items():
            archive.writestr(f"{project}/assets/{path}.js", asset_script(path, data))
    zipped = buffer.getvalue()
    buffer = buffer_of(zipped)
    send("download", {"filename": f"{project}.zip", "bytes": buffer}, transfer=[buffer], what="Export app…")
    print(f"{project}.zip ({len(zipped) / 1e6:.0f} MB, {len(shipped)} packages): unzip it and open "
          f"{project}/index.html, from disk or from any static server.")
    return f"{project}.zip"
