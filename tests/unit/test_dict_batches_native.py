"""Dict inputs and targets, PyDataset and generators under CPython (issue 14, part 3): one
program (dict_batches_program.py) run on Keras 3 itself and on pyapp's native engine, which
must see what Keras sees; the page runs it too (tests/browser/test_dict_batches.py)."""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import pyapp
from pyapp.data_adapters import BatchStream, is_batch_source

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dict_batches_program import check_result, program, same_as_keras  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "jax")


def run(module: str) -> dict:
    namespace = {}
    exec(program(module), namespace)
    return json.loads(namespace["json"].dumps(namespace["result"]))


@pytest.fixture(scope="module")
def keras_result():
    return run("keras")


def test_pyapp_natively_sees_what_keras_sees(keras_result):
    result = run("pyapp")
    check_result(result)
    same_as_keras(result, keras_result)


def test_the_program_really_trains_on_keras(keras_result):
    """The reference itself: Keras 3 learns on each kind of data (so the checks can fail)."""
    for name in ("dict_losses", "dataset_losses", "generator_losses"):
        assert keras_result[name][-1] < 0.8 * keras_result[name][0], name


def test_what_gives_batches():
    class Rows(pyapp.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return np.ones((3, 1)), np.ones((3, 1))

    assert is_batch_source(Rows()) and is_batch_source(x for x in []) and is_batch_source(iter([]))
    assert not any(is_batch_source(v) for v in (np.ones(3), [np.ones(3)], {"a": np.ones(3)}, (np.ones(3),)))
    assert Rows(workers=4).workers == 4 and Rows().num_batches == 2


def test_an_endless_dataset_needs_steps_and_a_generator_that_ends_stops_training():
    class Endless(pyapp.utils.PyDataset):
        num_batches = None

        def __getitem__(self, index):
            return np.ones((2, 1)), np.ones((2, 1))

    with pytest.raises(ValueError, match="endless PyDataset.*steps_per_epoch"):
        BatchStream(Endless(), None, lambda batch, index: batch, "x")
    stream = BatchStream(iter([1, 2, 3]), 2, lambda batch, index: batch, "x")
    assert list(stream.epoch()) == [1, 2] and not stream.exhausted
    with pytest.warns(UserWarning, match="ran out of data"):
        assert list(stream.epoch()) == [3]
    assert stream.exhausted


def test_steps_and_batch_size_are_refused_where_they_cannot_act():
    inputs = pyapp.Input((1,), name="x")
    model = pyapp.Model(inputs, pyapp.layers.Dense(1)(inputs))
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="steps_per_epoch is for x given as a generator"):
        model.fit(np.ones((4, 1)), np.ones((4, 1)), steps_per_epoch=2, verbose=0)
    with pytest.raises(ValueError, match="`batch_size` should not be passed"):
        model.fit((b for b in [(np.ones((2, 1)), np.ones((2, 1)))]), batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="`validation_split` is only supported"):
        model.fit((b for b in [(np.ones((2, 1)), np.ones((2, 1)))]), validation_split=0.5, verbose=0)
