"""Simple MNIST convnet, as keras.io writes it.

Follows https://keras.io/examples/vision/mnist_convnet/ (fchollet): the same model, compile
and fit arguments. Changed, and why:
- the data: scikit-learn's 8x8 digits (1,797 images, no download) instead of MNIST's
  28x28, each pixel repeated 2x2 to make 16x16 images, so that the example's two
  Conv2D(3x3) + MaxPooling2D(2x2) blocks still fit (on 8x8 the second pooling would get
  1x1); a quarter is kept aside as the test set;
- epochs 15 -> 10, so that it trains in seconds in the page on WASM.
"""

import numpy as np
import keras
from keras import layers
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

keras.utils.set_random_seed(1337)

# Model / data parameters
num_classes = 10
input_shape = (16, 16, 1)

# Load the data and split it between train and test sets
digits = load_digits()
images = digits.images.repeat(2, axis=1).repeat(2, axis=2)
x_train, x_test, y_train, y_test = train_test_split(
    images, digits.target, test_size=0.25, random_state=0, stratify=digits.target
)

# Scale images to the [0, 1] range
x_train = x_train.astype("float32") / 16
x_test = x_test.astype("float32") / 16
# Make sure images have shape (16, 16, 1)
x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)
print("x_train shape:", x_train.shape)
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)

model.summary()

batch_size = 128
epochs = 10

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1)

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
