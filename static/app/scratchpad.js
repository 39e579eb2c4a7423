// A plain code box with Run and Stop, enough to use Python until the full editor lands.

export function mountScratchpad(root, session) {
  const code = root.querySelector("textarea");
  const output = root.querySelector("output");
  const runButton = root.querySelector("[data-run]");
  const stopButton = root.querySelector("[data-stop]");

  session.addEventListener("stream", ({ detail }) => {
    output.append(detail.stream === "stderr" ? span(detail.text, "stderr") : detail.text);
  });
  session.addEventListener("reset", ({ detail }) => {
    output.append(span(`\n[The Python session was restarted (${detail.reason}); its variables are gone.]\n`, "notice"));
  });

  async function runAll() {
    output.textContent = "";
    runButton.disabled = true;
    const reply = await session.runPython(code.value, { filename: "<editor>" });
    runButton.disabled = false;
    if (reply.result !== null) output.append(reply.result + "\n");
    if (reply.error) output.append(span(reply.error.traceback || `${reply.error.type}: ${reply.error.message}`, "stderr"));
  }

  runButton.addEventListener("click", runAll);
  stopButton.addEventListener("click", () => session.stop());
  code.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      runAll();
    }
  });
}

function span(text, className) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}
