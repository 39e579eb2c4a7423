// The page of a user's own app (made by `python3 build.py app PROJECT`): it runs the
// project's main module as `python -m` would, and shows what the program shows: its output,
// display() pictures, pyapp.vis charts, the sensor panels it opens, and its traceback in an
// error panel if it fails. The IDE's parts, without the editor. Its JavaScript API:
//
//   await window.pyapp.ready             -> info, as the IDE's
//   await window.pyapp.main              -> {stdout, stderr, error} when the main module ends
//   await window.pyapp.runPython(code)   -> {result, stdout, stderr, error}
//   window.pyapp.timeline()              -> the start-up timeline, as the IDE's
import { PythonSession, openedFromDisk } from "../app/session.js";
import { optionsFromAddress } from "../app/worker_start.js";
import { mountStatus } from "../app/status.js";
import { Transcript } from "../app/output.js";
import { mountDownloads } from "../app/downloads.js";
import { mountCharts } from "../app/charts.js";
import { mountSensors } from "../app/sensors.js";
import { mountPageModels } from "../app/page_models.js";
import { mountAudio } from "../app/audio.js";

// Written into the page by build.py: {name, version, summary, main, package, pyodide}.
const config = JSON.parse(document.getElementById("app-config").textContent);
const root = document.getElementById("app");
const output = new Transcript(root.querySelector("[data-output]"));
const errorPanel = root.querySelector("[data-error-panel]");
const stopButton = root.querySelector("[data-stop]");
const againButton = root.querySelector("[data-run-again]");
root.querySelector("[data-app-summary]").textContent = config.summary;

const session = new PythonSession(optionsFromAddress());
session.addEventListener("stream", ({ detail }) => {
  if (detail.source === "run") output.stream(detail.stream, detail.text);
});
session.addEventListener("display", ({ detail }) => output.display(detail.payload));
session.addEventListener("notice", ({ detail }) => output.notice(detail.text, { error: detail.error }));
session.addEventListener("fatal", ({ detail }) => showError("Python failed to start", detail.message));
session.addEventListener("state", ({ detail }) => {
  root.dataset.state = detail.state;
  stopButton.disabled = detail.state !== "running";
  againButton.disabled = detail.state !== "idle";
});

function showError(title, text) {
  errorPanel.querySelector("[data-error-title]").textContent = title;
  errorPanel.querySelector("[data-error-traceback]").textContent = text;
  errorPanel.hidden = false;
}

// Runs the main module in the session; resolves with {stdout, stderr, error}.
async function runMain() {
  errorPanel.hidden = true;
  await session.ready;
  const reply = await session.request("run-module", { module: config.main, packages: [config.package] });
  const { stdout, stderr, error } = reply;
  if (error) {
    const stopped = error.type === "KeyboardInterrupt" || error.type === "SessionReset";
    showError(stopped ? `${config.name} was stopped` : `${config.name} stopped with an error`,
      error.traceback || `${error.type}: ${error.message}`);
  } else {
    output.notice(`${config.name} has finished.`);
  }
  return { stdout, stderr, error: error || null };
}

stopButton.addEventListener("click", () => session.stop());
againButton.addEventListener("click", async () => {
  output.clear();
  await session.restart("run again");
  window.pyapp.main = runMain();
});

mountStatus(document.getElementById("status"), session);
mountDownloads(session);
mountCharts(session, {
  button: root.querySelector("[data-charts]"),
  notice: (text) => output.notice(text, { error: true }),
});
const sensors = mountSensors(session);
const audio = mountAudio(session);
mountPageModels(session);

document.title = config.name;
session.start().catch((error) => console.error("Python failed to start:", error));
window.pyapp = {
  session,
  openedFromDisk,
  config,
  sensors,
  audio,
  get ready() {
    return session.ready;
  },
  main: runMain(),
  runPython: (code, options) => session.runPython(code, options),
  timeline: () => session.timeline.toJSON(),
  stop: () => session.stop(),
};
