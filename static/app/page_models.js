// Models that Python saves where only the page reaches: `localstorage://NAME` and
// `downloads://NAME`. localStorage and the document (which starts downloads) exist on the
// page's main thread, not in the worker where Python and TF.js run, so the worker sends a
// model's artifacts here and TF.js's own handler for the URL takes them: the same keys,
// files and format as TF.js's, so a TF.js program loads what Python saved, and back.
// TF.js is loaded into the page the first time a model comes this way.

const SCHEMES = ["localstorage://", "downloads://"];
let pageTF = null;

function tensorFlow() {
  if (!pageTF) {
    pageTF = new Promise((resolve, reject) => {
      // A classic script: the one way a page opened from disk can load another file.
      const script = Object.assign(document.createElement("script"), { src: "tfjs/tf.min.js" });
      script.onload = () => resolve(window.tf);
      script.onerror = () => {
        pageTF = null;
        reject(new Error("tfjs/tf.min.js is not in this build of the app"));
      };
      document.head.appendChild(script);
    });
  }
  return pageTF;
}

function checkScheme(url) {
  if (!SCHEMES.some((scheme) => url.startsWith(scheme))) throw new Error(`the page keeps no models at ${url}`);
}

// TF.js's own handler of the URL (its routers are the public way to one).
async function handlerOf(url, routers) {
  checkScheme(url);
  const tf = await tensorFlow();
  const [handler] = tf.io[routers](url);
  if (!handler) throw new Error(`TensorFlow.js cannot ${routers === "getSaveHandlers" ? "save to" : "load from"} ${url}`);
  return handler;
}

// TF.js writes a model's localStorage items one by one and, when one fails (the quota),
// removes them all, which would lose an older model of the same name: its items are put
// back, so a failed save leaves what was saved before.
async function save({ url, artifacts }) {
  const handler = await handlerOf(url, "getSaveHandlers");
  const keys = Object.values(handler.keys || {});
  const before = keys.map((key) => [key, localStorage.getItem(key)]);
  try {
    await handler.save(artifacts);
  } catch (error) {
    for (const [key, value] of before) {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    }
    throw error;
  }
}

async function load({ url }) {
  return (await handlerOf(url, "getLoadHandlers")).load();
}

async function list() {
  const tf = await tensorFlow();
  const listed = await tf.io.listModels();
  return Object.fromEntries(Object.entries(listed).filter(([url]) => url.startsWith("localstorage://")));
}

async function remove({ url }) {
  checkScheme(url);
  await (await tensorFlow()).io.removeModel(url);
}

export function mountPageModels(session) {
  session.handle("page-models.save", save);
  session.handle("page-models.load", load);
  session.handle("page-models.list", list);
  session.handle("page-models.delete", remove);
}
