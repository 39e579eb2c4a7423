# Digits CNN: a small convolutional network reads scikit-learn's 8x8 handwritten digits, with live charts
#
# Trains a convolutional network on the 1,797 8x8 images of scikit-learn's digits, plots
# the loss and accuracy while it trains, then shows how well it does on digits it never
# saw: test accuracy, a confusion matrix, accuracy per digit, and the trained weights.
import pyapp
from pyapp import layers

# The data: 8x8 grey images (values 0..16) and their digit. Scale to 0..1 and give each
# image one channel: shape (n, 8, 8, 1), as a Conv2D layer takes it.
digits = pyapp.datasets.load_digits()
images = (digits.images / 16.0).reshape(-1, 8, 8, 1)
x_train, x_test, y_train, y_test = pyapp.data.train_test_split(
    images, digits.target, test_size=0.25, seed=0, stratify=digits.target)
print(f"{len(x_train)} training and {len(x_test)} test images")

pyapp.utils.set_random_seed(0)
model = pyapp.Sequential([
    pyapp.Input(shape=(8, 8, 1)),
    layers.Conv2D(16, 3, activation="relu"),  # 16 filters of 3x3 -> 6x6x16
    layers.MaxPooling2D(2),                   # -> 3x3x16
    layers.Flatten(),
    layers.Dense(32, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
pyapp.vis.show_model_summary(model)

# Train, watching loss and accuracy (with their validation twins) in the visor.
charts = pyapp.vis.fit_callbacks(["loss", "val_loss", "accuracy", "val_accuracy"])
history = model.fit(x_train, y_train, epochs=20, batch_size=32, validation_split=0.15, verbose=0,
                    callbacks=[charts])

# Evaluate on the test images.
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {test_accuracy:.3f} on the {pyapp.backend.get_backend()} backend")
predicted = model.predict(x_test, verbose=0).argmax(axis=1)
matrix = pyapp.vis.confusion_matrix(y_test, predicted, class_names=[str(d) for d in range(10)])
print("confusion matrix (rows: true digit, columns: predicted):")
print(matrix)
per_digit = pyapp.vis.per_class_accuracy(y_test, predicted)
print("hardest digit:", min(per_digit, key=per_digit.get))
pyapp.vis.weight_histograms(model)
