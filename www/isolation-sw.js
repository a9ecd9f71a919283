// The service worker of the static build. scripts/dist.mjs puts it at the
// root of dist/, next to index.html (so its scope is the whole page), with
// `self.threadlabBuild` = { version, precache } written in front of this
// text. The dev server (scripts/serve.mjs) sends the headers itself and does
// not serve it. Two jobs:
//
// 1. Cross-origin isolation where the host cannot send headers (GitHub
//    Pages, `python3 -m http.server`, …): every same-origin response is
//    re-served with the headers scripts/serve.mjs sends, so a page loaded
//    through this worker is `crossOriginIsolated` and threads run. A page
//    only goes through it from its next load on: www/isolation.js reloads
//    once for that, and never more.
// 2. Offline: installing caches every file of the build; the page and its
//    files then load with no network. The cache is named after the build's
//    content hash, so a new deploy (a new worker) brings its own cache and
//    drops the old ones.
//
// Deliberately no skipWaiting() and no clients.claim():
// - a new version takes over once no page of the old one is open, since an
//   open page may still fetch files of its own build (workers and engines
//   start on the first run);
// - a page counts as controlled only if it was loaded through this worker.
//   www/isolation.js relies on that to tell "not loaded through the worker
//   yet" (reload once) from "loaded through it and still not isolated" (this
//   browser or frame does not isolate this way: a reload would not help).

// `headers`: what scripts/serve.mjs sends (scripts/headers.mjs): isolation
// and the content security policy.
const { version, precache, headers: HEADERS } = self.threadlabBuild ?? { version: 'dev', precache: [], headers: {} };
const CACHE = `threadlab-${version}`;
// The build's files: content-hashed, so a cached copy is never stale.
const ASSETS = new URL(`assets/${version}/`, self.registration.scope).href;


self.addEventListener('install', (event) => {
  // Each file on its own (cache.addAll is all or nothing): a file that fails
  // now is cached when the page next loads it, and must not stop the worker
  // from installing, since isolation matters more than offline use.
  // `no-cache` revalidates: the page cached is this build's, not an older
  // copy from the HTTP cache.
  event.waitUntil(
    caches.open(CACHE).then((cache) => Promise.allSettled(precache.map((url) => cache.add(new Request(url, { cache: 'no-cache' }))))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k.startsWith('threadlab-') && k !== CACHE).map((k) => caches.delete(k)))),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  // Other sites' files are left to the browser (the page loads none).
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  // DevTools' own requests: fetch() refuses them.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  // The Perfetto hand-over page must stay without isolation (it talks to a
  // window of ui.perfetto.dev): left to the host.
  if (new URL(request.url).pathname.endsWith('/perfetto.html')) return;
  event.respondWith(fromCacheOrNetwork(request).then(withHeaders));
});

async function fromCacheOrNetwork(request) {
  const cache = await caches.open(CACHE);
  if (request.url.startsWith(ASSETS)) {
    // A query string on a build file only tells requests apart (each worker
    // asks for worker.js?w=<n>, www/runner.js): the file is the same, cached
    // once under its plain URL.
    const url = new URL(request.url);
    url.search = '';
    const cached = await cache.match(url.href);
    if (cached) return cached;
    const response = await fetch(request);
    // Best effort (storage may be full): the response is what matters.
    if (response.ok) await cache.put(url.href, response.clone()).catch(() => {});
    return response;
  }
  // The page itself (and anything else): the network first, so a new deploy
  // shows at once; the cached copy offline. ignoreSearch: a page's query
  // string carries an experiment, and the cache holds the page without one.
  try {
    return await fetch(request);
  } catch (offline) {
    const cached = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
    if (cached) return cached;
    throw offline;
  }
}

function withHeaders(response) {
  // Opaque responses (a redirect of a navigation) cannot be rebuilt; the
  // browser follows the redirect and asks again.
  if (response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(HEADERS)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
