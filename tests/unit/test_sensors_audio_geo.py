"""pyapp.sensors' Microphone and Geolocation under CPython: argument checks, the resampler,
the decoding of positions, and the error outside a page. The devices themselves are tested
in tests/browser/test_sensors.py."""

import asyncio
import concurrent.futures

import numpy as np
import pytest

from pyapp import sensors
from pyapp.sensors import _positions, _Resampler


def run(coroutine):
    # A thread of its own: the browser tests' Playwright keeps an event loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def test_the_new_names_are_exported_and_the_errors_share_one_base_class():
    for name in ("Microphone", "Geolocation", "Position", "NoMicrophoneError", "MicrophoneInUseError",
                 "PositionUnavailableError", "PositionTimeoutError"):
        assert name in sensors.__all__
    for name in ("NoMicrophoneError", "MicrophoneInUseError", "PositionUnavailableError", "PositionTimeoutError"):
        assert issubclass(getattr(sensors, name), sensors.SensorError)
        assert name in sensors.__doc__


@pytest.mark.parametrize("rate", [7999, 96001, 16000.0, True, "16000", None])
def test_microphone_refuses_a_bad_sample_rate(rate):
    with pytest.raises(ValueError, match="sample_rate must be an integer from 8000 to 96000"):
        sensors.Microphone(sample_rate=rate)


def test_microphone_takes_numpy_integers_and_the_bounds():
    assert sensors.Microphone(np.int64(8000)).sample_rate == 8000
    assert type(sensors.Microphone(np.int32(96000)).sample_rate) is int


@pytest.mark.parametrize("seconds, message", [
    (0, "seconds must be a positive number"), (-1, "seconds must be a positive number"),
    (float("inf"), "seconds must be a positive number"), ("1", "seconds must be a positive number"),
    (1e-6, "seconds must last at least one sample at 16000 Hz"),
])
def test_microphone_refuses_bad_seconds_before_it_looks_for_the_page(seconds, message):
    mic = sensors.Microphone()
    with pytest.raises(ValueError, match=message):
        run(mic.record(seconds))
    with pytest.raises(ValueError, match=message):
        run(anext(mic.chunks(seconds)))
    with pytest.raises(ValueError, match="count must be a positive number"):
        run(anext(mic.chunks(0.1, count=0)))


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), "10", None])
def test_geolocation_refuses_a_bad_timeout(timeout):
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        sensors.Geolocation(timeout=timeout)


def test_outside_the_page_microphone_and_geolocation_say_where_they_run():
    for make in (lambda: sensors.Microphone().start(), lambda: sensors.Microphone().record(0.5),
                 lambda: sensors.Geolocation().position(), lambda: anext(sensors.Geolocation().watch())):
        with pytest.raises(sensors.SensorsUnavailableError, match="runs in the pyapp page"):
            run(make())


def test_positions_keep_null_apart_from_nan():
    (position,) = _positions('[{"latitude": 48.8584, "longitude": 2.2945, "accuracy": 12, "altitude": null, '
                             '"heading": "NaN", "speed": 0, "timestamp": 1700000000.5}]')
    assert position[:3] == (48.8584, 2.2945, 12.0) and position.altitude is None
    assert np.isnan(position.heading) and position.speed == 0.0 and position.timestamp == 1700000000.5
    assert _positions("[]") == []


@pytest.mark.parametrize("rate_in, rate_out", [(48000, 16000), (44100, 16000), (44100, 48000), (16000, 48000)])
def test_resampling_in_pieces_equals_resampling_at_once_and_interpolates_linearly(rate_in, rate_out):
    x = np.sin(np.arange(rate_in) * 2 * np.pi * 440 / rate_in).astype(np.float32)
    whole = _Resampler(rate_in, rate_out)(x)
    resampler, pieces, start = _Resampler(rate_in, rate_out), [], 0
    for size in np.random.default_rng(0).integers(1, 3000, size=10_000):
        pieces.append(resampler(x[start:start + size]))
        start += size
        if start >= len(x):
            break
    assert np.array_equal(np.concatenate(pieces), whole) and whole.dtype == np.float32
    # one second in, one second out (less the last sample, which waits for the next input)
    assert rate_out - rate_out // rate_in - 1 <= len(whole) <= rate_out
    expected = np.interp(np.arange(len(whole)) * rate_in / rate_out, np.arange(len(x)), x)
    assert np.abs(whole - expected).max() < 1e-6


def test_resampler_reset_starts_a_new_signal():
    resampler = _Resampler(2, 1)
    assert resampler(np.arange(5, dtype=np.float32)).tolist() == [0, 2]
    resampler.reset()
    assert resampler(np.array([10, 11, 12], dtype=np.float32)).tolist() == [10]
