// PyScript 0.7.31's own `pyscript` package does `from pyodide.ffi import jsnull`, a name
// Pyodide 0.28 added; our Pyodide 0.27.7 lacks it, so `from pyscript import display`
// fails. PyScript prefixes every run with `import pyscript`, so a first <script type="py">
// would come too late: this hook gives Pyodide the name on the interpreter itself, once it
// is ready and before the first run. No change to PyScript's code.
import { hooks } from "./core/core.js";

// JS null, which is what PyScript's own fallback computes and what Pyodide 0.27 turns into None.
const SHIM = `
import pyodide.ffi
if not hasattr(pyodide.ffi, "jsnull"):
    pyodide.ffi.jsnull = None
`;

hooks.main.onReady.add((wrap) => {
  wrap.interpreter.runPython(SHIM);
});

// PyScript turns worker hooks into source text, so this one names nothing from outside.
hooks.worker.onReady.add((wrap) => {
  wrap.interpreter.runPython("import pyodide.ffi\nif not hasattr(pyodide.ffi, 'jsnull'):\n    pyodide.ffi.jsnull = None\n");
});
