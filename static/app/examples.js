// The example programs of dist/examples/ (index.json lists them, the default one first).
// loadAsset reads them in both ways of opening the page.
import { loadAsset } from "./assets.js";

const decoder = new TextDecoder();

let index = null;

export function listExamples() {
  index ??= loadAsset("examples/index.json").then((bytes) => JSON.parse(decoder.decode(bytes)));
  return index;
}

export async function exampleText(entry) {
  return decoder.decode(await loadAsset(entry.file));
}
