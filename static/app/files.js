// The user's Python files: several, named, kept in localStorage so that they survive a
// reload, a restart of Python and a crash of the tab. localStorage (not IndexedDB) because
// its writes are synchronous: what was saved before a crash is there after it.

const STORAGE_KEY = "pyapp.files.v1";

export class FileStore extends EventTarget {
  constructor(storage = localStorage) {
    super();
    this.storage = storage;
    const saved = this._read();
    this.files = saved.files; // [{name, text}]
    this.active = saved.active;
  }

  _read() {
    try {
      const saved = JSON.parse(this.storage.getItem(STORAGE_KEY));
      if (saved && Array.isArray(saved.files)) return saved;
    } catch {
      // A damaged entry is replaced by the first save.
    }
    return { files: [], active: null };
  }

  save() {
    try {
      this.storage.setItem(STORAGE_KEY, JSON.stringify({ files: this.files, active: this.active }));
    } catch (error) {
      this._emit("error", { message: `Your files could not be saved in this browser: ${error.message}` });
    }
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  get(name) {
    return this.files.find((file) => file.name === name) || null;
  }

  get current() {
    return this.get(this.active) || this.files[0] || null;
  }

  // A name no file has yet: "digits_mlp.py", then "digits_mlp (2).py", ...
  freeName(wanted) {
    const clean = sanitizeName(wanted);
    if (!this.get(clean)) return clean;
    const dot = clean.lastIndexOf(".");
    const [stem, extension] = dot > 0 ? [clean.slice(0, dot), clean.slice(dot)] : [clean, ""];
    for (let n = 2; ; n++) {
      const candidate = `${stem} (${n})${extension}`;
      if (!this.get(candidate)) return candidate;
    }
  }

  // Adds a file under a free name (never replacing another) and makes it current.
  add(name, text) {
    const file = { name: this.freeName(name), text };
    this.files.push(file);
    this.active = file.name;
    this.save();
    this._emit("change", { reason: "add", file });
    return file;
  }

  select(name) {
    if (!this.get(name)) return;
    this.active = name;
    this.save();
    this._emit("change", { reason: "select" });
  }

  setText(name, text) {
    const file = this.get(name);
    if (!file || file.text === text) return;
    file.text = text;
    this.save();
  }

  rename(name, wanted) {
    const file = this.get(name);
    if (!file) return null;
    const clean = sanitizeName(wanted);
    if (clean === name) return file;
    file.name = this.freeName(clean);
    if (this.active === name) this.active = file.name;
    this.save();
    this._emit("change", { reason: "rename", file });
    return file;
  }

  remove(name) {
    const index = this.files.findIndex((file) => file.name === name);
    if (index < 0) return;
    this.files.splice(index, 1);
    if (this.active === name) this.active = (this.files[Math.max(0, index - 1)] || {}).name || null;
    this.save();
    this._emit("change", { reason: "remove" });
  }
}

// File names are labels in the tabs and names of downloads: no slashes, something left.
export function sanitizeName(name) {
  const clean = String(name).replace(/[\\/:*?"<>|\u0000-\u001f]/g, "_").trim();
  return clean || "untitled.py";
}
