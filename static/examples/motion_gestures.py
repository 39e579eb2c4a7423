# Motion gestures: record short windows of your phone's motion sensors for three gestures, train a small model on them in this page, and classify gestures live.
# Open the app on a phone or tablet (a desktop has no motion sensors: the program says so).
# Follow the prompts in the motion panel: hold the device still, shake it, tilt it.
import asyncio

import numpy as np
import pyapp
from pyapp import layers, sensors

GESTURES = ["still", "shake", "tilt"]
WINDOWS_PER_GESTURE = 5
WINDOW_SECONDS = 0.8
STEPS = 32                 # each window resampled to this many time steps
LIVE_WINDOWS = 6
CHANNELS = ("ax_g", "ay_g", "az_g", "alpha_rate", "beta_rate", "gamma_rate")


def features(window):
    """A window of motion rows as (STEPS, 6): acceleration with gravity and rotation rate,
    resampled onto an even time grid (devices report at 20-100 Hz) and scaled."""
    columns = [sensors.Motion.MOTION_COLUMNS.index(name) for name in CHANNELS]
    times, values = window[:, 0], np.nan_to_num(window[:, columns])
    if len(window) < 2:
        raise ValueError(f"only {len(window)} motion events in {WINDOW_SECONDS} s: are the sensors running?")
    grid = np.linspace(times[0], times[-1], STEPS)
    resampled = np.stack([np.interp(grid, times, values[:, c]) for c in range(values.shape[1])], axis=1)
    return resampled / np.array([10, 10, 10, 180, 180, 180])  # m/s² and degrees/s to about [-1, 1]


motion = sensors.Motion()
try:
    await motion.start()
except sensors.SensorError as error:
    # SensorsUnavailableError on a desktop, PermissionDeniedError, NotSecureContextError
    raise SystemExit(f"No motion sensors: {error}")

# 1. Record a few windows of each gesture.
x, y = [], []
for index, gesture in enumerate(GESTURES):
    motion.show_prompt(f"Next: {gesture}")
    await asyncio.sleep(1.5)
    for _ in range(WINDOWS_PER_GESTURE):
        x.append(features(await motion.record(WINDOW_SECONDS, label=gesture)))
        y.append(index)
    print(f"recorded {WINDOWS_PER_GESTURE} windows of {gesture}")
x, y = np.array(x, dtype="float32"), np.array(y)

# 2. Train a small 1-D convolutional network on them. Global max pooling finds a pattern
#    wherever it falls in the window: a shake caught mid-swing is still a shake.
pyapp.utils.set_random_seed(0)
model = pyapp.Sequential([
    pyapp.Input(shape=(STEPS, len(CHANNELS))),
    layers.Conv1D(16, 5, activation="relu"),
    layers.GlobalMaxPooling1D(),
    layers.Dense(32, activation="relu"),
    layers.Dense(len(GESTURES), activation="softmax"),
])
model.compile(optimizer=pyapp.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x, y, epochs=30, batch_size=8, verbose=0)
print(f"trained: loss {history.history['loss'][0]:.3f} -> {history.history['loss'][-1]:.3f}, "
      f"accuracy {history.history['accuracy'][-1]:.2f}")

# 3. Classify live, one window at a time.
motion.show_prompt("Live: do any gesture")
for _ in range(LIVE_WINDOWS):
    scores = model.predict(features(await motion.record(WINDOW_SECONDS))[None], verbose=0)[0]
    guess = GESTURES[int(scores.argmax())]
    motion.show_prompt(f"Live: {guess} ({scores.max():.0%})")
    print(f"live: {guess} {scores.max():.0%}")
motion.stop()
