// Who stops a running program, served (page and worker both import this).
//
// The page posts "stop" and waits STOP_ANSWER_MS for the worker: if Python is running
// bytecode the worker cannot answer, and the page sends SIGINT through Pyodide's interrupt
// buffer. Two races are closed here:
// - If the worker answers late (a loaded machine), a SIGINT sent meanwhile would be taken
//   by whatever Python runs next, often an event loop callback rather than the program,
//   which then never ends. So exactly one side acts, decided by compare-and-swap on a
//   shared Int32Array: the worker claims the stop when it handles the message, the page
//   only while the worker has not; a worker that finds the page's claim withdraws the
//   signal (Python, not running then, has not taken it) and stops the program itself.
// - CPython's check of the buffer (emscripten_signal.c, in Pyodide 0.27.7's
//   pyodide.asm.js) reads it and then writes 0 unconditionally, not atomically, every 50
//   ticks of a busy loop: a signal written between the two is lost (measured: 1-3 stops in
//   100 of `while True: pass` under load). So the page signals again until the program
//   ends or the worker claims the stop (pageSignals may be called repeatedly).
const FREE = 0;
const WORKER = 1;
const PAGE_SIGNALLING = 2;
const PAGE_SIGNALLED = 3;

export function newStopClaim() {
  return new Int32Array(new SharedArrayBuffer(4));
}

// The page, before it posts "stop".
export function resetStopClaim(claim) {
  Atomics.store(claim, 0, FREE);
}

// The page, while the worker does not answer: sends SIGINT unless the worker has claimed
// the stop. Returns whether it did.
export function pageSignals(claim, interruptBuffer) {
  const before = Atomics.load(claim, 0);
  if (before !== FREE && before !== PAGE_SIGNALLED) return false;
  if (Atomics.compareExchange(claim, 0, before, PAGE_SIGNALLING) !== before) return false;
  interruptBuffer[0] = 2; // SIGINT
  Atomics.store(claim, 0, PAGE_SIGNALLED);
  Atomics.notify(claim, 0);
  return true;
}

// The worker, handling "stop" (Python is not running bytecode then, so a pending signal
// has not been taken): claims the stop, withdrawing the page's signal if it came first.
export function workerClaims(claim, interruptBuffer) {
  for (;;) {
    const before = Atomics.load(claim, 0);
    if (before === WORKER) return;
    if (before === PAGE_SIGNALLING) {
      Atomics.wait(claim, 0, PAGE_SIGNALLING, 100); // the page is between its two stores
      continue;
    }
    if (Atomics.compareExchange(claim, 0, before, WORKER) !== before) continue;
    if (before === PAGE_SIGNALLED) interruptBuffer[0] = 0;
    return;
  }
}
