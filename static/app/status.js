// The status bar: Python's state (loading with progress / idle / running), the runtime's
// versions, the TF.js backend, the tensors and memory TF.js holds after each run, and
// the start-up time, whose timeline opens on a click.
import { showTimeline } from "./timeline.js";

export function mountStatus(root, session) {
  const line = root.querySelector("[data-status-line]");
  const bar = root.querySelector("progress");
  const details = root.querySelector("[data-runtime-info]");
  let filesDone = 0;

  // A job's end brings its memory figures and the idle state together: one redraw for both.
  let redrawing = false;
  const render = () => {
    if (redrawing) return;
    redrawing = true;
    queueMicrotask(() => {
      redrawing = false;
      details.replaceChildren(...describe(session));
    });
  };

  session.addEventListener("progress", ({ detail }) => {
    if (detail.file && detail.done) filesDone += 1;
    if (session.state === "loading") {
      // About a dozen files make up the runtime; the bar is an honest estimate.
      bar.value = Math.min(0.95, filesDone / 12);
      line.textContent = detail.text;
    } else if (detail.packages) {
      line.textContent = detail.text; // "Loading scikit-learn…" on a first import
    }
  });

  session.addEventListener("state", ({ detail }) => {
    root.dataset.state = detail.state;
    if (detail.state === "loading") {
      filesDone = 0;
      bar.hidden = false;
      bar.value = 0;
      line.textContent = "Starting Python…";
    } else if (detail.state === "idle") {
      bar.hidden = true;
      line.textContent = "Python ready";
    } else if (detail.state === "running") {
      line.textContent = "Running…";
    }
    if (session.info && detail.state === "idle") render();
  });

  session.addEventListener("tfjs", render);
  session.addEventListener("memory", render);

  session.addEventListener("backend-lost", ({ detail }) => {
    const notice = document.createElement("p");
    notice.className = "notice error";
    notice.setAttribute("role", "alert");
    notice.textContent = detail.message;
    root.append(notice);
  });

  session.addEventListener("fatal", ({ detail }) => {
    line.textContent = `Python failed to start: ${detail.message}`;
    bar.hidden = true;
  });
}

function describe(session) {
  const { info, memory } = session;
  const rows = [
    ["Python", `${info.python} (Pyodide ${info.pyodide})`],
    ["TensorFlow.js", info.tfjsError ? `failed to start: ${info.tfjsError}` : info.tfjs || "starting…"],
    ["Backend", info.backend || "…"],
  ];
  if (memory && memory.numTensors !== undefined) rows.push(["Tensors", `${memory.numTensors} (${formatBytes(memory.numBytes)})`]);
  rows.push(["Stop", session.canInterrupt ? "interrupts" : "restarts Python"]);
  rows.push(["Start-up", startupButton(session)]);
  const titles = {
    Backend: `Available: ${(info.backends || []).map((b) => (b.software ? `${b.name} (software: ${b.renderer})` : b.name)).join(", ")}`,
    Python: `numpy ${info.numpy}, scikit-learn ${info.sklearn} (each loads on first import)`,
    Stop: session.canInterrupt
      ? "Stop interrupts Python in place (the page is cross-origin isolated): variables are kept"
      : "Opened from disk there is no SharedArrayBuffer: Stop restarts Python, and its variables are lost",
  };
  return rows.map(([key, value]) => {
    const row = document.createElement("div");
    const term = document.createElement("dt");
    const description = document.createElement("dd");
    term.textContent = key;
    if (typeof value === "string") description.textContent = value;
    else description.append(value);
    description.dataset.key = key;
    if (titles[key]) row.title = titles[key];
    row.append(term, description);
    return row;
  });
}

function startupButton(session) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link";
  button.dataset.timeline = "";
  const { readyAt, origin } = session.timeline.toJSON();
  button.textContent = `${((readyAt - origin) / 1000).toFixed(1)} s`;
  button.title = "Python ready this long after the page opened (or Python restarted): show the timeline";
  button.addEventListener("click", () => showTimeline(session.timeline));
  return button;
}

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
