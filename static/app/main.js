// The page's entry point: starts the Python session, mounts the IDE and the status bar,
// and publishes the JavaScript API (window.pyapp) that tests and embedding pages use:
//
//   await window.pyapp.ready                  -> info {python, numpy, sklearn, tfjs, backend, backends, ...}
//   await window.pyapp.runPython(code)        -> {result, stdout, stderr, error}
//   await window.pyapp.stop()                 -> "interrupted" | "restarted" | "idle"
//   await window.pyapp.restart()              -> info of the new session
//   await window.pyapp.offline                -> "ready" once served files are kept for offline use
//   window.pyapp.timeline()                   -> {readyAt, phases: [{name, lane, start, end}]}, ms since navigation
import { PythonSession, openedFromDisk } from "./session.js";
import { optionsFromAddress } from "./worker_start.js";
import { mountStatus } from "./status.js";
import { mountIDE } from "./ide.js";
import { mountDownloads } from "./downloads.js";
import { mountCharts } from "./charts.js";
import { mountSensors } from "./sensors.js";
import { mountPageModels } from "./page_models.js";
import { mountAudio } from "./audio.js";
import { keepForOffline } from "./offline.js";

const session = new PythonSession(optionsFromAddress());

window.pyapp = {
  session,
  openedFromDisk,
  get ready() {
    return session.ready;
  },
  runPython: (code, options) => session.runPython(code, options),
  timeline: () => session.timeline.toJSON(),
  stop: () => session.stop(),
  restart: () => session.restart(),
};

mountStatus(document.getElementById("status"), session);
// Python starts first: its worker boots on another thread while this one mounts the IDE
// (whose handlers and start-up tasks are in place long before Python is ready).
session.start().catch((error) => console.error("Python failed to start:", error));
window.pyapp.ide = mountIDE(document.getElementById("ide"), session);
mountDownloads(session);
mountCharts(session, {
  button: document.querySelector("[data-charts]"),
  notice: (text) => window.pyapp.ide.output.notice(text, { error: true }),
});
window.pyapp.sensors = mountSensors(session);
window.pyapp.audio = mountAudio(session);
mountPageModels(session);
window.pyapp.offline = keepForOffline(session, openedFromDisk);
window.pyapp.offline.catch((error) => console.error("The app could not be kept for offline use:", error));
