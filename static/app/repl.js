// The console: Python's interactive prompt (pyodide.console.PyodideConsole in the worker,
// sharing the editor's namespace). Enter sends a line; an open block (a `def`, a `for`)
// continues with "... " until an empty line; Up/Down walk the history, which is kept
// across reloads; Tab completes from the live session (and indents in a block, or moves
// focus on an empty line, for keyboard users); Ctrl+C stops a running line or drops
// what is typed.
import { Transcript } from "./output.js";

const HISTORY_KEY = "pyapp.console.history.v1";
const HISTORY_LIMIT = 500;

export function mountConsole(root, session) {
  const log = new Transcript(root.querySelector("[data-console-log]"));
  const input = root.querySelector("[data-console-input]");
  const prompt = root.querySelector("[data-console-prompt]");
  let history = loadHistory();
  let historyIndex = history.length;
  let draft = "";
  let continuing = false;
  let waiting = Promise.resolve();

  session.addEventListener("stream", ({ detail }) => {
    if (detail.source === "console") log.stream(detail.stream, detail.text);
  });
  session.addEventListener("display", ({ detail }) => {
    if (detail.source === "console") log.display(detail.payload);
  });
  session.addEventListener("reset", () => setContinuing(false));

  function setContinuing(value) {
    continuing = value;
    prompt.textContent = value ? "..." : ">>>";
    root.dataset.continuing = String(value);
  }

  function remember(line) {
    if (line.trim() && history[history.length - 1] !== line) {
      history.push(line);
      history = history.slice(-HISTORY_LIMIT);
      try {
        localStorage.setItem(HISTORY_KEY, JSON.stringify(history));
      } catch {
        // History is a comfort: a full storage must not stop the console.
      }
    }
    historyIndex = history.length;
    draft = "";
  }

  // Lines go to Python one by one, in order, as Python's console reads them; a pasted
  // block is several lines.
  function submit(text) {
    for (const line of text.split("\n")) {
      remember(line);
      // Echoed when Python takes it: only then is it known whether a block is open.
      waiting = waiting.then(() => {
        log.echo(continuing ? "... " : ">>> ", line);
        return push(line);
      });
    }
  }

  async function push(line) {
    root.dataset.busy = "true";
    const reply = await session.pushConsoleLine(line);
    root.dataset.busy = "false";
    if (reply.status === "incomplete") {
      setContinuing(true);
      return;
    }
    setContinuing(false);
    if (reply.error) log.error(reply.error, "<console>");
    else if (reply.result !== null && reply.result !== undefined) log.result(reply.result);
  }

  async function completeAtCursor() {
    const before = input.value.slice(0, input.selectionStart);
    const after = input.value.slice(input.selectionEnd);
    const reply = await session.complete(before);
    const completions = (reply && reply.completions) || [];
    if (completions.length === 0) return;
    const typed = before.slice(reply.start);
    const shared = commonPrefix(completions);
    if (shared.length > typed.length) {
      input.value = before.slice(0, reply.start) + shared + after;
      const cursor = reply.start + shared.length;
      input.setSelectionRange(cursor, cursor);
    } else if (completions.length > 1) {
      log.result(completions.join("  "));
    }
  }

  input.addEventListener("keydown", (event) => {
    const { key } = event;
    const lineStart = input.value.lastIndexOf("\n", input.selectionStart - 1) + 1;
    const before = input.value.slice(lineStart, input.selectionStart);
    if (key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      const text = input.value;
      input.value = "";
      submit(text);
    } else if (key === "Tab" && !event.shiftKey && /[\w.]$/.test(before)) {
      event.preventDefault();
      completeAtCursor();
    } else if (key === "Tab" && !event.shiftKey && (continuing || before.length > 0)) {
      event.preventDefault();
      input.setRangeText("    ", input.selectionStart, input.selectionEnd, "end");
    } else if (key === "ArrowUp" && !input.value.slice(0, input.selectionStart).includes("\n")) {
      if (historyIndex === 0) return;
      event.preventDefault();
      if (historyIndex === history.length) draft = input.value;
      historyIndex -= 1;
      input.value = history[historyIndex];
    } else if (key === "ArrowDown" && !input.value.slice(input.selectionEnd).includes("\n")) {
      if (historyIndex >= history.length) return;
      event.preventDefault();
      historyIndex += 1;
      input.value = historyIndex === history.length ? draft : history[historyIndex];
    } else if (key === "c" && event.ctrlKey && input.selectionStart === input.selectionEnd) {
      event.preventDefault();
      interrupt();
    }
  });

  async function interrupt() {
    if (root.dataset.busy === "true") {
      const how = await session.stop();
      if (how === "restarted") log.notice("The console's line was stopped by restarting Python: its variables are gone.");
      return;
    }
    log.echo(continuing ? "... " : ">>> ", input.value + "^C");
    log.stream("stderr", "KeyboardInterrupt\n");
    input.value = "";
    setContinuing(false);
    await session.resetConsole();
  }

  // Auto-grow for pasted blocks.
  input.addEventListener("input", () => {
    input.style.height = "auto";
    input.style.height = `${input.scrollHeight}px`;
  });

  root.querySelector("[data-console-clear]").addEventListener("click", () => log.clear());
  setContinuing(false);
  return { log, input };
}

function loadHistory() {
  try {
    const saved = JSON.parse(localStorage.getItem(HISTORY_KEY));
    return Array.isArray(saved) ? saved : [];
  } catch {
    return [];
  }
}

function commonPrefix(words) {
  let prefix = words[0];
  for (const word of words) while (!word.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
