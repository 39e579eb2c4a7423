// Models that Python saves to `localstorage://NAME`. localStorage exists only on the page's
// main thread, not in the worker where Python and TF.js run, so the worker sends a model's
// artifacts here and TF.js's own localStorage handler keeps them: the same keys and format
// as any TF.js page of this origin, so each can load what the other saved.
// TF.js is loaded into the page the first time a model goes to or comes from localStorage.

const SCHEME = "localstorage://";
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

// TF.js's own handler of a localstorage:// URL (its routers are the public way to one).
async function handlerOf(url, routers) {
  if (!url.startsWith(SCHEME)) throw new Error(`${url} is not a localstorage:// model`);
  const tf = await tensorFlow();
  const [handler] = tf.io[routers](url);
  if (!handler) throw new Error(`TensorFlow.js has no localStorage handler in this page`);
  return handler;
}

// TF.js writes a model's items one by one and, when one fails (the storage quota), removes
// them all, which would lose an older model of the same name: its items are put back, so a
// failed save leaves what was saved before.
async function save({ url, artifacts }) {
  const handler = await handlerOf(url, "getSaveHandlers");
  const keys = Object.values(handler.keys);
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
  return Object.fromEntries(Object.entries(listed).filter(([url]) => url.startsWith(SCHEME)));
}

async function remove({ url }) {
  await handlerOf(url, "getLoadHandlers");
  await (await tensorFlow()).io.removeModel(url);
}

export function mountLocalModels(session) {
  session.handle("local-models.save", save);
  session.handle("local-models.load", load);
  session.handle("local-models.list", list);
  session.handle("local-models.delete", remove);
}
