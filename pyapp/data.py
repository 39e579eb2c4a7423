"""Preparing data for a model: the steps of the TF.js codelab that numpy and scikit-learn
do not already give in one call.

    x, y = pyapp.data.drop_missing(cars["Horsepower"], cars["Miles_per_Gallon"])
    x, y = pyapp.data.shuffle(x, y, seed=0)          # rows stay paired
    x_scaler = pyapp.data.Normalizer()               # min-max to 0..1 (scikit-learn underneath)
    xs = x_scaler.fit_transform(x)                   # 1-D in, 1-D out
    x_scaler.inverse_transform(xs)                   # back to horsepower
    x_train, x_test, y_train, y_test = pyapp.data.train_test_split(xs, ys, test_size=0.2, seed=0)

scikit-learn's own objects (MinMaxScaler, StandardScaler, Pipeline, train_test_split) work
with pyapp models as they are: a model takes any numpy array.
"""

from __future__ import annotations

import numpy as np

from . import backend


def _as_arrays(arrays, what: str) -> list[np.ndarray]:
    if not arrays:
        raise ValueError(f"{what}: give at least one array")
    out = [np.asarray(a) for a in arrays]
    for index, array in enumerate(out):
        if array.ndim == 0:
            raise ValueError(f"{what}: argument {index} is a single value, not an array of samples")
    lengths = [len(a) for a in out]
    if len(set(lengths)) > 1:
        raise ValueError(f"{what}: the arrays must have as many rows each, got lengths {lengths}")
    if lengths[0] == 0:
        raise ValueError(f"{what}: the data set is empty (0 rows)")
    return out


def _one_or_tuple(arrays: list):
    return arrays[0] if len(arrays) == 1 else tuple(arrays)


def _missing_rows(array: np.ndarray) -> np.ndarray:
    """True for each row that holds a NaN (numbers) or a None (text)."""
    if array.dtype == object:
        flat = array.reshape(len(array), -1)
        return np.array([any(v is None or (isinstance(v, float) and np.isnan(v)) for v in row) for row in flat],
                        dtype=bool)
    if np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.complexfloating):
        return np.isnan(array.reshape(len(array), -1)).any(axis=1)
    return np.zeros(len(array), dtype=bool)


def drop_missing(*arrays):
    """Drops every row that has a missing value (NaN or None) in any of the arrays.

    Returns the arrays (one, or a tuple) without those rows, still paired. Raises
    ValueError if no row is left.
    """
    arrays = _as_arrays(arrays, "drop_missing")
    missing = np.zeros(len(arrays[0]), dtype=bool)
    for array in arrays:
        missing |= _missing_rows(array)
    if missing.all():
        raise ValueError(f"drop_missing: every one of the {len(missing)} rows has a missing value; nothing is left")
    return _one_or_tuple([array[~missing] for array in arrays])


def shuffle(*arrays, seed=None):
    """The arrays in one random order of rows (pairs stay together); `seed` makes it repeatable."""
    arrays = _as_arrays(arrays, "shuffle")
    order = np.random.default_rng(seed).permutation(len(arrays[0]))
    return _one_or_tuple([array[order] for array in arrays])


def train_test_split(*arrays, test_size=0.25, seed=None, shuffle: bool = True, stratify=None):
    """scikit-learn's `train_test_split` with `seed=` for `random_state=`:
    returns x_train, x_test, y_train, y_test, ... in its order."""
    from sklearn.model_selection import train_test_split as split

    arrays = _as_arrays(arrays, "train_test_split")
    return split(*arrays, test_size=test_size, random_state=seed, shuffle=shuffle, stratify=stratify)


class Normalizer:
    """Scales data to 0..1 ("minmax", the codelab's) or to mean 0 and variance 1
    ("standard"), remembers how, and undoes it: `inverse_transform` gives the original
    units back (predictions in miles per gallon, not in 0..1).

    A 1-D array is one feature and comes back 1-D; a 2-D array is scaled per column.
    scikit-learn's MinMaxScaler or StandardScaler does the work (`.scaler`).

    Args:
        method: "minmax" or "standard".
        feature_range: the range for "minmax".
    """

    def __init__(self, method: str = "minmax", feature_range=(0.0, 1.0)):
        from sklearn.preprocessing import MinMaxScaler, StandardScaler

        if method == "minmax":
            self.scaler = MinMaxScaler(feature_range=feature_range)
        elif method == "standard":
            self.scaler = StandardScaler()
        else:
            raise ValueError(f"Normalizer: method must be 'minmax' or 'standard', got {method!r}")
        self.method = method
        self._one_dimensional = None

    def _two_d(self, x, what: str) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim not in (1, 2):
            raise ValueError(f"Normalizer.{what}: expected a 1-D or 2-D array, got shape {x.shape}")
        if len(x) == 0:
            raise ValueError(f"Normalizer.{what}: the data set is empty (0 rows)")
        if self._one_dimensional is not None and (x.ndim == 1) != self._one_dimensional:
            fitted = "1-D" if self._one_dimensional else "2-D"
            raise ValueError(f"Normalizer.{what}: fitted on {fitted} data, got shape {x.shape}")
        return x.reshape(-1, 1) if x.ndim == 1 else x

    def _back(self, x: np.ndarray) -> np.ndarray:
        return x.ravel() if self._one_dimensional else x

    def fit(self, x) -> "Normalizer":
        self._one_dimensional = None
        x = np.asarray(x)
        if x.ndim >= 1 and len(x) and np.isnan(np.asarray(x, dtype=np.float64)).any():
            raise ValueError("Normalizer.fit: the data has missing values (NaN): drop them first "
                             "(pyapp.data.drop_missing)")
        two_d = self._two_d(x, "fit")
        self._one_dimensional = x.ndim == 1
        self.scaler.fit(two_d)
        return self

    def _require_fitted(self, what: str) -> None:
        if self._one_dimensional is None:
            raise ValueError(f"Normalizer.{what}: call fit (or fit_transform) first")

    def transform(self, x) -> np.ndarray:
        self._require_fitted("transform")
        return self._back(self.scaler.transform(self._two_d(x, "transform")))

    def fit_transform(self, x) -> np.ndarray:
        return self.fit(x).transform(x)

    def inverse_transform(self, x) -> np.ndarray:
        """Undoes `transform`: values in the original units."""
        self._require_fitted("inverse_transform")
        return self._back(self.scaler.inverse_transform(self._two_d(x, "inverse_transform")))

    def __repr__(self) -> str:
        return f"Normalizer(method={self.method!r})"


def to_tensor(array):
    """A TF.js tensor of the array (float64 becomes float32), for TF.js calls of your own;
    pyapp models take numpy arrays directly. Dispose of it with `tensor.dispose()`."""
    array = np.asarray(array)
    if array.size == 0:
        raise ValueError(f"to_tensor: the array is empty (shape {array.shape})")
    return backend.convert_to_tensor(array)


__all__ = ["drop_missing", "shuffle", "train_test_split", "Normalizer", "to_tensor"]
