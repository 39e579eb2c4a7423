"""The in-page IDE driven as a user drives it: typing in the editor and the console,
clicking, keys, files from disk; in both ways of opening the page."""

import io
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
DEFAULT = "codelab_cars.py"  # the example a first visit opens (build.DEFAULT_EXAMPLE)
MOD = "Control"


@pytest.fixture(scope="module")
def shared_app(browser, dist, server, mode):
    """The IDE tests type, open files and change the editor: a page of their own, so that
    other modules' shared page is left as they expect it."""
    from conftest import open_app

    app = open_app(browser, dist, server, mode)
    yield app
    app.page.context.close()


@pytest.fixture(autouse=True)
def visor_closed(request):
    """The shared page may still show the charts visor of an earlier test, over the panes
    these tests click: close it, as a user would."""
    if "app" in request.fixturenames:  # (tfvis.visor() would make a visor where there is none)
        request.getfixturevalue("app").js("""() => { if (document.getElementById("tfjs-visor-container")
                                                         && tfvis.visor().isOpen()) tfvis.visor().close(); }""")


def editor_text(app) -> str:
    return app.js("() => window.pyapp.ide.editor.text")


def cursor_line(app) -> int:
    return app.js("() => { const s = window.pyapp.ide.editor.view.state; return s.doc.lineAt(s.selection.main.head).number; }")


def replace_editor_text(app, text: str) -> None:
    """Selects everything in the editor and types over it (pasted, for multi-line text:
    typing would be re-indented by the editor, as it is for a person)."""
    page = app.page
    page.click(".cm-content")
    page.keyboard.press(f"{MOD}+a")
    page.keyboard.press("Delete")
    if "\n" in text:
        page.keyboard.insert_text(text)
    else:
        page.keyboard.type(text)


def new_file(app, name: str) -> None:
    page = app.page
    page.once("dialog", lambda dialog: dialog.accept(name))
    page.click("[data-new-file]")
    page.dblclick('[role="tab"][aria-selected="true"]')
    page.wait_for_selector(f'[role="tab"][data-file="{name}"][aria-selected="true"]')


def wait_saved(app, name: str, text: str) -> None:
    """Waits until the editor's autosave has kept `text` as file `name` in the browser."""
    app.page.wait_for_function("""([name, text]) => (JSON.parse(localStorage.getItem("pyapp.files.v1")) || {files: []})
        .files.some((file) => file.name === name && file.text === text)""", arg=[name, text], timeout=10_000)


def wait_idle(app, timeout=120_000) -> None:
    app.page.wait_for_function("window.pyapp.session.state === 'idle'", timeout=timeout)


def output_text(app) -> str:
    return app.page.inner_text("#output")


def console_type(app, *lines: str) -> None:
    page = app.page
    page.click("[data-console-input]")
    for line in lines:
        page.keyboard.type(line)
        page.keyboard.press("Enter")


def console_log(app) -> str:
    return app.page.inner_text("[data-console-log]")


# ---------------------------------------------------------------- editor and output


def test_type_and_run_with_button_and_ctrl_enter(app):
    new_file(app, "typing.py")
    replace_editor_text(app, "message = 'typed ' + str(6 * 7)")
    app.page.keyboard.press("Enter")
    app.page.keyboard.type("print(message)")
    app.page.click("[data-run]")
    app.page.wait_for_function("document.querySelector('#output').textContent.includes('typed 42')")
    wait_idle(app)
    app.page.click(".cm-content")
    app.page.keyboard.press("End")
    app.page.keyboard.type("; message * 2")
    app.page.keyboard.press(f"{MOD}+Enter")
    app.page.wait_for_function("document.querySelector('#output').textContent.includes(\"'typed 42typed 42'\")")
    assert "typed 42" in output_text(app)


def test_shift_enter_runs_the_current_line_then_moves_on(app):
    new_file(app, "lines.py")
    replace_editor_text(app, "a = 2\nb = a * 21\nprint('b is', b)\n")
    app.page.click(".cm-line >> nth=0")
    app.page.keyboard.press("Home")
    app.page.keyboard.press("Shift+Enter")
    app.page.keyboard.press("Shift+Enter")
    wait_idle(app)
    assert cursor_line(app) == 3
    app.page.keyboard.press("Shift+Enter")
    app.page.wait_for_function("document.querySelector('#output').textContent.includes('b is 42')")


def test_runtime_error_traceback_links_to_the_line(app):
    new_file(app, "broken.py")
    replace_editor_text(app, "def divide(a, b):\n    return a / b\n\nx = 1\ndivide(x, 0)\n")
    app.page.click("[data-run]")
    link = app.page.wait_for_selector("#output .line-link[data-line='2']")
    assert "ZeroDivisionError" in output_text(app)
    assert app.page.query_selector(".cm-error-line") is not None, "the raising line is marked"
    app.page.click(".cm-line >> nth=0")
    assert cursor_line(app) == 1
    link.click()
    assert cursor_line(app) == 2
    app.page.click("#output .line-link[data-line='5']")
    assert cursor_line(app) == 5


def test_syntax_error_traceback_links_to_the_line(app):
    new_file(app, "syntax.py")
    replace_editor_text(app, "x = 1\ny = 2\nif x > y\n    print(x)\n")
    app.page.press(".cm-content", f"{MOD}+Enter")
    app.page.wait_for_selector("#output .line-link[data-line='3']").click()
    assert "SyntaxError" in output_text(app)
    assert cursor_line(app) == 3


def test_display_shows_a_numpy_image_and_status_counts_tensors(app):
    new_file(app, "picture.py")
    replace_editor_text(app, (
        "import numpy as np\nfrom js import tf\n"
        "kept = tf.ones([3, 4])\n"
        "image = np.zeros((6, 10, 3), np.uint8); image[:, :5, 0] = 255\n"
        "display(image, title='half red')\n"
        "display(np.linspace(0, 1, 12).reshape(3, 4))\n"
        "np.arange(6).reshape(2, 3)\n"))
    app.page.click("[data-run]")
    app.page.wait_for_function("document.querySelectorAll('#output canvas').length === 2")
    wait_idle(app)
    sizes = app.js("() => [...document.querySelectorAll('#output canvas')].map(c => [c.width, c.height])")
    assert sizes == [[10, 6], [4, 3]]
    pixel = app.js("() => Array.from(document.querySelector('#output canvas').getContext('2d').getImageData(1, 1, 1, 1).data)")
    assert pixel == [255, 0, 0, 255]
    assert "half red" in output_text(app) and "array([[0, 1, 2]," in output_text(app)
    tensors = app.js("() => window.pyapp.session.memory.numTensors")
    assert tensors >= 1
    assert app.page.inner_text("#status [data-key='Tensors']").startswith(str(tensors))
    app.check("kept.dispose()")


# ---------------------------------------------------------------- console


def test_console_multiline_def_history_completion_and_await(app):
    app.check("editor_defined_name = 41")
    console_type(app, "def twice(v):", "    return 2 * v", "")
    console_type(app, "twice(21)")
    app.page.wait_for_function("document.querySelector('[data-console-log]').textContent.includes('42')")
    assert "...     return 2 * v" in console_log(app) and ">>> twice(21)" in console_log(app)
    # History: Up recalls the last line.
    app.page.keyboard.press("ArrowUp")
    assert app.page.input_value("[data-console-input]") == "twice(21)"
    app.page.keyboard.press("ArrowDown")
    assert app.page.input_value("[data-console-input]") == ""
    # Completion of a name a run of the editor defined.
    app.page.keyboard.type("editor_def")
    app.page.keyboard.press("Tab")
    app.page.wait_for_function("document.querySelector('[data-console-input]').value === 'editor_defined_name'")
    app.page.keyboard.type(" + 1")
    app.page.keyboard.press("Enter")
    app.page.wait_for_function("[...document.querySelectorAll('[data-console-log] .result')].filter(e => e.textContent === '42').length === 2")
    # Top-level await, and an error keeps the console going.
    console_type(app, "import asyncio", "await asyncio.sleep(0.05) or 'awaited'", "1/0")
    app.page.wait_for_function("document.querySelector('[data-console-log]').textContent.includes('ZeroDivisionError')")
    log = console_log(app)
    assert "'awaited'" in log
    assert app.check("twice(5)") == "10", "the console's names are the editor's names"


def test_console_history_survives_a_reload(fresh_app):
    app = fresh_app
    console_type(app, "remembered = 'yes'")
    app.page.wait_for_function("window.pyapp.session.state === 'idle'")
    app.page.reload()
    app.wait_ready()
    app.page.click("[data-console-input]")
    app.page.keyboard.press("ArrowUp")
    assert app.page.input_value("[data-console-input]") == "remembered = 'yes'"


# ---------------------------------------------------------------- stop and responsiveness


def test_stop_ends_an_endless_loop_within_two_seconds(fresh_app):
    app = fresh_app
    app.check("kept_before_stop = 'still here'")
    new_file(app, "forever.py")
    replace_editor_text(app, "print('looping')\nwhile True:\n    pass\n")
    app.page.click("[data-run]")
    app.page.wait_for_function("document.querySelector('#output').textContent.includes('looping')")
    started = time.monotonic()
    app.page.click("[data-stop]")
    if app.mode == "served":
        app.page.wait_for_function("window.pyapp.session.state === 'idle'", timeout=2000)
        assert time.monotonic() - started < 2
        app.page.wait_for_function("document.querySelector('#output').textContent.includes('KeyboardInterrupt')")
        assert app.check("kept_before_stop") == "'still here'"
    else:
        app.page.wait_for_function("document.querySelector('#output').textContent.includes('Python was restarted')", timeout=2000)
        assert time.monotonic() - started < 2
        assert "opened from disk" in output_text(app)
        app.wait_ready()
        assert app.run("kept_before_stop")["error"]["type"] == "NameError"
    assert "while True" in editor_text(app), "the editor keeps the code"


def test_charts_button_shows_and_hides_the_visor(app):
    """The button toggles the visor, and says whether it is open however it was opened."""
    is_open = "() => tfvis.visor().isOpen()"
    viewport = app.page.viewport_size

    def pressed(expected: str) -> None:
        app.page.wait_for_function(f"document.querySelector('[data-charts]').getAttribute('aria-pressed') === '{expected}'",
                                   timeout=5000)

    app.page.click("[data-charts]")
    pressed("true")
    assert app.js(is_open)
    # Docked beside the IDE (on a screen 1100 px wide or more), the open visor covers none
    # of it: each control is what the page shows at its centre, once the visor and the IDE
    # have ended their slide (measured mid-slide, a wrapping toolbar moves under the point).
    app.page.set_viewport_size({"width": 1280, "height": 800})
    app.page.wait_for_function("""() => {
        const visor = document.querySelector('#tfjs-visor-container .visor').getBoundingClientRect();
        const docked = Math.abs(document.getElementById('ide').getBoundingClientRect().right - visor.left) < 2;
        return docked && document.getAnimations().every((animation) => animation.playState !== 'running');
    }""", timeout=5000)
    covered = app.js("""() => [...document.querySelectorAll('[data-toolbar] > :not([hidden]), .output-pane h2')]
        .filter((control) => {
            const box = control.getBoundingClientRect();
            const shown = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            return !control.contains(shown);
        }).map((control) => control.outerHTML.slice(0, 60))""")
    assert covered == [], covered
    app.page.click("[data-charts]")
    pressed("false")
    assert not app.js(is_open)
    app.check("import pyapp.vis\npyapp.vis.show_visor()")
    pressed("true")
    app.page.keyboard.press("`")  # tfjs-vis's shortcut
    pressed("false")
    app.page.click("[data-console-input]")
    app.page.keyboard.press("`")  # a backtick typed in the console is only text
    assert not app.js(is_open) and app.page.input_value("[data-console-input]").endswith("`")
    app.page.fill("[data-console-input]", "")
    app.js("() => document.activeElement.blur()")
    app.check("pyapp.vis.show_visor()\npyapp.vis.hide_visor()")  # in order: closed at the end
    pressed("false")
    # On a phone the visor takes the screen's width (tfjs-vis would make it 550 px, cut off).
    app.page.set_viewport_size({"width": 390, "height": 844})
    try:
        app.check("pyapp.vis.show_visor()")
        app.page.wait_for_function("""() => {
            const visor = document.querySelector('#tfjs-visor-container .visor').getBoundingClientRect();
            return visor.left >= 0 && Math.abs(visor.right - innerWidth) < 2;
        }""", timeout=5000)
    finally:
        app.check("pyapp.vis.hide_visor()")
        app.page.set_viewport_size(viewport)


def test_backend_menu_restarts_python_on_the_chosen_backend(fresh_app):
    app = fresh_app
    replace_editor_text(app, "# my code\n")
    offered = app.page.eval_on_selector_all("[data-backend] option", "options => options.map(o => o.value)")
    assert offered == [entry["name"] for entry in app.info["backends"]] and app.info["backend"] in offered
    chosen = "cpu" if app.info["backend"] != "cpu" else "wasm"
    app.page.select_option("[data-backend]", chosen)
    app.page.wait_for_function("document.querySelector('#output').textContent.includes('Python was restarted')")
    assert f"backend {chosen} chosen" in output_text(app)
    assert app.wait_ready()["backend"] == chosen
    assert app.check("import pyapp\npyapp.backend.get_backend()") == repr(chosen)
    assert f"backend={chosen}" in app.page.url, "a reload keeps the choice"
    assert editor_text(app) == "# my code\n"


FIT_FOR_A_WHILE = """
import numpy as np, pyapp
from pyapp import layers
x = np.random.rand(2000, 32).astype("float32"); y = x.sum(1)
model = pyapp.Sequential([pyapp.Input((32,)), layers.Dense(64, activation="relu"), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, epochs=40, batch_size=16, verbose=2)
"""


def test_page_stays_responsive_during_a_long_fit(app):
    new_file(app, "long_fit.py")
    replace_editor_text(app, FIT_FOR_A_WHILE)
    app.page.click("[data-run]")
    app.page.wait_for_function("document.querySelector('#output').textContent.includes('Epoch 2/40')", timeout=120_000)
    assert app.js("window.pyapp.session.state") == "running"
    epochs_done = "() => (document.querySelector('#output').textContent.match(/Epoch \\d+\\/40/g) || []).length"
    started = time.monotonic()
    app.page.click("[data-console-input]")
    app.page.keyboard.type("typing while it trains")
    before_clear = app.js(epochs_done)
    app.page.click("[data-output-clear]")
    took = time.monotonic() - started
    assert app.page.input_value("[data-console-input]") == "typing while it trains"
    # Measured in the fit's own epochs, not in seconds, so that a busy machine slowing both
    # alike does not fail it: a main thread blocked by training would answer at its end.
    assert before_clear <= 20, f"the page answered clicks in {took:.1f} s, {before_clear - 2} epochs of 40 later"
    assert app.js("window.pyapp.session.state") == "running", "the fit was still running"
    app.page.fill("[data-console-input]", "")
    app.js("() => document.activeElement.blur()")
    app.page.click("[data-stop]")
    app.wait_ready()
    wait_idle(app)


# ---------------------------------------------------------------- files


def test_edits_survive_a_reload_and_files_are_named(fresh_app):
    app = fresh_app
    page = app.page
    page.wait_for_selector(f'[role="tab"][data-file="{DEFAULT}"]')
    assert "load_cars" in editor_text(app), "the default example opens on a first visit"
    new_file(app, "first.py")
    replace_editor_text(app, "first = 1")
    new_file(app, "second.py")
    replace_editor_text(app, "second = 2")
    wait_saved(app, "second.py", "second = 2")
    held = []
    if app.mode == "served":  # the examples' index held back: the user's own files do not wait for it
        page.route("**/assets/examples/index.json.js", lambda route: held.append(route))
    page.reload(wait_until="domcontentloaded")  # a script held back holds the load event too
    page.wait_for_selector('[role="tab"][data-file="second.py"][aria-selected="true"]')
    assert editor_text(app) == "second = 2"
    if app.mode == "served":
        assert len(held) == 1 and page.eval_on_selector_all("[data-examples] option", "o => o.length") == 1
        held[0].continue_()
        page.wait_for_function("document.querySelectorAll('[data-examples] option').length > 1")
    app.wait_ready()
    page.click('[role="tab"][data-file="first.py"]')
    assert editor_text(app) == "first = 1"
    names = page.eval_on_selector_all('[role="tab"]', "tabs => tabs.map(t => t.dataset.file)")
    assert names == [DEFAULT, "first.py", "second.py"]
    # Keyboard: arrows move between tabs.
    page.focus('[role="tab"][data-file="first.py"]')
    page.keyboard.press("ArrowRight")
    assert editor_text(app) == "second = 2"


def test_open_and_download_round_trip(app, tmp_path):
    page = app.page
    source = "# opened from disk\nvalue = 'round trip'\nprint(value)\n"
    with page.expect_file_chooser() as chooser:
        page.click("[data-open]")
    chooser.value.set_files([{"name": "from_disk.py", "mimeType": "text/x-python", "buffer": source.encode()}])
    page.wait_for_selector('[role="tab"][data-file="from_disk.py"][aria-selected="true"]')
    assert editor_text(app) == source
    page.click(".cm-content")
    page.keyboard.press(f"{MOD}+End")
    page.keyboard.type("print('edited')")
    with page.expect_download() as download:
        page.click("[data-download]")
    saved = download.value
    assert saved.suggested_filename == "from_disk.py"
    path = tmp_path / "saved.py"
    saved.save_as(path)
    assert path.read_text() == source + "print('edited')"


def test_examples_open_as_new_files_and_one_runs_to_the_end(app):
    """Every example opens from the menu as a file of its own; each also runs to the end in
    its own test (test_examples_data, test_sensors, test_keras_roundtrip): here one runs
    from the menu as a user would run it."""
    page = app.page
    # The user edits the example the page opened with, then asks for it again.
    page.click(f'[role="tab"][data-file="{DEFAULT}"]')
    replace_editor_text(app, "mine = 'not overwritten'")
    wait_saved(app, DEFAULT, "mine = 'not overwritten'")
    options = page.eval_on_selector_all("[data-examples] option", "os => os.filter(o => o.value).map(o => o.value)")
    shipped = sorted(p.stem for p in (ROOT / "static" / "examples").glob("*.py"))
    assert sorted(options) == shipped, "the menu lists the examples"
    for name in options:
        tabs = page.locator('[role="tab"]').count()
        page.select_option("[data-examples]", name)
        page.wait_for_function("count => document.querySelectorAll('[role=tab]').length === count", arg=tabs + 1)
        opened = page.get_attribute('[role="tab"][aria-selected="true"]', "data-file")
        assert opened != DEFAULT and opened.startswith(name), "an example opens as a file of its own"
        assert editor_text(app) == (ROOT / "static" / "examples" / f"{name}.py").read_text()
        if name == "digits_mlp":
            page.click("[data-run]")
            page.wait_for_function("document.querySelector('#output .run-heading')")
            wait_idle(app, timeout=300_000)
            text = output_text(app)
            assert "test accuracy" in text and "Traceback" not in text, text[-2000:]
    page.click(f'[role="tab"][data-file="{DEFAULT}"]')
    assert editor_text(app) == "mine = 'not overwritten'"


# ---------------------------------------------------------------- the user's packages and data


def make_wheel(name: str, version: str, code: str) -> bytes:
    """A minimal pure-Python wheel, as `pip wheel` would make of a one-module package."""
    buffer = io.BytesIO()
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": code,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{dist_info}/RECORD"] = "".join(f"{path},,\n" for path in files) + f"{dist_info}/RECORD,,\n"
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return buffer.getvalue()


def test_wheels_and_data_files_install_and_come_back_after_reload(fresh_app):
    app = fresh_app
    page = app.page
    wheel = make_wheel("userpkg", "1.2.0", "def greet(who):\n    return f'hello {who} from userpkg'\n")
    csv = b"x,y\n1,2\n3,4\n"
    with page.expect_file_chooser() as chooser:
        page.click("[data-open]")
    chooser.value.set_files([
        {"name": "userpkg-1.2.0-py3-none-any.whl", "mimeType": "application/zip", "buffer": wheel},
        {"name": "points.csv", "mimeType": "text/csv", "buffer": csv},
    ])
    page.wait_for_function("document.querySelector('#output').textContent.includes('open(\"points.csv\")')", timeout=60_000)
    assert "Installed userpkg" in output_text(app)
    check = "import userpkg\nuserpkg.greet('page') + ' ' + open('points.csv').read().split()[-1]"
    assert app.check(check) == "'hello page from userpkg 3,4'"
    page.reload()
    app.wait_ready()
    assert app.check(check) == "'hello page from userpkg 3,4'"
    app.js("() => window.pyapp.restart()")
    assert app.check(check) == "'hello page from userpkg 3,4'"

    # The Kept dialog lists both; a forgotten wheel is not put back at the next start.
    page.click("[data-kept]")
    page.wait_for_selector("[data-kept-dialog] [data-kept='points.csv']")
    assert page.eval_on_selector_all("[data-kept-dialog] [data-kept]", "items => items.map(i => i.dataset.kept)") == [
        "points.csv", "userpkg-1.2.0-py3-none-any.whl"]
    page.click("[aria-label='Forget userpkg-1.2.0-py3-none-any.whl']")
    page.wait_for_function("document.querySelectorAll('[data-kept-dialog] [data-kept]').length === 1")
    assert "is forgotten" in output_text(app)
    page.keyboard.press("Escape")
    assert not page.eval_on_selector("[data-kept-dialog]", "dialog => dialog.open")
    page.reload()
    app.wait_ready()
    assert app.run("import userpkg")["error"]["type"] == "ModuleNotFoundError"
    assert app.check("open('points.csv').read().split()[-1]") == "'3,4'"


def test_a_broken_wheel_and_a_huge_file_are_refused_clearly(app):
    page = app.page
    with page.expect_file_chooser() as chooser:
        page.click("[data-open]")
    chooser.value.set_files([{"name": "broken-0.1-py3-none-any.whl", "mimeType": "application/zip", "buffer": b"not a zip"}])
    page.wait_for_function("document.querySelector('#output').textContent.includes('broken-0.1-py3-none-any.whl could not be installed')", timeout=60_000)
    # A 201 MB file, dropped on the page.
    page.evaluate("""() => {
        const file = new File([new Uint8Array(201 * 1024 * 1024)], "huge.csv");
        const data = new DataTransfer(); data.items.add(file);
        document.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    }""")
    page.wait_for_function("document.querySelector('#output').textContent.includes('huge.csv is 201.0 MB')")
    assert app.check("1 + 1") == "2"
    assert app.check("import os\n'huge.csv' in os.listdir('.')") == "False"


# ---------------------------------------------------------------- screenshots


SHOWCASE = """# A quick look: numpy, a picture, and a model summary.
import numpy as np
import pyapp
from pyapp import layers

digits = np.eye(8)[::-1] * np.linspace(0.2, 1, 8)
display(digits, title="an 8x8 picture")
model = pyapp.Sequential([pyapp.Input((8,)), layers.Dense(4, activation="relu"), layers.Dense(1)])
model.summary()
print("mean", digits.mean().round(3))
undefined_name + 1
"""


@pytest.mark.parametrize("width,height,label", [(1280, 800, "desktop"), (390, 844, "phone")])
def test_screenshots(fresh_app, width, height, label):
    app = fresh_app
    page = app.page
    page.set_viewport_size({"width": width, "height": height})
    new_file(app, "showcase.py")
    replace_editor_text(app, SHOWCASE)
    page.click("[data-run]")
    page.wait_for_selector("#output .line-link")
    wait_idle(app)
    console_type(app, "def square(v):", "    return v * v", "", "square(12)")
    page.wait_for_function("document.querySelector('[data-console-log]').textContent.includes('144')")
    page.click(".cm-content")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.wait_for_function("scheme => matchMedia(`(prefers-color-scheme: ${scheme})`).matches", arg=scheme)
        page.screenshot(path=str(ARTIFACTS / f"ide-{label}-{scheme}-{app.mode}.png"), full_page=(label == "phone"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "nothing overflows sideways"
