// The page's handle on the Python worker: start it, run code, stream output, stop it.
//
// Served with COOP/COEP the page is cross-origin isolated, so a SharedArrayBuffer lets
// Stop interrupt Python in place (KeyboardInterrupt, state kept). From disk there is no
// SharedArrayBuffer: Stop ends the worker and starts a new session, and says so.
import { loadAsset } from "./assets.js";
import { pageSignals, resetStopClaim } from "../worker/stop_claim.js";
import { StartupTimeline } from "./timeline.js";
import { canInterrupt, createWorker, openedFromDisk, startWorker, takeEarlyWorker, workerPlace } from "./worker_start.js";

export { openedFromDisk };

// How long Stop waits for the worker to answer (it cannot while Python runs bytecode), and
// for an interrupted program to end before it restarts the session.
const STOP_ANSWER_MS = 100;
const STOP_GRACE_MS = 5000;
// How often Stop signals again while the program runs on: a signal can be lost
// (stop_claim.js), and one that reached the program and was caught is pressed again, as
// Ctrl+C pressed twice.
const SIGNAL_AGAIN_MS = 250;
// How long the page is idle, after a cold start, before a worker takes Python's snapshot
// for the next start (static/worker/snapshot.js): it must not compete with a first run.
const SNAPSHOT_IDLE_MS = 2000;

export class PythonSession extends EventTarget {
  // `snapshots`: start Python from a kept memory snapshot, and keep one after a cold start.
  constructor({ backend = null, snapshots = true } = {}) {
    super();
    this.backend = backend;
    this.snapshots = snapshots;
    this.snapshotKept = null; // settles with {bytes} or {message} once a snapshot was taken
    this.canInterrupt = canInterrupt;
    this.state = "stopped";
    this.info = null;
    this.nextId = 1;
    this.pending = new Map();
    this.worker = null;
    this.ready = null;
    this.handlers = new Map();
    this.startupTasks = [];
    this.memory = null;
    this.timeline = new StartupTimeline();
    this.constructedAt = performance.now(); // the page's script runs: it made this session
    // From disk the worker can read no file: it asks for each runtime file by name.
    this.handle("asset", async ({ name }) => {
      const bytes = await loadAsset(name);
      return { payload: bytes, transfer: [bytes] };
    });
  }

  // Answers Python's `await pyappRequest(kind, payload)`: `handler(payload)` returns the
  // answer, or {payload, transfer} to move ArrayBuffers instead of copying them.
  handle(kind, handler) {
    this.handlers.set(kind, handler);
  }

  async _answer(message, worker = this.worker) {
    const handler = this.handlers.get(message.kind);
    try {
      if (!handler) throw new Error(`this page has nothing that answers "${message.kind}" requests`);
      const answer = await handler(message.payload);
      const { payload, transfer } = answer && answer.transfer ? answer : { payload: answer, transfer: [] };
      worker.postMessage({ type: "app-reply", id: message.id, payload }, transfer);
    } catch (error) {
      worker.postMessage({ type: "app-reply", id: message.id, error: String(error.message || error) });
    }
  }

  start() {
    this.ready = this._boot();
    return this.ready;
  }

  async _boot() {
    // The first start takes the worker the page's boot script started, if any.
    const early = this.worker ? null : takeEarlyWorker({ backend: this.backend, snapshots: this.snapshots });
    if (this.worker) this.timeline.begin(performance.now()); // a restart: timed from now
    this._setState("loading");
    const ready = new Promise((resolve, reject) => {
      this._bootDone = { resolve, reject };
    });
    // Resolves with the full info once TF.js has its backend too (or failed: info.tfjsError).
    this.tfjsReady = new Promise((resolve) => {
      this._tfjsDone = resolve;
    });
    const listen = (worker) => {
      this.worker = worker;
      worker.onmessage = (event) => this._onMessage(event.data);
      worker.onerror = (event) => this._fail(new Error(event.message || "the Python worker failed to start"));
    };
    // Served, no await before the worker is told to start: it boots while the page mounts.
    const started = early ? await early.starting : await startWorker({ backend: this.backend, snapshots: this.snapshots }, listen);
    if (early) {
      listen(started.worker);
      for (const message of early.held.splice(0)) this._onMessage(message);
    }
    this.interruptBuffer = started.interruptBuffer;
    this.stopClaim = started.stopClaim;
    this.timeline.mark("session started", started.startedAt);
    this.timeline.mark("worker created", started.createdAt);
    // From disk the worker's own script is read first, so the bundle may have run before it.
    if (early && started.createdAt < this.constructedAt) {
      this.timeline.addPagePhase("page's script, beside the worker", "scripts", started.createdAt, this.constructedAt);
    }
    this.info = await ready;
    // Before anyone runs code: the user's own packages and data files go back in.
    for (const task of this.startupTasks) {
      try {
        await task(this);
      } catch (error) {
        this._emit("notice", { text: String(error.message || error), error: true });
      }
    }
    // Milliseconds from navigation to a usable session, for bench/ and the status bar.
    this.readyAt = performance.now();
    this.timeline.mark("ready", this.readyAt); // one instant: a GC pause may fall between two reads
    this._setState("idle");
    if (this.info.snapshot === "none" && !this.snapshotKept) this.snapshotKept = this._keepSnapshotWhenIdle();
    return this.info;
  }

  // Once TF.js is up and the page has stayed idle for SNAPSHOT_IDLE_MS, a worker of its own
  // takes Python's snapshot and keeps it for the next start, then ends.
  async _keepSnapshotWhenIdle() {
    await this.tfjsReady;
    for (;;) {
      if (this.state !== "idle") await this._until("idle");
      if (!(await this._next("state", SNAPSHOT_IDLE_MS))) break;
    }
    const worker = createWorker();
    const outcome = await new Promise((resolve) => {
      worker.onmessage = ({ data }) => {
        if (data.type === "app-request") this._answer(data, worker);
        else if (data.type === "snapshot-kept") resolve({ bytes: data.bytes });
        else if (data.type === "fatal") resolve({ message: data.message });
      };
      worker.onerror = (event) => resolve({ message: event.message || "the snapshot worker failed" });
      worker.postMessage({ type: "make-snapshot", ...workerPlace() });
    });
    worker.terminate();
    if (outcome.message) console.warn(`Python's snapshot was not kept: ${outcome.message}`);
    return outcome;
  }

  // Resolves when the session's state becomes `state`.
  _until(state) {
    return new Promise((resolve) => {
      const onState = ({ detail }) => {
        if (detail.state !== state) return;
        this.removeEventListener("state", onState);
        resolve();
      };
      this.addEventListener("state", onState);
    });
  }

  _fail(error) {
    if (this._bootDone) this._bootDone.reject(error);
    this._setState("failed");
    this._emit("fatal", { message: error.message });
  }

  _setState(state) {
    this.state = state;
    this._emit("state", { state });
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _onMessage(message) {
    switch (message.type) {
      case "progress":
        this._emit("progress", message);
        break;
      case "timeline":
        this.timeline.add(message.phases);
        break;
      case "ready":
        this.info = message.info; // "tfjs-ready" may follow before _boot resumes
        this._bootDone.resolve(message.info);
        break;
      case "tfjs-ready":
        this.tfjsReadyAt = performance.now();
        Object.assign(this.info, message.info);
        if (this.backend && this.backend !== this.info.backend) {
          const text = `The ${this.backend} backend could not start in this browser; TensorFlow.js runs on ${this.info.backend}.`;
          this._emit("notice", { text, error: true });
        }
        this._emit("tfjs", this.info);
        this._tfjsDone(this.info);
        break;
      case "tfjs-failed":
        this.info.tfjsError = message.message;
        this._emit("tfjs", this.info);
        this._tfjsDone(this.info);
        break;
      case "backend-lost":
        Object.assign(this.info, { backend: message.fallback, backends: message.backends });
        this._emit("backend-lost", message);
        this._emit("tfjs", this.info);
        break;
      case "stream":
        this._emit("stream", message);
        break;
      case "result": {
        const entry = this.pending.get(message.id);
        if (!entry) break;
        this.pending.delete(message.id);
        if (entry.busy && ![...this.pending.values()].some((other) => other.busy) && this.state === "running") this._setState("idle");
        if (message.memory) {
          this.memory = message.memory;
          this._emit("memory", message.memory);
        }
        const { type, id, memory, ...reply } = message;
        entry.resolve(reply);
        break;
      }
      case "app-request":
        this._answer(message);
        break;
      case "app-message":
        this._emit("message", { kind: message.kind, payload: message.payload });
        this._emit(`message:${message.kind}`, message.payload);
        break;
      case "fatal":
        this._fail(new Error(message.message));
        break;
      default:
        this._emit(message.type, message);
    }
  }

  // Runs `startupTask(session)` after each start of the worker, before any code runs:
  // it talks to the worker with `session.request`, as `ready` is not settled yet.
  addStartupTask(task) {
    this.startupTasks.push(task);
  }

  // Sends the worker a job ({type, ...fields}) and resolves with its reply. Jobs that run
  // user code (`busy`) make the session "running" until they end.
  request(type, fields = {}, { busy = true, transfer = [] } = {}) {
    const id = this.nextId++;
    const done = new Promise((resolve) => this.pending.set(id, { resolve, busy }));
    if (busy) {
      this._setState("running");
      if (this.interruptBuffer) this.interruptBuffer[0] = 0;
    }
    this.worker.postMessage({ type, id, ...fields }, transfer);
    return done;
  }

  // Runs Python code; resolves to {result, stdout, stderr, error}, never rejects for a
  // Python error (that is `error`: {type, message, traceback}).
  async runPython(code, { filename = "<exec>" } = {}) {
    if (typeof code !== "string") throw new TypeError("runPython(code) expects a string of Python code");
    await this.ready;
    const { result, stdout, stderr, error } = await this.request("run", { code, filename });
    return { result, stdout, stderr, error };
  }

  // One line typed at the console: {status: "incomplete" | "complete", result, error}.
  async pushConsoleLine(line) {
    await this.ready;
    return this.request("console", { line });
  }

  // Forgets a half-typed block at the console.
  async resetConsole() {
    await this.ready;
    return this.request("console-reset", {}, { busy: false });
  }

  // Completions of the end of `source` from the live session: {completions, start}.
  async complete(source) {
    await this.ready;
    return this.request("complete", { source }, { busy: false });
  }

  // Stops the running program: "interrupted" (KeyboardInterrupt, session kept) when the
  // page is cross-origin isolated and the program ends within STOP_GRACE_MS, else
  // "restarted" (a new, empty session).
  async stop() {
    this._emit("stop", {}); // the page lets go of what the program held (the camera)
    if (this.state !== "running") return "idle";
    if (this.interruptBuffer) {
      // The worker stops a program that waits (at an `await`, in pyapp's run_sync, or not
      // started yet) itself: a signal would be taken by whatever Python runs next, often
      // not the program (worker.js). One that runs bytecode keeps the worker from
      // answering: then SIGINT stops it, unless the worker claimed the stop meanwhile.
      const running = [...this.pending].filter(([, entry]) => entry.busy).map(([id]) => id);
      resetStopClaim(this.stopClaim);
      const answer = this._next("stop-answer", STOP_ANSWER_MS);
      this.worker.postMessage({ type: "stop", ids: running });
      if (!(await answer)) this._signalUntilEnded(running);
      const ended = await this._leavesRunningWithin(STOP_GRACE_MS);
      this.interruptBuffer[0] = 0;
      if (ended) return "interrupted";
      // Caught and ignored, or blocked where nothing reaches (another library's run_sync).
      await this.restart(`to stop the program: it did not end within ${STOP_GRACE_MS / 1000} s of the interrupt`);
      return "restarted";
    }
    await this.restart("stopped");
    return "restarted";
  }

  // SIGINT now, and again every SIGNAL_AGAIN_MS while one of the jobs `ids` runs, until the
  // worker claims the stop (it then stops the program itself) or the session restarts.
  _signalUntilEnded(ids) {
    const { worker, stopClaim, interruptBuffer } = this;
    const signal = () => {
      const runs = ids.some((id) => this.pending.has(id));
      if (this.worker !== worker || !runs || !pageSignals(stopClaim, interruptBuffer)) return;
      setTimeout(signal, SIGNAL_AGAIN_MS);
    };
    signal();
  }

  // The detail of the next `type` event, or null after `milliseconds`.
  _next(type, milliseconds) {
    return new Promise((resolve) => {
      const settle = (detail) => {
        clearTimeout(timer);
        this.removeEventListener(type, onEvent);
        resolve(detail);
      };
      const onEvent = ({ detail }) => settle(detail);
      const timer = setTimeout(() => settle(null), milliseconds);
      this.addEventListener(type, onEvent);
    });
  }

  async _leavesRunningWithin(milliseconds) {
    const deadline = performance.now() + milliseconds;
    while (this.state === "running") {
      const left = deadline - performance.now();
      if (left <= 0 || !(await this._next("state", left))) return false;
    }
    return true;
  }

  async restart(reason = "restart") {
    if (this.worker) this.worker.terminate();
    const reset = { type: "SessionReset", message: `The Python session was restarted (${reason}); its variables are gone.`, traceback: "" };
    for (const entry of this.pending.values()) entry.resolve({ result: null, stdout: "", stderr: "", error: reset });
    this.pending.clear();
    this._emit("reset", { reason });
    return this.start();
  }
}
