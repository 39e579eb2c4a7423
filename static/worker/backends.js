// Which TF.js backends work here, and which one to use (DESIGN.md, decision 2).
//
// Each registered backend is tried and kept only if it initialises. "WebGL is available"
// is not "WebGL is fast": on a software renderer (SwiftShader, llvmpipe) WASM is several
// times faster, so WebGL (and WebGPU on a fallback adapter) is then ranked after WASM.

const ORDER = ["webgpu", "webgl", "wasm", "cpu"];
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|software|basic render/i;

function webglRenderer(tf) {
  try {
    const gl = tf.backend().gpgpu.gl;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch (error) {
    return "";
  }
}

async function hasWebGPUAdapter() {
  try {
    return Boolean(self.navigator && navigator.gpu && (await navigator.gpu.requestAdapter()));
  } catch (error) {
    return false;
  }
}

async function webgpuIsFallback() {
  try {
    const adapter = await navigator.gpu.requestAdapter();
    const info = adapter.info || {};
    return Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter || SOFTWARE_RENDERER.test(info.description || ""));
  } catch (error) {
    return true;
  }
}

// Returns [{name, software, renderer}] for the backends that initialise, in ORDER.
export async function listBackends(tf) {
  const registered = ORDER.filter((name) => tf.findBackendFactory(name));
  const available = [];
  for (const name of registered) {
    if (name === "webgpu" && !(await hasWebGPUAdapter())) continue;
    let ok = false;
    try {
      ok = await tf.setBackend(name);
    } catch (error) {
      ok = false;
    }
    if (!ok) continue;
    const entry = { name, software: false, renderer: "" };
    if (name === "webgl") {
      entry.renderer = webglRenderer(tf);
      entry.software = SOFTWARE_RENDERER.test(entry.renderer);
    } else if (name === "webgpu") {
      entry.software = await webgpuIsFallback();
    }
    available.push(entry);
  }
  return available;
}

// The backend to use: the one asked for if it works, else the fastest that works.
export async function chooseBackend(tf, available, requested) {
  const names = available.map((entry) => entry.name);
  let choice = requested && names.includes(requested) ? requested : null;
  if (!choice) {
    const ranked = [...available].sort((a, b) => rank(a) - rank(b));
    choice = ranked.length ? ranked[0].name : null;
  }
  if (!choice) throw new Error("No TensorFlow.js backend could be initialised in this browser.");
  await tf.setBackend(choice);
  await tf.ready();
  return choice;
}

function rank(entry) {
  const base = ORDER.indexOf(entry.name);
  // A software GPU ranks after WASM (index 2) but before the plain JS CPU backend.
  return entry.software ? 2.5 + base / 10 : base;
}

// Calls onLost() once if the WebGL context is lost (a GPU reset, a driver crash, the
// WEBGL_lose_context extension). TF.js does not notice: its pending reads never settle,
// so the worker must, and WebGL is removed so that nothing uses it again.
export function watchWebGLContext(tf, onLost) {
  const backend = tf.findBackend("webgl");
  const canvas = backend && backend.gpgpu && backend.gpgpu.gl && backend.gpgpu.gl.canvas;
  if (!canvas || !canvas.addEventListener) return;
  canvas.addEventListener("webglcontextlost", (event) => {
    event.preventDefault();
    onLost();
  }, { once: true });
}
