// Cross-origin isolation and offline use for the static build, through the
// service worker next to the page (www/isolation-sw.js). A classic script
// that runs before the app.
//
// The page names its worker in data-service-worker: scripts/dist.mjs adds it
// to dist/index.html. The dev server sends the isolation headers itself and
// serves no worker, so there this script does nothing.
//
// Where the host sends no headers, the first load is not isolated: register
// the worker, and once it is active reload so the page loads through it.
// That reload happens at most once:
// - a page that was loaded through the worker (it is the controller: the
//   worker never claims pages) and is still not isolated is in a browser or
//   frame that does not isolate this way: no reload;
// - otherwise (the worker is bypassed, e.g. a hard reload or a browser
//   setting) a sessionStorage mark, set before reloading and cleared once the
//   page is isolated, allows one reload per tab until isolation works. No
//   sessionStorage, no reload.
// The page then stays in the fallback (sequential and processes; threads
// shown as unavailable with the reason). location.reload() keeps the query
// string and the fragment, which links use.
(() => {
  const worker = document.currentScript?.dataset.serviceWorker;
  if (!worker || !('serviceWorker' in navigator)) return;
  const MARK = 'threadlab-isolation-reload';
  let storage = null;
  try {
    storage = window.sessionStorage;
  } catch {
    // Storage blocked (some third-party frames): no way to remember a reload.
  }
  // (undefined: a browser with no notion of isolation; a reload cannot help.)
  const needsReload = window.crossOriginIsolated === false;
  if (window.crossOriginIsolated) storage?.removeItem(MARK);

  navigator.serviceWorker
    .register(worker)
    .then(async () => {
      // Isolated already (the host sends the headers, or the worker served
      // this page): registered only to cache the page for offline use.
      if (!needsReload) return;
      await navigator.serviceWorker.ready;
      if (navigator.serviceWorker.controller) return;
      if (!storage || storage.getItem(MARK)) return;
      storage.setItem(MARK, new Date().toISOString());
      location.reload();
    })
    .catch((e) => console.warn(`ThreadLab: no service worker (${e.message}); threads need a host that sends the isolation headers`));
})();
