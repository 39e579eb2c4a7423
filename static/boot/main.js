// dist/boot.js, the first script of the IDE's and a built app's page (in <head>): it starts
// the Python worker before the page's own bundle is fetched and run (app/worker_start.js).
//
// It carries the worker's script (dist/worker.js, bundled before this) for pages opened from
// disk. There a page can read another file only through a <script> tag, and that script
// runs once the main thread is free: after the page's bundle (about 150 ms). A worker's
// start needs the main thread too, so from disk it waited behind the bundle; with its
// script at hand it starts while the HTML is still parsed. (Served, the worker loads
// worker.js by its URL, and this copy is one unused string, about 50 KB.)
import workerSource from "../../dist/worker.js" with { type: "text" };
import { startEarlyWorker } from "../app/worker_start.js";

startEarlyWorker(workerSource);
