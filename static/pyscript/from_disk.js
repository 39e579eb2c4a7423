// PyScript loads as ES modules, which a browser does not load from file:// (origin "null"):
// say so, rather than "Loading Python…" for ever.
if (location.protocol === "file:") {
  addEventListener("DOMContentLoaded", () => {
    document.getElementById("status").textContent =
      "PyScript cannot start from disk: serve this folder (python3 build.py serve) and open /pyscript/.";
  });
}
