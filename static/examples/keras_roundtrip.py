# Keras round trip: open a model trained in native Keras, fine-tune it here, and save it for Keras again.
#
# The model in models/digits_keras.keras was trained with Keras 3 on JAX, under CPython
# (examples/keras_roundtrip_server.py in the repository: `... train`). This page reads the
# .keras file as it is, with no conversion step, and runs it on TensorFlow.js.
import numpy as np
import pyapp
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

# 1. The same data and split as on the Keras side.
digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    (digits.data / 16).astype("float32"), digits.target, test_size=0.25, random_state=0)

# 2. Open the Keras model shipped with the app (a relative path: dist/models/...).
model = pyapp.models.load_model("models/digits_keras.keras")
model.summary()
before = float(np.mean(model.predict(x_test, verbose=0).argmax(axis=1) == y_test))
print(f"accuracy of the Keras model, predicting in the page: {before:.3f}")

# 3. Fine-tune it here: the data never leaves this device.
pyapp.utils.set_random_seed(0)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=15, batch_size=32, verbose=0)
after = float(np.mean(model.predict(x_test, verbose=0).argmax(axis=1) == y_test))
print(f"accuracy after fine-tuning in the page: {after:.3f}")

# 4. Keep it in the browser, and save a .keras file for native Keras.
model.save("indexeddb://digits-finetuned")
model.save("digits_finetuned.keras")
print("saved as indexeddb://digits-finetuned and digits_finetuned.keras")
# In native Keras: keras.saving.load_model("digits_finetuned.keras")
# (examples/keras_roundtrip_server.py check digits_finetuned.keras).
# Uncomment to download the file from this page:
# pyapp.utils.download("digits_finetuned.keras")
(before, after)
