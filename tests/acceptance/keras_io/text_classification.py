"""Text classification from scratch, as keras.io writes it.

Follows https://keras.io/examples/nlp/text_classification_from_scratch/ (fchollet): the
same model (Embedding, Dropout, two strided Conv1D, GlobalMaxPooling1D, Dense, Dropout, a
sigmoid output on an `Input(shape=(None,), dtype="int64")`), compile and fit arguments.
Changed, and why:
- the text: the example reads IMDB's reviews (a download) and turns them into integer
  token sequences with TextVectorization, a layer TF.js does not have. Here the reviews
  are made as integer token sequences directly, with a fixed seed: 1,000 "reviews" of
  64 tokens from a vocabulary of 2,000, mostly neutral words, with 10 words of their
  sentiment (tokens 10-29 positive, 30-49 negative) and 2 of the other; numpy arrays
  stand in for the example's tf.data datasets;
- max_features 20,000 -> 2,000 and sequence_length 500 -> 64, as the made-up vocabulary
  and reviews are that size;
- epochs 3 -> 5: 600 training reviews make 19 steps an epoch where IMDB's 20,000 make
  625, and the model needs about 60 steps before it starts to learn.
"""

import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(1337)

"""
## Make the data
"""

max_features = 2000
embedding_dim = 128
sequence_length = 64


def make_reviews(count, rng):
    labels = rng.integers(0, 2, size=count)
    tokens = rng.integers(50, max_features, size=(count, sequence_length))
    for row, label in enumerate(labels):
        own, other = (10, 30) if label == 1 else (30, 10)
        places = rng.choice(sequence_length, size=12, replace=False)
        tokens[row, places[:10]] = rng.integers(own, own + 20, size=10)
        tokens[row, places[10:]] = rng.integers(other, other + 20, size=2)
    return tokens, labels


rng = np.random.default_rng(0)
x_train, y_train = make_reviews(600, rng)
x_val, y_val = make_reviews(200, rng)
x_test, y_test = make_reviews(200, rng)
print(f"{len(x_train)} training, {len(x_val)} validation and {len(x_test)} test reviews")

"""
## Build a model
"""

# A integer input for vocab indices.
inputs = keras.Input(shape=(None,), dtype="int64")

# Next, we add a layer to map those vocab indices into a space of dimensionality
# 'embedding_dim'.
x = layers.Embedding(max_features, embedding_dim)(inputs)
x = layers.Dropout(0.5)(x)

# Conv1D + global max pooling
x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
x = layers.GlobalMaxPooling1D()(x)

# We add a vanilla hidden layer:
x = layers.Dense(128, activation="relu")(x)
x = layers.Dropout(0.5)(x)

# We project onto a single unit output layer, and squash it with a sigmoid:
predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)

model = keras.Model(inputs, predictions)

# Compile the model with binary crossentropy loss and an adam optimizer.
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

"""
## Train the model
"""

epochs = 5

# Fit the model using the train and test datasets.
model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs)

"""
## Evaluate the model on the test set
"""

loss, accuracy = model.evaluate(x_test, y_test)
print("Test accuracy:", accuracy)
