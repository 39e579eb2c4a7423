// The worker's half of the start-up timeline (static/app/timeline.js draws it): each
// phase is a performance measure here, and is sent to the page in wall-clock time
// (timeOrigin + now), since the worker's and the page's performance clocks start apart.
//
// Phases: the runtime files fetched (or asked of the page, from disk), scripts evaluated,
// every WebAssembly module compiled (Python's own, each package's libraries, TF.js's
// backend), Python initialised, packages loaded, TF.js's backend initialised.

function send(phases) {
  self.postMessage({ type: "timeline", phases });
}

// A phase from `start` to `end` (this worker's performance.now() times).
export function recordPhase(name, lane, start, end, detail = {}) {
  performance.measure(name, { start, end });
  send([{ name, lane, start: performance.timeOrigin + start, end: performance.timeOrigin + end, ...detail }]);
}

// A named point that the page's critical path of start-up ends a phase at.
export function markMilestone(name) {
  sendCompiles(); // the page reads the phases so far at a milestone: none may wait in a timer
  const now = performance.now();
  performance.mark(name);
  send([{ name, lane: "milestone", start: performance.timeOrigin + now, end: performance.timeOrigin + now }]);
}

// Times `work()` (sync or async) as the phase `name` in `lane`.
export async function timePhase(name, lane, work, detail) {
  const start = performance.now();
  try {
    return await work();
  } finally {
    recordPhase(name, lane, start, performance.now(), detail);
  }
}

// Times every asynchronous WebAssembly compile, whoever asks for it (Pyodide's loader,
// Emscripten's dynamic linker, TF.js's backend). A package brings dozens of small
// libraries at once: compiles that follow each other within BURST_GAP_MS make one phase.
// (A synchronous `new WebAssembly.Module` is left alone: wrapping the class would break
// `instanceof` checks in those loaders.)
const BURST_GAP_MS = 50;

let burst = null; // {start, end, count, bytes} of the compiles not sent yet
let flushTimer = null;

function sendCompiles() {
  clearTimeout(flushTimer);
  if (!burst) return;
  const { start, end, count, bytes } = burst;
  const size = bytes ? `, ${(bytes / 1e6).toFixed(1)} MB` : "";
  recordPhase(`compile wasm: ${count} module${count > 1 ? "s" : ""}${size}`, "wasm", start, end);
  burst = null;
}

function compiled(start, end, bytes) {
  if (burst && start > burst.end + BURST_GAP_MS) sendCompiles();
  burst = burst ? { ...burst, end: Math.max(end, burst.end), count: burst.count + 1, bytes: burst.bytes + bytes } : { start, end, count: 1, bytes };
  clearTimeout(flushTimer);
  flushTimer = setTimeout(sendCompiles, BURST_GAP_MS);
}

export function timeWebAssemblyCompiles() {
  const wasm = self.WebAssembly;
  for (const method of ["compile", "instantiate", "compileStreaming", "instantiateStreaming"]) {
    const original = wasm[method];
    if (!original) continue;
    wasm[method] = function (source, ...rest) {
      // instantiate(module) only instantiates: nothing is compiled.
      if (source instanceof wasm.Module) return original.call(this, source, ...rest);
      const start = performance.now();
      const result = original.call(this, source, ...rest);
      const bytes = source && source.byteLength !== undefined ? source.byteLength : 0;
      result.then(() => compiled(start, performance.now(), bytes), () => {});
      return result;
    };
  }
}
