// Served, the app installs its service worker (static/service_worker/sw.js, Workbox), which
// keeps the app's files so that it starts and runs with the network off after one visit.
// It is registered once Python and TF.js are up, so that its download of the app's files
// does not compete with start-up. From disk there is none: file:// pages cannot have one,
// and the folder is already on the device.

// Resolves to "ready" once the app's files are kept (the worker is active), "from disk",
// or "unsupported" (a browser without service workers, or a page that is not a secure
// context); rejects if the install failed.
export async function keepForOffline(session, openedFromDisk) {
  if (openedFromDisk) return "from disk";
  if (!("serviceWorker" in navigator)) return "unsupported";
  await session.ready;
  await session.tfjsReady;
  await navigator.serviceWorker.register("sw.js");
  await navigator.serviceWorker.ready;
  return "ready";
}
