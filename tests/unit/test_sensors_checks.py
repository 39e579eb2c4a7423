"""pyapp.sensors' plain-Python parts under CPython: argument checks, the ring buffer, and
the error outside a page. The sensors themselves are tested in tests/browser/test_sensors.py."""

import asyncio
import concurrent.futures

import numpy as np
import pytest

from pyapp import sensors
from pyapp.sensors import _Ring


def test_ring_keeps_the_newest_rows_oldest_first():
    ring = _Ring(4, 2)
    ring.extend(np.array([[0, 0], [1, 1], [2, 2]], dtype=float))
    assert ring.ordered()[:, 0].tolist() == [0, 1, 2]
    ring.extend(np.array([[3, 3], [4, 4]], dtype=float))
    assert ring.ordered()[:, 0].tolist() == [1, 2, 3, 4]
    ring.extend(np.arange(20, dtype=float).reshape(10, 2))
    assert ring.ordered()[:, 0].tolist() == [12, 14, 16, 18]


@pytest.mark.parametrize("size", [(0, 4), (4,), (4.0, 4), (True, 4), (5000, 4), "64x64"])
def test_camera_refuses_a_bad_image_size(size):
    with pytest.raises(ValueError, match=r"image_size must be \(height, width\)"):
        sensors.Camera(image_size=size)


def test_errors_share_one_base_class():
    for name in ("PermissionDeniedError", "NoCameraError", "CameraInUseError", "SensorsUnavailableError",
                 "NotSecureContextError", "SensorStoppedError"):
        assert issubclass(getattr(sensors, name), sensors.SensorError)


def test_outside_the_page_the_camera_says_where_it_runs():
    with pytest.raises(sensors.SensorsUnavailableError, match="runs in the pyapp page"):
        # A thread of its own: the browser tests' Playwright keeps an event loop running in this one.
        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, sensors.Camera().start()).result()
