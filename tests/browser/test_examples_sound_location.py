"""The sound and location examples (issue 17) run as shipped in the page, both ways of
opening: the melody RNN learns the chorales and plays what it composes, the sound
classifier trains on WAV files given with Open… and on the fake microphone's beep and then
classifies live with bars, and the location track follows positions the test moves."""

from __future__ import annotations

import io
import re
import wave

import numpy as np
import pytest

from test_sensors import BIG_BEN, EXAMPLES, finish_run, located_app, start_run  # noqa: F401 (a fixture)


def test_melody_rnn_learns_composes_and_plays(app):
    if app.mode == "file":
        # Its path through the page is the same from disk (audio and the display from disk are
        # tested in test_audio.py and test_ide.py); its training takes 80 s here, once is enough.
        pytest.skip("run served only")
    app.page.set_default_timeout(600_000)
    played_before = app.js("() => window.pyapp.audio.notes")
    reply = app.run((EXAMPLES / "melody_rnn.py").read_text(), timeout=600_000)
    assert reply["error"] is None, reply["error"]["traceback"]
    out = reply["stdout"]
    first, last = map(float, re.search(r"trained: loss ([\d.]+) -> ([\d.]+)", out).groups())
    assert last < first - 0.3, out
    assert float(re.search(r"accuracy on melodies it never saw ([\d.]+)", out).group(1)) > 0.4, out
    composed = re.findall(r"temperature [\d.]+: (.*)", out)
    assert len(composed) == 2 and all(len(line.split()) == 32 for line in composed), out
    assert app.page.locator("figure.display canvas[aria-label^='composed at temperature']").count() == 2
    assert app.js("() => window.pyapp.audio.notes") - played_before == 64, "the 64 notes went to the synthesizer"
    app.check("from pyapp import audio\naudio.stop()")


def wav_bytes(samples: np.ndarray, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def test_sound_classifier_trains_and_classifies_live(app):
    # Two classes from WAV files given with Open… (a click train, a hum at 22.05 kHz, which
    # the example resamples); the third, silence, it records from the fake microphone.
    rng = np.random.default_rng(0)
    files = []
    for number in range(4):
        clicks = np.zeros(16000)
        clicks[rng.integers(0, 16000, 6)] = 0.9
        files.append({"name": f"clap_{number}.wav", "mimeType": "audio/wav", "buffer": wav_bytes(clicks)})
        hum = 0.3 * np.sin(2 * np.pi * (150 + 20 * number) * np.arange(22050) / 22050)
        files.append({"name": f"voice_{number}.wav", "mimeType": "audio/wav", "buffer": wav_bytes(hum, 22050)})
    app.page.set_input_files("[data-file-picker]", files=files)
    app.page.wait_for_function("document.querySelector('[data-output]').innerText.includes('voice_3.wav (')")
    start_run(app, (EXAMPLES / "sound_classifier.py").read_text())
    app.page.set_default_timeout(180_000)
    bars = "[data-sensor-panel=microphone] .pyapp-sensors__bar"
    app.page.wait_for_function(f"() => document.querySelectorAll('{bars}').length === 3")
    scores = app.js(f"() => [...document.querySelectorAll('{bars}')].map(b => Number(b.dataset.value))")
    assert abs(sum(scores) - 1) < 1e-3, scores
    app.page.locator("[data-sensor-panel=microphone] [data-action=stop]").click()
    reply = finish_run(app, 180_000)
    assert reply["error"] is None, reply["error"]["traceback"]
    out = reply["stdout"]
    assert "4 clips of clap from WAV files" in out and "4 clips of voice from WAV files" in out
    assert "recorded 8 clips of silence" in out
    first, last = map(float, re.search(r"loss ([\d.]+) -> ([\d.]+)", out).groups())
    assert last < first, out
    assert re.search(r"\d+ live seconds classified", out), out
    assert app.js("() => window.pyapp.sensors.microphones.size") == 0


def test_location_track_follows_the_device(located_app):
    app = located_app
    start_run(app, (EXAMPLES / "location_track.py").read_text())
    app.page.wait_for_function("document.querySelector('[data-output]').innerText.includes('3: ')", timeout=60_000)
    app.page.context.set_geolocation(BIG_BEN)
    reply = finish_run(app, 120_000)
    assert reply["error"] is None, reply["error"]["traceback"]
    out = reply["stdout"]
    assert "1: 48.85840, 2.29450 (within 12 m)" in out and "8: 51.50070, -0.12460 (within 5 m)" in out
    metres = float(re.search(r"8 positions, (\d+) m covered", out).group(1))
    assert 330_000 < metres < 350_000, out   # Paris to London, about 340 km
    track = app.page.locator('[data-chart][data-surface="Track"]')
    track.first.wait_for(timeout=30_000)  # drawn once tfjs-vis, loaded with the first chart, is in
    assert track.count() == 1
