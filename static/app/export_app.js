// Export app…: the open files as an app of their own, a zip that opens from disk with no
// editor. The shown file is the program; the other files go with it (importable, as in
// the IDE), and so do the data files and wheels this browser keeps for Python. The worker
// makes the zip (pyapp/_apps.py); it arrives as a download through downloads.js.

// Where the worker's install-wheel job writes a kept wheel (worker.js).
const installedWheel = (name) => `/tmp/${name}`;

export function mountExportApp(button, { session, files, userFiles, output, saveNow }) {
  button.addEventListener("click", async () => {
    saveNow();
    const shown = files.current;
    if (!shown) return;
    const kept = await userFiles.list();
    const request = {
      name: shown.name.replace(/\.py$/, ""),
      main: shown.name,
      sources: Object.fromEntries(files.files.map((file) => [file.name, file.text])),
      data_files: kept.filter((entry) => entry.kind === "data").map((entry) => entry.name),
      wheels: kept.filter((entry) => entry.kind === "wheel").map((entry) => installedWheel(entry.name)),
    };
    output.heading(`▶ Export app… (${shown.name})`);
    const code = `import json\nfrom pyapp._apps import export_from_ide\nawait export_from_ide(json.loads(${JSON.stringify(JSON.stringify(request))}))`;
    const reply = await session.runPython(code, { filename: "<export>" });
    if (reply.error) output.error(reply.error, "<export>");
  });
}
