// The worker: Python (Pyodide) and TensorFlow.js run here together, so FFI calls stay
// synchronous and cheap while the page's main thread only draws (DESIGN.md, decision 4).
//
// The page sends {type: "init", mode, baseURL, interruptBuffer, backend, snapshots}, or
// {type: "make-snapshot", mode, baseURL} to a worker that only takes Python's memory
// snapshot for later starts (snapshot.js) and ends. In "http" mode
// files are fetched as usual. In "file" mode (a file:// page) a worker can fetch nothing,
// so every runtime file is asked of the page, which loads it from dist/assets/ as a
// classic script (static/app/assets.js); fetch() is replaced for URLs under dist/.
import runnerSource from "./runner.py";
import { chooseBackend, listBackends, watchWebGLContext } from "./backends.js";
import { addMissingWasmKernels } from "./kernels.js";
import { workerClaims } from "./stop_claim.js";
import { markMilestone, recordPhase, timePhase, timeWebAssemblyCompiles } from "./timeline.js";
import { forgetSnapshots, keepSnapshot, readSnapshot, snapshotKey } from "./snapshot.js";

timeWebAssemblyCompiles();

let baseURL = "";
let mode = "http";
let pyodide = null;
let runner = null;
let interruptBuffer = null;
let stopClaim = null;
const nativeFetch = self.fetch.bind(self);

function post(message, transfer) {
  self.postMessage(message, transfer || []);
}

function progress(text, detail = {}) {
  post({ type: "progress", text, ...detail });
}

// ---------------------------------------------------------------- files from the page

// Everything the worker needs from the page (a runtime file from disk, a camera frame)
// goes through one request/answer channel; the page answers with the handler that
// `session.handle(kind, fn)` registered, and an error there rejects the promise here.
const pageRequests = new Map();
let nextRequestId = 1;

function requestFromPage(kind, payload, transfer = []) {
  return new Promise((resolve, reject) => {
    const id = nextRequestId++;
    pageRequests.set(id, { resolve, reject });
    post({ type: "app-request", id, kind, payload }, transfer);
  });
}

function settleRequest(message) {
  const pending = pageRequests.get(message.id);
  if (!pending) return;
  pageRequests.delete(message.id);
  if (message.error) pending.reject(new Error(message.error));
  else pending.resolve(message.payload);
}

function askPageFor(name) {
  return requestFromPage("asset", { name });
}

// fetch() takes a string, a URL or a Request: the absolute URL of any of them.
function absoluteURL(input) {
  return new URL(String(input && input.url !== undefined ? input.url : input), baseURL).href;
}

// A PyProxy from Python (a dict) as a plain JS object that can be posted.
function plainPayload(payload) {
  return payload && typeof payload.toJs === "function" ? payload.toJs({ dict_converter: Object.fromEntries }) : payload;
}

function assetNameOf(url) {
  const absolute = absoluteURL(url);
  return absolute.startsWith(baseURL) ? decodeURIComponent(absolute.slice(baseURL.length).split(/[?#]/)[0]) : null;
}

const contentTypes = { wasm: "application/wasm", json: "application/json", js: "text/javascript" };

async function fetchFromPage(url, init) {
  const name = assetNameOf(url);
  if (name === null) return nativeFetch(url, init);
  let bytes;
  try {
    bytes = await askPageFor(name);
  } catch (error) {
    return new Response(String(error.message || error), { status: 404, statusText: "Not Found" });
  }
  const type = contentTypes[name.split(".").pop()] || "application/octet-stream";
  return new Response(bytes, { status: 200, headers: { "Content-Type": type } });
}

// The app works offline and the data stays on the device: a request for anything but
// the app's own files (or blob:/data: URLs) is refused here, before it leaves, with a
// message that says why (the page's Content-Security-Policy would block it too).
function refuseOutsideRequest(url) {
  const href = absoluteURL(url);
  if (href.startsWith(baseURL) || href.startsWith("blob:") || href.startsWith("data:")) return null;
  return new TypeError(`fetch of ${href} refused: this app runs offline and loads only its own files (${baseURL})`);
}

// Counts the bytes of each runtime file as it arrives, for the page's progress bar.
async function fetchWithProgress(url, init) {
  const refused = refuseOutsideRequest(url);
  if (refused) throw refused;
  const name = assetNameOf(url) || String(url);
  progress(`Loading ${name}`, { file: name });
  const response = await timePhase(`${mode === "file" ? "read" : "fetch"} ${name}`, "files", () =>
    mode === "file" ? fetchFromPage(url, init) : nativeFetch(url, init),
  );
  progress(`Loaded ${name}`, { file: name, done: true, bytes: Number(response.headers.get("Content-Length")) || 0 });
  return response;
}

async function loadScript(path) {
  progress(`Loading ${path}`, { file: path });
  if (mode === "http") {
    await timePhase(`fetch and run ${path}`, "files", () => self.importScripts(baseURL + path));
  } else {
    const bytes = await timePhase(`read ${path}`, "files", () => askPageFor(path));
    // A file:// worker can neither importScripts nor import() its files: evaluate the
    // text in the global scope instead, as a classic script would run.
    await timePhase(`run ${path}`, "scripts", () =>
      (0, eval)(new TextDecoder().decode(bytes) + `\n//# sourceURL=${baseURL}${path}`),
    );
  }
  progress(`Loaded ${path}`, { file: path, done: true });
}

// ---------------------------------------------------------------- start-up

async function startTensorFlow(requestedBackend) {
  await loadScript("tfjs/tf.min.js");
  await loadScript("tfjs/tf-backend-wasm.min.js");
  try {
    await loadScript("tfjs/tf-backend-webgpu.min.js");
  } catch (error) {
    progress(`WebGPU backend script failed to load: ${error.message}`);
  }
  // From disk, Emscripten would read file:// URLs with XHR, which a blob worker cannot:
  // make it use fetch() (TF.js's platform fetch), which we serve from the page.
  self.tf.wasm.setWasmPaths(baseURL + "tfjs/", mode === "file");
  const available = await timePhase("TF.js backends tried", "tfjs", () => listBackends(self.tf));
  addMissingWasmKernels(self.tf);
  const backend = await timePhase("TF.js backend chosen", "tfjs", () => chooseBackend(self.tf, available, requestedBackend));
  watchWebGLContext(self.tf, () => onWebGLLost(available));
  markMilestone("TF.js ready");
  return { version: self.tf.version.tfjs, backend, available };
}

// Settles the running program (if any) when the backend it uses disappears mid-run.
let backendLost = null;

async function onWebGLLost(available) {
  const tf = self.tf;
  const wasCurrent = tf.getBackend() === "webgl";
  const remaining = available.filter((entry) => entry.name !== "webgl");
  available.splice(0, available.length, ...remaining);
  const fallback = wasCurrent ? await chooseBackend(tf, remaining, null) : tf.getBackend();
  tf.removeBackend("webgl");
  const message = `The WebGL context was lost (the GPU was reset or ran out of memory). TensorFlow.js now runs on ${fallback}.`;
  post({ type: "backend-lost", backend: "webgl", fallback, backends: remaining, message });
  if (wasCurrent && backendLost) backendLost(message);
}

// Python, restored from `snapshot` (a promise of its bytes) if given (and if that fails,
// with the snapshot forgotten, started cold), or started cold, ready to be snapshotted if
// `forSnapshot`: {py, restored}.
async function startPython({ snapshot = null, forSnapshot = false } = {}) {
  const options = { indexURL: baseURL + "pyodide/", fullStdLib: false, stdout: () => {}, stderr: () => {} };
  if (!snapshot) return { py: await self.loadPyodide({ ...options, _makeSnapshot: forSnapshot }), restored: false };
  try {
    return { py: await self.loadPyodide({ ...options, _loadSnapshot: snapshot }), restored: true };
  } catch (error) {
    progress(`Python's snapshot did not restore (${error.message}): starting without it`);
    await forgetSnapshots();
    return { py: await self.loadPyodide(options), restored: false };
  }
}

async function loadPythonScripts() {
  await loadScript("pyodide/pyodide.js");
  await loadScript("pyodide/pyodide.asm.js");
  markMilestone("runtime scripts run");
}

async function fetchLock() {
  return (await self.fetch(baseURL + "pyodide/pyodide-lock.json")).json();
}

// What every start does before Python's own: Pyodide's lock fetched, and its scripts run.
// Served, the worker knows its mode and base URL from its own address and starts this as
// its script runs: the page's first message can come 0.1 s later, since Chrome hands a new
// worker the messages posted to it only once the page's thread, which may be running the
// page's 1 MB bundle then, has heard that the worker's script ran. From disk (a blob
// worker) they come with that message. Resolves with the lock.
let runtimeStarted = null;

function startRuntime(place) {
  runtimeStarted ??= (async () => {
    mode = place.mode;
    baseURL = place.baseURL;
    self.fetch = fetchWithProgress;
    markMilestone("worker running");
    const lockRead = fetchLock(); // beside the scripts
    await snapshotLookup.requested; // before the scripts block this thread
    await loadPythonScripts();
    return lockRead;
  })();
  return runtimeStarted;
}

// Python's kept snapshot is read from the worker's start, in both modes, while the scripts
// load (its key needs the lock): snapshot.js's {requested, found, bytes}, and `timed`, the
// read's {start, end}. A page that asks for no snapshot (?snapshot=off) ignores it.
let lookupFrom = null;
const snapshotLookup = (() => {
  const start = performance.now();
  const key = new Promise((resolve) => (lookupFrom = resolve)).then((lock) => snapshotKey(lock, runnerSource));
  const lookup = readSnapshot(key);
  const timed = lookup.bytes.then(() => {}, () => {}).then(() => ({ start, end: performance.now() }));
  return { ...lookup, timed };
})();

const servedWorker = self.location.protocol === "http:" || self.location.protocol === "https:";
if (servedWorker) startRuntime({ mode: "http", baseURL: new URL(".", self.location.href).href });

async function runtimeAndSnapshot(place) {
  const lockRead = startRuntime(place);
  lookupFrom(lockRead);
  return { lock: await lockRead, found: await snapshotLookup.found };
}

// A worker of its own takes the snapshot (see snapshot.js for why) and keeps it.
async function makeSnapshot(message) {
  const { lock } = await runtimeAndSnapshot(message);
  const key = await snapshotKey(lock, runnerSource);
  const { py } = await startPython({ forSnapshot: true });
  runnerNamespace(py); // a restored Python has the runner already: no start compiles or imports it
  const bytes = py.makeMemorySnapshot();
  await keepSnapshot(key, bytes);
  post({ type: "snapshot-kept", bytes: bytes.byteLength });
}

// TF.js starts once Python is ready, not beside it: in this one thread its scripts, and its
// backend's wasm and threads, slowed Python's initialisation by about 0.4 s on two cores
// (docs/decisions.md). It starts when Python first needs it (pyapp asks through
// `pyappTensorFlow()`, waiting with JSPI), or once the worker has been idle for
// TFJS_IDLE_MS after Python is ready, whichever comes first; so a user who opens the page
// and then runs a program finds it up. Without JSPI, Python cannot wait for it, so every job
// waits for it before it runs.
const TFJS_IDLE_MS = 300;
const pythonCanWait = Boolean(globalThis.WebAssembly && WebAssembly.Suspending);
let requestedBackend = null;
let tensorFlowReady = null; // the promise of TF.js's info (null if it failed), once started
let tensorFlowStarted = false;
let idleStart = null;

function ensureTensorFlow() {
  clearTimeout(idleStart);
  if (tensorFlowReady) return tensorFlowReady;
  tensorFlowReady = startTensorFlow(requestedBackend).then(
    (info) => {
      tensorFlowStarted = true;
      self.pyappTensorFlowUp = true; // pyapp need not wait (nor be able to)
      post({ type: "tfjs-ready", info: { tfjs: info.version, backend: info.backend, backends: info.available } });
      return info;
    },
    (error) => {
      post({ type: "tfjs-failed", message: String(error.message || error) });
      return null;
    },
  );
  return tensorFlowReady;
}

// pyapp's engine (pyapp/backend/_tfjs.py) waits on this before its first use of `tf`:
// resolves with TF.js's backend name, or rejects with why TF.js could not start.
self.pyappTensorFlow = async () => {
  const info = await ensureTensorFlow();
  if (!info) throw new Error("TensorFlow.js failed to start in this worker (the page's status bar says why)");
  return info.backend;
};

// Starts TF.js after TFJS_IDLE_MS with no job running, unless a job or pyapp starts it first.
function startTensorFlowWhenIdle() {
  clearTimeout(idleStart);
  if (!tensorFlowReady) idleStart = setTimeout(ensureTensorFlow, TFJS_IDLE_MS);
}

async function init(message) {
  const { lock, found } = await runtimeAndSnapshot(message);
  if (message.snapshots) {
    snapshotLookup.timed.then(({ start, end }) => recordPhase("look up Python's snapshot", "files", start, end));
  }
  // Pyodide takes the snapshot's bytes as a promise: its files are fetched while they are read.
  const snapshot = message.snapshots && found ? snapshotLookup.bytes : null;
  requestedBackend = message.backend;
  const { py, restored } = await startPython({ snapshot });
  pyodide = py;
  markMilestone("Python initialised");
  interruptBuffer = message.interruptBuffer || null;
  if (interruptBuffer) pyodide.setInterruptBuffer(interruptBuffer);
  stopClaim = message.stopClaim || null;
  pyodide.setStdout({ write: (bytes) => runner.write("stdout", bytes) });
  pyodide.setStderr({ write: (bytes) => runner.write("stderr", bytes) });
  runner = makeRunner(pyodide);
  const versionOf = (name) => (lock.packages[name] || {}).version || null;
  const packagesByImport = Object.entries(lock.packages).flatMap(([name, entry]) => entry.imports.map((module) => [module, name]));
  runner.installLazyImports(packagesByImport);
  markMilestone("session ready");
  post({
    type: "ready",
    info: {
      python: pyodide.runPython("import sys; sys.version.split()[0]"),
      pyodide: pyodide.version,
      numpy: versionOf("numpy"),
      sklearn: versionOf("scikit-learn"),
      pyapp: versionOf("pyapp"),
      interrupt: Boolean(message.interruptBuffer),
      // "restored": from a kept snapshot; "none": none kept (the page may have one taken).
      snapshot: restored ? "restored" : message.snapshots ? "none" : "off",
      jspi: Boolean(globalThis.WebAssembly && WebAssembly.Suspending),
      bootMs: Math.round(performance.now()), // since the worker was made
    },
  });
  startTensorFlowWhenIdle();
}

// ---------------------------------------------------------------- messages to the page

// Python reaches the page's main thread (charts, sensors, the editor) through this one
// function: `from js import pyappSend; pyappSend("vis", payload)`. The page's session
// emits it as a "message" event with {kind, payload}; `transfer` lists ArrayBuffers to move.
self.pyappSend = (kind, payload, transfer) => {
  post({ type: "app-message", kind, payload: plainPayload(payload) }, transfer ? Array.from(transfer) : []);
};

// And asks the page for something, awaiting its answer (a camera frame, a file the user
// picks): `await pyappRequest("camera.read", payload)`; an error there is raised in Python.
self.pyappRequest = (kind, payload, transfer) =>
  requestFromPage(kind, plainPayload(payload), transfer ? Array.from(transfer) : []);

// ---------------------------------------------------------------- running code

// The runner's module (runner.py) as a dict: restored with Python's snapshot, which was
// taken with it (after a restore, compiling and importing it took 0.1-0.3 s, Python's wasm
// functions being compiled lazily then), or run now.
const RUNNER_MODULE = "_pyapp_runner";

function runnerNamespace(py) {
  const modules = py.pyimport("sys").modules;
  if (!modules.has(RUNNER_MODULE)) {
    const module = py.pyimport("types").ModuleType(RUNNER_MODULE);
    py.runPython(runnerSource, { globals: module.__dict__, filename: "<pyapp-runner>" });
    modules.set(RUNNER_MODULE, module);
  }
  return modules.get(RUNNER_MODULE).__dict__;
}

// Runs one job at a time (an editor run, a console line, a wheel to install, a data file
// to copy in); their output is streamed to the page as it comes, tagged with the job's id
// and source ("run" or "console"), and also gathered into the job's result.
function makeRunner(py) {
  const namespace = runnerNamespace(py);
  const runCode = namespace.get("run_code");
  const runModule = namespace.get("run_module");
  const installLazyImports = namespace.get("install_lazy_imports");
  const consolePush = namespace.get("console_push");
  const completeSource = namespace.get("complete");
  const installWheel = namespace.get("install_wheel");
  const stopWaitingProgram = namespace.get("stop_waiting_program");
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  let current = null;
  const queued = new Set(); // ids of jobs not started yet
  const cancelled = new Set(); // of those, the ones a Stop came for
  let queue = Promise.resolve();
  // The editor's runs and the console share one namespace: run a file, then inspect it.
  const userGlobals = py.globals.get("dict")();
  userGlobals.set("__name__", "__main__");
  const pyConsole = namespace.get("make_console")(userGlobals);
  namespace.get("install_display")();

  // display() in Python shows pictures in the output of the job that called it.
  self.pyappDisplay = (payload) => {
    const message = plainPayload(payload);
    const transfer = [message.rgba, message.png].filter(Boolean).map((bytes) => bytes.buffer);
    post({ type: "display", id: current && current.id, source: current && current.source, payload: message }, transfer);
  };

  // Loads packages (`load(options)` is a Pyodide loader) with their progress in the status
  // bar, and times them as a phase named after what Pyodide says it loaded, if anything.
  async function loadPackagesShowingProgress(load) {
    let loaded = null;
    const start = performance.now();
    await load({
      messageCallback: (text) => {
        progress(text, { packages: true });
        if (text.startsWith("Loaded ")) loaded = text;
      },
      errorCallback: (text) => progress(text, { packages: true, error: true }),
    });
    if (loaded) recordPhase(loaded, "packages", start, performance.now());
  }

  const loadImportedPackages = (code) =>
    Promise.all([loadPackagesShowingProgress((options) => py.loadPackagesFromImports(code, options)), tensorFlowIfNeeded()]);

  // Runs Python entered "promising" (JSPI), so that it may block on a promise with
  // pyodide.ffi.run_sync, as plain `model.fit(...)` does; a lost WebGL context ends the
  // wait on TF.js work that will never finish.
  async function callPython(fn, ...args) {
    const lost = new Promise((resolve) => (backendLost = resolve));
    const outcome = await Promise.race([fn.callPromising(...args), lost]);
    backendLost = null;
    if (typeof outcome === "string") {
      // The program's suspended remains are left behind.
      return { result: null, error: { type: "BackendLostError", message: `${outcome} Run the program again.`, traceback: "" } };
    }
    const reply = outcome.toJs({ dict_converter: Object.fromEntries });
    outcome.destroy();
    // Python's None arrives as undefined: the API promises null.
    return { ...reply, result: reply.result ?? null, error: reply.error ?? null };
  }

  const jobs = {
    async run({ code, filename }) {
      await loadImportedPackages(code);
      return callPython(runCode, code, userGlobals, filename || "<exec>");
    },
    // A built app's main module (build.py app), with the packages it needs loaded first.
    async "run-module"({ module, packages }) {
      await Promise.all([loadPackagesShowingProgress((options) => py.loadPackage(packages, options)), tensorFlowIfNeeded()]);
      return callPython(runModule, module);
    },
    async console({ line }) {
      await loadImportedPackages(line);
      return callPython(consolePush, pyConsole, line);
    },
    async "console-reset"() {
      pyConsole.buffer = py.toPy([]);
      return { result: null, error: null };
    },
    async "install-wheel"({ name, bytes }) {
      const path = "/tmp/" + name; // export_app.js finds kept wheels here
      py.FS.writeFile(path, new Uint8Array(bytes));
      await py.loadPackage("micropip", { messageCallback: () => {} });
      const installed = await installWheel.callPromising(path);
      return { result: installed, error: null };
    },
    async "write-file"({ name, bytes }) {
      py.FS.writeFile(py.FS.cwd() + "/" + name, new Uint8Array(bytes));
      return { result: py.FS.cwd() + "/" + name, error: null };
    },
  };

  // A job waits for TF.js only where Python cannot wait for it itself (no JSPI).
  function tensorFlowIfNeeded() {
    return pythonCanWait ? null : ensureTensorFlow();
  }

  // TF.js's tensors and bytes, once its backend is up (asking before throws).
  function memory() {
    return tensorFlowStarted ? self.tf.memory() : null;
  }

  return {
    installLazyImports(pairs) {
      installLazyImports(py.toPy(pairs));
    },
    write(stream, bytes) {
      const text = decoders[stream].decode(bytes, { stream: true });
      if (current) {
        current[stream] += text;
        post({ type: "stream", id: current.id, source: current.source, stream, text });
      }
      return bytes.length;
    },
    // Stop, served, of the jobs `ids`. This message is handled only while Python is not
    // running bytecode, so the program waits or has not started: pyapp in run_sync
    // (pyappWaiting) is asked to raise KeyboardInterrupt as its wait ends; a program
    // waiting at an `await` is cancelled; one whose job has begun but whose Python has
    // not (its imports load) is stopped as it starts (pyappStopRequested, read by the
    // runner); a job still queued never starts. The worker claims the stop
    // (stop_claim.js), so the page sends no SIGINT that an event loop callback could take.
    stop(ids) {
      if (stopClaim) workerClaims(stopClaim, interruptBuffer);
      const notStarted = ids.filter((id) => queued.has(id));
      for (const id of notStarted) cancelled.add(id);
      if (!current || !ids.includes(current.id)) return notStarted.length > 0;
      if (self.pyappWaiting || !stopWaitingProgram()) self.pyappStopRequested = true;
      return true;
    },
    // Completion answers at once (it does not wait behind a running program's queue).
    complete(id, source) {
      const reply = completeSource(pyConsole, source).toJs({ dict_converter: Object.fromEntries });
      post({ type: "result", id, ...reply });
    },
    enqueue(message) {
      const job = jobs[message.type];
      queued.add(message.id);
      queue = queue.then(async () => {
        queued.delete(message.id);
        clearTimeout(idleStart);
        current = { id: message.id, source: message.type.startsWith("run") ? "run" : "console", stdout: "", stderr: "" };
        self.pyappStopRequested = false; // a Stop of an earlier job is not this one's
        let reply;
        try {
          reply = cancelled.delete(message.id)
            ? { result: null, error: { type: "KeyboardInterrupt", message: "stopped before it started", traceback: "" } }
            : await job(message);
        } catch (error) {
          // A PythonError (from micropip, say) carries its traceback as its message.
          const text = String(error.message || error);
          const message = error.type ? text.trim().split("\n").pop() : text;
          reply = { result: null, error: { type: error.type || "InternalError", message, traceback: error.type ? text : String(error.stack || "") } };
        }
        const held = memory();
        const tensors = held && { numTensors: held.numTensors, numBytes: held.numBytes };
        post({ type: "result", id: message.id, ...reply, stdout: current.stdout, stderr: current.stderr, memory: tensors });
        current = null;
        if (!queued.size) startTensorFlowWhenIdle();
      });
      return queue;
    },
  };
}

self.onmessage = async (event) => {
  const message = event.data;
  try {
    if (message.type === "init") {
      await init(message);
    } else if (message.type === "make-snapshot") {
      await makeSnapshot(message);
    } else if (message.type === "app-reply") {
      settleRequest(message);
    } else if (message.type === "complete") {
      runner.complete(message.id, message.source);
    } else if (message.type === "stop") {
      post({ type: "stop-answer", stopped: Boolean(runner && runner.stop(message.ids)) });
    } else {
      await runner.enqueue(message);
    }
  } catch (error) {
    post({ type: "fatal", message: String(error.message || error), stack: String(error.stack || "") });
  }
};
