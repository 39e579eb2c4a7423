"""The device's camera, microphone, motion sensors and position, as numpy arrays, in the page.

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

    mic = sensors.Microphone(sample_rate=16000)
    await mic.start()                       # asks permission; a level meter appears in the page
    wave = await mic.record(1.0)            # float32 (16000,), mono, in [-1, 1]
    async for chunk in mic.chunks(0.5):     # consecutive 0.5 s chunks: no gap, no overlap
        ...
    mic.stop()

    geo = sensors.Geolocation()
    pos = await geo.position()              # Position(latitude, longitude, accuracy, ...)
    async for pos in geo.watch():           # a new Position each time the device moves
        ...
    geo.stop()

The devices live on the page's main thread; Python runs in a Web Worker and asks the page
for each frame, batch of samples or position (`pyappRequest`, static/app/sensors.js). A
frame or a batch of samples crosses as a transferred buffer and is copied once, into the
numpy array you get. Nothing a sensor gives leaves the page.

Every failure is a `SensorError`; catch the precise kind where it matters:
`PermissionDeniedError`, `NoCameraError`, `CameraInUseError`, `NoMicrophoneError`,
`MicrophoneInUseError`, `PositionUnavailableError`, `PositionTimeoutError`,
`SensorsUnavailableError`, `NotSecureContextError`, `SensorStoppedError`. After an error
the page's sensor panel offers to retry.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import sys
import time
import warnings
from typing import AsyncIterator, NamedTuple

import numpy as np

__all__ = [
    "Camera", "Motion", "MotionEvent", "Microphone", "Geolocation", "Position",
    "SensorError", "PermissionDeniedError", "NoCameraError", "CameraInUseError", "NoMicrophoneError",
    "MicrophoneInUseError", "PositionUnavailableError", "PositionTimeoutError",
    "SensorsUnavailableError", "NotSecureContextError", "SensorStoppedError",
]


# ---------------------------------------------------------------- errors


class SensorError(RuntimeError):
    """Base class of every error of pyapp.sensors."""


class PermissionDeniedError(SensorError):
    """The user (or the browser's settings) refused access to the camera, the microphone,
    the position or the sensors."""


class NoCameraError(SensorError):
    """This device has no camera (or none that matches what was asked)."""


class CameraInUseError(SensorError):
    """The camera exists but could not be started: another application or tab holds it."""


class NoMicrophoneError(SensorError):
    """This device has no microphone."""


class MicrophoneInUseError(SensorError):
    """The microphone exists but could not be started: another application or tab holds it,
    or the system refused it."""


class PositionUnavailableError(SensorError):
    """The browser could not determine the position (no location service, no signal, or
    the operating system's location setting is off)."""


class PositionTimeoutError(SensorError):
    """No position came within the `timeout` of the Geolocation."""


class SensorsUnavailableError(SensorError):
    """The sensor cannot be had here: Python runs outside the pyapp page, the browser lacks
    the API (motion events, WebAudio's AudioWorklet, geolocation), or no motion events
    arrive (a desktop)."""


class NotSecureContextError(SensorError):
    """The page is not a secure context (plain http from another host): browsers give the
    camera, the microphone, the position and motion sensors only to https, localhost and
    file:// pages."""


class SensorStoppedError(SensorError):
    """The sensor was stopped (from Python, from its panel in the page, or by a restart)."""


_ERRORS = {
    "permission-denied": PermissionDeniedError,
    "no-camera": NoCameraError,
    "camera-in-use": CameraInUseError,
    "no-microphone": NoMicrophoneError,
    "microphone-in-use": MicrophoneInUseError,
    "position-unavailable": PositionUnavailableError,
    "position-timeout": PositionTimeoutError,
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

    _kind = ""  # the page's name for it: "camera", "motion", "microphone" or "geolocation"

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

    def show_scores(self, labels, scores) -> None:
        """Draws confidence bars in the sensor's panel (under a camera's preview): one bar a
        label, scores in [0, 1]."""
        labels = [str(label) for label in labels]
        values = np.asarray(scores, dtype=np.float64).ravel()
        if len(values) != len(labels):
            raise ValueError(f"show_scores: {len(labels)} labels but {len(values)} scores")
        if not np.isfinite(values).all():
            raise ValueError(f"show_scores: scores must be finite numbers, got {values.tolist()}")
        _send("sensors.scores", {"sensor": self._kind, "id": self.id, "labels": labels, "values": values.tolist()})

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


# ---------------------------------------------------------------- microphone


class _Resampler:
    """Linear interpolation from `rate_in` to `rate_out`, fed in pieces: the output is the
    same as resampling the whole signal at once (output sample k sits at input position
    k * rate_in / rate_out, computed in integers, so that hours do not drift).

    Only for browsers that capture at their own rate (static/app/sensors.js says why the
    page's AudioContext does it otherwise). It does not filter: downsampling folds what
    lies above the new Nyquist frequency into the band."""

    def __init__(self, rate_in: int, rate_out: int):
        self.rate_in, self.rate_out = int(rate_in), int(rate_out)
        self.reset()

    def reset(self) -> None:
        """Forgets the signal so far (after a gap the next piece starts a new one)."""
        self.held = np.empty(0, np.float32)
        self.base = 0   # input index of held[0]
        self.next = 0   # index of the next output sample

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        held = np.concatenate([self.held, np.asarray(samples, np.float32)])
        last = self.base + len(held) - 1  # the newest input index
        # Output k needs inputs floor(p) and floor(p) + 1 with p = k * rate_in / rate_out,
        # so every k with k * rate_in < last * rate_out is ready (and p == last needs no next).
        ready = -(-last * self.rate_out // self.rate_in) if last >= 0 else 0
        if ready <= self.next:
            self.held = held
            return np.empty(0, np.float32)
        positions = np.arange(self.next, ready, dtype=np.int64) * self.rate_in
        index = positions // self.rate_out - self.base
        fraction = ((positions % self.rate_out) / self.rate_out).astype(np.float32)
        out = held[index] * (1 - fraction) + held[np.minimum(index + 1, len(held) - 1)] * fraction
        self.next = ready
        # The first input the next output needs (not beyond what came: when downsampling it
        # may not have come yet).
        keep = min(self.next * self.rate_in // self.rate_out, last + 1)
        self.held = held[keep - self.base:]
        self.base = keep
        return out.astype(np.float32, copy=False)


class Microphone(_Sensor):
    """The device's microphone, read as float32 mono numpy arrays.

    Args:
        sample_rate: samples a second of what `record` and `chunks` return, an integer
            from 8000 to 96000. 16000 is what speech and sound classifiers usually take.

    `await mic.start()` asks for permission and shows a level meter in the page, with a
    Stop control; `record()` and `chunks()` start a microphone that was never started.
    The page captures without echo cancellation, noise suppression or automatic gain (the
    raw signal) and keeps what Python has not read yet, up to 60 s: beyond that the oldest
    is dropped, `mic.dropped` counts the samples lost and a RuntimeWarning says so.
    `mic.stop()` (or leaving `async with Microphone() as mic:`) releases the device, and a
    read after it raises `SensorStoppedError` until `await mic.start()`. Errors:
    `PermissionDeniedError`, `NoMicrophoneError`, `MicrophoneInUseError`,
    `NotSecureContextError`, `SensorStoppedError`.

    Example:

        async with Microphone(sample_rate=16000) as mic:
            wave = await mic.record(1.0)
        wave.shape, wave.dtype          # ((16000,), dtype('float32'))
        float(np.abs(wave).max())       # the peak, at most 1.0
    """

    _kind = "microphone"

    def __init__(self, sample_rate: int = 16000):
        if (isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer))
                or not 8000 <= sample_rate <= 96000):
            raise ValueError(f"sample_rate must be an integer from 8000 to 96000 (samples a second), "
                             f"got {sample_rate!r}")
        self.sample_rate = int(sample_rate)
        super().__init__()
        self.label = None
        self._asked = False      # start() was called: the page has a panel for it (perhaps an error)
        self.device_rate = None  # the rate the page captures at (sample_rate where the browser allows)
        self.dropped = 0
        self._resampler = None
        self._expected = 0      # the page's index of the next sample it sends
        self._pending: list[np.ndarray] = []  # samples at sample_rate, not yet returned, oldest first
        self._held = 0
        self._position = 0

    def __repr__(self) -> str:
        state = f"running, {self.label!r}" if self._running else "stopped"
        return f"<Microphone sample_rate={self.sample_rate} {state}>"

    @property
    def position(self) -> int:
        """The index (counted from `start`, at `sample_rate`) of the next sample a read
        returns: each chunk moves it on by its length, and `record` first skips to now."""
        return self._position

    async def start(self) -> "Microphone":
        """Asks for the microphone (the browser may ask the user) and shows the level meter."""
        self._asked = True
        answer = await _request("microphone.start", {"id": self.id, "sampleRate": self.sample_rate})
        self.label = str(answer.label)
        if not self._running:  # a new capture: nothing held belongs to it
            self.device_rate = int(answer.rate)
            self._resampler = (None if self.device_rate == self.sample_rate
                               else _Resampler(self.device_rate, self.sample_rate))
            self._expected = int(answer.next)
            self._pending, self._held, self._position = [], 0, 0
        self._running = True
        return self

    def stop(self) -> None:
        """Releases the microphone: its track ends and its panel goes away."""
        if self._asked:  # the page may have stopped it already, or shows why it did not start
            _send("microphone.stop", {"id": self.id})
        self._running = False
        self._pending, self._held = [], 0

    def _samples(self, seconds) -> int:
        _positive(seconds, "seconds")
        count = round(seconds * self.sample_rate)
        if count < 1:
            raise ValueError(f"seconds must last at least one sample at {self.sample_rate} Hz, got {seconds!r}")
        return count

    async def _ensure_running(self) -> None:
        if self._running:
            return
        if self.label is not None:
            raise SensorStoppedError("the microphone is stopped; call `await mic.start()` to start it again")
        await self.start()

    async def _fetch(self) -> None:
        """Appends the samples the page captured since the last fetch to the pending ones."""
        try:
            answer = await _request("microphone.read", {"id": self.id})
        except SensorStoppedError:
            self._running = False
            raise
        count, first = int(answer.count), int(answer.first)
        samples = _page().copy_into(answer.data, np.empty(count, dtype=np.float32))
        if first > self._expected:
            # The page dropped the oldest of its backlog: Python did not read for 60 s.
            gap = first - self._expected
            self.dropped += round(gap * self.sample_rate / self.device_rate)
            warnings.warn(f"the microphone lost {gap / self.device_rate:.1f} s of sound that Python did not read "
                          "in time (the page keeps 60 s); read more often", RuntimeWarning, stacklevel=3)
            if self._resampler is not None:
                self._resampler.reset()
        self._expected = first + count
        if self._resampler is not None:
            samples = self._resampler(samples)
        # WebAudio's samples are nominally in [-1, 1]; its resampler can overshoot a
        # full-scale signal a little, and the promise is [-1, 1].
        np.clip(samples, -1.0, 1.0, out=samples)
        if len(samples):
            self._pending.append(samples)
            self._held += len(samples)
        if not answer.running:
            self._running = False

    def _take(self, count: int) -> np.ndarray:
        """The oldest `count` pending samples; the rest stay pending."""
        pending = np.concatenate(self._pending) if len(self._pending) != 1 else self._pending[0]
        taken, rest = pending[:count], pending[count:]
        self._pending = [rest] if len(rest) else []
        self._held = len(rest)
        self._position += count
        return taken.copy() if len(rest) else taken

    async def _skip_to_now(self) -> None:
        await self._fetch()
        self._position += self._held
        self._pending, self._held = [], 0

    async def _wait_for(self, count: int) -> bool:
        """Fetches until `count` samples are pending; False if the microphone stops first."""
        while self._held < count:
            if not self._running:
                return False
            # Sleep about as long as the missing sound lasts (at most 0.25 s, to notice a Stop).
            await asyncio.sleep(min(0.25, max(0.02, (count - self._held) / self.sample_rate)))
            await self._fetch()
        return True

    async def record(self, seconds: float) -> np.ndarray:
        """The next `seconds` of sound: a float32 array of round(seconds * sample_rate)
        samples in [-1, 1]. Sound from before the call is not part of it."""
        count = self._samples(seconds)
        await self._ensure_running()
        try:
            await self._skip_to_now()
            if not await self._wait_for(count):
                raise SensorStoppedError("the microphone was stopped while recording")
        except (KeyboardInterrupt, asyncio.CancelledError):
            self.stop()  # Stop pressed while recording: do not leave the microphone on
            raise
        return self._take(count)

    async def chunks(self, seconds: float, count: int | None = None) -> AsyncIterator[np.ndarray]:
        """Consecutive chunks of `seconds` each (round(seconds * sample_rate) samples):
        together they are the sound from the call on, with no gap and no overlap, however
        long the loop's body takes (the page holds up to 60 s meanwhile).

        Ends after `count` chunks, if given, or when the microphone is stopped (from
        Python or from the page's Stop control); a last partial chunk is dropped.
        """
        size = self._samples(seconds)
        _positive(count, "count", allow_none=True)
        await self._ensure_running()
        delivered = 0
        try:
            await self._skip_to_now()
            while count is None or delivered < count:
                try:
                    if not await self._wait_for(size):
                        return
                except SensorStoppedError:
                    return
                delivered += 1
                yield self._take(size)
        except (KeyboardInterrupt, asyncio.CancelledError):
            self.stop()
            raise


# ---------------------------------------------------------------- geolocation


class Position(NamedTuple):
    """A position as the browser reports it (navigator.geolocation).

    `latitude` and `longitude` in decimal degrees (WGS 84), `accuracy` in metres (95 %
    confidence), `altitude` in metres above the WGS 84 ellipsoid, `heading` in degrees
    clockwise from true north (NaN while the device stands still), `speed` in m/s;
    `timestamp` in seconds since the epoch, as `time.time()`. The last three and
    `altitude` are None where the device does not report them.
    """

    latitude: float
    longitude: float
    accuracy: float
    altitude: float | None
    heading: float | None
    speed: float | None
    timestamp: float


def _positions(text) -> list[Position]:
    """The page's positions (JSON text; NaN travels as "NaN", null as null)."""

    def number(value):
        return None if value is None else float(value)

    return [Position(float(p["latitude"]), float(p["longitude"]), float(p["accuracy"]), number(p["altitude"]),
                     number(p["heading"]), number(p["speed"]), float(p["timestamp"]))
            for p in json.loads(str(text))]


class Geolocation(_Sensor):
    """The device's position, from the browser's geolocation (GPS, Wi-Fi or the network,
    as the system decides).

    Args:
        high_accuracy: ask for the most precise position the device can give (GPS where
            there is one); slower, and it costs battery.
        timeout: seconds to wait for a position (for `watch`, for the first one) before
            `PositionTimeoutError`. The time the browser waits for the user to answer its
            permission prompt does not count.

    `await geo.position()` returns one fresh `Position`; `async for pos in geo.watch()`
    yields a new one each time the device moves. A small panel in the page shows the last
    position, with a Stop control that ends a watch; `geo.stop()` ends the watch and
    removes the panel. Errors: `PermissionDeniedError`, `PositionUnavailableError`,
    `PositionTimeoutError`, `NotSecureContextError`.

    Example:

        geo = Geolocation(timeout=30)
        here = await geo.position()
        print(f"{here.latitude:.5f}, {here.longitude:.5f} within {here.accuracy:.0f} m")
        track = [pos async for pos in geo.watch(seconds=60)]   # the positions of a minute
    """

    _kind = "geolocation"

    def __init__(self, high_accuracy: bool = False, timeout: float = 10.0):
        self.high_accuracy = bool(high_accuracy)
        self.timeout = float(_positive(timeout, "timeout"))
        super().__init__()
        self._used = False

    def __repr__(self) -> str:
        state = "watching" if self._running else "idle"
        return f"<Geolocation high_accuracy={self.high_accuracy} timeout={self.timeout:g} {state}>"

    def _options(self) -> dict:
        return {"id": self.id, "highAccuracy": self.high_accuracy, "timeout": self.timeout}

    async def start(self) -> "Geolocation":
        """Nothing to start (the browser asks for permission on the first position); here so
        that `async with Geolocation() as geo:` works as for the other sensors."""
        return self

    async def position(self) -> Position:
        """One fresh position (never one the browser cached)."""
        self._used = True
        answer = await _request("geolocation.position", self._options())
        return _positions(answer.positions)[0]

    async def watch(self, count: int | None = None, seconds: float | None = None) -> AsyncIterator[Position]:
        """Each new position, from the current one on, in order, until `count` positions or
        `seconds`, if given, or until the watch is stopped (`geo.stop()`, the panel's Stop).

        The device reports a new position when it moves: a device that stands still
        yields the first and then waits. The page queues positions between two reads, so
        none is lost while the loop's body runs. An error before the first position, or a
        permission withdrawn, ends the watch with its exception; a moment without a fix
        later (a tunnel) does not: the watch waits for the next position.
        """
        _positive(count, "count", allow_none=True)
        _positive(seconds, "seconds", allow_none=True)
        ends = None if seconds is None else time.time() + seconds
        self._used = True
        await _request("geolocation.watch", self._options())
        self._running = True
        delivered = 0
        try:
            while count is None or delivered < count:
                # The page answers as soon as a position comes; the wait is capped, so that
                # `seconds` ends the loop on time and a Stop in the page is seen.
                wait = 1.0 if ends is None else min(1.0, ends - time.time())
                if wait <= 0:
                    return
                answer = await _request("geolocation.read", {"id": self.id, "wait": wait})
                for position in _positions(answer.positions):
                    yield position
                    delivered += 1
                    if count is not None and delivered >= count:
                        return
                if not answer.watching:
                    return
        finally:
            # However the loop ends (count, seconds, break, an error), the device stops
            # locating: a watch left on costs battery and keeps the location indicator on.
            if self._running:
                self._running = False
                _send("geolocation.unwatch", {"id": self.id})

    def stop(self) -> None:
        """Ends a watch and removes the location panel."""
        if self._used:
            _send("geolocation.stop", {"id": self.id})
        self._running = False
