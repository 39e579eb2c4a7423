// The wheels and data files this browser keeps for Python (packages.js) and puts back at
// each start: the Kept button lists them in a dialog, where each can be forgotten (a
// package that is no longer wanted, or an old version next to a new one).
import { megabytes } from "./packages.js";

export function mountKeptFiles(button, dialog, userFiles, notice) {
  const list = dialog.querySelector("[data-kept-list]");

  async function show() {
    const kept = await userFiles.list();
    list.replaceChildren(...kept.map(row));
    if (!kept.length) list.append(Object.assign(document.createElement("li"), { textContent: "Nothing yet: open or drop a .whl or a data file on the page." }));
    if (!dialog.open) dialog.showModal();
  }

  function row({ name, kind, size }) {
    const item = document.createElement("li");
    item.dataset.kept = name;
    const label = document.createElement("span");
    label.textContent = `${name} (${kind === "wheel" ? "package" : "data file"}, ${megabytes(size)})`;
    const forget = Object.assign(document.createElement("button"), { type: "button", textContent: "Forget" });
    forget.setAttribute("aria-label", `Forget ${name}`);
    forget.addEventListener("click", async () => {
      try {
        await userFiles.forget(name);
        notice(`${name} is forgotten: it is not put back when Python next starts (this session still has it).`);
      } catch (error) {
        notice(`Could not forget ${name}: ${error.message || error}`, { error: true });
      }
      await show();
    });
    item.append(label, forget);
    return item;
  }

  button.addEventListener("click", () => show().catch((error) => notice(`The kept files cannot be read: ${error.message || error}`, { error: true })));
}
