"""The build: hash checks, the cache, and the server's boundaries (under CPython)."""

import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import build  # noqa: E402

pytestmark = pytest.mark.skipif(not (build.NODE_MODULES / "pyodide").exists(),
                                reason="needs `npm ci` (python3 build.py does it)")


def run_build(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def cache_copy(tmp_path):
    """A copy of the build cache that a test may tamper with."""
    copy = tmp_path / "cache"
    shutil.copytree(build.CACHE, copy, ignore=shutil.ignore_patterns("pypi"))
    return copy


def test_lock_closure_includes_dependencies():
    lock = build.official_lock()
    shipped = build.package_closure(lock, ["scikit-learn"])
    assert {"scikit-learn", "scipy", "numpy", "openblas", "joblib", "threadpoolctl"} <= set(shipped)


def test_tampered_wheel_is_refused_by_name(cache_copy):
    lock = build.official_lock()
    name = lock["packages"]["joblib"]["file_name"]
    wheel = cache_copy / f"pyodide-{build.PYODIDE_VERSION}-packages" / name
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF
    wheel.write_bytes(bytes(data))
    before = sorted(p.name for p in (build.DIST / "pyodide").iterdir())
    result = run_build({"PYAPP_BUILD_CACHE": str(cache_copy)})
    assert result.returncode == 1
    assert name in result.stderr and "does not match" in result.stderr
    assert sorted(p.name for p in (build.DIST / "pyodide").iterdir()) == before, "dist/ untouched"


def test_second_build_needs_no_network():
    if shutil.which("unshare") and os.geteuid() == 0:
        command = ["unshare", "--net", sys.executable, str(ROOT / "build.py")]
    else:  # No network namespace: point every client at a closed port instead.
        command = [sys.executable, str(ROOT / "build.py")]
    closed = "http://127.0.0.1:9/"
    env = {**os.environ, "PIP_INDEX_URL": closed, "npm_config_registry": closed, "HTTPS_PROXY": closed}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dist/ is ready" in result.stdout


def test_lock_file_has_pyapp_and_only_shipped_packages():
    lock = json.loads((build.DIST / "pyodide" / "pyodide-lock.json").read_text())
    assert "pyapp" in lock["packages"] and lock["packages"]["pyapp"]["imports"] == ["pyapp"]
    for package in lock["packages"].values():
        assert (build.DIST / "pyodide" / package["file_name"]).exists(), package["file_name"]
        assert (build.DIST / "assets" / "pyodide" / (package["file_name"] + ".js")).exists()


@pytest.fixture
def served():
    server = build.make_server(0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_server_sends_isolation_headers_and_binds_loopback(served):
    with urllib.request.urlopen(served + "/index.html") as response:
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    with urllib.request.urlopen(served + "/pyodide/pyodide.asm.wasm") as response:
        assert response.headers["Content-Type"] == "application/wasm"
    assert served.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("path", ["/../build.py", "/..%2fbuild.py", "/%2e%2e/build.py", "//etc/passwd",
                                  "/pyodide/../../build.py", "/%2e%2e%2f%2e%2e%2fetc/passwd"])
def test_server_serves_nothing_outside_dist(served, path):
    import http.client
    host, port = served.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", path)  # sent as is, without the client normalising ".."
    response = connection.getresponse()
    body = response.read()
    assert response.status == 404 or b"def build" not in body and b"root:" not in body
    assert b"def build(" not in body and b"root:x:" not in body


def test_pyapp_wheel_carries_tfjs_for_foreign_hosts():
    import zipfile
    lock = json.loads((build.DIST / "pyodide" / "pyodide-lock.json").read_text())
    wheel = build.DIST / "pyodide" / lock["packages"]["pyapp"]["file_name"]
    names = zipfile.ZipFile(wheel).namelist()
    assert {"pyapp/_tfjs/tf.min.js", "pyapp/_tfjs/tf-backend-wasm.min.js",
            "pyapp/_tfjs/tfjs-backend-wasm-simd.wasm"} <= set(names)


def test_examples_ship_with_an_index_for_the_menu():
    index = json.loads((build.DIST / "examples" / "index.json").read_text())
    sources = sorted(p.name for p in (ROOT / "static" / "examples").glob("*.py"))
    assert sorted(entry["file"].removeprefix("examples/") for entry in index) == sources
    if (ROOT / "static" / "examples" / f"{build.DEFAULT_EXAMPLE}.py").exists():
        assert index[0]["name"] == build.DEFAULT_EXAMPLE
    for entry in index:
        assert entry["title"] and entry["summary"]
        shipped = build.DIST / entry["file"]
        assert shipped.read_bytes() == (ROOT / "static" / entry["file"]).read_bytes()
        assert (build.DIST / "assets" / (entry["file"] + ".js")).exists()


def test_shipped_file_follows_its_source_back_to_an_older_file(tmp_path):
    """An earlier cached wheel (same size, older mtime) replacing a newer one: the copy in the
    app and its asset script for pages opened from disk follow it."""
    from pyapp._apps import asset_script

    newer, older, app = tmp_path / "newer.whl", tmp_path / "older.whl", tmp_path / "app"
    newer.write_bytes(b"new!")
    older.write_bytes(b"old!")
    os.utime(older, ns=(10**18, 10**18))
    os.utime(newer, ns=(2 * 10**18, 2 * 10**18))
    build.ship_files(app, {"pyodide/pyapp.whl": newer})
    build.ship_files(app, {"pyodide/pyapp.whl": older})
    build.ship_files(app, {"pyodide/pyapp.whl": older})  # unchanged: nothing to do, nothing undone
    assert (app / "pyodide" / "pyapp.whl").read_bytes() == b"old!"
    assert (app / "assets" / "pyodide" / "pyapp.whl.js").read_bytes() == asset_script("pyodide/pyapp.whl", b"old!")
