// Python's start-up from a memory snapshot, kept in this browser's IndexedDB.
//
// A cold start initialises the interpreter (about 2-4 s here); Pyodide 0.27 can instead
// restore the wasm memory of one that was initialised already (`_loadSnapshot`, about
// 0.3-1 s). The snapshot is taken by a worker of its own, once the page is idle after a
// cold start: Pyodide's `_makeSnapshot` mode wraps the JS globals that Python sees in
// recording proxies, so the session that users run code in must not be the one that takes
// it (DESIGN.md; docs/decisions.md has the figures). Only the bare interpreter is kept:
// a snapshot after packages are loaded fails, and their libraries would not be in it.

import { clear, createStore, get, set } from "idb-keyval";

// Opened on first use: idb-keyval opens its database as the store is made.
let opened = null;
const store = () => (opened ??= createStore("pyapp-python-snapshot", "snapshots"));
// What a snapshot depends on besides Pyodide's own files: how startPython configures it.
const FORMAT = 1;

// The key a snapshot is kept under: Pyodide's version (its files are pinned with it) and
// this module's format. A snapshot under any other key is stale.
export function snapshotKey(lock) {
  return `pyodide ${lock.info.version}, python ${lock.info.python}, format ${FORMAT}`;
}

async function digestOf(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)).join(",");
}

// The snapshot kept under `key`, or null: none yet, storage unavailable, or damaged (a
// damaged snapshot can hang Pyodide's restore rather than fail it, so it is checked
// against the SHA-256 it was kept with, and forgotten).
export async function readSnapshot(key) {
  let kept;
  try {
    kept = await get(key, store());
  } catch {
    return null;
  }
  if (!kept) return null;
  if (!(kept.bytes instanceof ArrayBuffer) || (await digestOf(kept.bytes)) !== kept.sha256) {
    await forgetSnapshots();
    return null;
  }
  return new Uint8Array(kept.bytes);
}

// Keeps `bytes` under `key`, replacing any other snapshot.
export async function keepSnapshot(key, bytes) {
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const record = { bytes: copy, sha256: await digestOf(copy) };
  await clear(store());
  await set(key, record, store());
}

// Drops every kept snapshot (one that failed to restore).
export async function forgetSnapshots() {
  try {
    await clear(store());
  } catch {
    // Nothing kept, or no storage: nothing to forget.
  }
}
