"""Saving and loading pyapp models in the page: browser storage and .keras files."""

SAVE_AND_LOAD = r'''
import numpy as np, pyapp
from pyapp import layers
x = np.random.default_rng(0).random((20, 4)).astype(np.float32)
a, b = pyapp.Input((4,)), pyapp.Input((4,))
merged = layers.Concatenate()([layers.Dense(5, activation="relu")(a), layers.Dense(3)(b)])
model = pyapp.Model([a, b], layers.Dense(2)(layers.BatchNormalization()(merged)))
model.compile(optimizer="adam", loss="mse")
model.fit([x, x], np.ones((20, 2)), epochs=2, verbose=0)
expected = model.predict([x, x], verbose=0)
model.save("indexeddb://pyapp-test")
from_storage = pyapp.models.load_model("indexeddb://pyapp-test")
model.save("/tmp/model.keras")
from_file = pyapp.models.load_model("/tmp/model.keras")
listed = "indexeddb://pyapp-test" in pyapp.models.list_models()
pyapp.models.delete_model("indexeddb://pyapp-test")
(float(np.abs(from_storage.predict([x, x], verbose=0) - expected).max()),
 float(np.abs(from_file.predict([x, x], verbose=0) - expected).max()),
 listed, "indexeddb://pyapp-test" in pyapp.models.list_models(), type(from_storage.layers[-1]).__name__)
'''


def test_save_load_list_delete(app):
    storage_diff, file_diff, listed, still_listed, last = eval(app.check(SAVE_AND_LOAD))
    assert storage_diff == 0.0 and file_diff == 0.0
    assert listed and not still_listed and last == "Dense"


def test_saved_model_survives_a_reload(fresh_app):
    fresh_app.check("import numpy as np, pyapp\nfrom pyapp import layers\n"
                    "m = pyapp.Sequential([pyapp.Input((3,)), layers.Dense(2)])\n"
                    "m.save('indexeddb://kept')\n"
                    "kernel = m.get_weights()[0]")
    expected = fresh_app.check("kernel.round(6).tolist()")
    fresh_app.page.reload()
    fresh_app.wait_ready()
    assert fresh_app.check("import pyapp\nm = pyapp.models.load_model('indexeddb://kept')\n"
                           "m.get_weights()[0].round(6).tolist()") == expected


def test_bad_saves_and_loads_are_clear(app):
    error = app.run("import pyapp\npyapp.models.load_model('indexeddb://no-such-model')")["error"]
    assert error["type"] == "ValueError" and "no-such-model" in error["message"]
    error = app.run("import pyapp\nfrom pyapp import layers\n"
                    "pyapp.Sequential([pyapp.Input((3,)), layers.Dense(2)]).save('localstorage://x')")["error"]
    assert error["type"] == "ValueError" and "indexeddb://x" in error["message"]
    error = app.run("import pyapp\nopen('/tmp/bad.keras', 'wb').write(b'not a zip')\npyapp.models.load_model('/tmp/bad.keras')")["error"]
    assert error["type"] in ("ValueError", "ConversionError") and "keras" in error["message"].lower()
    error = app.run("import pyapp\npyapp.models.delete_model('indexeddb://never-saved')")["error"]
    assert "no saved model" in error["message"]
