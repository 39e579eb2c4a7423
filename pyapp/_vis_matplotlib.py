"""pyapp.vis where there is no page (CPython): the payloads that static/app/charts.js draws
in the visor, drawn by matplotlib into PNG files instead, one a chart.

The charts' state follows charts.js: a render makes or replaces a chart, an append adds
points to a line chart's series (x is the index), a visor message means nothing here. A
chart is drawn when it is rendered; appends (a fit's callbacks, every few batches) redraw
the charts they changed at most once a second, as the page does, and less often when
drawing is slow, so that it takes at most a twentieth of a fit's time; `flush()` (at a
fit's end, and when the process exits) draws what is left. Files go to $PYAPP_VIS_DIR,
else ./pyapp_charts/, named from the tab, the surface and the chart.

matplotlib draws on Figure objects with its Agg canvas: no window opens, and the program's
own pyplot (its backend, its current figure) is left alone.
"""

from __future__ import annotations

import atexit
import math
import os
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["handle", "flush", "show"]

VIS_DIR_ENV = "PYAPP_VIS_DIR"
DEFAULT_DIR = "pyapp_charts"
REDRAW_SECONDS = 1.0  # charts.js's REDRAW_MS: drawing takes time from training
_DRAW_SHARE = 0.05  # of the time while appends come (a fit); the page measured 1.05x at one draw a second
_DPI = 100
_WIDTH = 640  # pixels, when the chart's options do not say
_MIN_HEIGHT = 240  # below this, titles and axes leave no room for the plot
_MAX_TABLE_ROWS = 100
_HISTOGRAM_COLOR = "#001B44"  # tfjs-vis's
_MATRIX_COLORS = ("#f7fbff", "#4292c6")  # tfjs-vis's confusion matrix scale


@dataclass
class _Chart:
    """One chart as charts.js keeps it (kind, surface, chart, data, options), with its file
    and whether it changed since it was last drawn."""

    kind: str
    surface: dict
    chart: str
    data: object
    options: dict
    path: Path
    dirty: bool = True
    draws: int = 0


class _Renderer:
    """The charts of this process, by (tab, surface name, chart), as charts.js's map."""

    def __init__(self):
        self.charts: dict[tuple[str, str, str], _Chart] = {}
        self._owners: dict[Path, tuple[str, str, str]] = {}  # sanitised names can collide
        self._announced: set[Path] = set()
        self._canvas = None  # (Figure, FigureCanvasAgg) once imported; False without matplotlib
        self._next_redraw = -math.inf  # when appends may redraw again

    def handle(self, payload: dict) -> None:
        op = payload["op"]
        if op == "visor" or not self._matplotlib():
            return
        if op == "render":
            self._render(payload)
        elif op == "append":
            self._append(payload)
        else:
            raise ValueError(f"pyapp.vis: unknown message {op!r}")

    def flush(self) -> None:
        """Draws every chart changed since it was last drawn."""
        for state in list(self.charts.values()):
            if state.dirty and _drawable(state):
                self._draw(state)

    def _matplotlib(self) -> bool:
        if self._canvas is None:
            try:
                from matplotlib.backends.backend_agg import FigureCanvasAgg
                from matplotlib.figure import Figure
            except ImportError:
                self._canvas = False
                print("pyapp.vis: charts need the pyapp page (in the browser) or matplotlib "
                      "(pip install matplotlib); none is drawn here")
            else:
                self._canvas = (Figure, FigureCanvasAgg)
        return bool(self._canvas)

    def _render(self, payload: dict) -> None:
        kind, surface, chart = payload["kind"], payload["surface"], payload["chart"]
        if kind not in _DRAW:
            raise ValueError(f"pyapp.vis: unknown chart kind {kind!r}")
        key = (surface["tab"], surface["name"], chart)
        state = self.charts.get(key)
        if state is None:
            state = self.charts[key] = _Chart(kind, surface, chart, None, {}, self._path(key))
        state.kind, state.data, state.options, state.dirty = kind, payload["data"], payload["options"], True
        # A render is the program's own call, not a fit's stream: draw it now. An empty
        # line chart waits for points (and keeps its last drawing), as in charts.js.
        if _drawable(state):
            self._draw(state)

    def _append(self, payload: dict) -> None:
        surface = payload["surface"]
        for chart, by_series in payload["points"].items():
            state = self.charts.get((surface["tab"], surface["name"], chart))
            if state is None or state.kind != "linechart":
                continue
            for series, ys in by_series.items():
                if series in state.data["series"]:
                    values = state.data["values"][state.data["series"].index(series)]
                    values.extend([{"x": len(values) + i, "y": y} for i, y in enumerate(ys)])
            state.dirty = True
        started = time.monotonic()
        if started >= self._next_redraw:
            self.flush()
            spent = time.monotonic() - started
            self._next_redraw = started + spent + max(REDRAW_SECONDS, spent * (1 - _DRAW_SHARE) / _DRAW_SHARE)

    def _path(self, key: tuple[str, str, str]) -> Path:
        """The chart's file: tab__surface[__chart].png in the charts folder, made unique."""
        tab, name, chart = key
        stem = "__".join(_sanitise(part) for part in ((tab, name) if chart == "chart" else key))
        folder = Path(os.environ.get(VIS_DIR_ENV) or DEFAULT_DIR).absolute()
        path, number = folder / f"{stem}.png", 1
        while self._owners.setdefault(path, key) != key:
            number += 1
            path = folder / f"{stem}-{number}.png"
        return path

    def _draw(self, state: _Chart) -> None:
        state.dirty = False
        figure_class, canvas_class = self._canvas
        try:
            figure = _DRAW[state.kind](figure_class, state.data, state.options)
            canvas_class(figure)
            name = state.surface["name"]
            figure.suptitle(name if state.chart == "chart" else f"{name}: {state.chart}", fontweight="bold")
            state.path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole, then renamed: an image viewer never shows half a file.
            partial = state.path.with_name(state.path.name + ".partial")
            figure.savefig(partial, format="png", dpi=_DPI)
            os.replace(partial, state.path)
        except Exception as error:  # noqa: BLE001 - a chart that fails must not end the program (or its fit)
            warnings.warn(f"pyapp.vis could not draw {state.kind} {state.chart!r} in {state.surface['name']!r} "
                          f"to {state.path}: {error}", RuntimeWarning)
            return
        state.draws += 1
        if state.path.parent not in self._announced:
            self._announced.add(state.path.parent)
            print(f"pyapp.vis: charts are drawn to PNG files in {state.path.parent} "
                  "(in the browser page they show in the visor)")


def _sanitise(text: str) -> str:
    """A file-name part: letters, digits, '.', '-' and '_', other runs as one '_'."""
    return re.sub(r"[^\w.-]+", "_", text).strip("._")[:60] or "chart"


def _drawable(state: _Chart) -> bool:
    """Whether there is something to draw: tfjs-vis draws no line chart or scatter plot without points."""
    return state.kind not in ("linechart", "scatterplot") or any(state.data["values"])


# ---------------------------------------------------------------- one function a kind
# Each takes matplotlib's Figure class, the payload's data and options (tfjs-vis's names)
# and returns the figure drawn; the caller titles and saves it.


def _figure(figure_class, options: dict, height: int):
    width = options.get("width") or _WIDTH
    height = max(options.get("height") or height, _MIN_HEIGHT)
    return figure_class(figsize=(width / _DPI, height / _DPI), dpi=_DPI, layout="constrained")


def _labels(axes, options: dict) -> None:
    """tfjs-vis's axis titles, "x" and "y" unless given."""
    axes.set_xlabel(options.get("xLabel") or "x")
    axes.set_ylabel(options.get("yLabel") or "y")


def _to_zero(axes, options: dict, *axis_names: str) -> None:
    """vega's scales start at zero unless the chart zooms to fit its data."""
    if options.get("zoomToFit"):
        return
    for name in axis_names:
        low, high = getattr(axes, f"get_{name}lim")()
        getattr(axes, f"set_{name}lim")(min(low, 0), max(high, 0))


def _series(data: dict, options: dict):
    """(name, points, colour) of each series that has points."""
    colors = options.get("seriesColors") or [None] * len(data["series"])
    return [(name, points, color) for name, points, color in zip(data["series"], data["values"], colors) if points]


def _scatterplot(figure_class, data: dict, options: dict):
    figure = _figure(figure_class, options, 400)
    axes = figure.add_subplot()
    series = _series(data, options)
    for name, points, color in series:
        axes.scatter([p["x"] for p in points], [p["y"] for p in points], s=12, color=color, label=name)
    _labels(axes, options)
    _to_zero(axes, options, "x", "y")
    if len(series) > 1:
        axes.legend()
    return figure


def _linechart(figure_class, data: dict, options: dict):
    figure = _figure(figure_class, options, 400)
    axes = figure.add_subplot()
    series = _series(data, options)
    for name, points, color in series:
        ys = [np.nan if p["y"] is None else p["y"] for p in points]  # None (NaN, inf) is a gap
        axes.plot([p["x"] for p in points], ys, color=color, label=name)
    _labels(axes, options)
    _to_zero(axes, options, "y")
    if len(series) > 1:
        axes.legend()
    return figure


def _histogram(figure_class, data: list, options: dict):
    figure = _figure(figure_class, options, 300)
    axes = figure.add_subplot()
    values = np.array([np.nan if v is None else v for v in data], dtype=np.float64)
    finite = values[np.isfinite(values)]
    # vega bins to at most maxBins (tfjs-vis: 12) bins of round widths; numpy's "auto" edges, capped, are close.
    bins = min(len(np.histogram_bin_edges(finite, bins="auto")) - 1, options.get("maxBins") or 12) if finite.size else 1
    axes.hist(finite, bins=max(bins, 1), color=_HISTOGRAM_COLOR)
    axes.set_xlabel(options.get("xLabel") or "value")
    axes.set_ylabel(options.get("yLabel") or "count")
    # tfjs-vis's stats table above the chart (NaN and infinity come as None, as JSON has neither).
    stats = [f"{len(values)} values", f"{int((finite == 0).sum())} zeros",
             f"{len(values) - finite.size} NaN or infinite"]
    if finite.size:
        stats[1:1] = [f"min {finite.min():.4g}", f"max {finite.max():.4g}"]
    axes.set_title(" · ".join(stats), fontsize=9)
    return figure


def _barchart(figure_class, data: list, options: dict):
    figure = _figure(figure_class, options, 300)
    axes = figure.add_subplot()
    heights = [np.nan if bar["value"] is None else bar["value"] for bar in data]
    axes.bar(range(len(data)), heights)
    # A bar without a value (None: NaN) keeps its place and label.
    axes.set_xticks(range(len(data)), [bar["index"] for bar in data])
    axes.set_xlim(-0.6, len(data) - 0.4)
    _labels(axes, options)
    return figure


def _table(figure_class, data: dict, options: dict):
    headers, rows = data["headers"], data["values"]
    shown = rows[:_MAX_TABLE_ROWS]
    figure = _figure(figure_class, options, 30 * (len(shown) + 1) + 70)
    axes = figure.add_subplot()
    axes.axis("off")
    cells = [[str(cell) for cell in row] for row in shown] or [[""] * len(headers)]  # matplotlib needs a row
    table = axes.table(cellText=cells, colLabels=headers, loc="upper center", cellLoc="left", colLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(10)
    table.scale(1, 1.4)
    table.auto_set_column_width(list(range(len(headers))))
    for column in range(len(headers)):
        table[0, column].set_facecolor("#e8ecf2")
        table[0, column].get_text().set_fontweight("bold")
    if len(rows) > len(shown):
        axes.set_title(f"the first {len(shown)} of {len(rows)} rows", fontsize=9, loc="left")
    return figure


def _confusion_matrix(figure_class, data: dict, options: dict):
    from matplotlib.colors import LinearSegmentedColormap

    matrix = np.array(data["values"], dtype=np.float64)
    labels = data.get("tickLabels") or [f"Class {i}" for i in range(len(matrix))]
    size = max(400, 40 * len(matrix) + 160)
    figure = _figure(figure_class, {"width": size, **options}, size)
    axes = figure.add_subplot()
    shaded = matrix.copy()
    off_diagonal = ~np.eye(len(matrix), dtype=bool)
    # tfjs-vis: without shadeDiagonal the diagonal stays white, unless nothing else has a count.
    if not options.get("shadeDiagonal", True) and matrix[off_diagonal].any():
        np.fill_diagonal(shaded, np.nan)
    colormap = LinearSegmentedColormap.from_list("tfjs-vis", _MATRIX_COLORS).with_extremes(bad="white")
    axes.imshow(shaded, cmap=colormap, aspect="auto")
    axes.set_xticks(range(len(labels)), labels, rotation=90 if len(labels) > 8 else 0)
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel(options.get("xLabel") or "prediction")
    axes.set_ylabel(options.get("yLabel") or "label")
    for (row, column), count in np.ndenumerate(matrix):
        axes.text(column, row, f"{count:g}", ha="center", va="center", fontsize=9)
    return figure


def _per_class_accuracy(figure_class, data: dict, options: dict):
    """As tfjs-vis's show.perClassAccuracy: a table of class, accuracy and count."""
    rows = [[label, f"{row['accuracy']:.4g}", row["count"]]
            for label, row in zip(data["classLabels"], data["classAccuracy"])]
    return _table(figure_class, {"headers": ["Class", "Accuracy", "# Samples"], "values": rows}, options)


_DRAW = {
    "scatterplot": _scatterplot,
    "linechart": _linechart,
    "histogram": _histogram,
    "barchart": _barchart,
    "table": _table,
    "confusionMatrix": _confusion_matrix,
    "perClassAccuracy": _per_class_accuracy,
}


# ---------------------------------------------------------------- the process's charts

_renderer: _Renderer | None = None


def handle(payload: dict) -> None:
    """Takes one pyapp.vis payload ({"op": "render" | "append" | "visor", ...}) as the page would."""
    global _renderer
    if _renderer is None:
        _renderer = _Renderer()
    _renderer.handle(payload)


def flush() -> None:
    """Draws what appends changed since the last drawing (a fit's end: the files are then whole)."""
    if _renderer is not None:
        _renderer.flush()


def show(obj, title: str | None) -> None:
    """pyapp.vis.display without a page: a picture (a numpy image, a matplotlib figure) as a
    PNG file in the charts folder, anything else printed, as the page shows it."""
    global _shown
    array = None if hasattr(obj, "savefig") else np.asarray(obj) if isinstance(obj, np.ndarray) else None
    image_shaped = array is not None and array.size and array.dtype.kind in "biuf" and (
        array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (1, 3, 4)))
    if not hasattr(obj, "savefig") and not image_shaped:
        print(f"{title}: {obj!r}" if title else repr(obj))
        return
    _shown += 1
    folder = Path(os.environ.get(VIS_DIR_ENV) or DEFAULT_DIR).absolute()
    path = folder / f"display-{_shown}{'-' + _sanitise(title) if title else ''}.png"
    folder.mkdir(parents=True, exist_ok=True)
    if hasattr(obj, "savefig"):
        obj.savefig(path, format="png", dpi=_DPI)
    else:
        from matplotlib.image import imsave

        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        if array.dtype.kind == "f" and (array.min() < 0 or array.max() > 1):  # stretched, as the page does
            array = (array - array.min()) / max(float(array.max() - array.min()), 1e-12)
        imsave(path, array, cmap="gray", vmin=0, vmax=1 if array.dtype.kind == "f" else 255)
    print(f"pyapp.vis.display: {title + ': ' if title else ''}picture written to {path}")


_shown = 0
atexit.register(flush)  # what the throttle held back when a program ends mid-fit (Ctrl-C)
