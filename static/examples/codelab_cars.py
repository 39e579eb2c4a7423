# Cars codelab: predict a car's miles per gallon from its horsepower (the TF.js "2D data" codelab, in Python)
#
# The TensorFlow.js codelab "Making predictions from 2D data", step by step. Charts open
# in the visor on the right (hide it with its button or the ` key). Everything runs on
# this device: the data ships with the app.
import numpy as np
import pyapp
from pyapp import layers

# 1. Formulate the task: given a car's horsepower, predict its miles per gallon (MPG).
#    One number in, one number out: a regression.

# 2. Prepare the data.
# Load it: the Auto MPG "cars" data, 406 cars from 1970-1982.
cars = pyapp.datasets.load_cars()
print(cars)

# Clean it: keep the two columns we need and drop the cars missing either value.
horsepower, mpg = pyapp.data.drop_missing(cars["Horsepower"], cars["Miles_per_Gallon"])
print(f"{len(horsepower)} cars with both horsepower and MPG")

# Inspect it: does MPG depend on horsepower? A scatter plot says yes, and not linearly.
pyapp.vis.scatterplot({"cars": (horsepower, mpg)}, name="Horsepower v MPG", x_label="Horsepower", y_label="MPG",
                      height=300)

# Shuffle it, so that training does not see the cars in the file's order (pairs stay
# together), and normalise both columns to 0..1. The normalisers remember the minimum and
# maximum, so predictions can be turned back into MPG later.
horsepower, mpg = pyapp.data.shuffle(horsepower, mpg, seed=0)
input_normalizer = pyapp.data.Normalizer("minmax")
label_normalizer = pyapp.data.Normalizer("minmax")
# Convert to the shape the model takes: one row per car, one column (the codelab's
# tf.tensor2d(inputs, [inputs.length, 1])). numpy arrays go straight into the model;
# pyapp makes the tensors.
inputs = input_normalizer.fit_transform(horsepower.reshape(-1, 1))
labels = label_normalizer.fit_transform(mpg.reshape(-1, 1))

# 3. Build the model: one input, a hidden layer, one output. (The codelab starts with a
#    single linear unit, which can only draw a straight line, then adds a hidden layer so
#    that the model can follow the curve; relu units learn it faster than sigmoid ones.)
pyapp.utils.set_random_seed(0)
model = pyapp.Sequential([
    pyapp.Input(shape=(1,)),
    layers.Dense(50, activation="relu"),
    layers.Dense(1),
])
model.summary()
pyapp.vis.show_model_summary(model)

# 4. Train it: adam, mean squared error, and watch the loss fall live in the visor.
model.compile(optimizer=pyapp.optimizers.Adam(learning_rate=0.03), loss="mean_squared_error")
history = model.fit(inputs, labels, batch_size=32, epochs=50, shuffle=True, verbose=0,
                    callbacks=[pyapp.vis.fit_callbacks(["loss"], name="Training Performance", height=200)])
final_mse = history.history["loss"][-1]  # the loss is the mean squared error
constant_mse = float(np.mean((labels - labels.mean()) ** 2))  # always predicting the mean MPG
print(f"training MSE on 0..1 data: {final_mse:.4f} (always predicting the mean: {constant_mse:.4f})")

# 5. Evaluate: predict over a range of horsepower values, turn the predictions back into
#    MPG, and plot them over the original data.
grid = np.linspace(0, 1, 100).reshape(-1, 1)
predicted = label_normalizer.inverse_transform(model.predict(grid, verbose=0))
grid_horsepower = input_normalizer.inverse_transform(grid)
pyapp.vis.scatterplot({"original": (horsepower, mpg), "predicted": (grid_horsepower, predicted)},
                      name="Model Predictions vs Original Data", x_label="Horsepower", y_label="MPG", height=300)

# Going further, with scikit-learn: the same task with a polynomial regression.
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

polynomial = make_pipeline(PolynomialFeatures(degree=2), LinearRegression()).fit(inputs, labels)
polynomial_mse = float(np.mean((polynomial.predict(inputs) - labels) ** 2))
print(f"scikit-learn polynomial regression, training MSE: {polynomial_mse:.4f}")
