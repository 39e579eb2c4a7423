"""The README's table of Keras 3 layers and their status is what tools/layer_status.py makes
from Keras 3, TF.js 4.22 and pyapp's layer table (run it with --write after changing one)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import layer_status  # noqa: E402


def test_the_readme_table_is_up_to_date():
    assert layer_status.readme_table() == layer_status.table(), (
        "README.md's layer table is out of date: run `python3 tools/layer_status.py --write`")


def test_every_layer_of_the_table_and_every_refusal_is_a_keras_3_layer():
    from pyapp.layers import REFUSED, TABLE

    keras_names = set(layer_status.keras_layers())
    assert set(TABLE) <= keras_names, set(TABLE) - keras_names
    assert set(REFUSED) <= keras_names, set(REFUSED) - keras_names
    assert not set(TABLE) & set(REFUSED)


def test_tfjs_layers_are_read_from_node_modules():
    layers = layer_status.tfjs_layers()
    assert {"Dense", "Conv2D", "LSTM", "Bidirectional"} <= layers
    assert "GlorotUniform" not in layers  # an initializer, registered beside the layers
