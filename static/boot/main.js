// dist/boot.js, the first script of the IDE's and a built app's page (in <head>): it starts
// the Python worker before the page's own bundle is fetched and run (app/worker_start.js).
import { startEarlyWorker } from "../app/worker_start.js";

startEarlyWorker();
