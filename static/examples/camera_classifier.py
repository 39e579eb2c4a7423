# Camera classifier: capture camera pictures of two classes, train a small CNN on them in this page, and watch live predictions.
# Nothing leaves this device: the pictures, the training and the model stay in the browser.
# Follow the prompts in the camera panel (bottom right): show the first class when asked,
# then the second. Press Stop in the panel to end the live predictions.
import asyncio
import time

import numpy as np
import pyapp
from pyapp import layers, sensors

CLASSES = ["class 1 (e.g. your hand up)", "class 2 (e.g. no hand)"]
SAMPLES_PER_CLASS = 20
IMAGE_SIZE = (64, 64)
LIVE_SECONDS = 30


async def countdown(cam, text, seconds=3):
    for left in range(seconds, 0, -1):
        cam.show_prompt(f"{text} in {left}…")
        await asyncio.sleep(1)


cam = sensors.Camera(image_size=IMAGE_SIZE)
try:
    await cam.start()
except sensors.SensorError as error:
    # PermissionDeniedError, NoCameraError, CameraInUseError, NotSecureContextError
    raise SystemExit(f"No camera: {error}")
print(f"camera: {cam.label}, {cam.resolution[1]}x{cam.resolution[0]}, frames of {IMAGE_SIZE}")

# 1. Capture a few pictures of each class.
images, labels = [], []
for index, name in enumerate(CLASSES):
    await countdown(cam, f"Show {name}")
    cam.show_prompt(f"Capturing {name}…")
    async for frame in cam.frames(fps=10, count=SAMPLES_PER_CLASS):
        images.append(frame)
        labels.append(index)
    print(f"captured {SAMPLES_PER_CLASS} pictures of {name}")
cam.show_prompt("Training…")

# 2. Train a small CNN on them, in this page.
x = np.stack(images).astype("float32") / 255.0
y = np.array(labels)
pyapp.utils.set_random_seed(0)
model = pyapp.Sequential([
    pyapp.Input(shape=(*IMAGE_SIZE, 3)),
    layers.Conv2D(8, 3, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Conv2D(16, 3, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dense(len(CLASSES), activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, epochs=8, batch_size=8, verbose=0)
print(f"trained: loss {history.history['loss'][0]:.3f} -> {history.history['loss'][-1]:.3f}, "
      f"accuracy {history.history['accuracy'][-1]:.2f}")
model.save("indexeddb://camera-classifier")  # load it again with pyapp.models.load_model(...)
print("saved as indexeddb://camera-classifier")

# 3. Live predictions with confidence bars, until Stop is pressed (or LIVE_SECONDS pass).
cam.show_prompt("Live: show either class")
latencies = []
async for captured, frame in cam.frames(fps=5, seconds=LIVE_SECONDS, timestamps=True):
    scores = model.predict(frame[None].astype("float32") / 255.0, verbose=0)[0]
    latencies.append(time.time() - captured)  # from the camera's picture to its prediction
    cam.show_scores(CLASSES, scores)
    print(f"{CLASSES[int(scores.argmax())]}: {scores.max():.0%}")
cam.stop()
if latencies:
    print(f"{len(latencies)} live predictions, median latency from capture to prediction "
          f"{np.median(latencies) * 1000:.0f} ms")
