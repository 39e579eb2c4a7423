"""pyapp/_apps.py under CPython: the pieces of an app folder that build.py and the IDE's
Export app… share."""

import base64
import json
import subprocess
import sys

import pytest

from pyapp import _apps


def test_wheel_made_with_zipfile_installs_with_pip(tmp_path):
    name, data = _apps.make_wheel("My App", "0.1.0", {"my_app/__init__.py": b"VALUE = 42\n",
                                                      "my_app/files/notes.txt": b"hi"}, ["numpy"])
    assert name == "my_app-0.1.0-py3-none-any.whl"
    (tmp_path / name).write_bytes(data)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--target", str(tmp_path / "site"), str(tmp_path / name)], check=True)
    result = subprocess.run([sys.executable, "-c", "import my_app, importlib.metadata as m; "
                             "print(my_app.VALUE, m.requires('my-app'))"],
                            env={"PYTHONPATH": str(tmp_path / "site")}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "42 ['numpy']"


def test_page_config_cannot_end_its_script_tag():
    config = _apps.app_config("a</script><b>", "m", "a")
    page = _apps.render_page("<title>{{TITLE}}</title><script>{{CONFIG}}</script>", config).decode()
    assert page.count("</script>") == 1 and "<b>" not in page.split("</title>")[0]
    assert json.loads(page.split("<script>")[1].split("</script>")[0]) == config


def test_asset_script_carries_the_bytes():
    script = _apps.asset_script("pyodide/x.bin", b"\x00\xffdata").decode()
    name, payload = json.loads("[" + script.removeprefix("pyappAssetLoaded(").removesuffix(");\n") + "]")
    assert name == "pyodide/x.bin" and base64.b64decode(payload) == b"\x00\xffdata"


@pytest.mark.parametrize("name, package", [("codelab_cars", "codelab_cars"), ("My App", "my_app"),
                                           ("3d-viewer", "app_3d_viewer")])
def test_package_names(name, package):
    assert _apps.package_name(name) == package


def test_package_name_needs_letters():
    with pytest.raises(ValueError, match="an app name needs letters or digits"):
        _apps.package_name("???")


def test_imports_decide_the_packages():
    text = "import numpy as np\nfrom sklearn.linear_model import Ridge\nfrom . import x\nimport pyapp.vis\n"
    assert _apps._imported_modules(text) == {"numpy", "sklearn", "pyapp"}
    assert _apps._imported_modules("def broken(:\n") == set()
