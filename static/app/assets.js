// Runtime files for a page opened from disk (file://), where neither the page nor its
// worker may fetch(). Each file ships as dist/assets/<name>.js, a classic script that calls
// pyappAssetLoaded(name, base64); a <script> tag is the one way a file:// page can load
// another file, so we add one per file, on demand, and hand the bytes to the worker.

// Both the boot script and the page's bundle include this module, and a file the one asked
// for may arrive after the other ran: they share one table of files awaited, by a global.
const waiting = (self.pyappAssetsAwaited ??= new Map());

self.pyappAssetLoaded ??= (name, base64) => {
  const entry = waiting.get(name);
  if (entry) entry.resolve(base64);
};

function loadAssetScript(name) {
  if (!waiting.has(name)) {
    let resolve, reject;
    const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
    waiting.set(name, { promise, resolve, reject });
    const script = document.createElement("script");
    script.src = "assets/" + name.split("/").map(encodeURIComponent).join("/") + ".js";
    script.onerror = () => reject(new Error(`${name} is not in this build of the app (dist/assets/${name}.js)`));
    // The script's text is only needed until it has run: drop the element and its promise.
    // (The caller handles a rejection; this cleanup chain must not report it again.)
    promise.finally(() => {
      script.remove();
      waiting.delete(name);
    }).catch(() => {});
    document.head.appendChild(script);
  }
  return waiting.get(name).promise;
}

function decodeBase64(text) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// Files read ahead of the worker's asking, each until it is asked for once (shared, as above).
const readAhead = (self.pyappAssetsReadAhead ??= new Map());

// Starts reading files that the worker will ask for, one after the other, as it starts: their
// scripts then load while the worker's own script is read and run. (Served, the browser's
// requests overlap by themselves.)
export function readAheadAssets(names) {
  for (const name of names) {
    if (readAhead.has(name)) continue;
    const reading = loadAssetScript(name);
    reading.catch(() => {}); // (a failure is the asker's to report)
    readAhead.set(name, reading);
  }
}

// The bytes of dist/<name>, as an ArrayBuffer.
export async function loadAsset(name) {
  const early = readAhead.get(name);
  readAhead.delete(name);
  return decodeBase64(await (early || loadAssetScript(name))).buffer;
}
