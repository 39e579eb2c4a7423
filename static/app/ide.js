// The in-page IDE: file tabs and the editor, the output pane, the console, the toolbar
// (run, stop, restart, examples, backend, files), wired to the Python session; the Charts
// button is the visor's (charts.js).
import { CodeEditor } from "./editor.js";
import { FileStore } from "./files.js";
import { mountTabs } from "./tabs.js";
import { Transcript } from "./output.js";
import { mountConsole } from "./repl.js";
import { listExamples, exampleText } from "./examples.js";
import { UserFiles, isWheel } from "./packages.js";
import { mountKeptFiles } from "./kept_files.js";
import { offerDownload } from "./downloads.js";
import { mountExportApp } from "./export_app.js";

const AUTOSAVE_DELAY_MS = 250;

export function mountIDE(root, session) {
  const files = new FileStore();
  const userFiles = new UserFiles(session);
  const output = new Transcript(root.querySelector("[data-output]"), { onLineLink: (line) => editor.goToLine(line) });
  const toolbar = root.querySelector("[data-toolbar]");
  const button = (name) => toolbar.querySelector(`[data-${name}]`);
  const editor = new CodeEditor(root.querySelector("[data-editor]"), session, { onRun: runFile, onRunPart: runPart });
  let shownFile = null;

  // ------------------------------------------------------------ files and autosave

  function show(file) {
    shownFile = file ? file.name : null;
    editor.load(file ? file.text : "");
  }

  let saveTimer = null;
  function saveNow() {
    clearTimeout(saveTimer);
    saveTimer = null;
    if (shownFile) files.setText(shownFile, editor.text);
  }
  editor.addEventListener("change", () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, AUTOSAVE_DELAY_MS);
  });
  addEventListener("pagehide", saveNow);
  document.addEventListener("visibilitychange", saveNow);

  files.addEventListener("change", ({ detail }) => {
    if (detail.reason === "rename" && detail.file) shownFile = files.current && files.current.name;
    else {
      saveNow();
      if (!files.current || files.current.name !== shownFile) show(files.current);
    }
  });
  files.addEventListener("error", ({ detail }) => output.notice(detail.message, { error: true }));

  mountTabs(root.querySelector("[data-tabs]"), files, {
    onNew: () => {
      saveNow();
      files.add("untitled.py", "");
      editor.focus();
    },
  });

  // ------------------------------------------------------------ running

  function filenameForRun() {
    return shownFile || "<editor>";
  }

  async function run(code, filename, { clear }) {
    saveNow();
    if (clear) output.clear();
    output.heading(`▶ ${filename}${clear ? "" : " (part)"}`);
    const reply = await session.runPython(code, { filename });
    if (reply.error) {
      const line = output.error(reply.error, filename);
      if (line) editor.markErrorLine(line);
    } else if (reply.result !== null) {
      output.result(reply.result);
    }
    return reply;
  }

  function runFile() {
    return run(editor.text, filenameForRun(), { clear: true });
  }

  function runPart(code) {
    return run(code, filenameForRun(), { clear: false });
  }

  session.addEventListener("stream", ({ detail }) => {
    if (detail.source === "run") output.stream(detail.stream, detail.text);
  });
  session.addEventListener("display", ({ detail }) => {
    if (detail.source !== "console") output.display(detail.payload);
  });
  session.addEventListener("reset", ({ detail }) => {
    const why = detail.reason === "stopped" ? "to stop the program: this page was opened from disk, where Python cannot be interrupted in place" : detail.reason;
    output.notice(`Python was restarted (${why}). Its variables are gone; your files are kept.`);
  });
  session.addEventListener("notice", ({ detail }) => output.notice(detail.text, { error: detail.error }));

  // ------------------------------------------------------------ toolbar

  button("run").addEventListener("click", runFile);
  button("stop").addEventListener("click", async () => {
    const how = await session.stop();
    if (how === "interrupted") output.notice("Stopped (KeyboardInterrupt); the session's variables are kept.");
  });
  button("restart").addEventListener("click", () => session.restart("restart"));

  const showState = (state) => {
    root.dataset.state = state;
    button("run").disabled = state !== "idle";
    button("stop").disabled = state !== "running";
    button("restart").disabled = state === "loading";
    button("export-app").disabled = state !== "idle";
  };
  session.addEventListener("state", ({ detail }) => showState(detail.state));
  showState(session.state); // Python may be starting already

  // Backends: the ones this browser has; a change restarts Python on the chosen one.
  const backendSelect = button("backend");
  session.addEventListener("tfjs", () => {
    const names = (session.info.backends || []).map((entry) => entry.name);
    backendSelect.replaceChildren(
      ...names.map((name) => {
        const option = document.createElement("option");
        option.value = name;
        option.textContent = name;
        option.selected = name === session.info.backend;
        return option;
      }),
    );
  });
  backendSelect.addEventListener("change", () => {
    if (backendSelect.value === (session.info && session.info.backend)) return;
    session.backend = backendSelect.value;
    const url = new URL(location.href);
    url.searchParams.set("backend", backendSelect.value);
    history.replaceState(null, "", url);
    session.restart(`backend ${backendSelect.value} chosen`);
  });

  // Examples open as files of their own: the user's code is never overwritten. The user's
  // own files show at once; a first visit opens the default example once the index is read.
  const examplesSelect = button("examples");
  if (files.files.length) show(files.current);
  listExamples().then(
    (examples) => {
      for (const entry of examples) {
        const option = document.createElement("option");
        option.value = entry.name;
        option.textContent = entry.title;
        option.title = entry.summary;
        examplesSelect.append(option);
      }
      if (files.files.length === 0) openExample(examples[0]);
      examplesSelect.addEventListener("change", () => {
        const entry = examples.find((example) => example.name === examplesSelect.value);
        examplesSelect.value = "";
        if (entry) openExample(entry);
      });
    },
    (error) => {
      output.notice(`The examples could not be read: ${error.message}`, { error: true });
      if (files.files.length === 0) files.add("main.py", "");
    },
  );

  async function openExample(entry) {
    const text = await exampleText(entry);
    const name = `${entry.name}.py`;
    const same = files.files.find((file) => (file.name === name || file.name.startsWith(`${entry.name} (`)) && file.text === text);
    saveNow();
    if (same) files.select(same.name);
    else files.add(name, text);
    editor.focus();
  }

  // Open: .py files become tabs; wheels are installed; other files go to Python's folder.
  const picker = root.querySelector("[data-file-picker]");
  button("open").addEventListener("click", () => picker.click());
  picker.addEventListener("change", () => {
    takeFiles([...picker.files]);
    picker.value = "";
  });
  document.addEventListener("dragover", (event) => {
    if (event.dataTransfer && [...event.dataTransfer.types].includes("Files")) {
      event.preventDefault();
      root.dataset.dropping = "true";
    }
  });
  document.addEventListener("dragleave", () => delete root.dataset.dropping);
  document.addEventListener("drop", (event) => {
    delete root.dataset.dropping;
    if (!event.dataTransfer || event.dataTransfer.files.length === 0) return;
    event.preventDefault();
    takeFiles([...event.dataTransfer.files]);
  });

  async function takeFiles(list) {
    for (const file of list) {
      if (file.name.toLowerCase().endsWith(".py") && !isWheel(file.name)) {
        saveNow();
        files.add(file.name, await file.text());
        continue;
      }
      output.notice(`${isWheel(file.name) ? "Installing" : "Copying"} ${file.name}…`);
      try {
        output.notice(await userFiles.add(file));
      } catch (error) {
        output.notice(error.message, { error: true });
      }
    }
  }

  // Save: to a file on disk through the browser's save dialog where it has one (the
  // file is then saved in place each time), else as a download; Download: always.
  const handles = new Map();
  button("save").addEventListener("click", async () => {
    saveNow();
    const file = files.current;
    if (!file) return;
    if (!self.showSaveFilePicker) return download(file);
    try {
      let handle = handles.get(file.name);
      if (!handle) {
        handle = await self.showSaveFilePicker({ suggestedName: file.name, types: [{ description: "Python", accept: { "text/x-python": [".py"] } }] });
        handles.set(file.name, handle);
      }
      const writable = await handle.createWritable();
      await writable.write(file.text);
      await writable.close();
      output.notice(`Saved ${file.name} to ${handle.name}.`);
    } catch (error) {
      if (error.name !== "AbortError") output.notice(`Could not save ${file.name}: ${error.message}`, { error: true });
    }
  });
  button("download").addEventListener("click", () => {
    saveNow();
    if (files.current) download(files.current);
  });

  function download(file) {
    const name = file.name.endsWith(".py") ? file.name : `${file.name}.py`;
    offerDownload(name, new Blob([file.text], { type: "text/x-python" }));
  }

  mountExportApp(button("export-app"), { session, files, userFiles, output, saveNow });
  mountKeptFiles(button("kept"), root.querySelector("[data-kept-dialog]"), userFiles, output.notice.bind(output));

  root.querySelector("[data-output-clear]").addEventListener("click", () => output.clear());

  mountConsole(root.querySelector("[data-console]"), session);
  return { editor, files, output, userFiles };
}
