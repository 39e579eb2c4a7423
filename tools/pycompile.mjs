// Runs tools/pycompile.py inside Pyodide under Node (see there for why):
// node tools/pycompile.mjs PYODIDE_FOLDER IN_FOLDER OUT_FOLDER JOBS_JSON
// JOBS_JSON: {"archive file name": "the folder the page unpacks it into", ...}.
import { readFileSync } from "node:fs";
import { loadPyodide } from "pyodide";

const [indexURL, inFolder, outFolder, jobsJson] = process.argv.slice(2);
const jobs = JSON.parse(jobsJson);
const py = await loadPyodide({ indexURL: indexURL.endsWith("/") ? indexURL : indexURL + "/" });
py.mountNodeFS("/in", inFolder);
py.mountNodeFS("/out", outFolder);
const namespace = py.globals.get("dict")();
py.runPython(readFileSync(new URL("./pycompile.py", import.meta.url), "utf8"), { globals: namespace });
const counts = namespace.get("compile_archives")("/in", "/out", py.toPy(Object.keys(jobs)), py.toPy(jobs));
console.log(JSON.stringify(counts.toJs({ dict_converter: Object.fromEntries })));
