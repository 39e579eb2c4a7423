"""Timeseries classification from scratch, as keras.io writes it.

Follows https://keras.io/examples/timeseries/timeseries_classification_from_scratch/
(hfawaz): the same fully convolutional network (three Conv1D + BatchNormalization + ReLU
blocks, global average pooling), its callbacks (ModelCheckpoint of the best model,
ReduceLROnPlateau, EarlyStopping), compile and fit arguments, and the best model loaded
back for the test. Changed, and why:
- the data: FordA (3,601 engine noise series of 500 steps, a download) becomes 1,000 series
  of 32 steps made here with a fixed seed: a noisy sine wave of 1-3 cycles (class 0) or
  4-7 cycles (class 1), at a random phase, z-normalized as FordA's series are;
- epochs 500 -> 20, with the callbacks' patience scaled down with them (20 -> 5 and
  50 -> 10), so that it trains in seconds in the page on WASM.
"""

import numpy as np
import keras

keras.utils.set_random_seed(1337)

"""
## Make the data
"""


def make_series(count, length, rng):
    y = rng.integers(0, 2, size=count)
    cycles = np.where(y == 1, rng.uniform(4, 7, count), rng.uniform(1, 3, count))
    phase = rng.uniform(0, 2 * np.pi, count)
    steps = np.arange(length) / length
    x = np.sin(2 * np.pi * cycles[:, None] * steps + phase[:, None])
    x += rng.normal(scale=1.0, size=(count, length))
    # Each series z-normalized, as FordA's are.
    x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    return x, y


rng = np.random.default_rng(0)
x_train, y_train = make_series(800, 32, rng)
x_test, y_test = make_series(200, 32, rng)

x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))

num_classes = len(np.unique(y_train))

idx = np.random.permutation(len(x_train))
x_train = x_train[idx]
y_train = y_train[idx]

"""
## Build a model
"""


def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)

    conv1 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(input_layer)
    conv1 = keras.layers.BatchNormalization()(conv1)
    conv1 = keras.layers.ReLU()(conv1)

    conv2 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv1)
    conv2 = keras.layers.BatchNormalization()(conv2)
    conv2 = keras.layers.ReLU()(conv2)

    conv3 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv2)
    conv3 = keras.layers.BatchNormalization()(conv3)
    conv3 = keras.layers.ReLU()(conv3)

    gap = keras.layers.GlobalAveragePooling1D()(conv3)

    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)

    return keras.models.Model(inputs=input_layer, outputs=output_layer)


model = make_model(input_shape=x_train.shape[1:])

"""
## Train the model
"""

epochs = 20
batch_size = 32

callbacks = [
    keras.callbacks.ModelCheckpoint(
        "best_model.keras", save_best_only=True, monitor="val_loss"
    ),
    keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", factor=0.5, patience=5, min_lr=0.0001
    ),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, verbose=1),
]
model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)
history = model.fit(
    x_train,
    y_train,
    batch_size=batch_size,
    epochs=epochs,
    callbacks=callbacks,
    validation_split=0.2,
    verbose=1,
)

"""
## Evaluate model on test data
"""

model = keras.models.load_model("best_model.keras")

test_loss, test_acc = model.evaluate(x_test, y_test)

print("Test accuracy", test_acc)
print("Test loss", test_loss)
