"""pyapp.vis and pyapp.utils.download under CPython, where there is no page: the charts the
page would draw are drawn by matplotlib into PNG files (pyapp/_vis_matplotlib.py), and a
download says where the file is. In the page they are tested in tests/browser/test_vis.py
and tests/browser/test_pyapp_saving.py."""

import builtins
import os

import matplotlib.image
import numpy as np
import pytest

from pyapp import _vis_matplotlib, utils, vis

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOTICE = "pyapp.vis: charts are drawn to PNG files in"


@pytest.fixture
def charts(tmp_path, monkeypatch):
    """The folder the charts go to, with a renderer of the test's own (no charts yet)."""
    folder = tmp_path / "charts"
    monkeypatch.setenv(_vis_matplotlib.VIS_DIR_ENV, str(folder))
    monkeypatch.setattr(_vis_matplotlib, "_renderer", None)
    return folder


@pytest.fixture
def clock(monkeypatch):
    """time.monotonic, moved by hand: [now]."""
    now = [1000.0]
    monkeypatch.setattr(_vis_matplotlib.time, "monotonic", lambda: now[0])
    return now


def chart(key):
    return _vis_matplotlib._renderer.charts[key]


def drawn_image(path) -> np.ndarray:
    """The PNG's pixels, checked to be a real PNG and not a blank one."""
    assert path.read_bytes()[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] >= 200 and image.shape[1] >= 400, image.shape
    colours = np.unique(image.reshape(-1, image.shape[-1]), axis=0)
    assert len(colours) > 1, f"{path.name} is blank"
    return image


def coloured_pixels(image: np.ndarray) -> int:
    """Pixels of a coloured mark (points, lines, bars, cells): axes and text are grey or black."""
    rgb = image[..., :3]
    return int(((rgb.max(axis=-1) - rgb.min(axis=-1)) > 40 / 255).sum())


class FakeLayer:
    """What show_model_summary and weight_histograms read of a layer (the model API is not needed)."""

    trainable = True

    def __init__(self, name, shapes, output_shape):
        self.name, self.shapes, self.output_shape = name, shapes, output_shape

    def count_params(self):
        return sum(int(np.prod(shape)) for shape in self.shapes)


class FakeModel:
    def __init__(self):
        self.layers = [FakeLayer("input", [], (None, 4)), FakeLayer("dense", [(4, 8), (8,)], (None, 8)),
                       FakeLayer("dense_1", [(8, 3), (3,)], (None, 3))]

    def get_weights(self):
        rng = np.random.default_rng(0)
        return [rng.normal(size=shape) for layer in self.layers for shape in layer.shapes]


def test_every_chart_is_a_png_file_and_the_folder_is_said_once(charts, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=50)
    vis.scatterplot({"a": (x, 2 * x), "b": (x, -x)}, x_label="x", y_label="y")
    vis.linechart({"up": np.arange(20.0), "down": 20 - np.arange(20.0)}, name="Lines")
    vis.histogram(np.append(rng.normal(size=300), [np.nan, np.inf, 0.0]), max_bins=20)
    vis.barchart({"a": 3, "b": 5, "c": np.nan})
    vis.table(["name", "value"], [["pi", 3.14159], ["e", 2.71828], ["n", 7], ["ok", True]])
    matrix = vis.confusion_matrix([0, 1, 2, 2, 1], [0, 2, 2, 2, 1], class_names=["x", "y", "z"], shade_diagonal=False)
    accuracy = vis.per_class_accuracy([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])
    vis.show_model_summary(FakeModel())
    vis.weight_histograms(FakeModel())
    vis.show_visor()
    vis.hide_visor()

    assert matrix.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 2]]
    assert accuracy == {"0": 1.0, "1": 0.5, "2": 1.0}
    marked = {"Charts__Scatter_plot.png", "Charts__Lines.png", "Charts__Histogram.png", "Charts__Bar_chart.png",
              "Evaluation__Confusion_Matrix.png"}
    tables = {"Charts__Table.png", "Evaluation__Accuracy.png", "Model_Inspection__Model_Summary.png"}
    weights = {f"Model_Inspection__Weights__{layer}_weight_{index}_shape_{shape}.png"
               for layer, index, shape in [("dense", 0, "4_8"), ("dense", 1, "8"), ("dense_1", 0, "8_3"),
                                           ("dense_1", 1, "3")]}
    assert {path.name for path in charts.iterdir()} == marked | tables | weights
    for name in marked | weights:
        assert coloured_pixels(drawn_image(charts / name)) > 20, f"{name}: no coloured marks drawn"
    for name in tables:
        image = drawn_image(charts / name)
        assert (image[..., :3].max(axis=-1) < 0.3).sum() > 100, f"{name}: no text drawn"
    out = capsys.readouterr().out
    assert out.count("pyapp.vis") == 1, out
    assert f"{NOTICE} {charts} (in the browser page they show in the visor)" in out


def test_a_chart_drawn_again_replaces_its_file(charts, capsys):
    vis.linechart([1, 2, 3], name="Again")
    first = (charts / "Charts__Again.png").read_bytes()
    vis.linechart([3, 1], name="Again")
    state = chart(("Charts", "Again", "chart"))
    assert [point["y"] for point in state.data["values"][0]] == [3, 1]
    assert state.draws == 2 and not state.dirty
    assert [path.name for path in charts.iterdir()] == ["Charts__Again.png"]
    assert (charts / "Charts__Again.png").read_bytes() != first
    assert capsys.readouterr().out.count(NOTICE) == 1


def test_names_that_sanitise_alike_get_files_of_their_own(charts):
    vis.barchart({"a": 1}, name="a b")
    vis.barchart({"a": 2}, name="a/b")
    assert sorted(path.name for path in charts.iterdir()) == ["Charts__a_b-2.png", "Charts__a_b.png"]


def test_fit_callbacks_extend_line_charts_and_redraw_at_most_once_a_second(charts, clock, capsys):
    callback = vis.fit_callbacks(["loss", "val_loss", "accuracy"], throttle=0.3)
    callback.on_train_begin()
    keys = {name: ("Training", "Model Training", name)
            for name in ("batch: loss", "batch: accuracy", "epoch: loss", "epoch: accuracy")}
    assert all(chart(key).data["values"] in ([[]], [[], []]) for key in keys.values())
    assert not charts.exists()  # a line chart without points is not drawn (charts.js neither)

    batches = 0
    for epoch in range(3):
        for _ in range(12):  # a batch every 0.1 s: vis sends points every 0.3 s
            callback.on_batch_end(batches, {"loss": 2.0 / (batches + 1), "accuracy": batches / 40})
            batches += 1
            clock[0] += 0.1
        callback.on_epoch_end(epoch, {"loss": 1.0 - epoch / 10, "val_loss": 1.2 - epoch / 10,
                                      "accuracy": 0.5 + epoch / 10, "val_accuracy": 0.4})
    batch_loss, epoch_loss = chart(keys["batch: loss"]), chart(keys["epoch: loss"])
    assert len(batch_loss.data["values"][0]) == batches == 36  # every point, in order
    assert [p["x"] for p in batch_loss.data["values"][0]] == list(range(36))
    assert batch_loss.data["values"][0][3]["y"] == pytest.approx(0.5)
    assert [len(series) for series in epoch_loss.data["values"]] == [3, 3]  # loss and val_loss
    assert [len(series) for series in chart(keys["epoch: accuracy"]).data["values"]] == [3]
    # 3.6 s of training: the batch chart was drawn at the first batch and then at most once a second.
    assert 2 <= batch_loss.draws <= 4
    drawn = {name: chart(key).draws for name, key in keys.items()}

    callback.on_train_end()  # what the throttle held back is drawn now
    assert not any(chart(key).dirty for key in keys.values())
    assert all(chart(key).draws <= drawn[name] + 1 for name, key in keys.items())
    for key in keys.values():
        assert coloured_pixels(drawn_image(chart(key).path)) > 20
    assert sorted(path.name for path in charts.iterdir()) == [
        "Training__Model_Training__batch_accuracy.png", "Training__Model_Training__batch_loss.png",
        "Training__Model_Training__epoch_accuracy.png", "Training__Model_Training__epoch_loss.png"]
    assert capsys.readouterr().out.count(NOTICE) == 1


def test_slow_drawing_waits_longer_so_that_training_is_not_held_up(charts, clock, monkeypatch):
    draw, drawn_at = _vis_matplotlib._Renderer._draw, []

    def slow_draw(renderer, state):  # each drawing takes 0.25 s on this clock
        draw(renderer, state)
        drawn_at.append(clock[0])
        clock[0] += 0.25

    monkeypatch.setattr(_vis_matplotlib._Renderer, "_draw", slow_draw)
    callback = vis.fit_callbacks(["loss"], callbacks="on_batch_end", throttle=0)
    callback.on_train_begin()
    for batch in range(400):  # 20 s of batches, each sent at once
        callback.on_batch_end(batch, {"loss": 1 / (batch + 1)})
        clock[0] += 0.05
    # Drawing takes at most 1/20 of the time: after 0.25 s of it, 4.75 s without.
    gaps = np.diff(drawn_at)
    assert len(drawn_at) >= 4 and (gaps >= 5.0 - 1e-9).all(), drawn_at
    assert len(chart(("Training", "Model Training", "batch: loss")).data["values"][0]) == 400


def test_without_matplotlib_one_line_says_so_and_nothing_else_happens(charts, monkeypatch, capsys):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    vis.scatterplot((np.arange(3), np.arange(3)))
    vis.linechart([1, 2, 3])
    vis.histogram([1, 2, 2])
    vis.table(["a"], [[1]])
    vis.confusion_matrix([0, 1], [0, 1])
    vis.show_visor()
    callback = vis.fit_callbacks(["loss"])
    callback.on_train_begin()
    callback.on_batch_end(0, {"loss": 1.0})
    callback.on_epoch_end(0, {"loss": 1.0})
    callback.on_train_end()
    assert capsys.readouterr().out == ("pyapp.vis: charts need the pyapp page (in the browser) or matplotlib "
                                       "(pip install matplotlib); none is drawn here\n")
    assert not charts.exists()


def test_the_visor_alone_does_nothing_silently(charts, capsys):
    vis.show_visor()
    vis.hide_visor()
    assert capsys.readouterr().out == ""
    assert not charts.exists()


def test_charts_go_to_pyapp_charts_in_the_current_folder_by_default(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(_vis_matplotlib.VIS_DIR_ENV, raising=False)
    monkeypatch.setattr(_vis_matplotlib, "_renderer", None)
    monkeypatch.chdir(tmp_path)
    vis.barchart({"a": 1}, name="Default")
    assert drawn_image(tmp_path / "pyapp_charts" / "Charts__Default.png") is not None
    assert f"{NOTICE} {tmp_path / 'pyapp_charts'} " in capsys.readouterr().out


# ---------------------------------------------------------------- download


def test_download_of_a_file_says_where_it_is(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    utils.download("notes.csv")
    said = capsys.readouterr().out
    assert said == f"pyapp.utils.download: notes.csv is already on this machine, at {tmp_path / 'notes.csv'}\n"
    assert os.listdir(tmp_path) == ["notes.csv"]
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        utils.download("missing.csv")


def test_download_of_bytes_writes_them_to_the_current_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    utils.download(memoryview(b"\x00model"), filename="models/model.keras")  # saved by its base name, as a browser does
    assert (tmp_path / "model.keras").read_bytes() == b"\x00model"
    assert capsys.readouterr().out == (f"pyapp.utils.download: wrote 6 bytes to {tmp_path / 'model.keras'} "
                                       "(in the browser page they are offered as a download)\n")
    with pytest.raises(ValueError, match="filename="):
        utils.download(b"123")
