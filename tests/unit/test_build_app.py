"""`build.py app`: a user's project becomes a static app folder, or the build says clearly
why it cannot (under CPython; the apps themselves run in tests/browser/test_apps.py)."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import build  # noqa: E402
from user_projects import make_project  # noqa: E402

pytestmark = pytest.mark.skipif(not (build.NODE_MODULES / "pyodide").exists(),
                                reason="needs `npm ci` (python3 build.py does it)")




def build_error(project: Path, out: Path) -> str:
    with pytest.raises(build.BuildError) as raised:
        build.build_app(project, out, None)
    assert not (out / "index.html").exists(), "a failed build leaves no app behind"
    return str(raised.value)


def test_app_folder_has_the_project_and_only_what_it_needs(tmp_path):
    # humanize is pure Python and not one of Pyodide's packages: it comes from PyPI.
    project = make_project(tmp_path / "src", "small-app", ["numpy", "humanize"],
                           {"__main__.py": "print('hi')\n", "data/words.txt": "one\n"}, package_data="data/*.txt")
    out = build.build_app(project, tmp_path / "app", None)
    lock = json.loads((out / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    assert lock["small-app"]["depends"] == ["numpy", "humanize"]
    assert {"small-app", "numpy", "humanize"} <= set(lock)
    assert "scikit-learn" not in lock and "scipy" not in lock, "only what the project depends on"
    config = json.loads((out / "index.html").read_text().split('type="application/json">')[1].split("</script>")[0])
    assert config["main"] == "small_app" and config["package"] == "small-app"
    for package in lock.values():
        assert (out / "pyodide" / package["file_name"]).is_file(), package["file_name"]
        assert (out / "assets" / "pyodide" / (package["file_name"] + ".js")).is_file(), "from disk too"
    assert not (out / "examples").exists() and not (out / "pyscript").exists(), "no editor, no examples"
    import zipfile
    with zipfile.ZipFile(out / "pyodide" / lock["small-app"]["file_name"]) as wheel:
        assert "small_app/data/words.txt" in wheel.namelist(), "package data is in the wheel"


def test_compiled_extension_is_refused_by_name(tmp_path):
    project = make_project(tmp_path / "src", "fast-app", ["numpy"],
                           {"__main__.py": "import fast_app.speedup\n",
                            "speedup.cpython-312-x86_64-linux-gnu.so": b"\x7fELF compiled"},
                           package_data="*.so")
    message = build_error(project, tmp_path / "app")
    assert "fast_app/speedup.cpython-312-x86_64-linux-gnu.so" in message and "not pure Python" in message


def test_dependency_the_browser_cannot_get_is_named(tmp_path):
    # psutil is compiled, not one of Pyodide's packages, and has no pure wheel on PyPI.
    project = make_project(tmp_path / "src", "needs-psutil", ["numpy", "psutil>=5"], {"__main__.py": ""})
    message = build_error(project, tmp_path / "app")
    assert "needs-psutil depends on psutil>=5" in message
    assert f"neither Pyodide {build.PYODIDE_VERSION} nor PyPI" in message


def test_version_pyodide_does_not_have_is_named(tmp_path):
    project = make_project(tmp_path / "src", "old-numpy", ["numpy<1.20"], {"__main__.py": ""})
    message = build_error(project, tmp_path / "app")
    numpy = build.official_lock()["packages"]["numpy"]["version"]
    assert f"old-numpy requires numpy<1.20, and Pyodide {build.PYODIDE_VERSION} has numpy {numpy}" in message


def test_main_module_must_exist(tmp_path):
    project = make_project(tmp_path / "src", "typo-app", [], {"main.py": ""}, main="typo_app.mian")
    message = build_error(project, tmp_path / "app")
    assert "cannot run typo_app.mian" in message and "typo_app.main" in message
    project = make_project(tmp_path / "src2", "no-main", [], {"model.py": ""})
    assert "no_main is a package without __main__" in build_error(project, tmp_path / "app2")


def test_not_a_project_and_foreign_folders(tmp_path):
    assert "has no pyproject.toml" in build_error(tmp_path, tmp_path / "app")
    project = make_project(tmp_path / "src", "tiny-app", [], {"__main__.py": ""})
    mine = tmp_path / "my-notes"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert "was not made by `build.py app`" in build_error(project, mine)
    assert (mine / "notes.txt").read_text() == "keep me"
