"""Sensors: camera frames delivered to Python, and capture-to-prediction latency.

Frames per second that `await cam.read()` delivers back to back at 224x224 and 64x64
(Chromium's fake camera, served page), and the latency from a frame's capture in the page
to the camera example's model prediction in Python (its 64x64 CNN, untrained weights: the
time does not depend on them). The harness's Chromium has a fake camera for it.
"""

FRAME_RATE = """
import time
import numpy as np
from pyapp import sensors
cam = sensors.Camera(image_size=SIZE)
await cam.read()                       # start the camera outside the timing
started, n = time.perf_counter(), 0
while time.perf_counter() - started < SECONDS:
    frame = await cam.read()
    n += 1
cam.stop()
n / (time.perf_counter() - started)
"""

LATENCY = """
import time
import numpy as np
import pyapp
from pyapp import layers, sensors
model = pyapp.Sequential([
    pyapp.Input(shape=(64, 64, 3)),
    layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2),
    layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
    layers.Flatten(), layers.Dense(2, activation="softmax"),
])
cam = sensors.Camera(image_size=(64, 64))
latencies = []
async for captured, frame in cam.frames(fps=10, count=COUNT + 3, timestamps=True):
    model.predict(frame[None].astype("float32") / 255.0, verbose=0)
    latencies.append((time.time() - captured) * 1000)
cam.stop()
float(np.median(latencies[3:]))        # the first predictions build the model
"""


def _run(page, code):
    reply = page.evaluate("code => window.pyapp.runPython(code)", code)
    if reply["error"]:
        raise RuntimeError(reply["error"]["traceback"] or reply["error"]["message"])
    return float(reply["result"])


def run(harness, runs, quick):
    page = harness.open_app("served")
    page.evaluate("() => window.pyapp.session.tfjsReady")
    seconds = 1 if quick else 3
    figures = []
    for size in ((224, 224), (64, 64)):
        rates = [_run(page, f"SIZE = {size}\nSECONDS = {seconds}\n" + FRAME_RATE) for _ in range(runs)]
        figures.append({"case": "sensors", "name": f"camera_frames_{size[0]}x{size[1]}", "variant": "await cam.read()",
                        "unit": "frames/s", "values": rates})
    latency = [_run(page, f"COUNT = {5 if quick else 20}\n" + LATENCY) for _ in range(runs)]
    figures.append({"case": "sensors", "name": "capture_to_prediction", "variant": "camera example CNN 64x64",
                    "unit": "ms", "values": latency})
    page.context.close()
    return figures
