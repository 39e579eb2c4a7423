"""pyapp.vis in the real page: tfjs-vis draws what Python sends into the visor, fit
callbacks add points while training runs, charts survive a worker restart; and data files
the user drops in (bad CSVs, empty data) give clear errors in the page too."""


import pytest

from conftest import chart, wait_drawn

# Colored pixels in a chart's canvases: vega draws marks (points, lines, bars, cells) in
# colour, while axes, grid lines and text are grey or black.
COLORED_PIXELS = """(selector) => {
  const chart = document.querySelector(selector);
  if (!chart) return -1;
  let colored = 0;
  for (const canvas of chart.querySelectorAll("canvas")) {
    const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    for (let i = 0; i < data.length; i += 4) {
      const spread = Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]);
      if (data[i + 3] > 0 && spread > 40) colored++;
    }
  }
  return colored;
}"""


def test_charts_render_with_data_points(app):
    app.check("""
import numpy as np
import pyapp
rng = np.random.default_rng(0)
x = rng.normal(size=50)
pyapp.vis.scatterplot({"a": (x, 2 * x), "b": (x, -x)}, name="vis test scatter", tab="Tests")
pyapp.vis.linechart({"up": np.arange(20.0), "down": 20 - np.arange(20.0)}, name="vis test lines", tab="Tests")
pyapp.vis.histogram(rng.normal(size=300), name="vis test histogram", tab="Tests")
pyapp.vis.barchart({"a": 3, "b": 5}, name="vis test bars", tab="Tests")
pyapp.vis.table(["name", "value"], [["pi", 3.14159], ["e", 2.71828], ["n", 7]], name="vis test table", tab="Tests")
matrix = pyapp.vis.confusion_matrix([0, 1, 2, 2, 1], [0, 2, 2, 2, 1], class_names=["x", "y", "z"],
                                    name="vis test confusion", tab="Tests")
accuracy = pyapp.vis.per_class_accuracy([0, 1, 2, 2, 1], [0, 2, 2, 2, 1], name="vis test accuracy", tab="Tests")
""")
    expected = {"vis test scatter": 100, "vis test lines": 40, "vis test histogram": 300, "vis test bars": 2,
                "vis test confusion": 5}
    for surface, points in expected.items():
        assert wait_drawn(app, chart(surface), points) == points
        assert app.js(COLORED_PIXELS, chart(surface)) > 20, f"{surface}: no coloured marks drawn"
    for surface, rows, text in (("vis test table", 3, "3.142"), ("vis test accuracy", 3, "0.5")):
        wait_drawn(app, chart(surface), rows)
        assert app.js("(s) => document.querySelector(s).querySelectorAll('tbody tr').length", chart(surface)) == rows
        assert text in app.js("(s) => document.querySelector(s).textContent", chart(surface))
    assert app.check("accuracy") == "{'0': 1.0, '1': 0.5, '2': 1.0}"


def test_fit_callbacks_add_points_while_training(app):
    app.check("""
import numpy as np
import pyapp
from pyapp import layers
rng = np.random.default_rng(0)
x = rng.normal(size=(512, 8)).astype("float32")
y = (x[:, 0] + x[:, 1] > 0).astype("int32")
pyapp.utils.set_random_seed(0)
model = pyapp.Sequential([pyapp.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(2, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
""")
    # 30 epochs of 12 batches, each made to take 10 ms (the page's charts redraw at most once
    # a second: the fit lasts long enough for several). The page records the batch chart's
    # size at each redraw, and whether the fit was still running then.
    batch_chart = chart("fit test", "batch: loss")
    app.js("""(selector) => {
        window.__drawsWhileRunning = [];
        window.__drawWatcher = new MutationObserver(() => {
            const drawn = document.querySelector(selector);
            if (drawn && window.pyapp.session.state === "running") window.__drawsWhileRunning.push(Number(drawn.dataset.points));
        });
        window.__drawWatcher.observe(document.body, { subtree: true, attributeFilter: ["data-draws"] });
        window.__fit = window.pyapp.runPython(`
import time
slow = pyapp.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: time.sleep(0.01))
charts = pyapp.vis.fit_callbacks(["loss", "val_loss", "accuracy"], name="fit test", tab="Tests", throttle=0.2)
history = model.fit(x, y, epochs=30, batch_size=32, validation_split=0.25, verbose=0, callbacks=[charts, slow])
`);
    }""", batch_chart)
    reply = app.js("() => window.__fit")
    assert reply["error"] is None, reply["error"]
    seen = app.js("() => { window.__drawWatcher.disconnect(); return window.__drawsWhileRunning; }")
    during = sorted(set(p for p in seen if p > 0))
    assert len(during) >= 3, f"the batch chart did not grow while training ran: {seen}"
    batches = 30 * 12  # 384 training samples in batches of 32
    assert wait_drawn(app, batch_chart, batches) == batches
    assert wait_drawn(app, chart("fit test", "epoch: loss"), 60) == 60  # loss and val_loss per epoch
    assert wait_drawn(app, chart("fit test", "epoch: accuracy"), 30) == 30
    assert app.js(COLORED_PIXELS, chart("fit test", "epoch: loss")) > 20
    assert app.check("charts.points_sent") == str(batches * 2 + 30 * 3)


def test_visor_can_be_hidden_and_shown(app):
    app.check("import pyapp; pyapp.vis.linechart([1, 2, 3], name='visor test', tab='Tests'); pyapp.vis.hide_visor()")
    wait_open(app, False)
    app.check("pyapp.vis.show_visor()")
    wait_open(app, True)
    app.js("() => document.activeElement && document.activeElement.blur()")  # ` in a text field is text
    app.page.keyboard.press("Backquote")  # the user's way: the ` key toggles it
    wait_open(app, False)
    app.page.keyboard.press("Backquote")
    wait_open(app, True)


def wait_open(app, expected: bool) -> None:
    app.page.wait_for_function("expected => Boolean(self.tfvis) && tfvis.visor().isOpen() === expected", arg=expected, timeout=10_000)


def test_charts_work_after_the_worker_restarts(fresh_app):
    """tfjs-vis loads with the first chart, not with the page (charts.js says why), and
    charts still work after the worker restarts."""
    app = fresh_app
    loaded = "() => [typeof self.tfvis, document.querySelectorAll('script[src*=tfjs-vis]').length]"
    assert app.js(loaded) == ["undefined", 0]
    app.check("import pyapp; pyapp.vis.linechart([1, 2, 3], name='restart test', tab='Tests')")
    selector = chart("restart test")
    assert wait_drawn(app, selector, 3) == 3
    assert app.js(loaded) == ["object", 1]
    app.js("() => window.pyapp.restart()")
    app.wait_ready()
    assert app.check("'pyapp' in globals()") == "False"  # a new session
    app.check("import pyapp; pyapp.vis.linechart([1, 2, 3, 4, 5], name='restart test', tab='Tests')")
    assert wait_drawn(app, selector, 5) == 5
    assert app.js(COLORED_PIXELS, selector) > 20


def test_user_files_load_and_bad_ones_say_where(app):
    reply = app.check(r"""
import pyapp
with open("/home/pyodide/mine.csv", "w") as f:
    f.write("hp,mpg\n130,18\n165,15\n")
table = pyapp.datasets.load_csv("/home/pyodide/mine.csv")
with open("/home/pyodide/bad.csv", "w") as f:
    f.write("hp,mpg\n130,18\n165,fast\n")
errors = []
for source in ("/home/pyodide/bad.csv", b"hp,mpg\n1,2\n3\n", b"hp,mpg\n"):
    try:
        pyapp.datasets.load_csv(source)
    except ValueError as error:
        errors.append(str(error))
cars = pyapp.datasets.load_cars()
(table[["hp", "mpg"]].tolist(), errors, len(cars))
""")
    assert "[[130.0, 18.0], [165.0, 15.0]]" in reply
    assert "line 3, column 2 ('mpg'): 'fast' is not a number" in reply
    assert "line 3: 1 cells, but the header (line 1) names 2 columns" in reply
    assert "the data set is empty" in reply
    assert reply.endswith(", 406)")


def test_chart_errors_are_python_errors(app):
    reply = app.run("import pyapp; pyapp.vis.fit_callbacks([])")
    assert reply["error"]["type"] == "ValueError" and "metrics must be names of logs" in reply["error"]["message"]
    reply = app.run("import pyapp; pyapp.vis.table(['a', 'b'], [[1]])")
    assert "row 0 has 1 cells for 2 headers" in reply["error"]["message"]


@pytest.fixture(autouse=True)
def _no_chart_errors(request):
    """tfjs-vis failing to draw is logged by charts.js: fail the test on it."""
    page = request.getfixturevalue("fresh_app" if "fresh_app" in request.fixturenames else "shared_app")
    before = len(page.console)
    yield
    problems = [line for line in page.console[before:] if "pyapp.vis" in line]
    assert not problems, problems


def test_line_charts_with_uneven_or_missing_series(app):
    app.check("""
import pyapp
pyapp.vis.linechart({"long": [1, 2, 3, 4], "short": [4, 3]}, name="uneven test", tab="Tests")
""")
    assert wait_drawn(app, chart("uneven test"), 6) == 6
    assert app.js(COLORED_PIXELS, chart("uneven test")) > 20
    # val_loss asked for, but fit has no validation data: loss is still drawn (and a warning says why).
    reply = app.run("""
import numpy as np
from pyapp import layers
model = pyapp.Sequential([pyapp.Input((2,)), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(np.ones((8, 2)), np.ones(8), epochs=3, verbose=0,
          callbacks=[pyapp.vis.fit_callbacks(["loss", "val_loss"], name="no validation test", tab="Tests")])
""")
    assert reply["error"] is None and "no log named ['val_loss'] to plot" in reply["stderr"]
    assert wait_drawn(app, chart("no validation test", "epoch: loss"), 3) == 3
    assert app.js(COLORED_PIXELS, chart("no validation test", "epoch: loss")) > 20
