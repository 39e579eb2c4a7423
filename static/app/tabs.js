// The tabs of the user's files: select, add, rename (double-click or F2), close.
// Arrow keys move between tabs, as in a WAI-ARIA tab list.

export function mountTabs(root, files, { onNew }) {
  const list = root.querySelector("[data-tab-list]");

  function render() {
    const current = files.current;
    list.replaceChildren(
      ...files.files.map((file) => {
        const tab = document.createElement("div");
        tab.className = "tab";
        const button = document.createElement("button");
        button.type = "button";
        button.setAttribute("role", "tab");
        button.dataset.file = file.name;
        button.textContent = file.name;
        const selected = current && file.name === current.name;
        button.setAttribute("aria-selected", String(Boolean(selected)));
        button.tabIndex = selected ? 0 : -1;
        button.title = "Double-click or F2 to rename";
        button.addEventListener("click", () => files.select(file.name));
        button.addEventListener("dblclick", () => rename(file.name));
        button.addEventListener("keydown", (event) => onTabKey(event, file.name));
        const close = document.createElement("button");
        close.type = "button";
        close.className = "tab-close";
        close.dataset.close = file.name;
        close.textContent = "×";
        close.setAttribute("aria-label", `Close ${file.name}`);
        close.tabIndex = selected ? 0 : -1;
        close.addEventListener("click", () => closeFile(file.name));
        tab.append(button, close);
        return tab;
      }),
    );
  }

  function rename(name) {
    const wanted = prompt(`New name for ${name}:`, name);
    if (wanted && wanted.trim()) files.rename(name, wanted.trim());
  }

  function closeFile(name) {
    if (!confirm(`Delete ${name} from this browser? (Download it first to keep a copy.)`)) return;
    files.remove(name);
    if (files.files.length === 0) onNew();
  }

  function onTabKey(event, name) {
    const names = files.files.map((file) => file.name);
    const index = names.indexOf(name);
    let target = null;
    if (event.key === "ArrowRight") target = names[(index + 1) % names.length];
    else if (event.key === "ArrowLeft") target = names[(index - 1 + names.length) % names.length];
    else if (event.key === "F2") rename(name);
    else if (event.key === "Delete") closeFile(name);
    if (target) {
      event.preventDefault();
      files.select(target);
      list.querySelector(`[data-file="${CSS.escape(target)}"]`).focus();
    }
  }

  root.querySelector("[data-new-file]").addEventListener("click", () => onNew());
  files.addEventListener("change", render);
  render();
}
