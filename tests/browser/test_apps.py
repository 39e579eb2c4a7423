"""A user's own app (`build.py app`): the example project built into a folder, opened from
disk and served, runs to its end with its output, pictures and charts on the page, and
asks for nothing outside its folder; a failing program shows its traceback."""

import re
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from conftest import open_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from user_projects import make_project  # noqa: E402

import build

EXAMPLE = build.ROOT / "examples" / "apps" / "digits_app"
MAIN_TIMEOUT_MS = 240_000


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    """The example app and a failing one, built once, each with a server of its own."""
    folder = tmp_path_factory.mktemp("apps")
    broken = make_project(folder / "broken-src", "broken-app", ["numpy"], {"__main__.py": textwrap.dedent("""\
        import numpy as np

        def check(table):
            if table.shape[1] != 4:
                raise ValueError(f"the table has {table.shape[1]} columns, expected 4")

        print("checking the table")
        check(np.zeros((2, 3)))
        """)})
    built = {"digits": build.build_app(EXAMPLE, folder / "digits-app", None),
             "broken": build.build_app(broken, folder / "broken-app", None)}
    servers = {}
    for name, path in built.items():
        httpd = build.make_server(0, path)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers[name] = (path, f"http://127.0.0.1:{httpd.server_address[1]}/", httpd)
    yield servers
    for _, _, httpd in servers.values():
        httpd.shutdown()


def open_built(browser, apps, name, mode):
    path, server, _ = apps[name]
    app = open_app(browser, path, server, mode)
    app.page.set_default_timeout(MAIN_TIMEOUT_MS)
    return app, app.js("() => window.pyapp.main")


def test_example_app_runs_to_its_end(browser, apps, mode):
    app, main = open_built(browser, apps, "digits", mode)
    try:
        assert main["error"] is None, main["error"]["traceback"]
        lines = main["stdout"].strip().splitlines()
        assert lines[-2] == "saved to indexeddb://digits-app"
        accuracy = float(re.fullmatch(r"test accuracy: (\d\.\d+)", lines[-1]).group(1))
        assert accuracy >= 0.9, main["stdout"]
        assert app.page.title() == "digits-app"
        assert app.page.is_hidden("[data-error-panel]")
        shown = app.page.inner_text("[data-output]")
        assert "test accuracy:" in shown and "digits-app has finished." in shown
        # The class names come from the package's data file, read with importlib.resources.
        assert shown.count("predicted ") == 5 and app.page.locator("figure.display canvas").count() == 5
        assert app.page.locator("[data-chart][data-draws]").count() >= 2, "live charts and the confusion matrix"
        assert "indexeddb://digits-app" in app.check("import pyapp\npyapp.models.list_models()")
        assert not app.errors, app.errors
        assert not app.log.problems, app.log.problems
        assert all(url.startswith((app.log.dist_url, apps["digits"][1], "blob:", "data:")) for url in app.log.requests)
    finally:
        app.page.context.close()


def test_failing_program_shows_its_traceback(browser, apps):
    app, main = open_built(browser, apps, "broken", "file")
    try:
        assert main["error"]["type"] == "ValueError"
        assert main["stdout"] == "checking the table\n"
        panel = app.page.locator("[data-error-panel]")
        assert panel.is_visible()
        assert panel.locator("h2").inner_text() == "broken-app stopped with an error"
        traceback = panel.locator("pre").inner_text()
        assert re.search(r'File ".*/broken_app/__main__\.py", line 5, in check', traceback), traceback
        assert traceback.rstrip().endswith("ValueError: the table has 3 columns, expected 4")
        assert "/broken_app/__main__.py" in traceback.splitlines()[1], "it starts at the program's own code"
        assert app.check("1 + 1") == "2", "the session is kept for inspection"
    finally:
        app.page.context.close()


def test_ide_export_runs_from_disk(browser, dist, server, tmp_path):
    """Export app… in the IDE: the shown file, an editor file it imports and a kept data
    file, zipped; unzipped, its index.html runs the program from disk."""
    import zipfile

    ide = open_app(browser, dist, server, "file")
    try:
        ide.js("""() => {
            const files = window.pyapp.ide.files;
            files.add("helpers.py", "def greet(name):\\n    return f'hello {name}'\\n");
            files.add("my_app.py", "import numpy as np\\nfrom helpers import greet\\n"
                + "print(greet('app'), int(np.ones(3).sum()), open('notes.txt').read())\\n");
        }""")
        ide.page.set_input_files("[data-file-picker]", files=[
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"kept notes"}])
        ide.page.wait_for_function("document.querySelector('[data-output]').innerText.includes('notes.txt (')")
        ide.page.wait_for_function("!document.querySelector('[data-export-app]').disabled")
        with ide.page.expect_download(timeout=MAIN_TIMEOUT_MS) as download:
            ide.page.click("[data-export-app]")
        assert download.value.suggested_filename == "my-app.zip"
        download.value.save_as(tmp_path / "my-app.zip")
        assert "my-app.zip (" in ide.page.inner_text("[data-output]")
        assert not ide.errors and not ide.log.problems, (ide.errors, ide.log.problems)
    finally:
        ide.page.context.close()

    with zipfile.ZipFile(tmp_path / "my-app.zip") as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    folder = tmp_path / "my-app"
    assert not any(name.startswith("my-app/pyodide/micropip") for name in names), "only the packages its files import"
    assert "my-app/my_app/" not in names and "my-app/examples/index.json" not in names, "no editor, no examples"
    app = open_app(browser, folder, "http://unused/", "file")
    try:
        app.page.set_default_timeout(MAIN_TIMEOUT_MS)
        main = app.js("() => window.pyapp.main")
        assert main["error"] is None, main["error"]["traceback"]
        assert main["stdout"] == "hello app 3 kept notes\n"
        assert app.page.title() == "my_app"
        assert not app.errors and not app.log.problems, (app.errors, app.log.problems)
    finally:
        app.page.context.close()
