// The start-up timeline: what the page and its worker did from navigation (or a restart)
// to Python ready, and on to TF.js ready and the first program's packages. The worker
// measures its phases (static/worker/timeline.js); here they meet the page's own on the
// page's clock. window.pyapp.timeline() gives them to tests and bench/; the status bar
// draws them on demand.
//
// The critical path is a chain of milestones, each phase running from the one before to
// its own, so the phases add up to "ready" by construction; the other lanes (files read,
// wasm compiled, packages loaded, TF.js) are the work inside and after them.

// Milestone -> the phase that ends at it, in the order they happen.
const CRITICAL_PATH = [
  ["session started", "page: HTML up to the worker's start"],
  ["worker created", "worker created"],
  ["worker running", "worker script started"],
  ["runtime scripts run", "Pyodide's scripts"],
  ["Python initialised", "Python initialised (wasm, standard library)"],
  ["session ready", "runner and package index"],
  ["ready", "kept files put back, page told"],
];

const LANES = ["start-up", "files", "scripts", "wasm", "tfjs", "packages"];

export class StartupTimeline {
  constructor() {
    this.begin(0);
  }

  // A new start: from navigation (0) the first time, from the restart after that.
  begin(origin) {
    this.origin = origin;
    this.milestones = new Map();
    this.phases = [];
  }

  // A milestone on the page's own clock: now, or at `at` (a performance.now() time).
  mark(name, at = performance.now()) {
    this.milestones.set(name, at);
    performance.mark(`pyapp: ${name}`, { startTime: at });
  }

  // A phase of the page's own, on its clock.
  addPagePhase(name, lane, start, end) {
    this.phases.push({ name, lane, start, end });
    performance.measure(`pyapp ${lane}: ${name}`, { start, end });
  }

  // Phases from the worker, in wall-clock time.
  add(phases) {
    for (const phase of phases) {
      const start = phase.start - performance.timeOrigin;
      const end = phase.end - performance.timeOrigin;
      if (phase.lane === "milestone") {
        this.milestones.set(phase.name, start);
      } else {
        this.phases.push({ ...phase, start, end });
        performance.measure(`pyapp ${phase.lane}: ${phase.name}`, { start, end }); // DevTools' Timings track
      }
    }
  }

  // {readyAt, phases: [{name, lane, start, end}]}, in ms since navigation, ordered by start.
  toJSON() {
    const critical = [];
    let from = this.origin;
    for (const [milestone, name] of CRITICAL_PATH) {
      const at = this.milestones.get(milestone);
      if (at === undefined) break;
      critical.push({ name, lane: "start-up", start: from, end: at });
      from = at;
    }
    const readyAt = this.milestones.get("ready") ?? null;
    const tfjsReadyAt = this.milestones.get("TF.js ready") ?? null;
    const phases = [...critical, ...this.phases.filter((phase) => phase.end >= this.origin)];
    phases.sort((a, b) => a.start - b.start || LANES.indexOf(a.lane) - LANES.indexOf(b.lane));
    return { origin: this.origin, readyAt, tfjsReadyAt, phases };
  }
}

// The timeline as a dialog: a table of phases, each with its bar on a shared time axis.
export function showTimeline(timeline) {
  const { origin, readyAt, phases } = timeline.toJSON();
  const end = Math.max(readyAt ?? 0, ...phases.map((phase) => phase.end)) || 1;
  const dialog = document.createElement("dialog");
  dialog.className = "timeline";
  dialog.setAttribute("aria-labelledby", "timeline-title");
  const title = document.createElement("h2");
  title.id = "timeline-title";
  title.textContent = `Start-up: Python ready at ${seconds(readyAt - origin)}`;
  const table = document.createElement("table");
  table.innerHTML = "<thead><tr><th>phase</th><th>kind</th><th>from</th><th>took</th><th></th></tr></thead>";
  const body = document.createElement("tbody");
  for (const phase of phases) {
    const row = document.createElement("tr");
    row.dataset.lane = phase.lane;
    const bar = document.createElement("div");
    bar.className = "timeline-bar";
    bar.style.marginLeft = `${(100 * (phase.start - origin)) / (end - origin)}%`;
    bar.style.width = `${Math.max(0.3, (100 * (phase.end - phase.start)) / (end - origin))}%`;
    const cells = [phase.name, phase.lane, seconds(phase.start - origin), seconds(phase.end - phase.start)];
    for (const text of cells) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    const barCell = document.createElement("td");
    barCell.append(bar);
    row.append(barCell);
    body.append(row);
  }
  table.append(body);
  const form = document.createElement("form");
  form.method = "dialog";
  form.innerHTML = "<button>Close</button>";
  dialog.append(title, table, form);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

function seconds(milliseconds) {
  return milliseconds < 1000 ? `${Math.round(milliseconds)} ms` : `${(milliseconds / 1000).toFixed(2)} s`;
}
