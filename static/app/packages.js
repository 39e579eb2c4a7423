// The user's own files for Python: pure-Python wheels (.whl), installed with micropip
// from their bytes (offline), and data files (CSV, JSON, ...), copied into Python's
// working directory so that open("data.csv") finds them. Both are kept in IndexedDB
// (binary, large) and put back each time Python starts: after a reload or a restart.

const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;
const DATABASE = "pyapp-user-files";
const STORE = "files";

function openDatabase() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "name" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transaction(mode, use) {
  const database = await openDatabase();
  try {
    return await new Promise((resolve, reject) => {
      const tx = database.transaction(STORE, mode);
      const request = use(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request && request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("the browser refused to store the file"));
    });
  } finally {
    database.close();
  }
}

export const isWheel = (name) => name.toLowerCase().endsWith(".whl");

export class UserFiles {
  constructor(session) {
    this.session = session;
    session.addStartupTask(() => this.restore());
  }

  // Installs or copies in one file the user picked or dropped; keeps it for next time
  // only once Python took it. Resolves to a sentence for the user; rejects with one.
  async add(file) {
    const name = file.name.replace(/[\\/]/g, "_");
    if (file.size > MAX_UPLOAD_BYTES) {
      throw new Error(`${name} is ${megabytes(file.size)}; files up to ${megabytes(MAX_UPLOAD_BYTES)} can be given to Python in the page.`);
    }
    const bytes = await file.arrayBuffer();
    const kind = isWheel(name) ? "wheel" : "data";
    await this.session.ready;
    const reply = await this._send(kind, name, bytes);
    if (reply.error) throw new Error(describeError(name, reply.error));
    await transaction("readwrite", (store) => store.put({ name, kind, size: bytes.byteLength, bytes }));
    return kind === "wheel"
      ? `Installed ${reply.result} from ${name}; it stays installed in this browser.`
      : `${name} (${megabytes(bytes.byteLength)}) is in Python's working directory: open("${name}") reads it.`;
  }

  _send(kind, name, bytes, busy = true) {
    // A copy crosses to the worker: the kept bytes stay usable for the next start.
    const copy = bytes.slice(0);
    const type = kind === "wheel" ? "install-wheel" : "write-file";
    return this.session.request(type, { name, bytes: copy }, { transfer: [copy], busy });
  }

  // What is kept, for the user to see: [{name, kind, size}], by name.
  async list() {
    const entries = await transaction("readonly", (store) => store.getAll());
    return entries.map(({ name, kind, size }) => ({ name, kind, size }));
  }

  // Not put back at the next start (this session keeps what it has).
  forget(name) {
    return transaction("readwrite", (store) => store.delete(name));
  }

  // Data files first: a package may read one as it is imported.
  async restore() {
    const entries = await transaction("readonly", (store) => store.getAll());
    entries.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "data" ? -1 : 1));
    const problems = [];
    for (const entry of entries) {
      const reply = await this._send(entry.kind, entry.name, entry.bytes, false);
      if (reply.error) problems.push(describeError(entry.name, reply.error));
    }
    if (problems.length) throw new Error(problems.join("\n"));
  }
}

function describeError(name, error) {
  return `${name} could not be ${isWheel(name) ? "installed" : "copied in"}: ${error.type}: ${error.message}`;
}

export function megabytes(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;
}
