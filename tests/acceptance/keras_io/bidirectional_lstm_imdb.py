"""Bidirectional LSTM on IMDB, as keras.io writes it.

Follows https://keras.io/examples/nlp/bidirectional_lstm_imdb/ (fchollet): the same model
(Embedding, two Bidirectional LSTM(64), a sigmoid output on an `Input(shape=(None,),
dtype="int32")`), the reviews padded with `keras.utils.pad_sequences`, compile and fit
arguments. Changed, and why:
- the data: `keras.datasets.imdb.load_data` (a download) becomes 700 "reviews" made
  here with a fixed seed, as lists of word indices of 8 to 24 words (as load_data gives
  them: ragged, before padding), mostly neutral words, with 4 words of their sentiment
  (indices 10-29 positive, 30-49 negative) and one of the other;
- max_features 20,000 -> 2,000 and maxlen 200 -> 20, as the made-up vocabulary and
  reviews are that size (an LSTM step is a few small TF.js ops each, in a loop: the
  page's time grows with maxlen);
- epochs 2 -> 3: 500 training reviews make 16 steps an epoch where IMDB's 25,000 make 782.
"""

import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(1337)

max_features = 2000  # Only consider the top 2k words
maxlen = 20  # Only consider the first 20 words of each movie review

"""
## Build the model
"""

# Input for variable-length sequences of integers
inputs = keras.Input(shape=(None,), dtype="int32")
# Embed each integer in a 128-dimensional vector
x = layers.Embedding(max_features, 128)(inputs)
# Add 2 bidirectional LSTMs
x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(64))(x)
# Add a classifier
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.summary()

"""
## Make the data
"""


def make_reviews(count, rng):
    reviews, labels = [], rng.integers(0, 2, size=count)
    for label in labels:
        words = list(rng.integers(50, max_features, size=rng.integers(8, 25)))
        own, other = (10, 30) if label == 1 else (30, 10)
        for word in [*rng.integers(own, own + 20, size=4), rng.integers(other, other + 20)]:
            words[rng.integers(len(words))] = word
        reviews.append([int(word) for word in words])
    return reviews, labels


rng = np.random.default_rng(0)
x_train, y_train = make_reviews(500, rng)
x_val, y_val = make_reviews(200, rng)
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
# Use pad_sequence to standardize sequence length:
# this will truncate sequences longer than 20 words and zero-pad sequences shorter than 20 words.
x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)

"""
## Train and evaluate the model
"""

model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=3, validation_data=(x_val, y_val))

loss, accuracy = model.evaluate(x_val, y_val, verbose=0)
print("Validation accuracy:", accuracy)
