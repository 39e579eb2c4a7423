"""The device's camera and motion sensors, as numpy arrays, in the page.

    from pyapp import sensors

    cam = sensors.Camera(image_size=(224, 224))
    await cam.start()                       # asks permission; a preview appears in the page
    frame = await cam.read()                # uint8 array (224, 224, 3), RGB
    async for frame in cam.frames(fps=10, seconds=5):
        ...                                 # at most 10 frames a second, the newest each time
    cam.stop()                              # the camera is released (its indicator goes off)

    motion = sensors.Motion()
    await motion.start()                    # SensorsUnavailableError on a desktop
    rows = await motion.record(1.0)         # (n, 10): time, acceleration, with gravity, rotation rate
    async for event in motion.events():     # every event, in order, with its timestamp
        print(event.kind, event.time, event.values)

The camera and the sensors live on the page's main thread; Python runs in a Web Worker and
asks the page for each frame (`pyappRequest`, static/app/sensors.js). A frame crosses as a
transferred buffer of RGB bytes and is copied once, into the numpy array you get.

Every failure is a `SensorError`; catch the precise kind where it matters:
`PermissionDeniedError`, `NoCameraError`, `CameraInUseError`, `SensorsUnavailableError`,
`NotSecureContextError`, `SensorStoppedError`. After an error the page's sensor panel offers
to retry.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import sys
import time
from typing import AsyncIterator, NamedTuple

import numpy as np

__all__ = [
    "Camera", "Motion", "MotionEvent", "SensorError", "PermissionDeniedError", "NoCameraError", "CameraInUseError",
    "SensorsUnavailableError", "NotSecureContextError", "SensorStoppedError",
]


# ---------------------------------------------------------------- errors


class SensorError(RuntimeError):
    """Base class of every error of pyapp.sensors."""


class PermissionDeniedError(SensorError):
    """The user (or the browser's settings) refused access to the camera or the sensors."""


class NoCameraError(SensorError):
    """This device has no camera (or none that matches what was asked)."""


class CameraInUseError(SensorError):
    """The camera exists but could not be started: another application or tab holds it."""


class SensorsUnavailableError(SensorError):
    """No motion sensors: the browser lacks the API, or no events arrive (a desktop)."""


class NotSecureContextError(SensorError):
    """The page is not a secure context (plain http from another host): browsers give
    the camera and motion sensors only to https, localhost and file:// pages."""


class SensorStoppedError(SensorError):
    """The sensor was stopped (from Python, from its panel in the page, or by a restart)."""


_ERRORS = {
    "permission-denied": PermissionDeniedError,
    "no-camera": NoCameraError,
    "camera-in-use": CameraInUseError,
    "unavailable": SensorsUnavailableError,
    "not-secure": NotSecureContextError,
    "stopped": SensorStoppedError,
}


# ---------------------------------------------------------------- the page
# pyapp.sensors reaches the page only through pyapp.backend._page (requests, messages, and
# the one copy of a transferred buffer into numpy), imported only in a browser, so that this
# module imports under CPython too, where there is no page.


def _page():
    """pyapp's channel to the page (pyapp.backend._page), or the SensorError saying why not."""
    if sys.platform != "emscripten":  # as pyapp.backend.engine_name() tells the browser apart
        raise SensorsUnavailableError(
            "pyapp.sensors runs in the pyapp page (Pyodide in the browser); here there is no page")
    from .backend import _page

    if not _page.has_page():
        raise SensorsUnavailableError("this page does not offer sensors to Python; open the pyapp app (dist/index.html)")
    return _page


async def _request(kind: str, payload: dict):
    """Asks the page; returns its answer (a JS object) or raises the SensorError it names."""
    page = _page()
    try:
        answer = await page.ask(kind, payload)
    except page.PageError as error:
        raise SensorError(f"{kind}: the page failed: {error}") from None
    error = getattr(answer, "error", None)
    if error is not None:
        raise _ERRORS.get(str(error), SensorError)(str(answer.message))
    return answer


def _send(kind: str, payload: dict) -> None:
    _page().send(kind, payload)


# ---------------------------------------------------------------- checks


def _image_size(value, name: str = "image_size") -> tuple[int, int]:
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
            or not all(1 <= v <= 4096 for v in value)):
        raise ValueError(f"{name} must be (height, width), two integers from 1 to 4096; got {value!r}")
    return int(value[0]), int(value[1])


def _positive(value, name: str, allow_none: bool = False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return value


_ids = itertools.count(1)


# ---------------------------------------------------------------- what sensors share


class _Sensor:
    """A sensor with a panel in the page; subclasses define `start` and `stop`, and
    `async with` calls them."""

    _kind = ""  # the page's name for it: "camera" or "motion"

    def __init__(self):
        self.id = next(_ids)
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    async def __aenter__(self):
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        self.stop()

    def show_prompt(self, text: str) -> None:
        """Shows a line of text in the sensor's panel ("" clears it)."""
        _send("sensors.prompt", {"sensor": self._kind, "id": self.id, "text": str(text)})


# ---------------------------------------------------------------- camera


class Camera(_Sensor):
    """The device's camera, read as numpy frames.

    Args:
        image_size: (height, width) of the frames `read` returns; the picture is resized
            to it, cut to its aspect ratio first (`crop_to_aspect_ratio`), as Keras'
            image loaders do.
        facing: "user" (the front camera) or "environment" (the back camera of a phone).
        crop_to_aspect_ratio: False squashes the whole picture into `image_size` instead.

    `await cam.start()` asks for permission and shows a live preview in the page, with a
    Stop control; `read()` starts the camera if needed. `cam.stop()` (or leaving
    `async with Camera() as cam:`) releases it. Errors: `PermissionDeniedError`,
    `NoCameraError`, `CameraInUseError`, `NotSecureContextError`, and
    `SensorStoppedError` when the camera was stopped from the page.

    Example:

        async with Camera(image_size=(64, 64)) as cam:
            frames = [frame async for frame in cam.frames(fps=5, count=10)]
        np.stack(frames).shape   # (10, 64, 64, 3)
    """

    _kind = "camera"

    def __init__(self, image_size=(224, 224), facing: str = "user", crop_to_aspect_ratio: bool = True):
        self.image_size = _image_size(image_size)
        if facing not in ("user", "environment"):
            raise ValueError(f'facing must be "user" or "environment", got {facing!r}')
        self.facing = facing
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        super().__init__()
        self.label = None
        self.resolution = None
        self.timestamp = None

    def __repr__(self) -> str:
        state = f"running, {self.label!r} at {self.resolution[1]}x{self.resolution[0]}" if self._running else "stopped"
        return f"<Camera image_size={self.image_size} {state}>"

    async def start(self) -> "Camera":
        """Asks for the camera (the browser may ask the user) and shows the preview."""
        answer = await _request("camera.start", {"id": self.id, "facing": self.facing})
        self.label = str(answer.label)
        self.resolution = (int(answer.height), int(answer.width))
        self._running = True
        return self

    def stop(self) -> None:
        """Releases the camera: its tracks end and the preview goes away."""
        if self.label is not None:  # ever started (the page may have stopped it already)
            _send("camera.stop", {"id": self.id})
        self._running = False

    async def read(self, image_size=None) -> np.ndarray:
        """The newest frame as a uint8 array (height, width, 3), RGB; its capture time
        (seconds since the epoch, as `time.time()`) is then in `cam.timestamp`."""
        height, width = self.image_size if image_size is None else _image_size(image_size)
        if not self._running:
            await self.start()
        try:
            answer = await _request("camera.read", {
                "id": self.id, "width": width, "height": height, "crop": self.crop_to_aspect_ratio})
        except SensorStoppedError:
            self._running = False
            raise
        frame = _page().copy_into(answer.data, np.empty((height, width, 3), dtype=np.uint8))
        self.timestamp = float(answer.time)
        return frame

    async def frames(self, fps: float = 10, count: int | None = None, seconds: float | None = None,
                     image_size=None, timestamps: bool = False) -> AsyncIterator:
        """Frames at up to `fps` a second, each the newest picture when it is due.

        Ends after `count` frames or `seconds`, if given, or when the camera is stopped
        (from Python or from the page's Stop control). Two pictures are never taken
        closer than 1/fps apart; a slow consumer gets fewer frames, never a backlog.
        With `timestamps=True` it yields `(time, frame)` pairs.
        """
        period = 1 / _positive(fps, "fps")
        _positive(count, "count", allow_none=True)
        _positive(seconds, "seconds", allow_none=True)
        if image_size is not None:
            image_size = _image_size(image_size)
        # Scheduled on the capture clock (time.time(), which the page's timestamps share),
        # so that two pictures are never taken closer than a period apart.
        ends = None if seconds is None else time.time() + seconds
        due = time.time()
        delivered = 0
        try:
            while count is None or delivered < count:
                wait = due - time.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if ends is not None and time.time() >= ends:
                    return
                try:
                    frame = await self.read(image_size)
                except SensorStoppedError:
                    return
                # On schedule, keep it; after a late picture, the next one a period later.
                due = max(due + period, self.timestamp + period)
                delivered += 1
                yield (self.timestamp, frame) if timestamps else frame
        except (KeyboardInterrupt, asyncio.CancelledError):
            self.stop()  # Stop pressed while waiting for a frame: do not leave the camera on
            raise

    def show_scores(self, labels, scores) -> None:
        """Draws confidence bars under the preview: one bar a label, scores in [0, 1]."""
        labels = [str(label) for label in labels]
        values = np.asarray(scores, dtype=np.float64).ravel()
        if len(values) != len(labels):
            raise ValueError(f"show_scores: {len(labels)} labels but {len(values)} scores")
        if not np.isfinite(values).all():
            raise ValueError(f"show_scores: scores must be finite numbers, got {values.tolist()}")
        _send("camera.scores", {"id": self.id, "labels": labels, "values": values.tolist()})


# ---------------------------------------------------------------- motion


class MotionEvent(NamedTuple):
    """One device event: `kind` "motion" (values: MOTION_COLUMNS[1:]) or "orientation"
    (values: ORIENTATION_COLUMNS[1:]); `time` in seconds since the epoch."""

    kind: str
    time: float
    values: np.ndarray


class _Ring:
    """The newest `size` rows of a fixed width, in a preallocated array."""

    def __init__(self, size: int, width: int):
        self.rows = np.full((size, width), np.nan)
        self.next = 0
        self.count = 0

    def extend(self, rows: np.ndarray) -> None:
        size = len(self.rows)
        rows = rows[-size:]
        end = self.next + len(rows)
        if end <= size:
            self.rows[self.next:end] = rows
        else:
            split = size - self.next
            self.rows[self.next:] = rows[:split]
            self.rows[:end - size] = rows[split:]
        self.next = end % size
        self.count = min(size, self.count + len(rows))

    def ordered(self) -> np.ndarray:
        """The rows held, oldest first (a copy)."""
        if self.count < len(self.rows):
            return self.rows[:self.count].copy()
        return np.concatenate([self.rows[self.next:], self.rows[:self.next]])


# The page sends rows of [kind, time, 9 values] (static/app/sensors.js, ROW_LENGTH).
_ROW_LENGTH = 11


class Motion(_Sensor):
    """The device's motion sensors: acceleration, rotation rate and orientation.

    Args:
        buffer_size: how many of the newest events of each kind the ring buffers keep.
        timeout: seconds `start` waits for a first event before it decides that this
            device has no motion sensors (`SensorsUnavailableError`).

    Events reach Python when it asks (`update`, `events`, `record`); the page keeps them
    in between. `motion.motion` and `motion.orientation` are the ring buffers as arrays,
    oldest first, with the columns `MOTION_COLUMNS` and `ORIENTATION_COLUMNS`.
    Accelerations are in m/s², rotation rates in degrees/s, angles in degrees, times in
    seconds since the epoch; a value the device does not report is NaN.

    Example:

        motion = Motion()
        await motion.start()
        window = await motion.record(1.0)          # one second of motion rows
        window[:, 1:4].std(axis=0)                 # how much it shook along x, y, z
    """

    _kind = "motion"
    MOTION_COLUMNS = ("time", "ax", "ay", "az", "ax_g", "ay_g", "az_g", "alpha_rate", "beta_rate", "gamma_rate")
    ORIENTATION_COLUMNS = ("time", "alpha", "beta", "gamma", "absolute")

    def __init__(self, buffer_size: int = 1024, timeout: float = 2.0):
        if isinstance(buffer_size, bool) or not isinstance(buffer_size, int) or buffer_size < 1:
            raise ValueError(f"buffer_size must be a positive integer, got {buffer_size!r}")
        self.timeout = _positive(timeout, "timeout")
        super().__init__()
        self._motion = _Ring(buffer_size, len(self.MOTION_COLUMNS))
        self._orientation = _Ring(buffer_size, len(self.ORIENTATION_COLUMNS))
        self._pending: list[MotionEvent] = []

    def __repr__(self) -> str:
        return (f"<Motion {'running' if self._running else 'stopped'}: {self._motion.count} motion and "
                f"{self._orientation.count} orientation events held>")

    async def start(self) -> "Motion":
        """Starts listening; waits up to `timeout` seconds for a first event."""
        await _request("motion.start", {"id": self.id, "timeout": self.timeout})
        self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            _send("motion.stop", {"id": self.id})
        self._running = False

    @property
    def motion(self) -> np.ndarray:
        return self._motion.ordered()

    @property
    def orientation(self) -> np.ndarray:
        return self._orientation.ordered()

    async def _fetch(self) -> np.ndarray:
        """The page's rows since the last fetch (kind, time, 9 values), into the rings."""
        if not self._running:
            raise SensorStoppedError("the motion sensors are stopped; call `await motion.start()`")
        answer = await _request("motion.read", {"id": self.id})
        rows = _page().copy_into(answer.data, np.empty((int(answer.count), _ROW_LENGTH)))
        if not answer.listening:
            self._running = False
        is_motion = rows[:, 0] == 0
        self._motion.extend(rows[is_motion, 1:1 + len(self.MOTION_COLUMNS)])
        self._orientation.extend(rows[~is_motion, 1:1 + len(self.ORIENTATION_COLUMNS)])
        return rows

    async def update(self) -> list[MotionEvent]:
        """Fetches the events that arrived since the last call into the ring buffers;
        returns them in the order they happened."""
        widths = {0: len(self.MOTION_COLUMNS) - 1, 1: len(self.ORIENTATION_COLUMNS) - 1}
        return [MotionEvent(("motion", "orientation")[int(row[0])], float(row[1]), row[2:2 + widths[int(row[0])]])
                for row in await self._fetch()]

    async def events(self, poll_interval: float = 0.02) -> AsyncIterator[MotionEvent]:
        """Every event, in order, as it arrives; ends when the sensors are stopped."""
        _positive(poll_interval, "poll_interval")
        while True:
            try:
                batch = await self.update()
            except SensorStoppedError:
                return
            for event in batch:
                yield event
            if not self._running:
                return
            if not batch:
                await asyncio.sleep(poll_interval)

    async def record(self, seconds: float, label: str | None = None, poll_interval: float = 0.02) -> np.ndarray:
        """The motion rows (columns `MOTION_COLUMNS`) of the next `seconds`. The panel in the
        page shows "Recording <label>…" meanwhile (and carries data-recording=<label>)."""
        _positive(seconds, "seconds")
        await self.update()  # what came before the window is not part of it
        if label is not None:
            _send("sensors.prompt", {"sensor": "motion", "id": self.id, "text": f"Recording {label}…",
                                     "label": str(label)})
        started = time.time()
        windows = []
        try:
            while time.time() - started < seconds:
                await asyncio.sleep(poll_interval)
                rows = await self._fetch()
                windows.append(rows[rows[:, 0] == 0, 1:1 + len(self.MOTION_COLUMNS)])
                if not self._running:
                    raise SensorStoppedError("the motion sensors were stopped while recording")
        finally:
            if label is not None:
                _send("sensors.prompt", {"sensor": "motion", "id": self.id, "text": ""})
        return np.concatenate(windows) if windows else np.empty((0, len(self.MOTION_COLUMNS)))
