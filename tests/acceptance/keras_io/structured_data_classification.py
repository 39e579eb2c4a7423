"""Structured data classification from scratch, as keras.io writes it.

Follows https://keras.io/examples/structured_data/structured_data_classification_from_scratch/
(fchollet): one `Input` per feature of the heart disease table, keyed by its name in a
dict, a Normalization layer adapted to each numerical feature, the categorical features
one-hot encoded, everything joined with `layers.concatenate`, then Dense(32, relu),
Dropout(0.5) and a sigmoid output, compiled with adam and binary crossentropy and fitted
for 50 epochs on dicts of features. Changed, and why:
- the data: the Cleveland heart disease CSV (303 patients, a download) becomes 303
  patients made here with a fixed seed, with the same columns and kinds of values, and a
  diagnosis that depends on several of them (age, chest pain type, maximum heart rate,
  ST depression, vessels, thal) through a logistic model;
- the categorical features are one-hot encoded with numpy before `fit`, as the example's
  current version does it in its tf.data pipeline (IntegerLookup/StringLookup are not in
  TF.js); numpy dicts stand in for its tf.data datasets;
- the example's `Classifier(keras.layers.Layer)` (a Python layer, which TF.js cannot
  run) is written out as the functional layers it holds, as the example's first version
  had them;
- an AUC metric beside the accuracy, as a medical test is judged by it.
"""

import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(1337)

"""
## Make the data
"""

rng = np.random.default_rng(0)
n = 303
columns = {
    "age": rng.normal(54, 9, n).round(),
    "sex": rng.integers(0, 2, n),
    "cp": rng.integers(0, 5, n),
    "trestbps": rng.normal(131, 17, n).round(),
    "chol": rng.normal(246, 51, n).round(),
    "fbs": (rng.random(n) < 0.15).astype(int),
    "restecg": rng.integers(0, 3, n),
    "thalach": rng.normal(150, 23, n).round(),
    "exang": (rng.random(n) < 0.33).astype(int),
    "oldpeak": np.abs(rng.normal(0, 1.2, n)).round(1),
    "slope": rng.integers(1, 4, n),
    "ca": rng.integers(0, 4, n),
    "thal": rng.choice(["fixed", "normal", "reversible"], n),
}
risk = (
    0.05 * (columns["age"] - 54)
    + 0.8 * (columns["cp"] == 4)
    - 0.04 * (columns["thalach"] - 150)
    + 0.9 * columns["oldpeak"]
    + 0.7 * columns["ca"]
    + 1.2 * (columns["thal"] == "reversible")
    + 0.8 * columns["exang"]
    - 2.3
)
target = (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)

NUMERIC_FEATURE_NAMES = ["age", "trestbps", "thalach", "oldpeak", "slope", "chol"]
CATEGORICAL_FEATURES_WITH_VOCABULARY = {
    name: sorted(set(columns[name].tolist()))
    for name in ["sex", "cp", "fbs", "restecg", "exang", "ca", "thal"]
}
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + list(CATEGORICAL_FEATURES_WITH_VOCABULARY)

val_rows = rng.permutation(n)[: int(0.2 * n)]
is_val = np.isin(np.arange(n), val_rows)
print(f"Using {int((~is_val).sum())} samples for training and {int(is_val.sum())} for validation")


def encode(rows):
    """The features of these rows as the model's inputs take them."""
    features = {}
    for name in FEATURE_NAMES:
        values = columns[name][rows]
        if name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[name]
            features[name] = (values[:, None] == np.array(vocabulary)[None, :]).astype("int64")
        else:
            features[name] = values[:, None].astype("float32")
    return features


x_train, y_train = encode(~is_val), target[~is_val]
x_val, y_val = encode(is_val), target[is_val]

"""
## Build a model
"""


def encode_numerical_feature(feature, name):
    # Create a Normalization layer for our feature
    normalizer = layers.Normalization()
    # Learn the statistics of the data
    normalizer.adapt(x_train[name])
    # Normalize the input feature
    return normalizer(feature)


all_inputs = {}
encoded_features = []
for name in FEATURE_NAMES:
    if name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
        num_categories = len(CATEGORICAL_FEATURES_WITH_VOCABULARY[name])
        all_inputs[name] = keras.Input(shape=(num_categories,), name=name, dtype="int64")
        encoded_features.append(all_inputs[name])
    else:
        all_inputs[name] = keras.Input(shape=(1,), name=name, dtype="float32")
        encoded_features.append(encode_numerical_feature(all_inputs[name], name))

all_features = layers.concatenate(encoded_features)
x = layers.Dense(32, activation="relu")(all_features)
x = layers.Dropout(0.5)(x)
output = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(all_inputs, output)
model.compile("adam", "binary_crossentropy", metrics=["accuracy", keras.metrics.AUC(name="auc")])

"""
## Train the model
"""

model.fit(x_train, y_train, epochs=50, batch_size=32, validation_data=(x_val, y_val))

loss, accuracy, auc = model.evaluate(x_val, y_val, verbose=0)
print("Validation accuracy:", accuracy)
print("Validation AUC:", auc)
