"""Dict inputs and targets, PyDataset and generators in the page (issue 14, part 3): the
program of tests/unit/dict_batches_program.py, which Keras 3 and the native engine run too
(tests/unit/test_dict_batches_native.py), on TF.js: a two-input model trained from dicts, from a
PyDataset and from an endless generator, History's keys as Keras', the loss falling, dict
predictions kept by a .keras file, and the errors for bad keys and bad batches. Batches from
Python leave no tensor behind, also when one of them is refused halfway through an epoch."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from dict_batches_program import check_result, program  # noqa: E402

AGAIN = """
import pyapp
before = pyapp.backend.memory()["num_tensors"]
model.fit(train, epochs=2, verbose=0, validation_data=Rows(np.arange(200, n), 16))
model.evaluate(Rows(np.arange(n), 100), verbose=0)
model.predict(Rows(np.arange(n), 100), verbose=0)
model.fit(endless(), steps_per_epoch=3, epochs=2, verbose=0)

def second_is_bad():
    yield [age[:8], city[:8]], [price[:8], kind[:8]]
    yield [age[:8], city[:8, :2]], [price[:8], kind[:8]]

try:
    model.fit(second_is_bad(), verbose=0)
    refused = None
except ValueError as error:
    refused = str(error)
[before, pyapp.backend.memory()["num_tensors"], refused]
"""


def test_dicts_and_batches_in_the_page(app):
    check_result(json.loads(eval(app.check(program("pyapp"), timeout=300_000))))
    before, after, refused = eval(app.check(AGAIN))
    assert after == before
    assert "batch 1 of x" in refused and "city" in refused and "(8, 2)" in refused, refused
