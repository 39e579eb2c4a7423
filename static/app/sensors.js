// The page side of pyapp.sensors: the camera and the motion sensors live on the main thread
// (getUserMedia and device events exist only there), and Python in the worker asks for them
// through the session's request channel (DESIGN.md, decision 4):
//
//   camera.start {id, facing}             -> {ok, label, width, height} | {error, message}
//   camera.read  {id, width, height, crop} -> {ok, width, height, time, data: ArrayBuffer (RGB)}
//   motion.start {id, timeout}            -> {ok} | {error, message}
//   motion.read  {id}                     -> {ok, count, rows: ArrayBuffer (Float64, ROW_LENGTH a row)}
//   messages: camera.stop, camera.scores, sensors.prompt, motion.stop
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
@media (prefers-color-scheme: dark) { .pyapp-sensors__panel { background: #222; color: #eee; } .pyapp-sensors__message { color: #ff8a80; } }
`;

// One motion sample a row: [kind, time (s since the epoch), then 9 values].
//   kind 0, devicemotion: ax, ay, az, ax_g, ay_g, az_g (with gravity), alpha, beta, gamma rates
//   kind 1, deviceorientation: alpha, beta, gamma, absolute (1/0), then NaN
const ROW_LENGTH = 11;
const MOTION_BACKLOG = 10000; // rows kept between two reads; older ones are dropped

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

function cameraError(error) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError") {
    return { error: "permission-denied", message: `the camera permission was denied (${error.message}). Allow the camera for this page in the browser's site settings, then press Retry in the camera panel or call \`await cam.start()\` again` };
  }
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
    return { error: "no-camera", message: `no camera was found on this device (${error.message || name})` };
  }
  if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") {
    return { error: "camera-in-use", message: `the camera could not be started: another application or tab may be using it (${error.message || name}). Close it, then press Retry or call \`await cam.start()\` again` };
  }
  return { error: "failed", message: `the camera failed: ${name || "Error"}: ${error && error.message}` };
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
      const answer = cameraError(error);
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

// ------------------------------------------------------------------------ mounting

export function mountSensors(session) {
  const cameras = new Map();
  const motions = new Map();

  const cameraOf = (id) => cameras.get(id) || cameras.set(id, new CameraFeed(id, "user", (gone) => cameras.delete(gone))).get(id);
  const motionOf = (id) => motions.get(id) || motions.set(id, new MotionFeed(id, (gone) => motions.delete(gone))).get(id);
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

  session.addEventListener("message:camera.stop", ({ detail }) => {
    const feed = cameras.get(detail.id);
    if (feed) feed.remove(detail.reason || "stopped by Python");
  });
  session.addEventListener("message:camera.scores", ({ detail }) => {
    const feed = cameras.get(detail.id);
    if (feed && feed.live) drawBars(feed.ui.bars, detail.labels, detail.values);
  });
  session.addEventListener("message:sensors.prompt", ({ detail }) => {
    const feed = (detail.sensor === "motion" ? motions : cameras).get(detail.id);
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

  // A restarted session (Stop from disk, restart()) has no Python left to stop its
  // sensors: release them all, so the camera indicator goes off.
  const releaseAll = (reason) => {
    for (const feed of [...cameras.values()]) feed.remove(reason);
    for (const feed of [...motions.values()]) feed.remove(reason);
  };
  session.addEventListener("reset", () => releaseAll("the Python session was restarted"));
  // Stop means stop: in place (served) Python gets a KeyboardInterrupt wherever it is, so
  // the page releases the sensors itself rather than count on the program's clean-up.
  session.addEventListener("stop", () => releaseAll("Stop was pressed"));

  return { cameras, motions, releaseAll };
}
