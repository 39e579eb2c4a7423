// Starting the Python worker: made and told to start (its "init" message), either by the
// page's boot script (static/boot/main.js, dist/boot.js) as the page's <head> is parsed,
// or by PythonSession itself (a restart, or a page without the boot script).
//
// Why a boot script: the page's own bundle (dist/app.js, about 1 MB) is fetched, parsed
// and run before PythonSession exists; a tiny script in <head> starts the worker first, so
// Python boots on its thread meanwhile. The session then adopts that worker
// (`takeEarlyWorker`), with the messages it sent in between.
import { loadAsset, readAheadAssets } from "./assets.js";
import { newStopClaim } from "../worker/stop_claim.js";

export const openedFromDisk = location.protocol === "file:";
// Served with COOP/COEP the page is cross-origin isolated: Stop interrupts Python in place
// through shared memory.
export const canInterrupt = Boolean(self.crossOriginIsolated && self.SharedArrayBuffer);

function distBaseURL() {
  return new URL(".", location.href).href;
}

// The worker's mode and the URL its runtime files are under, for "init" and "make-snapshot".
export function workerPlace() {
  return { mode: openedFromDisk ? "file" : "http", baseURL: distBaseURL() };
}

// A new Python worker. From disk its script is the one the boot script carries
// (static/boot/main.js says why): file:// pages cannot start workers from files; a blob
// worker they can.
export function createWorker() {
  if (!openedFromDisk) return new Worker("worker.js");
  if (typeof self.pyappWorkerSource !== "string") throw new Error("the page's boot script (boot.js) did not run: it carries the Python worker's script");
  const url = URL.createObjectURL(new Blob([self.pyappWorkerSource], { type: "text/javascript" }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  return worker;
}

// Makes a worker and tells it to start Python, with `backend` (a TF.js backend asked for,
// or null) and `snapshots` (start from a kept memory snapshot). `onCreated(worker)` is
// called before the init message is posted, so that no message of the worker is missed.
// Nothing is awaited before the init message. Resolves with
// {worker, interruptBuffer, stopClaim, startedAt, createdAt} (performance.now() times).
export async function startWorker({ backend, snapshots }, onCreated) {
  const startedAt = performance.now();
  const worker = createWorker();
  const interruptBuffer = canInterrupt ? new Uint8Array(new SharedArrayBuffer(1)) : null;
  const stopClaim = canInterrupt ? newStopClaim() : null;
  onCreated(worker);
  worker.postMessage({ type: "init", ...workerPlace(), interruptBuffer, stopClaim, backend, snapshots });
  return { worker, interruptBuffer, stopClaim, startedAt, createdAt: performance.now() };
}

// The session's options as the page's address gives them: ?backend=wasm asks for a TF.js
// backend; ?snapshot=off starts Python cold every time.
export function optionsFromAddress() {
  const query = new URLSearchParams(location.search);
  return { backend: query.get("backend"), snapshots: query.get("snapshot") !== "off" };
}

// Answers the worker's requests for runtime files from disk (static/app/assets.js); its
// other messages, and its failure, wait in `held` for the session.
function holdMessages(worker, held) {
  worker.onerror = (event) => held.push({ type: "fatal", message: event.message || "the Python worker failed to start" });
  worker.onmessage = ({ data }) => {
    if (data.type !== "app-request" || data.kind !== "asset") {
      held.push(data);
      return;
    }
    loadAsset(data.payload.name).then(
      (bytes) => worker.postMessage({ type: "app-reply", id: data.id, payload: bytes }, [bytes]),
      (error) => worker.postMessage({ type: "app-reply", id: data.id, error: String(error.message || error) }),
    );
  };
}

// What a worker asks the page for from disk as it starts, in its order (worker.js's init):
// the boot script reads them ahead once the worker is made (before, they would hold up the
// reading of the worker's own script), while the worker's script is parsed and run.
const WORKER_START_FILES = ["pyodide/pyodide-lock.json", "pyodide/pyodide.js", "pyodide/pyodide.asm.js",
  "pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip"];

// The boot script's one job: the worker, started with the address's options, its messages
// held until a session takes it. `workerSource` is the worker's script, kept for the
// session's later workers from disk. (The boot script and the page's bundle are separate
// scripts: they meet at these globals.)
export function startEarlyWorker(workerSource) {
  self.pyappWorkerSource = workerSource;
  const options = optionsFromAddress();
  const held = [];
  const starting = startWorker(options, (worker) => {
    if (openedFromDisk) readAheadAssets(WORKER_START_FILES);
    holdMessages(worker, held);
  });
  starting.catch(() => {}); // the session reports a failure when it takes the worker
  self.pyappEarlyWorker = { options, held, starting };
}

// The boot script's start, if there was one with these options (one with others is ended):
// {starting, held}, where `starting` resolves as startWorker does and `held` gathers the
// messages the worker sent meanwhile. Null when there is none; there is one only once.
export function takeEarlyWorker({ backend, snapshots }) {
  const boot = self.pyappEarlyWorker;
  self.pyappEarlyWorker = null;
  if (!boot) return null;
  if (boot.options.backend !== backend || boot.options.snapshots !== snapshots) {
    boot.starting.then(({ worker }) => worker.terminate(), () => {});
    return null;
  }
  return boot;
}
