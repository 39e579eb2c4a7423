// Python's start-up from a memory snapshot, kept in this browser's IndexedDB.
//
// A cold start initialises the interpreter (about 2-4 s here); Pyodide 0.27 can instead
// restore the wasm memory of one that was initialised already (`_loadSnapshot`, about
// 0.3-1 s). The snapshot is taken by a worker of its own, once the page is idle after a
// cold start: Pyodide's `_makeSnapshot` mode wraps the JS globals that Python sees in
// recording proxies, so the session that users run code in must not be the one that takes
// it (DESIGN.md; docs/decisions.md has the figures). Only the bare interpreter is kept:
// a snapshot after packages are loaded fails, and their libraries would not be in it.

import { clear, createStore, keys, set, values } from "idb-keyval";

// Opened on first use: idb-keyval opens its database as the store is made.
let opened = null;
const store = () => (opened ??= createStore("pyapp-python-snapshot", "snapshots"));
// What a snapshot depends on besides Pyodide's own files and the runner: how startPython
// configures it.
const FORMAT = 2;

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// The key a snapshot is kept under: Pyodide's version (its files are pinned with it), this
// module's format, and the runner's source, which the snapshot holds as a module
// (worker.js). A snapshot under any other key is stale.
export async function snapshotKey(lock, runnerSource) {
  const runner = (await sha256Hex(runnerSource)).slice(0, 16);
  return `pyodide ${lock.info.version}, python ${lock.info.python}, format ${FORMAT}, runner ${runner}`;
}

// Starts reading the snapshot kept under the key that `key` resolves to, before that key is
// known: {requested, found, bytes}. `requested` resolves once IndexedDB has been asked (a
// worker that blocks its thread next, with importScripts, would otherwise hold up the
// asking too); `found`, soon, with whether one is kept under that key (false also where
// there is no storage); `bytes`, with it once read, or rejects if it is damaged (it is
// forgotten then). A start can so set off with the snapshot still on its way.
export function readSnapshot(key) {
  let keysRead, recordsRead, asked;
  try {
    keysRead = keys(store());
    recordsRead = values(store());
    asked = store()("readonly", () => {}); // after the two reads' own requests, on the same open
  } catch (error) {
    keysRead = recordsRead = asked = Promise.reject(error); // no IndexedDB here
  }
  recordsRead.catch(() => {}); // (read only if found)
  const found = Promise.all([keysRead, key]).then(([kept, wanted]) => kept.includes(wanted), () => false);
  const bytes = found.then(async (yes) => (yes ? checked((await recordsRead)[0]) : null));
  return { requested: asked.catch(() => {}), found, bytes };
}

// What is checked, and why that is enough: IndexedDB writes a record whole or not at all,
// the store is this app's own, and its key names everything the snapshot depends on; so
// the damage left is the disk's, as for any file the browser keeps. Of that, a wrong length
// is what Pyodide cannot survive (the wasm memory is made the snapshot's size, and one too
// small fails to instantiate, which hangs `loadPyodide` rather than failing it: 4 MB of
// zeros did), so the length is checked here; a damaged header (its magic number, Pyodide's
// build id) makes the restore throw, and Python starts cold (worker.js). A SHA-256 of the
// whole snapshot, checked before, cost 20-50 ms of every start.
async function checked(record) {
  if (!record || !(record.bytes instanceof ArrayBuffer) || record.bytes.byteLength !== record.length) {
    await forgetSnapshots();
    const size = record && record.bytes && record.bytes.byteLength;
    throw new Error(`the kept snapshot is damaged (${size} bytes, not ${record && record.length})`);
  }
  return new Uint8Array(record.bytes);
}

// Keeps `bytes` under `key`, replacing any other snapshot.
export async function keepSnapshot(key, bytes) {
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  await clear(store());
  await set(key, { bytes: copy, length: copy.byteLength }, store());
}

// Drops every kept snapshot (one that failed to restore).
export async function forgetSnapshots() {
  try {
    await clear(store());
  } catch {
    // Nothing kept, or no storage: nothing to forget.
  }
}
