// The served app's service worker (issue 16): after one visit the app starts and runs with
// the network off. Workbox precaches the files the served app uses, each versioned by its
// content (the list build.py writes in as PRECACHE_MANIFEST). A rebuilt dist/ installs a new
// worker, which takes over at the next visit (once no page of the old build is open) and
// deletes the entries the new list no longer has. Cached responses keep the headers they
// came with, COOP/COEP included, so a page served from the cache is still cross-origin
// isolated. From disk there is no service worker: the folder itself is the cache.
import { cleanupOutdatedCaches, precacheAndRoute } from "workbox-precaching";

cleanupOutdatedCaches(); // caches of older Workbox versions
// ?backend=wasm and the like are read by the page: one cached file answers them all.
precacheAndRoute(PRECACHE_MANIFEST, { ignoreURLParametersMatching: [/.*/] }); // eslint-disable-line no-undef
