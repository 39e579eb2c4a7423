"""pyapp.sensors in headless Chromium: the fake camera (a real MediaStream of a moving test
pattern), synthetic device motion events, and browsers where the camera is refused.

The shared browser runs with --use-fake-ui-for-media-stream, which grants the camera
without asking. Permission denied needs a browser without that flag (and a context without
the grant); the same browser maps a host name to 127.0.0.1, which makes an http page that
is not a secure context.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import BOOT_TIMEOUT_MS, CHROMIUM_ARGS, CONTEXT_OPTIONS, App, RequestLog, build

EXAMPLES = Path(__file__).resolve().parents[2] / "static" / "examples"
INSECURE_HOST = "insecure.test"


def values(app, code):
    """Runs Python whose last expression is a literal; returns it as Python."""
    return ast.literal_eval(app.check(code))


def start_run(app, code):
    """Starts Python without waiting for it: the test acts on the page meanwhile."""
    app.js("code => { window.__sensorsRun = window.pyapp.runPython(code); }", code)


def finish_run(app, timeout_ms=120_000):
    """The started run's reply; fails (rather than hangs: evaluate has no timeout) if the
    run does not settle within timeout_ms."""
    reply = app.js("ms => Promise.race([window.__sensorsRun, new Promise(r => setTimeout(() => r('unsettled'), ms))])",
                   timeout_ms)
    assert reply != "unsettled", f"the Python run did not settle within {timeout_ms / 1000} s"
    return reply


def track_state(app, python_camera_id):
    return app.js("id => { const f = window.pyapp.sensors.cameras.get(id); "
                  "return f && f.stream ? f.stream.getVideoTracks()[0].readyState : null; }", python_camera_id)


# ---------------------------------------------------------------- camera


def test_frames_are_rgb_arrays_of_the_asked_size_and_they_change(app):
    shape_a, dtype, spread, shape_b, changed, later = values(app, """
import asyncio
import numpy as np
from pyapp import sensors
cam = sensors.Camera(image_size=(64, 64))
await cam.start()
a = await cam.read()
t_a = cam.timestamp
await asyncio.sleep(0.4)
b = await cam.read((48, 80))
c = await cam.read()
cam.stop()
(a.shape, a.dtype.name, float(a.std()), b.shape, float(np.abs(a.astype(int) - c).mean()), cam.timestamp > t_a)
""")
    assert shape_a == (64, 64, 3) and dtype == "uint8" and shape_b == (48, 80, 3)
    assert spread > 5, "a flat picture: the frame holds no image"
    assert changed > 0.5, "two frames 0.4 s apart are the same: the fake camera's picture moves"
    assert later


def test_frames_iterator_holds_its_rate_and_ends_by_count_and_by_time(app):
    count, stamps, timed = values(app, """
from pyapp import sensors
cam = sensors.Camera(image_size=(32, 32))
stamps = [t async for t, _ in cam.frames(fps=5, seconds=2.1, timestamps=True)]
frames = [f async for f in cam.frames(fps=20, count=7)]
cam.stop()
(len(frames), stamps, len(stamps))
""")
    assert count == 7
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    # 5 frames a second for 2.1 s: never faster than asked; on this shared machine, a
    # loose floor only.
    assert 4 <= timed <= 11, stamps
    assert min(gaps) > 0.2 - 0.06, gaps


def test_stop_from_python_releases_the_camera(app):
    camera_id = int(app.check("""
from pyapp import sensors
cam = sensors.Camera(image_size=(16, 16))
await cam.read()
cam.id
"""))
    app.js("id => { window.__track = window.pyapp.sensors.cameras.get(id).stream.getVideoTracks()[0]; }", camera_id)
    assert app.js("() => window.__track.readyState") == "live"
    assert app.check("cam.stop(); cam.running") == "False"
    app.page.wait_for_function("() => window.__track.readyState === 'ended'")
    assert app.js("id => window.pyapp.sensors.cameras.has(id)", camera_id) is False
    assert app.js("() => document.querySelector('[data-sensor-panel=camera]')") is None
    # and it starts again on demand
    assert app.check("(await cam.read()).shape") == "(16, 16, 3)"
    app.check("cam.stop()")


def test_the_panels_stop_control_ends_the_stream_and_retry_restarts_it(app):
    start_run(app, """
from pyapp import sensors
cam = sensors.Camera(image_size=(32, 32))
n = 0
async for frame in cam.frames(fps=10):   # no end: the page's Stop control ends it
    n += 1
n
""")
    panel = app.page.locator("[data-sensor-panel=camera]")
    panel.locator("video").wait_for(state="visible")
    app.page.wait_for_function("() => document.querySelector('[data-sensor-panel=camera]').dataset.state === 'live'")
    app.js("() => { window.__track = [...window.pyapp.sensors.cameras.values()][0].stream.getVideoTracks()[0]; }")
    panel.locator("[data-action=stop]").click()
    reply = finish_run(app)
    assert reply["error"] is None, reply["error"]
    assert int(reply["result"]) >= 1
    assert app.js("() => window.__track.readyState") == "ended"
    retry = panel.locator("[data-action=retry]")
    assert retry.is_visible()
    retry.click()
    app.page.wait_for_function("() => document.querySelector('[data-sensor-panel=camera]').dataset.state === 'live'")
    assert app.check("(await cam.read()).shape") == "(32, 32, 3)"
    app.check("cam.stop()")


def test_confidence_bars_are_drawn_under_the_preview(app):
    app.check("""
from pyapp import sensors
cam = sensors.Camera(image_size=(16, 16))
await cam.start()
cam.show_scores(["cat", "dog", "bird"], [0.7, 0.2, 0.1])
""")
    app.page.wait_for_selector("[data-sensor-panel=camera] .pyapp-sensors__bar >> nth=2")
    bars = app.js("() => [...document.querySelectorAll('[data-sensor-panel=camera] .pyapp-sensors__bar')]"
                  ".map(b => [b.dataset.label, Number(b.dataset.value), parseFloat(b.querySelector('.pyapp-sensors__fill').style.width)])")
    assert bars == [["cat", 0.7, 70], ["dog", 0.2, 20], ["bird", 0.1, 10]]
    reply = app.run("cam.show_scores(['a', 'b'], [0.5])")
    assert reply["error"]["type"] == "ValueError" and "2 labels but 1 scores" in reply["error"]["message"]
    app.check("cam.stop()")


def test_bad_arguments_are_refused_before_the_camera_starts(app):
    for code, expected in [
        ("sensors.Camera(image_size=(0, 10))", "image_size must be (height, width)"),
        ("sensors.Camera(facing='left')", 'facing must be "user" or "environment"'),
        ("[f async for f in sensors.Camera().frames(fps=0)]", "fps must be a positive number"),
        ("sensors.Motion(buffer_size=0)", "buffer_size must be a positive integer"),
    ]:
        reply = app.run("from pyapp import sensors\n" + code)
        assert reply["error"]["type"] == "ValueError", reply
        assert expected in reply["error"]["message"]
    assert app.js("() => document.querySelector('[data-sensor-panel=camera]')") is None


def test_stop_releases_the_camera_whichever_way_the_session_stops(fresh_app):
    """Served, Stop interrupts Python in place; from disk it restarts the worker. Either
    way the camera's track ends."""
    app = fresh_app
    start_run(app, """
from pyapp import sensors
cam = sensors.Camera(image_size=(32, 32))
async for frame in cam.frames(fps=10):
    pass
""")
    app.page.wait_for_function("() => document.querySelector('[data-sensor-panel=camera]')?.dataset.state === 'live'")
    app.js("() => { window.__track = [...window.pyapp.sensors.cameras.values()][0].stream.getVideoTracks()[0]; }")
    outcome = app.js("() => window.pyapp.stop()")
    assert outcome == ("interrupted" if app.mode == "served" else "restarted")
    reply = finish_run(app, 30_000)
    assert reply["error"]["type"] == ("KeyboardInterrupt" if app.mode == "served" else "SessionReset")
    assert app.js("() => window.__track.readyState") == "ended"
    assert app.js("() => window.pyapp.sensors.cameras.size") == 0
    app.js("() => window.pyapp.ready")
    # the session goes on: a new camera starts
    assert app.check("from pyapp import sensors\n(await sensors.Camera((8, 8)).read()).shape") == "(8, 8, 3)"


# ---------------------------------------------------------------- motion

DISPATCH_EVENTS = """async count => {
  await new Promise(resolve => {
    const wait = () => document.querySelector('[data-sensor-panel=motion][data-state=live]') ? resolve() : setTimeout(wait, 10);
    wait();
  });
  const sent = [];
  for (let i = 0; i < count; i += 1) {
    const m = {acceleration: {x: i, y: -i, z: 0.5 * i}, accelerationIncludingGravity: {x: i, y: -i, z: 9.81 + i},
               rotationRate: {alpha: 10 * i, beta: 20 * i, gamma: 30 * i}, interval: 16};
    window.dispatchEvent(new DeviceMotionEvent('devicemotion', m));
    const o = {alpha: i, beta: 2 * i - 90, gamma: -i, absolute: i % 2 === 0};
    window.dispatchEvent(new DeviceOrientationEvent('deviceorientation', o));
    sent.push([m, o]);
    await new Promise(resolve => setTimeout(resolve, 5));
  }
  return sent.length;
}"""


def test_motion_events_reach_python_in_order_with_their_values(app):
    start_run(app, """
from pyapp import sensors
motion = sensors.Motion(buffer_size=8)
await motion.start()
got = []
async for event in motion.events():
    got.append(event)
    if len(got) == 40:
        break
ring = motion.motion
motion.stop()
([(e.kind, e.time, [None if v != v else float(v) for v in e.values]) for e in got], ring.shape,
 ring[:, 1].tolist(), motion.orientation[:, 1].tolist())
""")
    assert app.js(DISPATCH_EVENTS, 20) == 20
    reply = finish_run(app)
    assert reply["error"] is None, reply["error"]
    got, ring_shape, ring_ax, ring_alpha = ast.literal_eval(reply["result"])
    assert [kind for kind, _, _ in got] == ["motion", "orientation"] * 20
    times = [t for _, t, _ in got]
    assert times == sorted(times) and times[-1] - times[0] < 60
    for i in range(20):
        assert got[2 * i][2] == [i, -i, 0.5 * i, i, -i, 9.81 + i, 10 * i, 20 * i, 30 * i]
        assert got[2 * i + 1][2] == [i, 2 * i - 90, -i, float(i % 2 == 0)]
    # the ring buffers keep the newest 8 of each kind, oldest first
    assert ring_shape == (8, 10) and ring_ax == list(range(12, 20)) and ring_alpha == list(range(12, 20))


def test_no_motion_events_means_a_clear_error(app):
    kind, is_sensor_error, message = values(app, """
from pyapp import sensors
try:
    await sensors.Motion(timeout=0.5).start()
except sensors.SensorError as error:
    caught = error
(type(caught).__name__, isinstance(caught, sensors.SensorError), str(caught))
""")
    assert kind == "SensorsUnavailableError" and is_sensor_error
    assert re.search(r"no motion or orientation events (with values )?arrived within 0.5 s", message), message
    assert "no motion sensors" in message
    alert = app.js("() => document.querySelector('[data-sensor-panel=motion] [role=alert]').textContent")
    assert "no motion sensors" in alert


# ---------------------------------------------------------------- a browser that does not grant the camera


@pytest.fixture(scope="module")
def strict_browser(browser):
    """Chromium with the fake camera but a real permission decision (no fake UI), and a
    host name that is not a secure context (launched by the session's Playwright)."""
    args = [arg for arg in CHROMIUM_ARGS if arg != "--use-fake-ui-for-media-stream"]
    args.append(f"--host-resolver-rules=MAP {INSECURE_HOST} 127.0.0.1")
    strict = browser.browser_type.launch(executable_path=build.CHROMIUM, args=args)
    yield strict
    strict.close()


class StrictLog(RequestLog):
    def allowed(self, url: str) -> bool:
        return super().allowed(url) or f"//{INSECURE_HOST}:" in url


def open_strict(strict_browser, url, mode):
    context = strict_browser.new_context(permissions=[], **CONTEXT_OPTIONS)
    log = StrictLog(build.DIST).watch(context)
    page = context.new_page()
    page.set_default_timeout(BOOT_TIMEOUT_MS)
    app = App(page, url, mode, log)
    app.info = app.open()
    return app


def test_permission_denied_raises_the_documented_error_and_the_panel_offers_retry(strict_browser, dist, server, mode):
    url = (dist / "index.html").as_uri() if mode == "file" else server + "index.html"
    app = open_strict(strict_browser, url, mode)
    try:
        kind, is_sensor_error, message = values(app, """
from pyapp import sensors
cam = sensors.Camera(image_size=(24, 24))
try:
    await cam.start()
except sensors.PermissionDeniedError as error:
    caught = error
(type(caught).__name__, isinstance(caught, sensors.SensorError), str(caught))
""")
        assert kind == "PermissionDeniedError" and is_sensor_error
        assert "permission was denied" in message and "Retry" in message
        panel = app.page.locator("[data-sensor-panel=camera]")
        assert "permission was denied" in panel.locator("[role=alert]").text_content()
        retry = panel.locator("[data-action=retry]")
        assert retry.is_visible()
        # The user allows the camera, then presses Retry: Python reads frames.
        app.page.context.grant_permissions(["camera"])
        retry.click()
        app.page.wait_for_function("() => document.querySelector('[data-sensor-panel=camera]').dataset.state === 'live'")
        assert app.check("(await cam.read()).shape") == "(24, 24, 3)"
        app.check("cam.stop()")
        assert not app.errors and not app.log.problems, (app.errors, app.log.problems)
    finally:
        app.page.context.close()


def test_a_page_that_is_not_a_secure_context_says_how_to_open_the_app(strict_browser, server, mode):
    if mode == "file":
        pytest.skip("file:// pages are secure contexts in Chromium: the camera works from disk")
    url = server.replace("127.0.0.1", INSECURE_HOST) + "index.html"
    app = open_strict(strict_browser, url, mode)
    try:
        assert app.js("() => window.isSecureContext") is False
        camera, motion = values(app, """
from pyapp import sensors
caught = []
for sensor in (sensors.Camera(), sensors.Motion()):
    try:
        await sensor.start()
    except sensors.NotSecureContextError as error:
        caught.append(str(error))
caught
""")
        for message in (camera, motion):
            assert "secure context" in message and "python3 build.py serve" in message and "dist/index.html" in message
        assert not app.errors, app.errors
    finally:
        app.page.context.close()


# ---------------------------------------------------------------- the examples


def test_examples_are_in_the_menu(dist):
    import json

    index = json.loads((dist / "examples" / "index.json").read_text())
    names = {entry["name"] for entry in index}
    assert {"camera_classifier", "motion_gestures"} <= names


def test_camera_classifier_example_runs_start_to_finish(app):
    app.check("import pyapp\nfor url in pyapp.models.list_models():\n"
              "    if url.endswith('camera-classifier'): pyapp.models.delete_model(url)")
    start_run(app, (EXAMPLES / "camera_classifier.py").read_text())
    # Live predictions draw one bar a class; then the user presses Stop in the panel.
    app.page.set_default_timeout(120_000)
    app.page.wait_for_selector("[data-sensor-panel=camera] .pyapp-sensors__bar >> nth=1")
    app.page.wait_for_function("() => document.querySelectorAll('[data-sensor-panel=camera] .pyapp-sensors__bar').length === 2")
    scores = app.js("() => [...document.querySelectorAll('[data-sensor-panel=camera] .pyapp-sensors__bar')]"
                    ".map(b => Number(b.dataset.value))")
    assert abs(sum(scores) - 1) < 1e-3, scores
    app.page.locator("[data-sensor-panel=camera] [data-action=stop]").click()
    reply = finish_run(app)
    assert reply["error"] is None, reply["error"]
    out = reply["stdout"]
    assert out.count("captured 20 pictures") == 2
    first, last = map(float, re.search(r"trained: loss ([\d.]+) -> ([\d.]+)", out).groups())
    assert last < first, out
    assert "saved as indexeddb://camera-classifier" in out
    assert re.search(r"\d+ live predictions, median latency from capture to prediction \d+ ms", out), out
    assert "camera-classifier" in app.check("import pyapp\nstr(pyapp.models.list_models())")
    assert app.js("() => window.pyapp.sensors.cameras.size") == 0


GESTURE_GENERATOR = """live => {
  // Synthetic device motion at about 60 Hz: the gesture the motion panel last said it was
  // recording (data-recording), kept between windows as a person would, and `live` once the
  // example's live phase begins. The motion follows the clock, not the timer's ticks, so a
  // busy machine that fires fewer ticks still draws the same gesture.
  const start = performance.now();
  let gesture = 'still';
  clearInterval(window.__gestures);
  window.__gestures = setInterval(() => {
    const panel = document.querySelector('[data-sensor-panel=motion][data-state=live]');
    if (!panel) return;
    if (panel.dataset.recording) gesture = panel.dataset.recording;
    else if (panel.textContent.includes('Live:')) gesture = live;
    const t = (performance.now() - start) / 1000;
    const noise = () => (Math.random() - 0.5) * 0.4;
    let g = {x: noise(), y: noise(), z: 9.81 + noise()};
    const rotation = {alpha: noise(), beta: noise(), gamma: noise()};
    if (gesture === 'shake') g.x += 12 * Math.sin(2 * Math.PI * 6 * t);
    if (gesture === 'tilt') {
      const angle = Math.PI / 4 * (1 + Math.sin(2 * Math.PI * t));
      g = {x: noise(), y: 9.81 * Math.sin(angle), z: 9.81 * Math.cos(angle)};
      rotation.beta = 90 * Math.cos(2 * Math.PI * t);
    }
    window.dispatchEvent(new DeviceMotionEvent('devicemotion', {accelerationIncludingGravity: g, rotationRate: rotation, interval: 16}));
  }, 16);
}"""


def test_motion_gestures_example_runs_start_to_finish(fresh_app):
    # A page of its own: nothing an earlier test left running competes with the 60 Hz events.
    app = fresh_app
    app.js(GESTURE_GENERATOR, "shake")
    try:
        reply = app.run((EXAMPLES / "motion_gestures.py").read_text())
    finally:
        app.js("() => clearInterval(window.__gestures)")
    assert reply["error"] is None, reply["error"]
    out = reply["stdout"]
    for gesture in ("still", "shake", "tilt"):
        assert f"recorded 5 windows of {gesture}" in out
    first, last = map(float, re.search(r"trained: loss ([\d.]+) -> ([\d.]+)", out).groups())
    assert last < first, out
    live = re.findall(r"live: (\w+) \d+%", out)
    assert len(live) == 6
    # The page performed "shake" throughout the live phase.
    assert live.count("shake") >= 4, out


# ---------------------------------------------------------------- microphone
# Chromium's fake microphone (--use-fake-device-for-media-stream) plays a beep; the shared
# browser grants it without asking (--use-fake-ui-for-media-stream).


def requests_since(app, count):
    """The requests the page made after the first `count`: a sensor's samples or positions
    must cause none (and the `app` fixture fails a test on any that leaves dist/)."""
    made = app.log.requests[count:]
    assert all(app.log.allowed(url) for url in made), made
    return made


def test_microphone_records_float32_mono_of_the_asked_length(app):
    app.check("import numpy\nfrom pyapp import sensors")   # loading numpy reads the app's files
    before = len(app.log.requests)
    (shape, dtype, peak, finite, low, high, rate, short, running, label) = values(app, """
import numpy as np
from pyapp import sensors
mic = sensors.Microphone()
await mic.start()
wave = await mic.record(1.2)
short = await mic.record(0.0501)      # round(0.0501 * 16000) = 802 samples
(wave.shape, wave.dtype.name, float(np.abs(wave).max()), bool(np.isfinite(wave).all()), float(wave.min()),
 float(wave.max()), mic.device_rate, short.shape, mic.running, mic.label)
""")
    assert shape == (19200,) and dtype == "float32" and short == (802,)
    assert finite and -1 <= low and high <= 1
    assert peak > 0.1, f"silence: Chromium's fake microphone beeps (peak {peak})"
    assert rate == 16000, "the AudioContext runs at the asked rate (Chromium resamples the microphone)"
    assert running and label
    panel = app.page.locator("[data-sensor-panel=microphone]")
    assert panel.get_attribute("data-state") == "live" and panel.locator("[data-action=stop]").is_visible()
    # The level meter moves with the beep.
    app.page.wait_for_function("() => Number(document.querySelector('[data-sensor-panel=microphone] [role=meter]')"
                               ".dataset.level) > 0.1", timeout=10_000)
    # Measured: from disk Chromium refuses the worklet module (static/app/sensors.js says why).
    assert panel.get_attribute("data-capture") == ("audio-worklet" if app.mode == "served" else "script-processor")
    app.check("mic.stop()")
    assert requests_since(app, before) == [], "the microphone made requests"


def test_microphone_at_another_rate_and_in_async_with(app):
    shape, rate, peak = values(app, """
import numpy as np
from pyapp import sensors
async with sensors.Microphone(sample_rate=8000) as mic:
    wave = await mic.record(1.1)
(wave.shape, mic.device_rate, float(np.abs(wave).max()))
""")
    assert shape == (8800,) and rate == 8000 and peak > 0.1
    assert app.js("() => document.querySelector('[data-sensor-panel=microphone]')") is None


SINE_MICROPHONE = """() => {
  // getUserMedia answers with a 440 Hz sine at 0.5 from an oscillator: a signal whose every
  // sample follows from the two before it, so that a gap or a repeat shows.
  window.__realGetUserMedia = navigator.mediaDevices.getUserMedia;
  navigator.mediaDevices.getUserMedia = async () => {
    const context = new AudioContext();
    const oscillator = context.createOscillator();
    oscillator.frequency.value = 440;
    const gain = context.createGain();
    gain.gain.value = 0.5;
    const destination = context.createMediaStreamDestination();
    oscillator.connect(gain).connect(destination);
    oscillator.start();
    window.__sineContext = context;
    return destination.stream;
  };
}"""
REAL_MICROPHONE = """() => {
  navigator.mediaDevices.getUserMedia = window.__realGetUserMedia;
  if (window.__sineContext) window.__sineContext.close();
  window.__sineContext = null;
}"""


def test_microphone_chunks_follow_each_other_with_no_gap(app):
    app.js(SINE_MICROPHONE)
    try:
        sizes, positions, dropped, boundaries, clean, onset = values(app, """
import asyncio
import numpy as np
from pyapp import sensors
mic = sensors.Microphone()
await mic.start()
start = mic.position
chunks, positions = [], []
async for chunk in mic.chunks(0.1, count=20):
    chunks.append(chunk)
    positions.append(mic.position - start)
    if len(chunks) % 5 == 0:
        await asyncio.sleep(0.35)     # a slow body: the page holds the sound meanwhile
mic.stop()
x = np.concatenate(chunks).astype(np.float64)
# A sine satisfies x[n+1] + x[n-1] = 2 cos(w) x[n]: the residual is ~0 wherever it runs on.
w = 2 * np.pi * 440 / 16000
residual = np.abs(x[2:] + x[:-2] - 2 * np.cos(w) * x[1:-1])     # residual[i] is about x[i + 1]
onset = int(np.argmax(np.abs(x) > 0.1)) + 200                     # the oscillator starts after a silence
# Each boundary between two chunks, where its surroundings are clean (this loaded machine's
# audio may glitch upstream of the capture, anywhere; a boundary must never show one).
boundaries, clean = [], 0
for b in range(1600, len(x), 1600):
    if b - 40 < onset:
        continue
    around = np.r_[residual[b - 40:b - 4], residual[b + 3:b + 40]]
    if around.max() < 1e-3:
        clean += 1
        boundaries.append(float(residual[b - 3:b + 3].max()))
([len(c) for c in chunks], positions, mic.dropped, boundaries, clean, onset)
""")
    finally:
        app.js(REAL_MICROPHONE)
    assert sizes == [1600] * 20
    assert positions == [1600 * (i + 1) for i in range(20)], "the cursor moves by exactly one chunk a chunk"
    assert dropped == 0
    assert clean >= 12, f"only {clean} chunk boundaries with clean surroundings (onset at {onset})"
    # A gap or an overlap made by the chunking would break every boundary (the exact-counter
    # test below checks each sample's place); a loaded machine's audio can drop a render
    # quantum upstream, which once landed on a boundary (a fresh-clone run, from disk).
    broken = [b for b in boundaries if b >= 1e-3]
    assert len(broken) <= 1 and len(boundaries) - len(broken) >= 12, f"chunk boundaries break the sine: {boundaries}"


COUNTING_MICROPHONE = """([id, total]) => {
  // The page's feed takes a counter instead of the microphone: sample n is (n mod 2**14) / 2**14,
  // exact in float32, in batches of 160, so Python can check every sample's place.
  const feed = window.pyapp.sensors.microphones.get(id);
  const push = Object.getPrototypeOf(feed).onSamples;
  feed.onSamples = () => {};                 // the real microphone's samples are ignored
  let next = 0;
  const batch = () => {
    const samples = new Float32Array(160);
    for (let i = 0; i < 160; i += 1, next += 1) samples[i] = (next % 16384) / 16384;
    push.call(feed, { samples: samples.buffer, peak: 1 });
  };
  if (total) {                               // all at once: more than the page keeps
    while (next < total) batch();
  } else {
    window.__counting = setInterval(batch, 10);   // 16,000 a second
  }
}"""


def test_microphone_chunks_get_every_sample_once_and_a_backlog_overflow_warns(app):
    mic_id = int(app.check("""
from pyapp import sensors
mic = sensors.Microphone()
await mic.start()
mic.id
"""))
    app.js(COUNTING_MICROPHONE, [mic_id, 0])
    try:
        steps, count, sizes = values(app, """
import asyncio
import numpy as np
chunks = []
async for chunk in mic.chunks(0.05, count=30):   # 800 samples
    chunks.append(chunk)
    await asyncio.sleep(0.01 * (len(chunks) % 4))
x = np.concatenate(chunks) * 16384
steps = np.unique(np.diff(x) % 16384)
(steps.tolist(), len(x), sorted({len(c) for c in chunks}))
""")
    finally:
        app.js("() => clearInterval(window.__counting)")
    assert sizes == [800] and count == 24000
    assert steps == [1.0], "every sample follows the one before it: none lost, none repeated"
    # Python does not read for longer than the page keeps (60 s at 16 kHz = 960,000 samples).
    app.check("await mic._fetch()\nmic._pending, mic._held = [], 0")   # nothing held before
    app.js(COUNTING_MICROPHONE, [mic_id, 1_000_000])
    dropped, warned, first = values(app, """
import warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    await mic._fetch()
wave = mic._take(mic._held)
mic.stop()
(mic.dropped, [str(w.message) for w in caught], float(wave[0] * 16384))
""")
    # Whole batches of 160 go: 40,000 samples over the limit is exactly 250 batches.
    assert dropped == 40_000 and first == 40_000 % 16384
    assert len(warned) == 1 and "lost 2.5 s of sound" in warned[0]


def test_microphone_stop_releases_it_and_reads_after_it_are_refused(app):
    mic_id = int(app.check("""
from pyapp import sensors
mic = sensors.Microphone()
await mic.start()
mic.id
"""))
    app.js("id => { window.__micTrack = window.pyapp.sensors.microphones.get(id).stream.getAudioTracks()[0]; }", mic_id)
    assert app.js("() => window.__micTrack.readyState") == "live"
    assert app.check("mic.stop(); mic.running") == "False"
    app.page.wait_for_function("() => window.__micTrack.readyState === 'ended'")
    assert app.js("id => window.pyapp.sensors.microphones.has(id)", mic_id) is False
    assert app.js("() => document.querySelector('[data-sensor-panel=microphone]')") is None
    for code in ("await mic.record(0.1)", "[c async for c in mic.chunks(0.1)]"):
        reply = app.run(code)
        assert reply["error"]["type"] == "SensorStoppedError", reply
        assert "call `await mic.start()`" in reply["error"]["message"]
    # start() starts it again
    assert app.check("await mic.start()\n(await mic.record(0.1)).shape") == "(1600,)"
    app.check("mic.stop()")


def test_microphone_panel_stop_ends_chunks_and_retry_restarts_it(app):
    start_run(app, """
from pyapp import sensors
mic = sensors.Microphone()
n = 0
async for chunk in mic.chunks(0.1):     # no end: the page's Stop control ends it
    n += 1
    print(f"panel-stop chunk {n}", flush=True)
n
""")
    panel = app.page.locator("[data-sensor-panel=microphone]")
    app.page.wait_for_function("() => document.querySelector('[data-sensor-panel=microphone]')?.dataset.state === 'live'")
    app.js("() => { window.__micTrack = [...window.pyapp.sensors.microphones.values()][0].stream.getAudioTracks()[0]; }")
    # Stop once the loop has had chunks (its output streams to the page as it prints).
    app.page.wait_for_function("() => document.querySelector('#output').textContent.includes('panel-stop chunk 2')")
    panel.locator("[data-action=stop]").click()
    reply = finish_run(app)
    assert reply["error"] is None, reply["error"]
    assert int(reply["result"]) >= 1
    assert app.js("() => window.__micTrack.readyState") == "ended"
    reply = app.run("await mic.record(0.1)")
    assert reply["error"]["type"] == "SensorStoppedError", reply
    retry = panel.locator("[data-action=retry]")
    assert retry.is_visible()
    retry.click()
    app.page.wait_for_function("() => document.querySelector('[data-sensor-panel=microphone]').dataset.state === 'live'")
    assert app.check("await mic.start()\n(await mic.record(0.2)).shape") == "(3200,)"
    app.check("mic.stop()")


def test_microphone_bad_arguments_are_refused_before_it_starts(app):
    for code, expected in [
        ("sensors.Microphone(sample_rate=7999)", "sample_rate must be an integer from 8000 to 96000"),
        ("sensors.Microphone(sample_rate=96001)", "sample_rate must be an integer from 8000 to 96000"),
        ("sensors.Microphone(sample_rate=16000.0)", "sample_rate must be an integer from 8000 to 96000"),
        ("sensors.Microphone(sample_rate=True)", "sample_rate must be an integer from 8000 to 96000"),
        ("await sensors.Microphone().record(0)", "seconds must be a positive number"),
        ("await sensors.Microphone().record(-1)", "seconds must be a positive number"),
        ("await sensors.Microphone().record(float('nan'))", "seconds must be a positive number"),
        ("await sensors.Microphone().record(1e-6)", "seconds must last at least one sample at 16000 Hz"),
        ("[c async for c in sensors.Microphone().chunks(0)]", "seconds must be a positive number"),
        ("[c async for c in sensors.Microphone().chunks(0.1, count=0)]", "count must be a positive number"),
    ]:
        reply = app.run("from pyapp import sensors\n" + code)
        assert reply["error"] and reply["error"]["type"] == "ValueError", (code, reply)
        assert expected in reply["error"]["message"], (code, reply["error"]["message"])
    assert app.js("() => document.querySelector('[data-sensor-panel=microphone]')") is None


FAILING_MICROPHONE = """name => {
  window.__realGetUserMedia = navigator.mediaDevices.getUserMedia;
  navigator.mediaDevices.getUserMedia = async () => { throw new DOMException('simulated', name); };
}"""


def test_microphone_device_errors_raise_their_documented_exceptions(app):
    for dom_name, expected, words in [("NotFoundError", "NoMicrophoneError", "no microphone was found"),
                                      ("NotReadableError", "MicrophoneInUseError", "another application or tab")]:
        app.js(FAILING_MICROPHONE, dom_name)
        try:
            kind, is_sensor_error, message = values(app, """
from pyapp import sensors
mic = sensors.Microphone()
try:
    await mic.start()
except sensors.SensorError as error:
    caught = error
mic.stop()
(type(caught).__name__, isinstance(caught, sensors.SensorError), str(caught))
""")
        finally:
            app.js(REAL_MICROPHONE)
        assert kind == expected and is_sensor_error, (kind, message)
        assert words in message
        # the panel showed the error; stop() removed it
        assert app.js("() => document.querySelector('[data-sensor-panel=microphone]')") is None


def test_microphone_permission_denied_raises_the_documented_error(strict_browser, dist, server, mode):
    url = (dist / "index.html").as_uri() if mode == "file" else server + "index.html"
    app = open_strict(strict_browser, url, mode)
    try:
        kind, message = values(app, """
from pyapp import sensors
mic = sensors.Microphone()
try:
    await mic.record(0.5)
except sensors.PermissionDeniedError as error:
    caught = error
(type(caught).__name__, str(caught))
""")
        assert kind == "PermissionDeniedError"
        assert "microphone permission was denied" in message and "Retry" in message
        panel = app.page.locator("[data-sensor-panel=microphone]")
        assert "permission was denied" in panel.locator("[role=alert]").text_content()
        assert panel.locator("[data-action=retry]").is_visible()
        # The user allows it, then Python asks again.
        app.page.context.grant_permissions(["microphone"])
        assert app.check("(await mic.record(0.2)).shape") == "(3200,)"
        app.check("mic.stop()")
        assert not app.errors and not app.log.problems, (app.errors, app.log.problems)
    finally:
        app.page.context.close()


def test_microphone_and_geolocation_need_a_secure_context(strict_browser, server, mode):
    if mode == "file":
        pytest.skip("file:// pages are secure contexts in Chromium: the microphone and the position work from disk")
    app = open_strict(strict_browser, server.replace("127.0.0.1", INSECURE_HOST) + "index.html", mode)
    try:
        assert app.js("() => window.isSecureContext") is False
        caught = values(app, """
from pyapp import sensors
caught = []
for ask in (sensors.Microphone().start, sensors.Geolocation().position):
    try:
        await ask()
    except sensors.NotSecureContextError as error:
        caught.append(str(error))
caught
""")
        assert len(caught) == 2
        for message in caught:
            assert "secure context" in message and "python3 build.py serve" in message
        assert not app.errors, app.errors
    finally:
        app.page.context.close()


# ---------------------------------------------------------------- geolocation
# Playwright's geolocation override reaches navigator.geolocation; the permission is a
# context's (--use-fake-ui-for-media-stream concerns media only), so each test opens a page
# in a context of its own, as conftest's open_app does, with the options it needs.

EIFFEL_TOWER = {"latitude": 48.8584, "longitude": 2.2945, "accuracy": 12}
BIG_BEN = {"latitude": 51.5007, "longitude": -0.1246, "accuracy": 5}


def open_geolocation_app(browser, dist, server, mode, **context_options) -> App:
    """A booted page of the app in a browser context with `context_options`
    (geolocation=..., permissions=[...])."""
    context = browser.new_context(**CONTEXT_OPTIONS, **context_options)
    log = RequestLog(dist).watch(context)
    page = context.new_page()
    page.set_default_timeout(BOOT_TIMEOUT_MS)
    url = (dist / "index.html").as_uri() if mode == "file" else server + "index.html"
    app = App(page, url, mode, log)
    app.info = app.open()
    return app


@pytest.fixture
def located_app(browser, dist, server, mode):
    """A page whose context grants the position and reports the Eiffel Tower. (Measured: it
    works from file:// as served, so both modes run.)"""
    app = open_geolocation_app(browser, dist, server, mode, geolocation=EIFFEL_TOWER, permissions=["geolocation"])
    yield app
    assert not app.errors, f"page errors: {app.errors}"
    assert not app.log.problems, "\n".join(app.log.problems)
    app.page.context.close()


def test_geolocation_position_and_watch_report_what_the_browser_says(located_app):
    app = located_app
    app.check("from pyapp import sensors")
    before = len(app.log.requests)
    fields, position, recent = values(app, """
import time
from pyapp import sensors
geo = sensors.Geolocation(timeout=10)
pos = await geo.position()
(sensors.Position._fields, tuple(pos), abs(pos.timestamp - time.time()) < 60)
""")
    assert fields == ("latitude", "longitude", "accuracy", "altitude", "heading", "speed", "timestamp")
    assert position[:6] == (48.8584, 2.2945, 12.0, None, None, None) and recent
    panel = app.page.locator("[data-sensor-panel=geolocation]")
    assert "48.85840, 2.29450 ±12 m" in panel.text_content()
    # watch: the current position first, then the next one the browser reports.
    start_run(app, """
got = [pos async for pos in geo.watch(count=2, seconds=60)]
[tuple(p)[:3] for p in got]
""")
    watching = ("() => document.querySelector('[data-sensor-panel=geolocation] .pyapp-sensors__reading')"
                "?.textContent.startsWith('Watching: 48.85840')")
    app.page.wait_for_function(watching)      # the first position reached the page
    app.page.context.set_geolocation(BIG_BEN)
    reply = finish_run(app)
    assert reply["error"] is None, reply["error"]
    assert ast.literal_eval(reply["result"]) == [(48.8584, 2.2945, 12.0), (51.5007, -0.1246, 5.0)]
    # Leaving the loop ended the browser's watch.
    assert app.js("() => [...window.pyapp.sensors.geolocations.values()][0].watching") is False
    # A watch without end ends with the panel's Stop control.
    start_run(app, """
got = [pos async for pos in geo.watch()]
[tuple(p)[:2] for p in got]
""")
    app.page.wait_for_function(watching.replace("48.85840", "51.50070"))
    panel.locator("[data-action=stop]").click()
    reply = finish_run(app, 30_000)
    assert reply["error"] is None, reply["error"]
    assert ast.literal_eval(reply["result"]) == [(51.5007, -0.1246)]
    # stop() removes the panel.
    app.check("geo.stop()")
    assert app.js("() => document.querySelector('[data-sensor-panel=geolocation]')") is None
    assert requests_since(app, before) == [], "the position made requests"


def test_geolocation_denied_raises_permission_denied(browser, dist, server, mode):
    # No grant: headless Chromium's prompt answers "denied" by itself (after about 5 s, measured).
    app = open_geolocation_app(browser, dist, server, mode, geolocation=EIFFEL_TOWER)
    try:
        caught = values(app, """
from pyapp import sensors
geo = sensors.Geolocation(timeout=30)
caught = []
for ask in (geo.position, lambda: anext(geo.watch())):
    try:
        await ask()
    except sensors.SensorError as error:
        caught.append((type(error).__name__, str(error)))
caught
""")
        assert [kind for kind, _ in caught] == ["PermissionDeniedError"] * 2, caught
        assert all("location permission was denied" in message for _, message in caught)
        panel = app.page.locator("[data-sensor-panel=geolocation]")
        assert "permission was denied" in panel.locator("[role=alert]").text_content()
        assert panel.locator("[data-action=retry]").is_visible()
        # Allowed, and asked again: the position comes.
        app.page.context.grant_permissions(["geolocation"])
        assert app.check("(await geo.position()).latitude") == "48.8584"
        app.check("geo.stop()")
        assert not app.errors and not app.log.problems, (app.errors, app.log.problems)
    finally:
        app.page.context.close()


STUBBED_GEOLOCATION = """answer => {
  // navigator.geolocation answers as a device would: `answer` is a position or an error code.
  const position = typeof answer === 'object'
    ? { coords: { latitude: 1.5, longitude: -2.5, accuracy: 30, altitude: 35, heading: NaN, speed: 0 }, timestamp: 1.7e12 }
    : null;
  const reply = (ok, fail) => position ? ok(position) : answer ? fail({ code: answer, message: 'simulated' }) : null;
  navigator.geolocation.getCurrentPosition = (ok, fail) => setTimeout(() => reply(ok, fail), 10);
  navigator.geolocation.watchPosition = (ok, fail) => { setTimeout(() => reply(ok, fail), 10); return 1; };
  navigator.geolocation.clearWatch = () => {};
}"""
REAL_GEOLOCATION = """() => {
  for (const name of ['getCurrentPosition', 'watchPosition', 'clearWatch']) delete navigator.geolocation[name];
}"""


def test_geolocation_errors_and_missing_values_come_as_documented(app):
    ask_both = """
from pyapp import sensors
geo = sensors.Geolocation(timeout=0.5)
outcome = []
for ask in (geo.position, lambda: anext(geo.watch())):
    try:
        await ask()
        outcome.append("no error")
    except sensors.SensorError as error:
        outcome.append(type(error).__name__)
geo.stop()
outcome
"""
    try:
        app.js(STUBBED_GEOLOCATION, {"position": True})
        # A device that stands still: heading NaN (the spec's "no direction"), speed 0.
        assert values(app, """
import math
from pyapp import sensors
geo = sensors.Geolocation()
pos = await geo.position()
geo.stop()
(pos.altitude, math.isnan(pos.heading), pos.speed, pos.timestamp)
""") == (35.0, True, 0.0, 1.7e9)
        app.js(STUBBED_GEOLOCATION, 2)
        assert values(app, ask_both) == ["PositionUnavailableError"] * 2
        app.js(STUBBED_GEOLOCATION, 3)
        assert values(app, ask_both) == ["PositionTimeoutError"] * 2
        # A device that never answers a watch: its first position is due within the timeout.
        app.js(STUBBED_GEOLOCATION, 0)
        kind, message = values(app, """
geo = sensors.Geolocation(timeout=0.5)
try:
    await anext(geo.watch())
except sensors.SensorError as error:
    caught = error
geo.stop()
(type(caught).__name__, str(caught))
""")
        assert kind == "PositionTimeoutError" and "no position came within 0.5 s" in message
    finally:
        app.js(REAL_GEOLOCATION)
    assert app.js("() => window.pyapp.sensors.geolocations.size") == 0


def test_geolocation_bad_arguments_are_refused(app):
    for code, expected in [
        ("sensors.Geolocation(timeout=0)", "timeout must be a positive number"),
        ("sensors.Geolocation(timeout='10')", "timeout must be a positive number"),
        ("await anext(sensors.Geolocation().watch(count=0))", "count must be a positive number"),
        ("await anext(sensors.Geolocation().watch(seconds=-1))", "seconds must be a positive number"),
    ]:
        reply = app.run("from pyapp import sensors\n" + code)
        assert reply["error"] and reply["error"]["type"] == "ValueError", (code, reply)
        assert expected in reply["error"]["message"], (code, reply["error"]["message"])
    assert app.js("() => document.querySelector('[data-sensor-panel=geolocation]')") is None
