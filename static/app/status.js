// The status area: what is loading and how far, then the runtime's versions and backends.

export function mountStatus(root, session) {
  const line = root.querySelector("[data-status-line]");
  const bar = root.querySelector("progress");
  const details = root.querySelector("[data-runtime-info]");
  let filesDone = 0;

  session.addEventListener("progress", ({ detail }) => {
    if (detail.file && detail.done) filesDone += 1;
    if (session.state === "loading") {
      // About a dozen files make up the runtime; the bar is an honest estimate.
      bar.value = Math.min(0.95, filesDone / 12);
    }
    line.textContent = detail.text;
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
    if (session.info && detail.state === "idle") details.replaceChildren(...describe(session.info, session));
  });

  session.addEventListener("tfjs", () => details.replaceChildren(...describe(session.info, session)));

  session.addEventListener("backend-lost", ({ detail }) => {
    const notice = document.createElement("p");
    notice.className = "notice";
    notice.setAttribute("role", "alert");
    notice.textContent = detail.message;
    root.append(notice);
  });

  session.addEventListener("fatal", ({ detail }) => {
    line.textContent = `Python failed to start: ${detail.message}`;
    bar.hidden = true;
  });
}

function describe(info, session) {
  const rows = [
    ["Python", `${info.python} (Pyodide ${info.pyodide})`],
    ["numpy", `${info.numpy} (loads on first import)`],
    ["scikit-learn", `${info.sklearn} (loads on first import)`],
    ["TensorFlow.js", info.tfjsError ? `failed to start: ${info.tfjsError}` : info.tfjs || "starting…"],
    ["Backend", info.backend || "…"],
    ["Available", (info.backends || []).map((b) => (b.software ? `${b.name} (software: ${b.renderer})` : b.name)).join(", ")],
    ["Stop", session.canInterrupt ? "interrupts Python (cross-origin isolated)" : "restarts the session (opened from disk: no SharedArrayBuffer)"],
  ];
  return rows.map(([key, value]) => {
    const row = document.createElement("div");
    const term = document.createElement("dt");
    const description = document.createElement("dd");
    term.textContent = key;
    description.textContent = value;
    description.dataset.key = key;
    row.append(term, description);
    return row;
  });
}
