"""Saving and loading pyapp models in the page: browser storage and .keras files."""

import json
from pathlib import Path

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
    error = app.run("import pyapp\npyapp.models.load_model('localstorage://no-such-model')")["error"]
    assert error["type"] == "ValueError" and "no-such-model" in error["message"]
    error = app.run("import pyapp\nopen('/tmp/bad.keras', 'wb').write(b'not a zip')\npyapp.models.load_model('/tmp/bad.keras')")["error"]
    assert error["type"] in ("ValueError", "ConversionError") and "keras" in error["message"].lower()
    error = app.run("import pyapp\npyapp.models.delete_model('indexeddb://never-saved')")["error"]
    assert "no saved model" in error["message"]


LOCAL_STORAGE = r'''
import numpy as np, pyapp
from pyapp import layers
pyapp.utils.set_random_seed(0)
x = np.random.default_rng(0).random((8, 4)).astype(np.float32)
model = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(6, activation="relu"), layers.Dense(2)])
model.save("localstorage://small")
expected = model.predict(x, verbose=0)
loaded = pyapp.models.load_model("localstorage://small")
(float(np.abs(loaded.predict(x, verbose=0) - expected).max()), sorted(pyapp.models.list_models()))
'''


def test_localstorage_models_are_kept_by_the_page_in_tfjs_format(fresh_app):
    """A worker has no localStorage: the page keeps the model, with TF.js's own handler, so
    that a plain TF.js program in the page loads it, and it survives a reload."""
    diff, listed = eval(fresh_app.check(LOCAL_STORAGE))
    assert diff == 0.0 and "localstorage://small" in listed
    expected = fresh_app.check("model.get_weights()[0].round(6).tolist()")
    x, predicted = eval(fresh_app.check("x.tolist(), expected.tolist()"))
    in_tfjs = fresh_app.js("""async (x) => {
        const model = await window.tf.loadLayersModel("localstorage://small");
        return model.predict(window.tf.tensor(x)).arraySync();
    }""", x)
    assert max(abs(a - b) for row, tf_row in zip(predicted, in_tfjs) for a, b in zip(row, tf_row)) <= 1e-5
    fresh_app.page.reload()
    fresh_app.wait_ready()
    assert fresh_app.check("import pyapp\nm = pyapp.models.load_model('localstorage://small')\n"
                           "m.get_weights()[0].round(6).tolist()") == expected
    fresh_app.check("pyapp.models.delete_model('localstorage://small')")
    assert "localstorage://small" not in fresh_app.check("sorted(pyapp.models.list_models())")


def test_a_save_beyond_the_localstorage_quota_keeps_the_old_model(fresh_app):
    """localStorage holds about 5 MB: a bigger model is refused with a clear error, and the
    model saved before under that name, and the user's files, are left as they were."""
    fresh_app.check("import numpy as np, pyapp\nfrom pyapp import layers\npyapp.utils.set_random_seed(0)\n"
                    "pyapp.Sequential([pyapp.Input((3,)), layers.Dense(2)]).save('localstorage://kept')")
    old = fresh_app.check("m = pyapp.models.load_model('localstorage://kept')\nm.get_weights()[0].round(6).tolist()")
    files_before = fresh_app.js("() => Object.keys(localStorage).filter((k) => !k.startsWith('tensorflowjs_models/'))"
                                ".map((k) => [k, localStorage.getItem(k)])")
    error = fresh_app.run("pyapp.Sequential([pyapp.Input((1500,)), layers.Dense(1500)]).save('localstorage://kept')")["error"]
    assert error["type"] == "OSError" and "localstorage://kept" in error["message"], error
    assert "quota" in error["message"], error
    assert fresh_app.check("m = pyapp.models.load_model('localstorage://kept')\nm.get_weights()[0].round(6).tolist()") == old
    assert fresh_app.js("() => Object.keys(localStorage).filter((k) => !k.startsWith('tensorflowjs_models/'))"
                        ".map((k) => [k, localStorage.getItem(k)])") == files_before
    fresh_app.check("pyapp.models.delete_model('localstorage://kept')")


def test_downloads_gives_tfjs_files_that_load_back(fresh_app):
    """downloads://NAME offers NAME.json and NAME.weights.bin, as TF.js does; given back to
    Python (Open…), they load as the same model."""
    page = fresh_app.page
    fresh_app.check("import json, numpy as np, pyapp\nfrom pyapp import layers\n"
                    "x = np.random.default_rng(0).random((5, 3)).astype(np.float32)\n"
                    "m = pyapp.Sequential([pyapp.Input((3,)), layers.Dense(4, activation='tanh'), layers.Dense(2)])\n"
                    "expected = m.predict(x, verbose=0)")
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    fresh_app.check("m.save('downloads://tiny')")
    for _ in range(100):
        if len(downloads) == 2:
            break
        page.wait_for_timeout(100)
    files = {download.suggested_filename: Path(download.path()).read_bytes() for download in downloads}
    assert sorted(files) == ["tiny.json", "tiny.weights.bin"]
    assert json.loads(files["tiny.json"])["weightsManifest"][0]["paths"] == ["./tiny.weights.bin"]
    with page.expect_file_chooser() as chooser:
        page.click("[data-open]")
    chooser.value.set_files([{"name": name, "mimeType": "application/octet-stream", "buffer": data}
                             for name, data in files.items()])
    page.wait_for_function("document.querySelector('#output').textContent.includes('open(\"tiny.weights.bin\")')",
                           timeout=60_000)
    assert fresh_app.check("loaded = pyapp.models.load_model('tiny.json')\n"
                           "float(np.abs(loaded.predict(x, verbose=0) - expected).max())") == "0.0"
    error = fresh_app.run("pyapp.models.load_model('downloads://tiny')")["error"]
    assert error["type"] == "ValueError" and "tiny.weights.bin" in error["message"]


BIG_MODEL = ("import pyapp\nfrom pyapp import layers\npyapp.utils.set_random_seed(1)\n"
             "big = pyapp.Sequential([pyapp.Input((1500,)), layers.Dense(1500)])\n")
SAVE_BIG = BIG_MODEL + "print('saving', flush=True)\nbig.save('indexeddb://atomic')\n"
CHECKSUM = "m = pyapp.models.load_model('indexeddb://atomic')\n(m.get_weights()[0].shape, float(m.get_weights()[0].sum()))"


def test_save_over_a_name_is_atomic_when_interrupted(fresh_app):
    """The worker is ended at several moments of a 9 MB save over an old model: what loads
    afterwards is always one whole model, the old one or the new one, never a mix or an error.
    (Measured here: the earlier moments leave the old model, the last one the new.)"""
    fresh_app.check("import pyapp\nfrom pyapp import layers\npyapp.utils.set_random_seed(0)\n"
                    "pyapp.Sequential([pyapp.Input((3,)), layers.Dense(2)]).save('indexeddb://atomic')")
    old = fresh_app.check(CHECKSUM)
    fresh_app.check(BIG_MODEL)
    new = fresh_app.check("(big.get_weights()[0].shape, float(big.get_weights()[0].sum()))")
    for delay_ms in (0, 300, 3000):
        fresh_app.js("""({delay, code}) => new Promise((resolve) => {
            const session = window.pyapp.session;
            const onStream = (event) => {
                if (!event.detail.text.includes("saving")) return;
                session.removeEventListener("stream", onStream);
                setTimeout(() => session.restart("test").then(resolve), delay);
            };
            session.addEventListener("stream", onStream);
            window.pyapp.runPython(code);
        })""", {"delay": delay_ms, "code": SAVE_BIG})
        fresh_app.wait_ready()
        found = fresh_app.check("import pyapp\n" + CHECKSUM)
        assert found in (old, new), f"after an interrupted save: {found}, neither {old} nor {new}"
        if found == new:  # put the old model back for the next interruption
            fresh_app.check("from pyapp import layers\npyapp.utils.set_random_seed(0)\n"
                            "pyapp.Sequential([pyapp.Input((3,)), layers.Dense(2)]).save('indexeddb://atomic')")


BAD_FILES = r'''
import json, os, pyapp
from pyapp import layers
pyapp.utils.set_random_seed(0)
kept = pyapp.Sequential([pyapp.Input((3,)), layers.Dense(2)])
kept.save("indexeddb://kept-safe")
kept.save("good.keras")
pyapp.io.save_tfjs(*pyapp.io.keras_to_tfjs("good.keras"), "good_tfjs")
doc = json.load(open("good_tfjs/model.json"))
weights = open("good_tfjs/" + doc["weightsManifest"][0]["paths"][0], "rb").read()
os.makedirs("bad", exist_ok=True)
open("bad/truncated.json", "w").write(json.dumps(doc)[:-40])
unknown = json.loads(json.dumps(doc))
unknown["modelTopology"]["config"]["layers"][-1]["class_name"] = "Warp"
for name, manifest_doc, data in [("unknown.json", unknown, weights), ("short.json", doc, weights[:-4])]:
    folder = "bad/" + name[:-5]
    pyapp.io.save_tfjs(manifest_doc, {doc["weightsManifest"][0]["paths"][0]: data}, folder)
os.makedirs("bad/missing", exist_ok=True)
json.dump(doc, open("bad/missing/model.json", "w"))
open("bad/notzip.keras", "wb").write(b"PK\x03\x04 not really a zip")
errors = {}
for path in ["bad/truncated.json", "bad/unknown/model.json", "bad/short/model.json", "bad/missing/model.json", "bad/notzip.keras"]:
    try:
        pyapp.models.load_model(path)
        errors[path] = None
    except ValueError as error:
        errors[path] = f"{type(error).__name__}: {error}"
again = pyapp.models.load_model("indexeddb://kept-safe")
(errors, bool((again.get_weights()[0] == kept.get_weights()[0]).all()), "indexeddb://kept-safe" in pyapp.models.list_models())
'''


def test_bad_model_files_are_clear_errors_and_touch_nothing_saved(app):
    errors, same, listed = eval(app.check(BAD_FILES))
    assert same and listed
    assert "not valid JSON" in errors["bad/truncated.json"], errors
    assert "Warp" in errors["bad/unknown/model.json"]
    assert "bytes" in errors["bad/short/model.json"]
    assert "missing" in errors["bad/missing/model.json"]
    assert "not a .keras file" in errors["bad/notzip.keras"]


def test_download_hands_the_file_to_the_user(app):
    app.check("open('notes.csv', 'w').write('a,b\\n1,2\\n')")
    with app.page.expect_download() as download:
        app.check("import pyapp\npyapp.utils.download('notes.csv')")
    assert download.value.suggested_filename == "notes.csv"
    assert Path(download.value.path()).read_bytes() == b"a,b\n1,2\n"
    error = app.run("pyapp.utils.download(b'123')")["error"]
    assert error["type"] == "ValueError" and "filename=" in error["message"]


def test_missing_model_file_is_a_clear_error(app):
    problems = len(app.log.problems)
    error = app.run("import pyapp\npyapp.models.load_model('models/no-such-model.keras')")["error"]
    assert error["type"] == "FileNotFoundError" and "models/no-such-model.keras" in error["message"]
    # The page looked for it among the app's files; that failed lookup is expected here.
    del app.log.problems[problems:]


COMPILED = r'''
import base64, numpy as np, pyapp
from pyapp import layers
rng = np.random.default_rng(0)
x, y = rng.normal(size=(96, 4)).astype(np.float32), rng.integers(0, 3, 96)
model = pyapp.Sequential([pyapp.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(3, activation="softmax")])
model.compile(optimizer=pyapp.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy", pyapp.metrics.SparseTopKCategoricalAccuracy(k=2)])
model.fit(x, y, epochs=2, verbose=0)
before = model.evaluate(x, y, verbose=0)
model.save("/tmp/compiled.keras")
loaded = pyapp.models.load_model("/tmp/compiled.keras")
after = loaded.evaluate(x, y, verbose=0)
loaded.fit(x, y, epochs=1, verbose=0)
open("/tmp/from_keras.keras", "wb").write(base64.b64decode(KERAS_FILE))
from_keras = pyapp.models.load_model("/tmp/from_keras.keras")
{"before": before, "after": after, "uncompiled": pyapp.models.load_model("/tmp/compiled.keras", compile=False).compiled,
 "from_keras": from_keras.evaluate(x, y, verbose=0), "optimizer": type(from_keras.optimizer).__name__,
 "file": base64.b64encode(open("/tmp/compiled.keras", "rb").read()).decode()}
'''


def test_a_compiled_model_comes_back_compiled_from_keras_files(app, tmp_path):
    """The page's .keras file keeps the compile step (#14): load_model compiles it (evaluate
    gives the loss of before saving) and so does Keras 3; a Keras 3 file compiles in the page."""
    import base64
    import os

    import numpy as np
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(96, 4)).astype(np.float32), rng.integers(0, 3, 96)
    native = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                               keras.layers.Dense(3, activation="softmax")])
    native.compile(optimizer=keras.optimizers.RMSprop(0.01), loss=keras.losses.SparseCategoricalCrossentropy(),
                   metrics=["accuracy"])
    native.fit(x, y, epochs=2, verbose=0)
    native.save(tmp_path / "native.keras")
    keras_file = base64.b64encode((tmp_path / "native.keras").read_bytes()).decode()

    result = eval(app.check(f"KERAS_FILE = {keras_file!r}\n" + COMPILED))
    np.testing.assert_allclose(result["after"], result["before"], rtol=1e-6)
    assert result["uncompiled"] is False
    assert result["optimizer"] == "RMSprop"
    np.testing.assert_allclose(result["from_keras"], native.evaluate(x, y, verbose=0), rtol=1e-4)
    (tmp_path / "page.keras").write_bytes(base64.b64decode(result["file"]))
    in_keras = keras.models.load_model(tmp_path / "page.keras")
    assert in_keras.compiled
    np.testing.assert_allclose(in_keras.evaluate(x, y, verbose=0), result["before"], rtol=1e-4)
