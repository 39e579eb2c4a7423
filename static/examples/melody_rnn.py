# Melody RNN: an LSTM learns the soprano lines of Bach's chorales in this page, then composes new melodies, plays them and draws their piano roll.
# Performance RNN in miniature: a melody is a sequence of tokens, a pitch then its duration,
# and the model learns which token comes next. Sampling with a temperature composes: below 1
# it plays safe, above 1 it takes chances. Nothing leaves this device.
import numpy as np
import pyapp
from pyapp import audio, layers

WINDOW = 16            # tokens the model sees (8 notes) to guess the next one
MELODIES = 80          # chorales to learn from (of 395); more learn better and take longer
EPOCHS = 4
NEW_NOTES = 32         # notes in each composed melody
TEMPERATURES = (0.7, 1.0)
SECONDS_PER_QUARTER = 0.5  # 120 beats a minute

rng = np.random.default_rng(0)
pyapp.utils.set_random_seed(0)
chorales = pyapp.datasets.load_bach_chorales()  # [(midi pitch, quarter length), ...] each, in C major / A minor
order = rng.permutation(len(chorales))
train, held_out = [chorales[i] for i in order[:MELODIES]], [chorales[i] for i in order[MELODIES:]]

# 1. Tokens: every pitch and every duration the chorales use is one token.
pitches = sorted({p for melody in chorales for p, _ in melody})
durations = sorted({d for melody in chorales for _, d in melody})
vocabulary = [("pitch", p) for p in pitches] + [("duration", d) for d in durations]
token_of = {entry: index for index, entry in enumerate(vocabulary)}
is_pitch = np.array([kind == "pitch" for kind, _ in vocabulary])


def tokens(melody):
    return [token_of[entry] for pitch, duration in melody for entry in (("pitch", pitch), ("duration", duration))]


def windows(melodies):
    x, y = [], []
    for melody in melodies:
        sequence = tokens(melody)
        for start in range(len(sequence) - WINDOW):  # next tokens of both kinds: pitches and durations
            x.append(sequence[start:start + WINDOW])
            y.append(sequence[start + WINDOW])
    return np.array(x, dtype="int32"), np.array(y, dtype="int32")


x_train, y_train = windows(train)
x_val, y_val = windows(held_out[:40])
print(f"{len(train)} melodies, {len(x_train)} windows of {WINDOW} tokens; "
      f"a vocabulary of {len(pitches)} pitches (MIDI {pitches[0]}-{pitches[-1]}) and {len(durations)} durations")

# 2. The model: an embedding of each token, an LSTM over the window, the next token's odds.
model = pyapp.Sequential([
    pyapp.Input((WINDOW,), dtype="int32"),
    layers.Embedding(len(vocabulary), 32),
    layers.LSTM(64),
    layers.Dense(len(vocabulary), activation="softmax"),
])
model.compile(optimizer=pyapp.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=EPOCHS, batch_size=128, validation_data=(x_val, y_val),
                    callbacks=[pyapp.vis.fit_callbacks(["loss", "val_loss", "val_accuracy"])], verbose=0)
print(f"trained: loss {history.history['loss'][0]:.2f} -> {history.history['loss'][-1]:.2f}, "
      f"next-token accuracy on melodies it never saw {history.history['val_accuracy'][-1]:.2f}")


# 3. Compose: start from the opening of a chorale it never saw, then sample one token at a
#    time, a pitch then a duration, with the temperature.
def compose(opening, temperature):
    sequence = tokens(opening)[:WINDOW]
    while len(sequence) < WINDOW + 2 * NEW_NOTES:
        odds = model.predict(np.array([sequence[-WINDOW:]], dtype="int32"), verbose=0)[0].astype("float64")
        allowed = is_pitch if len(sequence) % 2 == 0 else ~is_pitch
        logits = np.where(allowed, np.log(odds + 1e-9) / temperature, -np.inf)
        chances = np.exp(logits - logits.max())
        sequence.append(int(rng.choice(len(vocabulary), p=chances / chances.sum())))
    new = sequence[WINDOW:]
    return [(vocabulary[p][1], vocabulary[d][1]) for p, d in zip(new[::2], new[1::2])]


NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]


def spelled(melody):
    return " ".join(f"{NAMES[p % 12]}{p // 12 - 1}/{d:g}" for p, d in melody)


def piano_roll(melody, steps_per_quarter=4):
    """Pitch upwards, time to the right: a picture of the melody, a row per semitone."""
    low, high = pitches[0], pitches[-1]
    columns = int(round(sum(d for _, d in melody) * steps_per_quarter))
    roll = np.zeros((high - low + 1, columns), dtype="float32")
    t = 0.0
    for pitch, duration in melody:
        start = int(round(t * steps_per_quarter))
        roll[high - pitch, start:start + max(1, int(round(duration * steps_per_quarter))) - 1] = 1.0
        t += duration
    return np.kron(roll, np.ones((4, 4), dtype="float32"))  # bigger, sharp pixels


composed = []
for temperature in TEMPERATURES:
    melody = compose(held_out[len(composed)], temperature)
    composed.append(melody)
    print(f"temperature {temperature}: {spelled(melody)}")
    pyapp.vis.display(piano_roll(melody), title=f"composed at temperature {temperature}")

# 4. Play them, one after the other, on the page's synthesizer (natively: a WAV file).
notes, start = [], 0.0
for melody in composed:
    for pitch, duration in melody:
        notes.append((pitch, start, duration * SECONDS_PER_QUARTER * 0.95, 90))
        start += duration * SECONDS_PER_QUARTER
    start += 1.0
seconds = audio.play_notes(notes)
print(f"playing {len(notes)} notes ({seconds:.0f} s); pyapp.audio.stop() or Stop ends it")
