// The page side of pyapp.sensors: the camera, the microphone, the motion sensors and the
// position live on the main thread (getUserMedia, WebAudio, device events and
// navigator.geolocation exist only there), and Python in the worker asks for them through
// the session's request channel (DESIGN.md, decision 4):
//
//   camera.start {id, facing}             -> {ok, label, width, height} | {error, message}
//   camera.read  {id, width, height, crop} -> {ok, width, height, time, data: ArrayBuffer (RGB)}
//   motion.start {id, timeout}            -> {ok} | {error, message}
//   motion.read  {id}                     -> {ok, count, rows: ArrayBuffer (Float64, ROW_LENGTH a row)}
//   microphone.start {id, sampleRate}     -> {ok, label, rate, next, capture} | {error, message}
//   microphone.read  {id}                 -> {ok, first, count, running, data: ArrayBuffer (Float32, mono)}
//   geolocation.position {id, highAccuracy, timeout} -> {ok, positions: JSON} | {error, message}
//   geolocation.watch    {id, highAccuracy, timeout} -> {ok} once the first position came | {error, message}
//   geolocation.read     {id, wait}       -> {ok, watching, positions: JSON} | {error, message}
//   messages: camera.stop, sensors.scores, sensors.prompt, motion.stop, microphone.stop,
//             geolocation.unwatch, geolocation.stop
//
// Errors travel as {error: <kind>, message} answers rather than rejections, so that Python
// can raise the documented exception class for each kind (pyapp/sensors.py).
//
// The UI is one floating panel per sensor, drawn here with its own scoped stylesheet so it
// leaves the page's layout alone: a live preview with a Stop control, the error with a
// Retry offer, prompts from Python and confidence bars.

const STYLE = `
.pyapp-sensors { position: fixed; right: 12px; bottom: 12px; z-index: 1000; display: flex;
  flex-direction: column; gap: 8px; max-width: min(340px, calc(100vw - 24px)); font: 13px/1.4 system-ui, sans-serif; }
.pyapp-sensors__panel { background: #fff; color: #111; border: 1px solid #8884; border-radius: 8px;
  box-shadow: 0 2px 10px #0003; padding: 8px; }
.pyapp-sensors__head { display: flex; align-items: center; gap: 6px; }
.pyapp-sensors__title { font-weight: 600; flex: 1; }
.pyapp-sensors__panel button { font: inherit; padding: 2px 8px; cursor: pointer; }
.pyapp-sensors__panel video { display: block; width: 100%; margin-top: 6px; border-radius: 4px; background: #000; transform: scaleX(-1); }
.pyapp-sensors__panel video[hidden] { display: none; }
.pyapp-sensors__message { margin: 6px 0 0; color: #a40000; }
.pyapp-sensors__prompt { margin: 6px 0 0; font-weight: 600; }
.pyapp-sensors__prompt:empty, .pyapp-sensors__message:empty { display: none; }
.pyapp-sensors__bar { display: grid; grid-template-columns: 6em 1fr 3.5em; align-items: center; gap: 6px; margin-top: 4px; }
.pyapp-sensors__bar > span:first-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pyapp-sensors__track { height: 10px; background: #8883; border-radius: 5px; overflow: hidden; }
.pyapp-sensors__fill { height: 100%; background: #2a7ae2; }
.pyapp-sensors__meter { margin-top: 6px; }
.pyapp-sensors__meter .pyapp-sensors__fill { width: 0; transition: width 60ms linear; }
.pyapp-sensors__reading { margin: 6px 0 0; font-variant-numeric: tabular-nums; }
.pyapp-sensors__reading:empty { display: none; }
@media (prefers-color-scheme: dark) { .pyapp-sensors__panel { background: #222; color: #eee; } .pyapp-sensors__message { color: #ff8a80; } }
`;

// One motion sample a row: [kind, time (s since the epoch), then 9 values].
//   kind 0, devicemotion: ax, ay, az, ax_g, ay_g, az_g (with gravity), alpha, beta, gamma rates
//   kind 1, deviceorientation: alpha, beta, gamma, absolute (1/0), then NaN
const ROW_LENGTH = 11;
const MOTION_BACKLOG = 10000; // rows kept between two reads; older ones are dropped
// Audio the page holds for Python between two reads: beyond it the oldest is dropped (and
// Python, which counts samples, warns of the gap), so a program that stops reading cannot
// grow the page without bound. 60 s at 16 kHz is 3.8 MB; at 96 kHz 23 MB.
const MICROPHONE_BACKLOG_SECONDS = 60;
const GEOLOCATION_BACKLOG = 1000; // positions kept between two reads of a watch

const SERVE_HINT = "open the app from disk (dist/index.html) or with `python3 build.py serve` (http://127.0.0.1:8000), or over https";

// ------------------------------------------------------------------------ panels

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function ensureStyle() {
  if (document.getElementById("pyapp-sensors-style")) return;
  const style = element("style");
  style.id = "pyapp-sensors-style";
  style.textContent = STYLE;
  document.head.append(style);
}

let dock = null;

function panel(kind, title) {
  ensureStyle();
  if (!dock || !dock.isConnected) {
    dock = element("div", "pyapp-sensors");
    document.body.append(dock);
  }
  const root = element("section", "pyapp-sensors__panel");
  root.dataset.sensorPanel = kind;
  root.setAttribute("aria-label", title);
  const head = element("div", "pyapp-sensors__head");
  const name = element("span", "pyapp-sensors__title", title);
  const stop = element("button", "", "Stop");
  stop.type = "button";
  stop.dataset.action = "stop";
  const retry = element("button", "", "Retry");
  retry.type = "button";
  retry.dataset.action = "retry";
  retry.hidden = true;
  head.append(name, retry, stop);
  const message = element("p", "pyapp-sensors__message");
  message.setAttribute("role", "alert");
  const prompt = element("p", "pyapp-sensors__prompt");
  prompt.setAttribute("aria-live", "polite");
  const bars = element("div", "pyapp-sensors__bars");
  root.append(head, message, prompt, bars);
  dock.append(root);
  return {
    root, name, stop, retry, message, prompt, bars,
    showError(text) {
      message.textContent = text;
      retry.hidden = false;
      stop.hidden = true;
    },
    clearError() {
      message.textContent = "";
      retry.hidden = true;
      stop.hidden = false;
    },
    remove() {
      root.remove();
    },
  };
}

function drawBars(container, labels, values) {
  const rows = labels.map((label, index) => {
    const value = Math.max(0, Math.min(1, Number(values[index]) || 0));
    const row = element("div", "pyapp-sensors__bar");
    row.dataset.label = label;
    row.dataset.value = String(value);
    const track = element("span", "pyapp-sensors__track");
    const fill = element("span", "pyapp-sensors__fill");
    fill.style.display = "block";
    fill.style.width = `${(value * 100).toFixed(1)}%`;
    track.append(fill);
    row.append(element("span", "", label), track, element("span", "", `${(value * 100).toFixed(0)}%`));
    return row;
  });
  container.replaceChildren(...rows);
}

// ------------------------------------------------------------------------ camera

// getUserMedia's failures, as the error kinds pyapp/sensors.py maps to its exceptions.
const CAMERA = { what: "camera", none: "no-camera", inUse: "camera-in-use", call: "await cam.start()" };
const MICROPHONE = { what: "microphone", none: "no-microphone", inUse: "microphone-in-use", call: "await mic.start()" };

function mediaError(error, { what, none, inUse, call }) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError") {
    return { error: "permission-denied", message: `the ${what} permission was denied (${error.message}). Allow the ${what} for this page in the browser's site settings, then press Retry in the ${what} panel or call \`${call}\` again` };
  }
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
    return { error: none, message: `no ${what} was found on this device (${error.message || name})` };
  }
  if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") {
    return { error: inUse, message: `the ${what} could not be started: another application or tab may be using it (${error.message || name}). Close it, then press Retry or call \`${call}\` again` };
  }
  return { error: "failed", message: `the ${what} failed: ${name || "Error"}: ${error && error.message}` };
}

function insecureAnswer(what) {
  return { error: "not-secure", message: `${what} needs a secure context, and this page (${location.origin}) is not one: ${SERVE_HINT}` };
}

class CameraFeed {
  constructor(id, facing, onRemoved) {
    this.id = id;
    this.facing = facing;
    this.stream = null;
    this.onRemoved = onRemoved;
    this.ui = panel("camera", "Camera");
    this.video = element("video");
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.autoplay = true;
    this.ui.root.insertBefore(this.video, this.ui.message);
    this.canvas = element("canvas");
    this.context = this.canvas.getContext("2d", { willReadFrequently: true });
    this.ui.stop.addEventListener("click", () => this.stop("stopped from the camera panel"));
    this.ui.retry.addEventListener("click", () => this.start());
  }

  get live() {
    return Boolean(this.stream) && this.stream.getVideoTracks().some((track) => track.readyState === "live");
  }

  async start() {
    if (this.live) return this.describe();
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      const answer = insecureAnswer("The camera");
      this.ui.showError(answer.message);
      return answer;
    }
    this.ui.clearError();
    this.ui.prompt.textContent = "Starting the camera…";
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: this.facing }, audio: false });
    } catch (error) {
      this.ui.prompt.textContent = "";
      const answer = mediaError(error, CAMERA);
      this.ui.showError(answer.message);
      return answer;
    }
    this.stoppedBecause = null;
    this.ui.prompt.textContent = "";
    this.video.srcObject = this.stream;
    this.video.hidden = false;
    await this.video.play();
    this.ui.root.dataset.state = "live";
    return this.describe();
  }

  describe() {
    const track = this.stream.getVideoTracks()[0];
    const settings = track.getSettings();
    return { ok: true, label: track.label, width: settings.width || this.video.videoWidth, height: settings.height || this.video.videoHeight };
  }

  // Ends the tracks (the browser's camera indicator goes off) and keeps the panel with a
  // Retry offer, unless the camera is gone for good (Python dropped it, the session reset).
  stop(reason) {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.stoppedBecause = reason;
    this.video.srcObject = null;
    this.video.hidden = true;
    this.ui.root.dataset.state = "stopped";
    this.ui.retry.hidden = false;
    this.ui.stop.hidden = true;
    this.ui.bars.replaceChildren();
    this.ui.prompt.textContent = "";
  }

  remove(reason) {
    this.stop(reason);
    this.ui.remove();
    this.onRemoved(this.id);
  }

  async waitForPicture() {
    if (this.video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && this.video.videoWidth) return;
    await new Promise((resolve) => {
      const done = () => {
        this.video.removeEventListener("loadeddata", done);
        resolve();
      };
      this.video.addEventListener("loadeddata", done);
      setTimeout(done, 5000);
    });
  }

  // The newest picture at width x height as RGB bytes (the canvas gives RGBA; dropping
  // alpha here makes the buffer Python receives the final (H, W, 3) array's bytes).
  async read({ width, height, crop }) {
    if (!this.live) {
      return { error: "stopped", message: `the camera is stopped (${this.stoppedBecause || "not started"}); call \`await cam.start()\`` };
    }
    await this.waitForPicture();
    const { videoWidth, videoHeight } = this.video;
    let [sx, sy, sw, sh] = [0, 0, videoWidth, videoHeight];
    if (crop) {
      // The largest centred region of the requested aspect ratio, as Keras'
      // `crop_to_aspect_ratio=True`: the picture is cut, not squashed.
      const scale = Math.min(videoWidth / width, videoHeight / height);
      sw = width * scale;
      sh = height * scale;
      sx = (videoWidth - sw) / 2;
      sy = (videoHeight - sh) / 2;
    }
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    const time = Date.now() / 1000;
    this.context.drawImage(this.video, sx, sy, sw, sh, 0, 0, width, height);
    const rgba = this.context.getImageData(0, 0, width, height).data;
    const rgb = new Uint8Array(width * height * 3);
    for (let source = 0, target = 0; source < rgba.length; source += 4, target += 3) {
      rgb[target] = rgba[source];
      rgb[target + 1] = rgba[source + 1];
      rgb[target + 2] = rgba[source + 2];
    }
    return { payload: { ok: true, width, height, time, data: rgb.buffer }, transfer: [rgb.buffer] };
  }
}

// ------------------------------------------------------------------------ motion

class MotionFeed {
  constructor(id, onRemoved) {
    this.id = id;
    this.onRemoved = onRemoved;
    this.rows = [];
    this.count = 0;
    this.listening = false;
    this.ui = panel("motion", "Motion sensors");
    this.ui.stop.addEventListener("click", () => this.stop("stopped from the motion panel"));
    this.ui.retry.addEventListener("click", () => this.listen());
    this.onMotion = (event) => this.push(0, event.timeStamp, motionValues(event));
    this.onOrientation = (event) => this.push(1, event.timeStamp, [event.alpha, event.beta, event.gamma, event.absolute ? 1 : 0]);
  }

  push(kind, stamp, values) {
    // A browser without the sensor fires one event with every value null (the spec's
    // "no data" signal): it says nothing, so it neither counts nor reaches Python.
    if (values.slice(0, 3).every((value) => value === null || value === undefined) &&
        values.slice(3).every((value) => value === null || value === undefined || value === 0)) {
      this.emptyEvents = (this.emptyEvents || 0) + 1;
      return;
    }
    // event.timeStamp is relative to this page's time origin: make it epoch seconds, the
    // clock Python's time.time() reads in the worker too.
    const row = [kind, (performance.timeOrigin + stamp) / 1000];
    for (let index = 0; index < ROW_LENGTH - 2; index += 1) row.push(values[index] ?? NaN);
    this.rows.push(row);
    if (this.rows.length > MOTION_BACKLOG) this.rows.splice(0, this.rows.length - MOTION_BACKLOG);
    this.count += 1;
    if (this.firstEvent) this.firstEvent();
    this.ui.name.textContent = `Motion sensors: ${this.count} events`;
  }

  listen() {
    this.ui.clearError();
    window.addEventListener("devicemotion", this.onMotion);
    window.addEventListener("deviceorientation", this.onOrientation);
    this.listening = true;
    this.ui.root.dataset.state = "live";
  }

  async start({ timeout }) {
    if (!window.isSecureContext) {
      const answer = insecureAnswer("Motion sensing");
      this.ui.showError(answer.message);
      return answer;
    }
    if (typeof window.DeviceMotionEvent === "undefined" && typeof window.DeviceOrientationEvent === "undefined") {
      const answer = { error: "unavailable", message: "this browser has no motion sensor API (DeviceMotionEvent, DeviceOrientationEvent)" };
      this.ui.showError(answer.message);
      return answer;
    }
    // Where the browser asks the user first (iOS Safari, which allows it only from a click;
    // newer Chromium answers at once), try directly, then offer a button and wait.
    if (typeof DeviceMotionEvent.requestPermission === "function") {
      let state;
      try {
        state = await DeviceMotionEvent.requestPermission();
      } catch {
        state = await this.askPermission();
      }
      if (state !== "granted") {
        const answer = { error: "permission-denied", message: `motion sensors were not allowed (${state}); press Retry in the motion panel, then call \`await motion.start()\` again` };
        this.ui.showError(answer.message);
        return answer;
      }
    }
    if (!this.listening) this.listen();
    if (this.count === 0 && timeout > 0) {
      const arrived = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeout * 1000);
        this.firstEvent = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      this.firstEvent = null;
      if (!arrived) {
        const answer = {
          error: "unavailable",
          message: `no motion or orientation events ${this.emptyEvents ? "with values " : ""}arrived within ${timeout} s: this device seems to have no motion sensors (a desktop computer?). Use a phone or tablet, or simulate them in the browser's developer tools (Sensors panel)`,
        };
        this.stop("no events");
        this.ui.showError(answer.message);
        return answer;
      }
    }
    return { ok: true };
  }

  askPermission() {
    return new Promise((resolve) => {
      const allow = element("button", "", "Allow motion sensors");
      allow.type = "button";
      this.ui.prompt.replaceChildren(allow);
      allow.addEventListener("click", async () => {
        this.ui.prompt.replaceChildren();
        try {
          resolve(await DeviceMotionEvent.requestPermission());
        } catch (error) {
          resolve(String(error.message || error));
        }
      });
    });
  }

  // Every row since the last read, oldest first, as one Float64Array to transfer.
  read() {
    const rows = this.rows;
    this.rows = [];
    const data = new Float64Array(rows.length * ROW_LENGTH);
    rows.forEach((row, index) => data.set(row, index * ROW_LENGTH));
    return { payload: { ok: true, listening: this.listening, count: rows.length, data: data.buffer }, transfer: [data.buffer] };
  }

  stop(reason) {
    window.removeEventListener("devicemotion", this.onMotion);
    window.removeEventListener("deviceorientation", this.onOrientation);
    this.listening = false;
    this.stoppedBecause = reason;
    this.ui.root.dataset.state = "stopped";
    this.ui.retry.hidden = false;
    this.ui.stop.hidden = true;
  }

  remove(reason) {
    this.stop(reason);
    this.ui.remove();
    this.onRemoved(this.id);
  }
}

function motionValues(event) {
  const a = event.acceleration || {};
  const g = event.accelerationIncludingGravity || {};
  const r = event.rotationRate || {};
  return [a.x, a.y, a.z, g.x, g.y, g.z, r.alpha, r.beta, r.gamma];
}

// ------------------------------------------------------------------------ microphone

// The AudioWorklet that copies the microphone's samples out of the audio thread. A worklet
// module must be loaded by URL: a Blob URL made from this text, which the page's CSP allows
// (script-src blob:). It posts batches of about 32 ms, each a transferred Float32Array with
// its peak for the meter: one message per 128-sample render quantum would be 125 messages
// a second at 16 kHz.
// From disk, Chromium refuses it (measured, Chromium 156): a file:// page has an opaque
// origin, so its blob:null/... worklet module counts as cross-origin ("Failed to load
// worklet module script ... a dependency or cross-origin script failed to load"), and a
// data: URL, which Chromium would take, is outside the CSP. There the page falls back to
// a ScriptProcessorNode: deprecated, and run on the main thread (which only draws here),
// but in every browser, and the same samples.
const MICROPHONE_WORKLET = `
class PyappMicrophone extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.size = options.processorOptions.batchFrames;
    this.batch = new Float32Array(this.size);
    this.filled = 0;
    this.peak = 0;
  }

  process(inputs) {
    const samples = inputs[0] && inputs[0][0];  // mono: the node down-mixes to one channel
    let offset = 0;
    while (samples && offset < samples.length) {
      const n = Math.min(samples.length - offset, this.size - this.filled);
      for (let i = 0; i < n; i += 1) {
        const value = samples[offset + i];
        this.batch[this.filled + i] = value;
        if (Math.abs(value) > this.peak) this.peak = Math.abs(value);
      }
      this.filled += n;
      offset += n;
      if (this.filled === this.size) {
        this.port.postMessage({ samples: this.batch.buffer, peak: this.peak }, [this.batch.buffer]);
        this.batch = new Float32Array(this.size);
        this.filled = 0;
        this.peak = 0;
      }
    }
    return true;
  }
}
registerProcessor("pyapp-microphone", PyappMicrophone);
`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class MicrophoneFeed {
  constructor(id, onRemoved) {
    this.id = id;
    this.onRemoved = onRemoved;
    this.sampleRate = 16000;
    this.stream = null;
    this.context = null;
    this.running = false;
    // What Python has not read yet, oldest first; `first` is the index of its first sample
    // in the page's count of samples captured (which restarts never reset), so that Python
    // can tell a gap (a dropped backlog) from a continuation.
    this.chunks = [];
    this.held = 0;
    this.first = 0;
    this.ui = panel("microphone", "Microphone");
    this.meter = element("div", "pyapp-sensors__track pyapp-sensors__meter");
    this.meter.setAttribute("role", "meter");
    this.meter.setAttribute("aria-label", "Microphone level");
    this.meter.setAttribute("aria-valuemin", "0");
    this.meter.setAttribute("aria-valuemax", "1");
    this.level = element("span", "pyapp-sensors__fill");
    this.level.style.display = "block";
    this.meter.append(this.level);
    this.meter.hidden = true;
    this.ui.root.insertBefore(this.meter, this.ui.message);
    this.ui.stop.addEventListener("click", () => this.stop("stopped from the microphone panel"));
    this.ui.retry.addEventListener("click", () => this.start({ sampleRate: this.sampleRate }));
  }

  async start({ sampleRate }) {
    this.sampleRate = sampleRate;
    if (this.running) return this.describe();
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      const answer = insecureAnswer("The microphone");
      this.ui.showError(answer.message);
      return answer;
    }
    if (typeof AudioWorkletNode === "undefined") {
      const answer = { error: "unavailable", message: "this browser has no AudioWorklet (WebAudio), which pyapp records the microphone with" };
      this.ui.showError(answer.message);
      return answer;
    }
    this.ui.clearError();
    this.ui.prompt.textContent = "Starting the microphone…";
    try {
      // The raw signal: the processing meant for calls (echo cancellation, noise
      // suppression, automatic gain) would change what a model learns from.
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
        video: false,
      });
    } catch (error) {
      this.ui.prompt.textContent = "";
      const answer = mediaError(error, MICROPHONE);
      this.ui.showError(answer.message);
      return answer;
    }
    try {
      await this.connect(sampleRate);
    } catch (error) {
      this.release();
      this.ui.prompt.textContent = "";
      const answer = { error: "failed", message: `the microphone's sound could not be processed: ${error.name || "Error"}: ${error.message || error}` };
      this.ui.showError(answer.message);
      return answer;
    }
    this.running = true;
    this.stoppedBecause = null;
    // A microphone unplugged (or taken by the system) ends its track: Python then sees a stop.
    for (const track of this.stream.getAudioTracks()) {
      track.addEventListener("ended", () => this.stop("the microphone was disconnected"));
    }
    this.ui.prompt.textContent = "";
    this.meter.hidden = false;
    this.ui.root.dataset.state = "live";
    return this.describe();
  }

  // Resampling: the AudioContext runs at the rate Python asked for, so the browser's own
  // resampler (band-limited: it filters before it decimates, where linear interpolation
  // would fold everything above 8 kHz into a 16 kHz recording) converts the microphone's
  // 44.1 or 48 kHz, and a third as many samples cross to the worker. A browser that
  // refuses a context at that rate, or a microphone stream into one (older Firefox), gets
  // a context at its own rate; Python then resamples (pyapp/sensors.py, _Resampler).
  async connect(sampleRate) {
    let context;
    try {
      context = new AudioContext({ sampleRate });
    } catch {
      context = new AudioContext();
    }
    this.context = context;
    let source;
    try {
      source = context.createMediaStreamSource(this.stream);
    } catch (error) {
      if (error.name !== "NotSupportedError" || context.sampleRate !== sampleRate) throw error;
      await context.close();
      this.context = context = new AudioContext();
      source = context.createMediaStreamSource(this.stream);
    }
    this.node = await this.capturer(context);
    // Through a muted gain to the destination: the graph is pulled (and the worklet runs)
    // in every browser, and nothing is heard.
    const mute = context.createGain();
    mute.gain.value = 0;
    source.connect(this.node).connect(mute).connect(context.destination);
    this.source = source;
    if (context.state !== "running") {
      await Promise.race([context.resume(), sleep(1000)]);
      // The autoplay policy may hold the context until the user acts on the page.
      if (context.state !== "running") await this.askToStart(context);
    }
  }

  // The node that hands the samples over: the worklet, or where it cannot load (above) a
  // ScriptProcessorNode. Either has one mono input: WebAudio averages a stereo microphone.
  async capturer(context) {
    const url = URL.createObjectURL(new Blob([MICROPHONE_WORKLET], { type: "text/javascript" }));
    try {
      await context.audioWorklet.addModule(url);
      const batchFrames = Math.max(1, Math.round((context.sampleRate * 0.032) / 128)) * 128;
      const node = new AudioWorkletNode(context, "pyapp-microphone", {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        channelCount: 1,
        channelCountMode: "explicit",
        channelInterpretation: "speakers",
        processorOptions: { batchFrames },
      });
      node.port.onmessage = ({ data }) => this.onSamples(data);
      this.ui.root.dataset.capture = "audio-worklet";
      return node;
    } catch (error) {
      if (error.name !== "AbortError" && error.name !== "SecurityError") throw error;
    } finally {
      URL.revokeObjectURL(url);
    }
    const size = 2 ** Math.min(14, Math.max(8, Math.round(Math.log2(context.sampleRate * 0.032))));
    const node = context.createScriptProcessor(size, 1, 1);
    node.channelInterpretation = "speakers";
    node.onaudioprocess = ({ inputBuffer }) => {
      const samples = inputBuffer.getChannelData(0).slice(); // the node reuses its buffer
      let peak = 0;
      for (const value of samples) if (Math.abs(value) > peak) peak = Math.abs(value);
      this.onSamples({ samples: samples.buffer, peak });
    };
    this.ui.root.dataset.capture = "script-processor";
    return node;
  }

  askToStart(context) {
    return new Promise((resolve) => {
      const go = element("button", "", "Start the microphone");
      go.type = "button";
      this.ui.prompt.replaceChildren(go);
      go.addEventListener("click", async () => {
        this.ui.prompt.replaceChildren();
        await context.resume();
        resolve();
      });
    });
  }

  describe() {
    const track = this.stream.getAudioTracks()[0];
    return { ok: true, label: track ? track.label : "", rate: this.context.sampleRate, next: this.first, capture: this.ui.root.dataset.capture };
  }

  onSamples({ samples, peak }) {
    if (!this.running) return;
    const chunk = new Float32Array(samples);
    this.chunks.push(chunk);
    this.held += chunk.length;
    const limit = MICROPHONE_BACKLOG_SECONDS * this.context.sampleRate;
    while (this.held - this.chunks[0].length >= limit) {
      const dropped = this.chunks.shift();
      this.held -= dropped.length;
      this.first += dropped.length;
    }
    const level = Math.min(1, peak);
    this.level.style.width = `${(level * 100).toFixed(1)}%`;
    this.meter.dataset.level = level.toFixed(3);
    this.meter.setAttribute("aria-valuenow", level.toFixed(3));
  }

  // Every sample held, oldest first, as one transferred Float32Array; `first` says where
  // it begins in the page's count, `running` whether more will come.
  read() {
    const data = new Float32Array(this.held);
    let offset = 0;
    for (const chunk of this.chunks) {
      data.set(chunk, offset);
      offset += chunk.length;
    }
    const payload = { ok: true, first: this.first, count: this.held, running: this.running, data: data.buffer };
    this.first += this.held;
    this.chunks = [];
    this.held = 0;
    return { payload, transfer: [data.buffer] };
  }

  release() {
    if (this.node) {
      if (this.node.port) this.node.port.onmessage = null;
      this.node.onaudioprocess = null;
      this.node.disconnect();
    }
    if (this.source) this.source.disconnect();
    if (this.context && this.context.state !== "closed") this.context.close();
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.node = this.source = this.context = this.stream = null;
  }

  // Ends the capture (the browser's microphone indicator goes off); what was captured and
  // not yet read stays for Python. The panel stays, with a Retry offer.
  stop(reason) {
    this.release();
    this.running = false;
    this.stoppedBecause = reason;
    this.meter.hidden = true;
    this.ui.root.dataset.state = "stopped";
    this.ui.retry.hidden = false;
    this.ui.stop.hidden = true;
    this.ui.prompt.textContent = "";
  }

  remove(reason) {
    this.stop(reason);
    this.chunks = [];
    this.held = 0;
    this.ui.remove();
    this.onRemoved(this.id);
  }
}

// ------------------------------------------------------------------------ geolocation

function plainPosition(position) {
  const c = position.coords;
  return {
    latitude: c.latitude, longitude: c.longitude, accuracy: c.accuracy, altitude: c.altitude,
    heading: c.heading, speed: c.speed, timestamp: position.timestamp / 1000,
  };
}

// Positions cross as JSON text: null (not reported) and NaN (the heading of a device that
// stands still) must stay apart, and JSON has no NaN, so NaN travels as the string "NaN".
const positionsJSON = (positions) => JSON.stringify(positions, (key, value) => (typeof value === "number" && Number.isNaN(value) ? "NaN" : value));

function geolocationError(error, timeout) {
  if (error.code === 1) { // PERMISSION_DENIED
    return { error: "permission-denied", message: `the location permission was denied (${error.message || "denied"}). Allow location for this page in the browser's site settings, then press Retry in the location panel or ask again from Python` };
  }
  if (error.code === 3) { // TIMEOUT
    return { error: "position-timeout", message: `no position came within ${timeout} s (${error.message || "timeout"}); try a longer timeout, or high_accuracy=False (GPS needs the sky)` };
  }
  return { error: "position-unavailable", message: `the position is unavailable: ${error.message || "the device could not determine it"} (no location service, no signal, or the system refused it)` };
}

class GeolocationFeed {
  constructor(id, onRemoved) {
    this.id = id;
    this.onRemoved = onRemoved;
    this.watchId = null;
    this.queue = [];
    this.failure = null;
    this.wake = null;
    this.last = null;
    this.ui = panel("geolocation", "Location");
    this.reading = element("p", "pyapp-sensors__reading");
    this.ui.root.insertBefore(this.reading, this.ui.message);
    this.ui.stop.addEventListener("click", () => this.unwatch("stopped from the location panel"));
    this.ui.retry.addEventListener("click", () => this.position(this.last || { highAccuracy: false, timeout: 10 }));
  }

  get watching() {
    return this.watchId !== null;
  }

  refused() {
    let answer = null;
    if (!window.isSecureContext) answer = insecureAnswer("Geolocation");
    else if (!navigator.geolocation) answer = { error: "unavailable", message: "this browser has no geolocation API (navigator.geolocation)" };
    if (answer) this.ui.showError(answer.message);
    return answer;
  }

  show(position) {
    const fix = `${position.latitude.toFixed(5)}, ${position.longitude.toFixed(5)} ±${Math.round(position.accuracy)} m`;
    this.reading.textContent = this.watching ? `Watching: ${fix}` : fix;
    this.ui.root.dataset.latitude = String(position.latitude);
    this.ui.root.dataset.longitude = String(position.longitude);
  }

  // One fresh position (maximumAge 0: never a cached one).
  async position(request) {
    this.last = request;
    const refused = this.refused();
    if (refused) return refused;
    this.ui.clearError();
    this.ui.prompt.textContent = "Finding the position…";
    const answer = await new Promise((resolve) => {
      navigator.geolocation.getCurrentPosition(
        (position) => resolve({ ok: true, position: plainPosition(position) }),
        (error) => resolve(geolocationError(error, request.timeout)),
        { enableHighAccuracy: Boolean(request.highAccuracy), timeout: request.timeout * 1000, maximumAge: 0 },
      );
    });
    this.ui.prompt.textContent = "";
    if (answer.error) {
      this.ui.showError(answer.message);
      return answer;
    }
    if (!this.watching) this.ui.root.dataset.state = "idle";
    this.show(answer.position);
    return { ok: true, positions: positionsJSON([answer.position]) };
  }

  // Starts watchPosition and answers once the first position came (or the error). The
  // watch itself has no timeout: after the first position, a new one comes only when the
  // device moves, which may be never, and that is not an error.
  async watch(request) {
    this.last = request;
    const refused = this.refused();
    if (refused) return refused;
    if (this.watching) return { ok: true };
    this.ui.clearError();
    this.queue = [];
    this.failure = null;
    this.started = false;
    this.watchId = navigator.geolocation.watchPosition(
      (position) => this.push(plainPosition(position)),
      (error) => this.fail(geolocationError(error, request.timeout)),
      { enableHighAccuracy: Boolean(request.highAccuracy), maximumAge: 0 },
    );
    this.ui.root.dataset.state = "live";
    this.ui.prompt.textContent = "Finding the position…";
    const came = await this.next(request.timeout);
    this.started = came;
    this.ui.prompt.textContent = "";
    if (this.failure) {
      const answer = this.failure;
      this.failure = null;
      return answer;
    }
    if (!came) {
      this.unwatch("no first position");
      const answer = geolocationError({ code: 3, message: "watchPosition" }, request.timeout);
      this.ui.showError(answer.message);
      return answer;
    }
    return { ok: true };
  }

  push(position) {
    this.queue.push(position);
    if (this.queue.length > GEOLOCATION_BACKLOG) this.queue.shift();
    this.ui.prompt.textContent = "";
    this.show(position);
    this.wakeUp();
  }

  // Before the first position any error ends the watch, and Python raises it; so does a
  // permission withdrawn later. After it, "unavailable" is a moment without a fix (a
  // tunnel; Chromium also reports one when its position override changes): the watch goes
  // on, as the spec's watchPosition does, and the panel says so until a position comes.
  fail(answer) {
    if (this.started && answer.error !== "permission-denied") {
      this.ui.prompt.textContent = "No position for now; still watching…";
      return;
    }
    this.failure = answer;
    this.unwatch(answer.error);
    this.ui.showError(answer.message);
  }

  wakeUp() {
    if (this.wake) this.wake();
  }

  // Resolves true once a position is queued, false after `seconds`, or when the watch ends.
  next(seconds) {
    if (this.queue.length) return Promise.resolve(true);
    if (!this.watching) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeUp(), seconds * 1000);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve(this.queue.length > 0);
      };
    });
  }

  // The positions queued since the last read; waits up to `wait` seconds for one, so that
  // Python need not poll. An error that ended the watch comes once the queue is empty.
  async read({ wait }) {
    if (!this.queue.length && this.watching && wait > 0) await this.next(wait);
    if (!this.queue.length && this.failure) {
      const answer = this.failure;
      this.failure = null;
      return answer;
    }
    const positions = this.queue;
    this.queue = [];
    return { ok: true, watching: this.watching, positions: positionsJSON(positions) };
  }

  unwatch(reason) {
    if (this.watchId !== null) navigator.geolocation.clearWatch(this.watchId);
    this.watchId = null;
    this.stoppedBecause = reason;
    if (this.ui.root.dataset.state === "live") this.ui.root.dataset.state = "stopped";
    this.reading.textContent = this.reading.textContent.replace(/^Watching: /, "");
    this.wakeUp();
  }

  remove(reason) {
    this.unwatch(reason);
    this.ui.remove();
    this.onRemoved(this.id);
  }
}

// ------------------------------------------------------------------------ mounting

export function mountSensors(session) {
  const cameras = new Map();
  const motions = new Map();
  const microphones = new Map();
  const geolocations = new Map();

  const cameraOf = (id) => cameras.get(id) || cameras.set(id, new CameraFeed(id, "user", (gone) => cameras.delete(gone))).get(id);
  const motionOf = (id) => motions.get(id) || motions.set(id, new MotionFeed(id, (gone) => motions.delete(gone))).get(id);
  const microphoneOf = (id) => microphones.get(id) || microphones.set(id, new MicrophoneFeed(id, (gone) => microphones.delete(gone))).get(id);
  const geolocationOf = (id) => geolocations.get(id) || geolocations.set(id, new GeolocationFeed(id, (gone) => geolocations.delete(gone))).get(id);
  const missing = (what, id) => ({ error: "stopped", message: `${what} ${id} is closed; make a new one` });

  session.handle("camera.start", ({ id, facing }) => {
    const feed = cameraOf(id);
    feed.facing = facing || "user";
    return feed.start();
  });
  session.handle("camera.read", (request) => {
    const feed = cameras.get(request.id);
    return feed ? feed.read(request) : missing("camera", request.id);
  });
  session.handle("motion.start", ({ id, timeout }) => motionOf(id).start({ timeout }));
  session.handle("motion.read", ({ id }) => {
    const feed = motions.get(id);
    return feed ? feed.read() : missing("motion sensor", id);
  });
  session.handle("microphone.start", ({ id, sampleRate }) => microphoneOf(id).start({ sampleRate }));
  session.handle("microphone.read", ({ id }) => {
    const feed = microphones.get(id);
    return feed ? feed.read() : missing("microphone", id);
  });
  session.handle("geolocation.position", (request) => geolocationOf(request.id).position(request));
  session.handle("geolocation.watch", (request) => geolocationOf(request.id).watch(request));
  session.handle("geolocation.read", (request) => {
    const feed = geolocations.get(request.id);
    return feed ? feed.read(request) : missing("geolocation", request.id);
  });

  session.addEventListener("message:camera.stop", ({ detail }) => {
    const feed = cameras.get(detail.id);
    if (feed) feed.remove(detail.reason || "stopped by Python");
  });
  const feedOf = ({ sensor, id }) => {
    const feeds = { camera: cameras, motion: motions, microphone: microphones, geolocation: geolocations }[sensor];
    return feeds && feeds.get(id);
  };
  session.addEventListener("message:sensors.scores", ({ detail }) => {
    const feed = feedOf(detail);
    if (feed && feed.live !== false) drawBars(feed.ui.bars, detail.labels, detail.values); // not a camera in error
  });
  session.addEventListener("message:sensors.prompt", ({ detail }) => {
    const feed = feedOf(detail);
    if (!feed) return;
    feed.ui.prompt.textContent = detail.text;
    // What is being recorded, for the page (and tests) to read: data-recording="<label>".
    if (detail.label) feed.ui.root.dataset.recording = detail.label;
    else delete feed.ui.root.dataset.recording;
  });
  session.addEventListener("message:motion.stop", ({ detail }) => {
    const feed = motions.get(detail.id);
    if (feed) feed.remove(detail.reason || "stopped by Python");
  });
  session.addEventListener("message:microphone.stop", ({ detail }) => {
    const feed = microphones.get(detail.id);
    if (feed) feed.remove(detail.reason || "stopped by Python");
  });
  session.addEventListener("message:geolocation.unwatch", ({ detail }) => {
    const feed = geolocations.get(detail.id);
    if (feed) feed.unwatch(detail.reason || "the watch ended");
  });
  session.addEventListener("message:geolocation.stop", ({ detail }) => {
    const feed = geolocations.get(detail.id);
    if (feed) feed.remove(detail.reason || "stopped by Python");
  });

  // A restarted session (Stop from disk, restart()) has no Python left to stop its
  // sensors: release them all, so the camera and microphone indicators go off.
  const releaseAll = (reason) => {
    for (const feed of [...cameras.values()]) feed.remove(reason);
    for (const feed of [...motions.values()]) feed.remove(reason);
    for (const feed of [...microphones.values()]) feed.remove(reason);
    for (const feed of [...geolocations.values()]) feed.remove(reason);
  };
  session.addEventListener("reset", () => releaseAll("the Python session was restarted"));
  // Stop means stop: in place (served) Python gets a KeyboardInterrupt wherever it is, so
  // the page releases the sensors itself rather than count on the program's clean-up.
  session.addEventListener("stop", () => releaseAll("Stop was pressed"));

  return { cameras, motions, microphones, geolocations, releaseAll };
}
