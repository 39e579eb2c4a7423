"""pyapp.datasets, pyapp.data and pyapp.vis's computing side under CPython, against numpy
and scikit-learn. (Drawing, and everything that crosses to TF.js, is tested in the page:
tests/browser/test_vis.py, test_examples_data.py.)"""

import hashlib
import io
import json
import sys
from importlib import resources
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix
from sklearn.preprocessing import MinMaxScaler, StandardScaler

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pyapp import data, datasets, vis  # noqa: E402


# ---------------------------------------------------------------- CSV and JSON files


def test_csv_reads_numbers_text_and_missing_values(tmp_path):
    path = tmp_path / "cars.csv"
    path.write_text("name,hp,mpg\nford,130,18\nvw,,31.5\nfiat,?,NA\n")
    table = datasets.load_csv(path)
    assert table.columns == ["name", "hp", "mpg"] and len(table) == 3 and table.shape == (3, 3)
    assert table["name"].tolist() == ["ford", "vw", "fiat"]
    np.testing.assert_array_equal(table["hp"], [130.0, np.nan, np.nan])
    np.testing.assert_array_equal(table["mpg"], [18.0, 31.5, np.nan])
    np.testing.assert_array_equal(table[["hp", "mpg"]], np.array([[130, 18], [np.nan, 31.5], [np.nan, np.nan]]))


def test_csv_from_bytes_file_objects_and_column_choice():
    text = "a;b;c\n1;2;3\n4;5;6\n"
    by_bytes = datasets.load_csv(text.encode(), delimiter=";", columns=["c", "a"])
    by_file = datasets.load_csv(io.StringIO(text), delimiter=";", columns=["c", "a"])
    for table in (by_bytes, by_file):
        assert table.columns == ["c", "a"]
        np.testing.assert_array_equal(table.to_numpy(), [[3, 1], [6, 4]])
    assert datasets.load_csv(b"id,x\n007,1\n", text_columns=["id"])["id"].tolist() == ["007"]


@pytest.mark.parametrize("text, expected", [
    ("x,y\n1,2\n3\n", r"line 3: 1 cells, but the header \(line 1\) names 2 columns"),
    ("x,y\n1,2\n3,4,5\n", r"line 3: 3 cells"),
    ("x,y\n1,2\n3,abc\n", r"line 3, column 2 \('y'\): 'abc' is not a number"),
    ("x,y\n1,2\n\n4,oops\n", r"line 4, column 2 \('y'\): 'oops'"),  # blank lines keep the numbering
])
def test_bad_csv_names_line_and_column(text, expected):
    with pytest.raises(ValueError, match=expected):
        datasets.load_csv(text.encode(), name="bad.csv")


def test_csv_missing_column_and_empty_data_are_refused():
    with pytest.raises(ValueError, match=r"no column 'z'; the header \(line 1\) has \['x', 'y'\]"):
        datasets.load_csv(b"x,y\n1,2\n", columns=["x", "z"])
    with pytest.raises(ValueError, match="the data set is empty"):
        datasets.load_csv(b"x,y\n")
    with pytest.raises(ValueError, match="the file is empty"):
        datasets.load_csv(b"\n\n")
    with pytest.raises(ValueError, match="not UTF-8"):
        datasets.load_csv(b"\xff\xfe\x00x")
    with pytest.raises(TypeError, match="a file path, bytes or a file-like object"):
        datasets.load_csv(42)


def test_json_records_and_columns():
    records = [{"hp": 130, "mpg": 18, "name": "ford"}, {"hp": None, "mpg": 31.5, "name": "vw"}, {"mpg": 20, "name": "x"}]
    table = datasets.load_json(json.dumps(records).encode())
    np.testing.assert_array_equal(table["hp"], [130, np.nan, np.nan])
    assert table["name"].dtype == object
    columns = datasets.load_json(json.dumps({"a": [1, 2], "b": [3, 4]}).encode())
    np.testing.assert_array_equal(columns[["a", "b"]], [[1, 3], [2, 4]])


@pytest.mark.parametrize("text, expected", [
    ('[{"x": 1}, {"x": "two"}]', r"record 1, column 'x': 'two' is not a number"),
    ('[{"x": 1}', r"line 1, column 10: not valid JSON"),
    ("[]", "the data set is empty"),
    ('{"a": [1, 2], "b": [3]}', "columns differ in length"),
    ('[1, 2]', "record 0: expected an object"),
])
def test_bad_json_is_refused_clearly(text, expected):
    with pytest.raises(ValueError, match=expected):
        datasets.load_json(text.encode())
    with pytest.raises(ValueError, match=r"no column 'y'"):
        datasets.load_json(b'[{"x": 1}]', columns=["y"])


def test_cars_json_is_vega_datasets_file():
    """pyapp's copy of the cars data is vega_datasets 0.9.0's cars.json (pinned by sha256 in
    the README), and load_cars reads it whole."""
    raw = resources.files("pyapp").joinpath("_data", "cars.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() in (ROOT / "README.md").read_text()
    cars = datasets.load_cars()
    assert len(cars) == 406
    x, y = data.drop_missing(cars["Horsepower"], cars["Miles_per_Gallon"])
    records = json.loads(raw)
    complete = [r for r in records if r["Horsepower"] is not None and r["Miles_per_Gallon"] is not None]
    assert len(x) == len(complete) == 392
    np.testing.assert_array_equal(x, [r["Horsepower"] for r in complete])


def test_the_built_pyapp_wheel_carries_the_cars_data():
    import build

    lock_path = build.DIST / "pyodide" / "pyodide-lock.json"
    if not lock_path.exists():
        pytest.skip("dist/ is not built: run `python3 build.py` first")
    lock = json.loads(lock_path.read_text())
    wheel = zipfile.ZipFile(build.DIST / "pyodide" / lock["packages"]["pyapp"]["file_name"])
    cars = datasets.load_json(wheel.read("pyapp/_data/cars.json"))
    assert len(cars) == 406 and "Horsepower" in cars and "Miles_per_Gallon" in cars


# ---------------------------------------------------------------- preparing data


def test_drop_missing_keeps_rows_paired():
    x = np.array([1.0, np.nan, 3.0, 4.0])
    y = np.array([[10, 11], [20, 21], [np.nan, 31], [40, 41]], dtype=float)
    names = np.array(["a", "b", "c", None], dtype=object)
    kept_x, kept_y, kept_names = data.drop_missing(x, y, names)
    np.testing.assert_array_equal(kept_x, [1.0])
    np.testing.assert_array_equal(kept_y, [[10, 11]])
    assert kept_names.tolist() == ["a"]
    np.testing.assert_array_equal(data.drop_missing(np.array([1, 2, 3])), [1, 2, 3])  # ints have no NaN


def test_drop_missing_and_shuffle_refuse_empty_or_mismatched_data():
    with pytest.raises(ValueError, match="every one of the 2 rows has a missing value"):
        data.drop_missing(np.array([np.nan, np.nan]))
    with pytest.raises(ValueError, match="the data set is empty"):
        data.shuffle(np.array([]))
    with pytest.raises(ValueError, match=r"lengths \[3, 2\]"):
        data.shuffle(np.arange(3), np.arange(2))


def test_shuffle_keeps_pairs_together_and_is_seeded():
    x = np.arange(100)
    y = x * 10 + 7
    images = np.stack([np.full((2, 2), v) for v in x])
    sx, sy, simages = data.shuffle(x, y, images, seed=3)
    assert not np.array_equal(sx, x) and sorted(sx) == list(x)
    np.testing.assert_array_equal(sy, sx * 10 + 7)
    np.testing.assert_array_equal(simages[:, 0, 0], sx)
    np.testing.assert_array_equal(data.shuffle(x, seed=3), sx)
    assert not np.array_equal(data.shuffle(x, seed=4), sx)


@pytest.mark.parametrize("method, reference", [("minmax", MinMaxScaler), ("standard", StandardScaler)])
def test_normalizer_matches_sklearn_and_inverts(method, reference):
    rng = np.random.default_rng(0)
    x = rng.normal(50, 20, size=(40, 3))
    normalizer = data.Normalizer(method)
    scaled = normalizer.fit_transform(x)
    np.testing.assert_allclose(scaled, reference().fit_transform(x))
    np.testing.assert_allclose(normalizer.inverse_transform(scaled), x)
    column = x[:, 0]  # 1-D in, 1-D out
    one = data.Normalizer(method)
    scaled_column = one.fit_transform(column)
    assert scaled_column.shape == (40,)
    np.testing.assert_allclose(scaled_column, scaled[:, 0])
    np.testing.assert_allclose(one.inverse_transform(scaled_column), column)


def test_normalizer_minmax_range_and_errors():
    normalizer = data.Normalizer()
    scaled = normalizer.fit_transform(np.array([46.0, 100.0, 230.0]))
    assert scaled.min() == 0 and scaled.max() == 1
    np.testing.assert_allclose(normalizer.transform(np.array([138.0])), [0.5])
    with pytest.raises(ValueError, match="fitted on 1-D data"):
        normalizer.transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match="call fit"):
        data.Normalizer().transform(np.ones(3))
    with pytest.raises(ValueError, match="missing values"):
        data.Normalizer().fit(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="empty"):
        data.Normalizer().fit(np.array([]))
    with pytest.raises(ValueError, match="'minmax' or 'standard'"):
        data.Normalizer("robust")


def test_train_test_split_is_sklearns_with_a_seed():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    x_train, x_test, y_train, y_test = data.train_test_split(x, y, test_size=0.3, seed=1)
    assert len(x_test) == 3 and len(x_train) == 7
    np.testing.assert_array_equal(x_train[:, 0] // 2, y_train)
    again = data.train_test_split(x, y, test_size=0.3, seed=1)
    np.testing.assert_array_equal(again[1], x_test)


# ---------------------------------------------------------------- what pyapp.vis sends


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(vis, "_send", messages.append)
    return messages


def test_confusion_matrix_and_per_class_accuracy_are_computed_as_sklearn(sent):
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 4, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.integers(0, 4, 200))
    matrix = vis.confusion_matrix(y_true, np.eye(4)[y_pred], class_names=list("abcd"))  # one-hot works too
    np.testing.assert_array_equal(matrix, sklearn_confusion_matrix(y_true, y_pred))
    assert sent[-1]["kind"] == "confusionMatrix" and sent[-1]["data"]["values"] == matrix.tolist()
    assert sent[-1]["data"]["tickLabels"] == list("abcd")
    accuracy = vis.per_class_accuracy(y_true, y_pred)
    for cls in range(4):
        assert accuracy[str(cls)] == pytest.approx(np.mean(y_pred[y_true == cls] == cls))
    rows = sent[-1]["data"]["classAccuracy"]
    assert [row["count"] for row in rows] == np.bincount(y_true).tolist()
    with pytest.raises(ValueError, match="200 labels but 3 predictions"):
        vis.confusion_matrix(y_true, y_pred[:3])


def test_scatterplot_sends_points_per_series_and_drops_nan(sent):
    vis.scatterplot({"a": (np.array([1, 2, np.nan]), np.array([3, 4, 5])), "b": np.array([[0, 1]])},
                    x_label="hp", name="Cars")
    message = sent[-1]
    assert message["surface"] == {"name": "Cars", "tab": "Charts"}
    assert message["data"]["series"] == ["a", "b"]
    assert message["data"]["values"] == [[{"x": 1, "y": 3}, {"x": 2, "y": 4}], [{"x": 0, "y": 1}]]
    assert message["options"]["xLabel"] == "hp" and "yLabel" not in message["options"]
    json.dumps(message, allow_nan=False)  # plain JSON, as the bridge sends it
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        vis.scatterplot(np.arange(3))
    with pytest.raises(ValueError, match="is empty"):
        vis.scatterplot((np.array([]), np.array([])))


def test_fit_callbacks_stream_batches_and_epochs_with_a_throttle(sent, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(vis.time, "monotonic", lambda: clock[0])
    callback = vis.fit_callbacks(["loss", "val_loss", "accuracy"], throttle=1.0)
    assert callback.wants_batches()
    callback.on_train_begin()
    charts = {m["chart"]: m["data"]["series"] for m in sent}
    assert charts == {"batch: loss": ["loss"], "batch: accuracy": ["accuracy"],
                      "epoch: loss": ["loss", "val_loss"], "epoch: accuracy": ["accuracy"]}
    sent.clear()
    callback.on_batch_end(0, {"loss": 2.0, "accuracy": 0.1})  # the first batch goes at once
    for batch in range(1, 5):  # then nothing until `throttle` seconds have passed
        clock[0] += 0.1
        callback.on_batch_end(batch, {"loss": 2.0 - batch / 10, "accuracy": 0.1})
    assert len(sent) == 1
    clock[0] += 1.0
    callback.on_batch_end(5, {"loss": 1.5, "accuracy": 0.5})
    assert len(sent) == 2 and sent[-1]["points"]["batch: loss"]["loss"] == [1.9, 1.8, 1.7, 1.6, 1.5]
    callback.on_epoch_end(0, {"loss": 1.4, "val_loss": 1.6, "accuracy": 0.5, "val_accuracy": 0.4})
    assert sent[-1]["points"]["epoch: loss"] == {"loss": [1.4], "val_loss": [1.6]}
    assert callback.points_sent == 6 * 2 + 3
    epochs_only = vis.fit_callbacks("acc", callbacks="on_epoch_end")
    assert not epochs_only.wants_batches()
    epochs_only.on_train_begin()
    with pytest.warns(UserWarning, match=r"no log named \['acc'\] to plot; this fit logs \['accuracy', 'loss'\]"):
        epochs_only.on_epoch_end(0, {"loss": 1.0, "accuracy": 0.5})
    with pytest.raises(ValueError, match="on_epoch_end"):
        vis.fit_callbacks(["loss"], callbacks=["onBatchEnd"])
