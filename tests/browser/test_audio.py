"""pyapp.audio in the real page, opened both ways: spectrograms and WAV files give the same
numbers as under CPython (this test process computes them with the same functions), and
play, play_notes and stop reach WebAudio on the page's main thread (static/app/audio.js),
whose counters (window.pyapp.audio) say what went out."""

from __future__ import annotations

import base64
import hashlib

import numpy as np

from pyapp import audio

SIGNAL = """
import numpy as np
rate = 16000
t = np.arange(int(0.75 * rate)) / rate
signal = (0.5 * np.sin(2 * np.pi * (200 + 1500 * t) * t) + 0.3 * np.sin(2 * np.pi * 3000 * t)
          + 0.05 * np.sign(np.sin(2 * np.pi * 97 * t))).astype(np.float32)
"""


def native_signal():
    scope: dict = {}
    exec(SIGNAL, scope)
    return scope["signal"], scope["rate"]


def counters(app) -> dict:
    return app.js("""() => { const a = window.pyapp.audio;
        return {played: a.played, notes: a.notes, stops: a.stops, blocked: a.blocked, errors: a.errors,
                sounding: a.sounding, state: a.state}; }""")


def wait_counters(app, condition: str, timeout: float = 20):
    """Waits until `condition` (JS, over `a` = window.pyapp.audio) holds; returns the counters."""
    app.page.wait_for_function(f"() => {{ const a = window.pyapp.audio; return {condition}; }}",
                               timeout=timeout * 1000)
    return counters(app)


def test_spectrogram_in_the_page_equals_the_native_one(app):
    result = app.check(SIGNAL + """
import base64, pyapp
spec = pyapp.audio.spectrogram(signal, rate)
mel = pyapp.audio.spectrogram(signal, rate, frame_length=0.032, frame_step=0.016, n_mels=40)
(spec.shape, mel.shape, spec.dtype.str, base64.b64encode(spec.tobytes()).decode(), base64.b64encode(mel.tobytes()).decode())
""")
    spec_shape, mel_shape, dtype, spec_b64, mel_b64 = eval(result)
    signal, rate = native_signal()
    expected = audio.spectrogram(signal, rate)
    expected_mel = audio.spectrogram(signal, rate, frame_length=0.032, frame_step=0.016, n_mels=40)
    assert (spec_shape, mel_shape, dtype) == (expected.shape, expected_mel.shape, "<f4")
    assert spec_shape == (73, 257) and mel_shape == (45, 40)
    page_spec = np.frombuffer(base64.b64decode(spec_b64), dtype="<f4").reshape(spec_shape)
    page_mel = np.frombuffer(base64.b64decode(mel_b64), dtype="<f4").reshape(mel_shape)
    assert np.isfinite(page_spec).all() and np.isfinite(page_mel).all()
    np.testing.assert_allclose(page_spec, expected, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(page_mel, expected_mel, rtol=1e-5, atol=1e-4)


def test_wav_files_in_the_page_are_the_native_ones(app, tmp_path):
    result = app.check(SIGNAL + """
import hashlib, pyapp
path = pyapp.audio.write_wav("/tmp/pyapp-audio-test.wav", signal, rate)
back, back_rate = pyapp.audio.load_wav(path)
notes = pyapp.audio.render_notes([(60, 0, 0.25, 100), (67, 0.25, 0.25, 80)], 8000)
(hashlib.sha256(open(path, "rb").read()).hexdigest(), back_rate, float(np.abs(back - signal).max()),
 hashlib.sha256(notes.tobytes()).hexdigest())
""")
    page_wav, page_rate, page_error, page_notes = eval(result)
    signal, rate = native_signal()
    native = audio.write_wav(tmp_path / "native.wav", signal, rate)
    with open(native, "rb") as stream:
        assert page_wav == hashlib.sha256(stream.read()).hexdigest()
    assert page_rate == rate and page_error <= 0.5 / 32768
    rendered = audio.render_notes([(60, 0, 0.25, 100), (67, 0.25, 0.25, 80)], 8000)
    assert page_notes == hashlib.sha256(rendered.tobytes()).hexdigest()


def test_play_play_notes_and_stop_sound_out(app):
    before = counters(app)
    assert app.check("""
import numpy as np, pyapp
t = np.arange(8000) / 16000
pyapp.audio.play(0.3 * np.sin(2 * np.pi * 440 * t).astype(np.float32), 16000)
""") == "0.5"
    after = wait_counters(app, f"a.played === {before['played'] + 1}")
    assert after["state"] == "running" and after["errors"] == before["errors"]
    # The 0.5 s sound ends on the page's audio clock: its node leaves the sounding set.
    wait_counters(app, "a.sounding === 0", timeout=10)

    assert app.check("pyapp.audio.play_notes([(60, 0.0, 0.2, 100), (64, 0.2, 0.2, 100), (67, 0.4, 0.4, 90)])") == "0.8"
    after = wait_counters(app, f"a.notes === {before['notes'] + 3}")
    assert after["sounding"] >= 1 and after["errors"] == before["errors"]
    wait_counters(app, "a.sounding === 0", timeout=10)

    # Long sounds, then stop() from Python: nothing sounds any more, notes not begun included.
    app.check("""
pyapp.audio.play(np.zeros(16000 * 30, dtype=np.float32), 16000)
pyapp.audio.play_notes(np.array([[72, 5.0, 10.0, 100], [76, 0.0, 30.0, 100]]))
""")
    wait_counters(app, f"a.played === {before['played'] + 2} && a.notes === {before['notes'] + 5} && a.sounding === 3")
    stops = counters(app)["stops"]
    assert app.check("pyapp.audio.stop()") is None
    after = wait_counters(app, f"a.stops === {stops + 1}")
    assert after["sounding"] == 0 and after["errors"] == before["errors"] and after["blocked"] == 0


def test_the_page_stop_silences_sound(app):
    app.check("import numpy as np, pyapp; pyapp.audio.play(np.zeros(16000 * 30, dtype=np.float32), 16000)")
    wait_counters(app, "a.sounding === 1")
    assert app.js("() => window.pyapp.stop()") == "idle"    # nothing runs: the session stays, the sound ends
    assert counters(app)["sounding"] == 0


def test_bad_sound_is_refused_in_the_page_too(app):
    before = counters(app)
    for code, message in [("pyapp.audio.play_notes([(128, 0, 1, 100)])", "pitch 128"),
                          ("pyapp.audio.play(np.zeros((2, 100)), 16000)", "must be 1-D"),
                          ("pyapp.audio.spectrogram(np.zeros(10), 16000)", "fewer than one frame")]:
        reply = app.run("import numpy as np, pyapp\n" + code)
        assert reply["error"] is not None and reply["error"]["type"] == "ValueError", reply
        assert message in reply["error"]["message"]
    assert counters(app) == before


# A browser that holds sound back until the user acts (autoplay policy). Headless Chromium
# lets every AudioContext run (even with --autoplay-policy=document-user-activation-required),
# so the page is given one that stays suspended until a pointer or key event.
HELD_BACK = """
const RealAudioContext = window.AudioContext;
window.AudioContext = class extends RealAudioContext {
  constructor(...args) { super(...args); this.held = true; super.suspend(); }
  get state() { return this.held ? "suspended" : super.state; }
  resume() {
    if (!window.userActed) return Promise.resolve();
    this.held = false;
    return super.resume();
  }
};
for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, () => { window.userActed = true; }, true);
"""


def test_sound_held_back_by_the_browser_gives_a_notice_and_plays_after_a_click(browser, dist):
    from conftest import App, BOOT_TIMEOUT_MS, CONTEXT_OPTIONS, RequestLog

    context = browser.new_context(**CONTEXT_OPTIONS)
    context.add_init_script(HELD_BACK)
    page = context.new_page()
    page.set_default_timeout(BOOT_TIMEOUT_MS)
    app = App(page, (dist / "index.html").as_uri(), "file", RequestLog(dist).watch(context))
    try:
        app.open()
        app.check("import numpy as np, pyapp; pyapp.audio.play(np.zeros(16000 * 5, dtype=np.float32), 16000)")
        held = wait_counters(app, "a.blocked === 1 && a.played === 1")
        assert held["state"] == "suspended" and held["errors"] == 0
        notices = app.js("() => [...document.querySelectorAll('.notice')].map((n) => n.textContent)")
        assert any("holds the sound back until you click" in text for text in notices), notices
        page.mouse.click(5, 5)
        assert wait_counters(app, "a.state === 'running'")["sounding"] == 1
        app.check("pyapp.audio.stop()")
        assert wait_counters(app, "a.sounding === 0")["errors"] == 0
        assert not app.errors and not app.log.problems
    finally:
        context.close()
