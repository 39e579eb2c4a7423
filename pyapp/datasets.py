"""Data sets that need no network, and the user's own CSV or JSON files, as numpy arrays.

    cars = pyapp.datasets.load_cars()           # the TF.js codelab's Auto MPG data
    cars["Horsepower"], cars["Miles_per_Gallon"]  # numpy columns (NaN where missing)
    digits = pyapp.datasets.load_digits()       # scikit-learn's, as sklearn.datasets gives them
    table = pyapp.datasets.load_csv("my.csv")   # a file dropped into the page: it stays on this device
    melodies = pyapp.datasets.load_bach_chorales()  # [[(midi_pitch, quarter_length), ...], ...]

`load_cars` reads `cars.json` of the PyPI package vega_datasets 0.9.0 (MIT licence), which
pyapp carries in pyapp/_data/: see the README for its source. `load_bach_chorales` reads
`bach_chorales.json`, which build.py makes there from music21's corpus.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from importlib.resources import files

import numpy as np

# Cells read as a missing value (NaN) in a numeric column, as pandas reads them by default.
NA_VALUES = ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "?")


class Table:
    """Columns of equal length, each a 1-D numpy array: float64 for numbers (NaN where a
    value is missing), object for text.

    >>> table["Horsepower"]                  # one column
    >>> table[["Horsepower", "Weight_in_lbs"]] # a 2-D float array (rows x columns)
    >>> table.columns, len(table)
    """

    def __init__(self, columns: dict[str, np.ndarray], source: str = "data"):
        if not columns:
            raise ValueError(f"{source}: the data set has no columns")
        lengths = {len(values) for values in columns.values()}
        if len(lengths) != 1:
            raise ValueError(f"{source}: columns differ in length: { {k: len(v) for k, v in columns.items()} }")
        if lengths == {0}:
            raise ValueError(f"{source}: the data set is empty (no rows)")
        self._columns = dict(columns)
        self.source = source

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def __len__(self) -> int:
        return len(next(iter(self._columns.values())))

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self), len(self._columns))

    def __contains__(self, name) -> bool:
        return name in self._columns

    def __getitem__(self, key):
        if isinstance(key, str):
            return self._column(key)
        names = list(key)
        return np.column_stack([self._numeric(name) for name in names])

    def _column(self, name: str) -> np.ndarray:
        if name not in self._columns:
            raise KeyError(f"{self.source} has no column {name!r}; its columns are {self.columns}")
        return self._columns[name]

    def _numeric(self, name: str) -> np.ndarray:
        column = self._column(name)
        if column.dtype == object:
            raise ValueError(f"{self.source}: column {name!r} holds text, not numbers")
        return column

    def to_numpy(self, columns=None) -> np.ndarray:
        """The numeric columns (all, or those named) as one 2-D float array."""
        names = columns if columns is not None else [n for n, c in self._columns.items() if c.dtype != object]
        return self[names]

    def __repr__(self) -> str:
        return f"<Table {self.source}: {len(self)} rows, columns {self.columns}>"


# ---------------------------------------------------------------- bundled data sets


def load_cars() -> Table:
    """The Auto MPG "cars" data (406 cars; 1970-1982) of the TF.js codelab "Making
    predictions from 2D data": Name, Miles_per_Gallon, Cylinders, Displacement,
    Horsepower, Weight_in_lbs, Acceleration, Year, Origin. Missing values are NaN."""
    return load_json((files("pyapp") / "_data" / "cars.json").read_bytes(), name="cars.json")


def load_bach_chorales() -> list[list[tuple[int, float]]]:
    """The soprano lines of J. S. Bach's chorales (395, from music21's corpus), each a list of
    notes (midi_pitch, quarter_length): tied notes merged, rests left out, every line
    transposed to C major / A minor (MIDI 57..84; quarter lengths 0.125 to 16).

    build.py writes the file into pyapp/_data/ (see build.chorale_melodies, and the README for
    its terms): the page's pyapp carries it, and so does pyapp run under CPython from its
    folder, or installed from it, once `python3 build.py` has run there."""
    try:
        raw = (files("pyapp") / "_data" / "bach_chorales.json").read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(
            "pyapp/_data/bach_chorales.json is missing: build.py makes it from the Bach chorales in music21's "
            "corpus. Run `python3 build.py` once in pyapp's folder (or install the pyapp wheel it builds, "
            "dist/pyodide/pyapp-*.whl).") from None
    return [[(int(pitch), float(length)) for pitch, length in melody] for melody in json.loads(raw)["melodies"]]


def load_digits(**kwargs):
    """scikit-learn's 8x8 handwritten digits (`sklearn.datasets.load_digits`, same arguments)."""
    from sklearn.datasets import load_digits as sklearn_load_digits

    return sklearn_load_digits(**kwargs)


def load_iris(**kwargs):
    """scikit-learn's iris flowers (`sklearn.datasets.load_iris`, same arguments)."""
    from sklearn.datasets import load_iris as sklearn_load_iris

    return sklearn_load_iris(**kwargs)


# ---------------------------------------------------------------- the user's files


def _read_source(source, name: str | None) -> tuple[bytes, str]:
    """The bytes of a path, bytes or a file-like object, and a name for error messages."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), name or "data"
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as file:
            return file.read(), name or os.fspath(source)
    if hasattr(source, "read"):
        data = source.read()
        return (data.encode() if isinstance(data, str) else bytes(data)), name or getattr(source, "name", "data")
    raise TypeError(f"expected a file path, bytes or a file-like object, got {type(source).__name__}")


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{name}: not UTF-8 text (byte {error.start}): is it a CSV/JSON file?") from None


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def load_csv(source, *, delimiter: str = ",", columns=None, text_columns=(), na_values=NA_VALUES,
             name: str | None = None) -> Table:
    """A CSV file (a path, bytes or a file-like object) as a `Table` of numpy columns.

    The first line names the columns. A column is numeric unless it holds only text or is
    listed in `text_columns`; a cell in `na_values` (empty, "NA", "?", ...) is a missing
    value (NaN). A ragged row, a non-numeric cell in a numeric column, a `columns` name the
    header lacks, or a file without data rows raise ValueError naming the line and column.

    Args:
        columns: keep only these columns (in this order).
        text_columns: columns to keep as text even where they look like numbers.
    """
    data, name = _read_source(source, name)
    rows = list(csv.reader(io.StringIO(_decode(data, name)), delimiter=delimiter))
    numbered = [(line, row) for line, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not numbered:
        raise ValueError(f"{name}: the file is empty (expected a header line, then data rows)")
    header_line, header = numbered[0]
    header = [cell.strip() for cell in header]
    if len(set(header)) != len(header):
        raise ValueError(f"{name}, line {header_line}: repeated column names in the header {header}")
    body = numbered[1:]
    if not body:
        raise ValueError(f"{name}: the data set is empty (a header on line {header_line}, no data rows)")
    for line, row in body:
        if len(row) != len(header):
            raise ValueError(f"{name}, line {line}: {len(row)} cells, but the header (line {header_line}) "
                             f"names {len(header)} columns")
    wanted = list(columns) if columns is not None else header
    for column in wanted:
        if column not in header:
            raise ValueError(f"{name}: no column {column!r}; the header (line {header_line}) has {header}")
    for column in text_columns:
        if column not in header:
            raise ValueError(f"{name}: text_columns names {column!r}, which the header does not have: {header}")
    missing = set(na_values)
    out = {}
    for column in wanted:
        index = header.index(column)
        cells = [(line, row[index].strip()) for line, row in body]
        if column in text_columns:
            out[column] = np.array([cell for _, cell in cells], dtype=object)
            continue
        numbers = [None if cell in missing else _number(cell) for _, cell in cells]
        given = [(line, cell) for (line, cell), number in zip(cells, numbers) if cell not in missing]
        if given and all(number is None for number in numbers):
            out[column] = np.array([None if cell in missing else cell for _, cell in cells], dtype=object)
            continue
        for (line, cell), number in zip(cells, numbers):
            if number is None and cell not in missing:
                raise ValueError(f"{name}, line {line}, column {index + 1} ({column!r}): {cell!r} is not a number "
                                 f"(the column holds numbers; list it in text_columns= to read it as text, or "
                                 f"in na_values= to read this as a missing value)")
        out[column] = np.array([math.nan if n is None else n for n in numbers], dtype=np.float64)
    return Table(out, name)


def load_json(source, *, columns=None, name: str | None = None) -> Table:
    """A JSON file (a path, bytes or a file-like object) as a `Table` of numpy columns.

    Either a list of records (`[{"x": 1, "y": 2}, ...]`, as cars.json) or an object of
    columns (`{"x": [1, ...], "y": [2, ...]}`). null, and a key a record lacks, are missing
    values (NaN); a column of numbers with a text value in it raises ValueError naming the
    record and the column.
    """
    data, name = _read_source(source, name)
    try:
        parsed = json.loads(_decode(data, name))
    except json.JSONDecodeError as error:
        raise ValueError(f"{name}, line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})") from None
    if isinstance(parsed, dict):
        if not all(isinstance(v, list) for v in parsed.values()):
            raise ValueError(f"{name}: expected an object of columns (each a list of values)")
        lengths = {key: len(values) for key, values in parsed.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"{name}: columns differ in length: {lengths}")
        records = [dict(zip(parsed, row)) for row in zip(*parsed.values())]
        what = "row"
    elif isinstance(parsed, list):
        records = parsed
        what = "record"
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                raise ValueError(f"{name}, record {index}: expected an object of named values, got {record!r:.60}")
    else:
        raise ValueError(f"{name}: expected a list of records or an object of columns, got {type(parsed).__name__}")
    if not records:
        raise ValueError(f"{name}: the data set is empty (no records)")
    header = list(dict.fromkeys(key for record in records for key in record))
    wanted = list(columns) if columns is not None else header
    for column in wanted:
        if column not in header:
            raise ValueError(f"{name}: no column {column!r}; the records have {header}")
    out = {}
    for column in wanted:
        values = [record.get(column) for record in records]
        kinds = {type(v) for v in values if v is not None}
        if kinds and kinds <= {int, float}:
            out[column] = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
        elif kinds and not kinds & {int, float}:
            out[column] = np.array(values, dtype=object)
        elif kinds:
            index = next(i for i, v in enumerate(values) if v is not None and type(v) not in (int, float))
            raise ValueError(f"{name}, {what} {index}, column {column!r}: {values[index]!r} is not a number "
                             f"(the column's other values are numbers)")
        else:
            out[column] = np.full(len(values), math.nan)
    return Table(out, name)


__all__ = ["Table", "load_cars", "load_digits", "load_iris", "load_csv", "load_json", "NA_VALUES"]
