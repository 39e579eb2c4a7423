"""Keras 3's API in the page (issue 14): the program of tests/unit/keras_api_program.py,
which the native engine runs too (tests/unit/test_keras_api_native.py), on TF.js: layer
arguments refused with their names, int64/float64 data, Sequential.add/pop keeping the
weights, a frozen base (with BatchNormalization) unchanged through fit while its head
learns, and clone_model. One page session per way of opening."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from keras_api_program import check_result, program  # noqa: E402


def test_keras_api_in_the_page(app):
    check_result(json.loads(eval(app.check(program()))))
