# Iris, scikit-learn vs pyapp: the same flowers classified by a scikit-learn model and a pyapp network, compared
#
# Both models get the same split of the 150 iris flowers (4 measurements each, 3 species)
# and the same preparation, a plain scikit-learn StandardScaler: scikit-learn's objects
# work with pyapp models as they are. The page shows their scores side by side.
import time

import pyapp
from pyapp import layers
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

iris = pyapp.datasets.load_iris()
x_train, x_test, y_train, y_test = train_test_split(
    iris.data, iris.target, test_size=0.3, random_state=0, stratify=iris.target)
species = list(iris.target_names)

# scikit-learn: scaling and logistic regression in one Pipeline.
started = time.perf_counter()
sklearn_model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x_train, y_train)
sklearn_seconds = time.perf_counter() - started
sklearn_accuracy = sklearn_model.score(x_test, y_test)

# pyapp: the same scaler (fitted on the training data only), then a small network.
scaler = StandardScaler().fit(x_train)
pyapp.utils.set_random_seed(0)
network = pyapp.Sequential([
    pyapp.Input(shape=(4,)),
    layers.Dense(16, activation="relu"),
    layers.Dense(3, activation="softmax"),
])
network.compile(optimizer=pyapp.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                metrics=["accuracy"])
started = time.perf_counter()
network.fit(scaler.transform(x_train), y_train, epochs=60, batch_size=16, verbose=0,
            callbacks=[pyapp.vis.fit_callbacks(["loss", "accuracy"], callbacks="on_epoch_end")])
pyapp_seconds = time.perf_counter() - started
_, pyapp_accuracy = network.evaluate(scaler.transform(x_test), y_test, verbose=0)
pyapp_predicted = network.predict(scaler.transform(x_test), verbose=0).argmax(axis=1)

# Side by side: a table, and where each model goes wrong.
pyapp.vis.table(["Model", "Test accuracy", "Training seconds"], [
    ["scikit-learn LogisticRegression", sklearn_accuracy, sklearn_seconds],
    [f"pyapp network 4-16-3 ({pyapp.backend.get_backend()})", pyapp_accuracy, pyapp_seconds],
], name="scikit-learn vs pyapp", tab="Comparison")
pyapp.vis.confusion_matrix(y_test, sklearn_model.predict(x_test), class_names=species,
                           name="scikit-learn: confusion matrix", tab="Comparison")
pyapp.vis.confusion_matrix(y_test, pyapp_predicted, class_names=species,
                           name="pyapp: confusion matrix", tab="Comparison")
print(f"scikit-learn LogisticRegression: test accuracy {sklearn_accuracy:.3f} ({sklearn_seconds:.2f} s)")
print(f"pyapp network:                   test accuracy {pyapp_accuracy:.3f} ({pyapp_seconds:.2f} s)")
