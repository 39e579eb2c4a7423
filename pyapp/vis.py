"""Charts in the page, drawn by tfjs-vis on the main thread, as in the TF.js codelab.

The names follow tfjs-vis (`tfvis.render.scatterplot` -> `pyapp.vis.scatterplot`,
`tfvis.show.fitCallbacks` -> `pyapp.vis.fit_callbacks`) with Python-style arguments. Each
chart goes to a surface of the visor, the panel at the side of the page that the user can
hide (its button, or the ` key); `name` and `tab` choose the surface, as tfjs-vis's
`{name, tab}` does. Drawing again to the same surface and chart replaces the chart.

    pyapp.vis.scatterplot({"cars": (horsepower, mpg)}, x_label="Horsepower", y_label="MPG")
    model.fit(x, y, epochs=50, callbacks=[pyapp.vis.fit_callbacks(["loss", "val_loss"])])
    pyapp.vis.confusion_matrix(y_test, model.predict(x_test).argmax(1))

Python computes (numpy, scikit-learn) and sends plain numbers; the page only draws
(static/app/charts.js). `display(picture)` shows a picture with the program's output.

Under CPython, where there is no page, the same charts are drawn by matplotlib into PNG
files, one a chart, in the folder `$PYAPP_VIS_DIR` (else `./pyapp_charts/`), named from
tab, surface and chart; the first file written says where they go. Drawing again replaces
a file, as it replaces a chart in the page; the charts a fit extends are redrawn at most
once a second (less often when drawing is slow, so that it does not hold the fit up), and
at the fit's end. Without matplotlib a line says so and nothing is drawn; `show_visor` and
`hide_visor` do nothing there.
"""

from __future__ import annotations

import builtins
import math
import sys
import time
import warnings

import numpy as np

from .callbacks import Callback

DEFAULT_TAB = "Charts"


def _page():
    """pyapp's channel to the page (pyapp.backend._page), or None outside a browser (CPython),
    where there is no page."""
    if sys.platform != "emscripten":  # as pyapp.backend.engine_name() tells the browser apart
        return None
    from .backend import _page

    return _page


def _send(payload: dict) -> None:
    page = _page()
    if page is None:
        from . import _vis_matplotlib

        _vis_matplotlib.handle(payload)
    else:
        page.send("vis", payload, what="pyapp.vis")


def _draw_pending() -> None:
    """Without a page, draws the points that the PNG files' throttle held back (the page's
    charts.js draws them on its own timer)."""
    if _page() is None:
        from . import _vis_matplotlib

        _vis_matplotlib.flush()


def _number(value):
    """A float for JSON: None for NaN and infinities (JSON has neither)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _numbers(values) -> list:
    return [_number(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _options(**options) -> dict:
    """tfjs-vis's option names (camelCase), leaving out the ones not given."""
    return {name: value for name, value in options.items() if value is not None}


def _surface(name: str, tab: str) -> dict:
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string (the visor surface's title), got {name!r}")
    return {"name": name, "tab": tab or DEFAULT_TAB}


def _render(kind: str, data, *, name: str, tab: str, chart: str = "chart", options: dict | None = None) -> None:
    _send({"op": "render", "kind": kind, "surface": _surface(name, tab), "chart": chart, "data": data,
           "options": options or {}})


def _series(values, what: str, pairs: bool) -> dict:
    """{series name: data} from one data set or a dict of them."""
    if isinstance(values, dict):
        if not values:
            raise ValueError(f"{what}: the dict of series is empty")
        return dict(values)
    return {"values" if pairs else "y": values}


def _xy_points(data, what: str, series: str) -> list[dict]:
    """(x, y) arrays, or an (n, 2) array, as tfjs-vis's [{x, y}, ...] (non-finite dropped)."""
    if isinstance(data, tuple) and len(data) == 2:
        x, y = (np.asarray(a, dtype=np.float64).ravel() for a in data)
    else:
        array = np.asarray(data, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != 2:
            raise ValueError(f"{what}: series {series!r} must be (x, y) or an array of shape (n, 2), "
                             f"got shape {array.shape}")
        x, y = array[:, 0], array[:, 1]
    if len(x) != len(y):
        raise ValueError(f"{what}: series {series!r} has {len(x)} x values but {len(y)} y values")
    if len(x) == 0:
        raise ValueError(f"{what}: series {series!r} is empty")
    keep = np.isfinite(x) & np.isfinite(y)
    return [{"x": float(a), "y": float(b)} for a, b in zip(x[keep], y[keep])]


def scatterplot(values, *, name: str = "Scatter plot", tab: str = DEFAULT_TAB, x_label: str | None = None,
                y_label: str | None = None, zoom_to_fit: bool = False, series_colors=None, width=None,
                height=None) -> None:
    """Points: `values` is `(x, y)`, an (n, 2) array, or a dict of them by series name
    (several series in several colours, as the codelab's "original" and "predicted")."""
    series = _series(values, "scatterplot", pairs=True)
    data = {"values": [_xy_points(v, "scatterplot", s) for s, v in series.items()], "series": list(series)}
    _render("scatterplot", data, name=name, tab=tab, options=_options(
        xLabel=x_label, yLabel=y_label, zoomToFit=zoom_to_fit, seriesColors=series_colors, width=width,
        height=height))


def linechart(values, *, name: str = "Line chart", tab: str = DEFAULT_TAB, x_label: str | None = None,
              y_label: str | None = None, zoom_to_fit: bool = False, series_colors=None, width=None,
              height=None) -> None:
    """Lines: `values` is a sequence of y values, or a dict of them by series name. As in
    tfjs-vis 1.5, the x axis is the index (0, 1, 2, ...): epochs, batches, steps."""
    series = _series(values, "linechart", pairs=False)
    data = {"values": [], "series": list(series)}
    for label, ys in series.items():
        ys = np.asarray(ys, dtype=np.float64).ravel()
        if len(ys) == 0:
            raise ValueError(f"linechart: series {label!r} is empty")
        data["values"].append([{"x": i, "y": _number(y)} for i, y in enumerate(ys)])
    _render("linechart", data, name=name, tab=tab, options=_options(
        xLabel=x_label, yLabel=y_label, zoomToFit=zoom_to_fit, seriesColors=series_colors, width=width,
        height=height))


def histogram(values, *, name: str = "Histogram", tab: str = DEFAULT_TAB, max_bins: int | None = None,
              x_label: str | None = None, y_label: str | None = None, width=None, height=None,
              chart: str = "chart") -> None:
    """The distribution of `values` (any shape; NaNs are counted apart), with tfjs-vis's
    summary of count, min, max, zeros and NaNs above it."""
    array = np.asarray(values, dtype=np.float64).ravel()
    if array.size == 0:
        raise ValueError("histogram: no values")
    _render("histogram", _numbers(array), name=name, tab=tab, chart=chart, options=_options(
        maxBins=max_bins, xLabel=x_label, yLabel=y_label, width=width, height=height))


def barchart(values: dict, *, name: str = "Bar chart", tab: str = DEFAULT_TAB, x_label=None, y_label=None,
             width=None, height=None) -> None:
    """Bars: `values` maps each label to its number."""
    if not isinstance(values, dict) or not values:
        raise ValueError("barchart: values must be a non-empty dict {label: number}")
    data = [{"index": str(label), "value": _number(value)} for label, value in values.items()]
    _render("barchart", data, name=name, tab=tab, options=_options(xLabel=x_label, yLabel=y_label, width=width,
                                                                    height=height))


def table(headers, rows, *, name: str = "Table", tab: str = DEFAULT_TAB) -> None:
    """A table: `headers` names the columns, `rows` is a list of lists of cells."""
    headers = [str(h) for h in headers]
    cells = []
    for index, row in enumerate(rows):
        row = list(row)
        if len(row) != len(headers):
            raise ValueError(f"table: row {index} has {len(row)} cells for {len(headers)} headers")
        cells.append([_cell(c) for c in row])
    _render("table", {"headers": headers, "values": cells}, name=name, tab=tab)


def _cell(value):
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}" if math.isfinite(value) else str(float(value))
    if isinstance(value, (int, np.integer)):
        return int(value)
    return str(value)


# ---------------------------------------------------------------- models


def show_model_summary(model, *, name: str = "Model Summary", tab: str = "Model Inspection") -> None:
    """The model's layers as a table (tfjs-vis's `show.modelSummary`): name and type,
    output shape, parameters, trainable."""
    rows = []
    for layer in model.layers:
        shape = str(tuple(layer.output_shape)).replace(",)", ")") if layer.output_shape is not None else "?"
        rows.append([f"{layer.name} ({type(layer).__name__})", shape, layer.count_params(), bool(layer.trainable)])
    table(["Layer Name", "Output Shape", "# Of Params", "Trainable"], rows, name=name, tab=tab)


def weight_histograms(model, *, name: str = "Weights", tab: str = "Model Inspection", max_values: int = 20_000,
                      seed: int = 0) -> None:
    """One histogram per weight array of each layer (kernel, bias, ...): how the trained
    values are spread. Large arrays are sampled down to `max_values` values."""
    rng = np.random.default_rng(seed)
    weights = _weights_by_layer(model)
    if not weights:
        raise ValueError("weight_histograms: the model has no weights")
    for layer_name, index, array in weights:
        values = np.asarray(array).ravel()
        if values.size > max_values:
            values = rng.choice(values, max_values, replace=False)
        label = f"{layer_name}: weight {index}, shape {tuple(np.shape(array))}"
        histogram(values, name=name, tab=tab, chart=label, height=160)


def _weights_by_layer(model) -> list[tuple[str, int, np.ndarray]]:
    """(layer name, index in the layer, array) for `model.get_weights()`, which lists the
    weights layer by layer: each layer takes arrays until they add up to its parameters."""
    arrays = list(model.get_weights())
    out, start = [], 0
    for layer in model.layers:
        params, index = layer.count_params(), 0
        while params > 0 and start < len(arrays):
            params -= arrays[start].size
            out.append((layer.name, index, arrays[start]))
            start, index = start + 1, index + 1
    return out


# ---------------------------------------------------------------- evaluation


def _labels(values, what: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] > 1:  # one-hot or probabilities: the class of each row
        array = array.argmax(axis=1)
    array = array.ravel()
    if array.size == 0:
        raise ValueError(f"{what}: no labels")
    return array


def _class_names(classes, class_names) -> list[str]:
    if class_names is None:
        return [str(c) for c in classes]
    if len(class_names) != len(classes):
        raise ValueError(f"class_names has {len(class_names)} names for {len(classes)} classes")
    return [str(c) for c in class_names]


def _pair(y_true, y_pred, what: str):
    y_true, y_pred = _labels(y_true, what), _labels(y_pred, what)
    if len(y_true) != len(y_pred):
        raise ValueError(f"{what}: {len(y_true)} labels but {len(y_pred)} predictions")
    classes = np.union1d(y_true, y_pred)
    return y_true, y_pred, classes


def confusion_matrix(y_true, y_pred, *, class_names=None, name: str = "Confusion Matrix",
                     tab: str = "Evaluation", shade_diagonal: bool = True) -> np.ndarray:
    """Draws the confusion matrix (rows: true class, columns: predicted) and returns it,
    as scikit-learn's `confusion_matrix` computes it. Labels or one-hot/probability rows."""
    from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

    y_true, y_pred, classes = _pair(y_true, y_pred, "confusion_matrix")
    matrix = sklearn_confusion_matrix(y_true, y_pred, labels=classes)
    data = {"values": matrix.tolist(), "tickLabels": _class_names(classes, class_names)}
    _render("confusionMatrix", data, name=name, tab=tab, options={"shadeDiagonal": shade_diagonal})
    return matrix


def per_class_accuracy(y_true, y_pred, *, class_names=None, name: str = "Accuracy",
                       tab: str = "Evaluation") -> dict:
    """Draws, per true class, the share predicted right and the count (tfjs-vis's
    `show.perClassAccuracy`); returns {class name: accuracy}."""
    y_true, y_pred, classes = _pair(y_true, y_pred, "per_class_accuracy")
    names = _class_names(classes, class_names)
    rows = []
    for cls in classes:
        mask = y_true == cls
        count = int(mask.sum())
        rows.append({"accuracy": float((y_pred[mask] == cls).mean()) if count else 0.0, "count": count})
    _render("perClassAccuracy", {"classAccuracy": rows, "classLabels": names}, name=name, tab=tab)
    return {label: row["accuracy"] for label, row in zip(names, rows)}


# ---------------------------------------------------------------- training


class FitCallbacks(Callback):
    """Plots the chosen logs while `fit` runs: a line chart per metric (its validation
    twin beside it) after batches and after epochs, as tfjs-vis's `show.fitCallbacks`.

    Points are gathered in Python and sent at most every `throttle` seconds (and at each
    epoch's end), so drawing does not hold training up.
    """

    def __init__(self, metrics=("loss",), *, name: str = "Model Training", tab: str = "Training",
                 callbacks=("on_epoch_end", "on_batch_end"), throttle: float = 0.3, height: int = 200,
                 zoom_to_fit: bool = False):
        super().__init__()
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        if not metrics or not all(isinstance(m, str) and m for m in metrics):
            raise ValueError(f"fit_callbacks: metrics must be names of logs, e.g. ['loss', 'val_loss'], got {metrics!r}")
        callbacks = [callbacks] if isinstance(callbacks, str) else list(callbacks)
        unknown = set(callbacks) - {"on_epoch_end", "on_batch_end"}
        if unknown or not callbacks:
            raise ValueError(f"fit_callbacks: callbacks must be 'on_epoch_end' and/or 'on_batch_end', got {callbacks!r}")
        self.metrics, self.callbacks, self.throttle = metrics, callbacks, throttle
        self.surface = _surface(name, tab)
        self.options = _options(height=height, zoomToFit=zoom_to_fit)
        self._pending: dict[str, dict[str, list]] = {}
        self._last_sent = 0.0
        self.points_sent = 0

    def wants_batches(self) -> bool:
        return "on_batch_end" in self.callbacks

    def _charts(self, level: str) -> dict[str, list[str]]:
        """{chart: its series} for "batch" or "epoch": loss with val_loss, and so on;
        validation logs only exist per epoch."""
        charts: dict[str, list[str]] = {}
        for metric in self.metrics:
            if level == "batch" and metric.startswith("val_"):
                continue
            charts.setdefault(f"{level}: {metric.removeprefix('val_')}", []).append(metric)
        return charts

    def on_train_begin(self, logs=None):
        self._pending = {}
        self._last_sent = 0.0
        self._warned = False
        for level, hook in (("batch", "on_batch_end"), ("epoch", "on_epoch_end")):
            if hook not in self.callbacks:
                continue
            for chart, series in self._charts(level).items():
                _render("linechart", {"values": [[] for _ in series], "series": series}, **self.surface, chart=chart,
                        options={**self.options, "xLabel": level.capitalize(), "yLabel": chart.split(": ")[1]})

    def _add(self, level: str, logs) -> None:
        logs = logs or {}
        for chart, series in self._charts(level).items():
            for metric in series:
                if metric in logs:
                    self._pending.setdefault(chart, {}).setdefault(metric, []).append(_number(logs[metric]))

    def _flush(self) -> None:
        if self._pending:
            _send({"op": "append", "surface": self.surface, "points": self._pending})
            self.points_sent += sum(len(ys) for series in self._pending.values() for ys in series.values())
            self._pending = {}
        self._last_sent = time.monotonic()

    def on_batch_end(self, batch, logs=None):
        self._add("batch", logs)
        if time.monotonic() - self._last_sent >= self.throttle:
            self._flush()

    def on_epoch_end(self, epoch, logs=None):
        unknown = [metric for metric in self.metrics if metric not in (logs or {})]
        if unknown and not self._warned:
            self._warned = True
            warnings.warn(f"fit_callbacks: no log named {unknown} to plot; this fit logs {sorted(logs or {})}",
                          stacklevel=2)
        if "on_epoch_end" in self.callbacks:
            self._add("epoch", logs)
        self._flush()

    def on_train_end(self, logs=None):
        self._flush()
        _draw_pending()


def fit_callbacks(metrics=("loss",), *, name: str = "Model Training", tab: str = "Training",
                  callbacks=("on_epoch_end", "on_batch_end"), throttle: float = 0.3, height: int = 200,
                  zoom_to_fit: bool = False) -> FitCallbacks:
    """A callback for `fit` that plots `metrics` (log names: "loss", "val_loss",
    "accuracy", ...) live, per batch and per epoch (`callbacks` picks which, as tfjs-vis's
    onBatchEnd/onEpochEnd): `model.fit(..., callbacks=[pyapp.vis.fit_callbacks(["loss"])])`."""
    return FitCallbacks(metrics, name=name, tab=tab, callbacks=callbacks, throttle=throttle, height=height,
                        zoom_to_fit=zoom_to_fit)


def display(*objects, title: str | None = None) -> None:
    """Shows pictures (numpy images, matplotlib figures) and values with the program's
    output, in the page and natively alike.

    In the page this is the output pane's `display()`. Under CPython a picture is written
    as a PNG file beside the charts (see above) and anything else is printed, so a program
    that shows pictures runs unedited in both places.

    Args:
        *objects: numpy images ((H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA; uint8, or
            floats in [0, 1]), matplotlib figures, or anything with a repr.
        title: a caption (in the page) or part of the file name (natively).

    Example:
        pyapp.vis.display(x_train[0].reshape(8, 8), title="first digit")
    """
    shown_by_page = getattr(builtins, "display", None) if _page() is not None else None
    if shown_by_page is not None:
        shown_by_page(*objects, title=title)
        return
    from . import _vis_matplotlib

    for obj in objects:
        _vis_matplotlib.show(obj, title)


def show_visor() -> None:
    """Opens the visor (the chart panel)."""
    _send({"op": "visor", "open": True})


def hide_visor() -> None:
    """Hides the visor; the charts stay and come back with `show_visor()` or the ` key."""
    _send({"op": "visor", "open": False})


__all__ = ["display", "scatterplot", "linechart", "histogram", "barchart", "table", "show_model_summary",
           "weight_histograms", "confusion_matrix", "per_class_accuracy", "fit_callbacks", "FitCallbacks", "show_visor", "hide_visor"]
