// A static server for the page with the headers threads need (cross-origin
// isolation) and its security headers (a strict content security policy),
// both defined in scripts/headers.mjs. Text and wasm
// go out compressed as the browser accepts (brotli, else gzip): a file's
// precompressed `.br`/`.gz` sibling (scripts/build.sh writes them for pkg/)
// when it is at least as new as the file, else a copy compressed once and
// kept in memory until the file changes.
//
// The pages are served pointing at `assets/<id>/www/…` and `…/pkg/…`
// (scripts/assets.mjs), where the id stands for every file under www/ and
// pkg/ as it is now (paths, inodes, sizes, modification and change times).
// Under the current id a file is sent `immutable`: the browser keeps it, and
// a new worker loads its scripts from its cache instead of asking here again
// (docs/performance.md, process worker start-up). Any change to those files
// gives a new id, so a rebuild never reaches the browser as stale code; a
// file asked for under any other id (a page from before the rebuild) is sent
// as it is now, with `no-cache`, and so is everything unversioned.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIRS, page } from './assets.mjs';
import { COMPRESSED, compress, negotiate } from './compress.mjs';
import { headersFor } from './headers.mjs';

const repository = fileURLToPath(new URL('..', import.meta.url));
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
// Only these are served: the pages (the page and the Perfetto hand-over
// page), their scripts and the build output.
const pages = ['index.html', 'perfetto.html'];
const allowed = [...pages, ...DIRS.map((d) => `${d}${sep}`)];
// A versioned URL: assets/<id>/ then a path under www/ or pkg/.
const versioned = new RegExp(`^/assets/([0-9a-f]{16})(/(?:${DIRS.join('|')})/.*)$`);
const IMMUTABLE = 'public, max-age=31536000, immutable';
// Pages served without cross-origin isolation: the Perfetto hand-over page
// must be able to talk to a window of ui.perfetto.dev (COOP would cut it off).
const unisolated = ['perfetto.html'];


/**
 * The id of the files under www/ and pkg/ of `root` as they are now (16 hex
 * digits), or null while they cannot all be read (a build replacing them).
 * About 50 stats: asked for each page and each versioned file sent, which
 * the browser then keeps.
 */
async function buildId(root) {
  try {
    const hash = createHash('sha256');
    for (const dir of DIRS) {
      const files = (await readdir(join(root, dir), { recursive: true })).sort();
      const stats = await Promise.all(files.map((f) => stat(join(root, dir, f))));
      files.forEach((f, i) => {
        const { ino, size, mtimeMs, ctimeMs } = stats[i];
        hash.update(`${dir}/${f}\0${ino} ${size} ${mtimeMs} ${ctimeMs}\0`);
      });
    }
    return hash.digest('hex').slice(0, 16);
  } catch {
    return null;
  }
}

/** Compressed copies made here, by file: {mtimeMs, size, id, copies: Promise<{br, gz}>}. */
const made = new Map();

/**
 * The body of `file` in `encoding` ('br' or 'gzip'); a page's (`id` given)
 * pointed at build `id` first.
 */
async function encoded(file, encoding, id, root) {
  const { mtimeMs, size } = await stat(file);
  const sibling = `${file}.${encoding === 'br' ? 'br' : 'gz'}`;
  const fresh = id === undefined && (await stat(sibling).then((s) => s.mtimeMs >= mtimeMs, () => false));
  if (fresh) return readFile(sibling);
  let m = made.get(file);
  if (!m || m.mtimeMs !== mtimeMs || m.size !== size || m.id !== id) {
    m = { mtimeMs, size, id, copies: body(file, id, root).then((data) => compress(data, extname(file))) };
    m.copies.catch(() => made.delete(file));
    made.set(file, m);
  }
  const { br, gz } = await m.copies;
  return encoding === 'br' ? br : gz;
}

/**
 * The bytes of `file`; a page's (`id` given) as sent (scripts/assets.mjs
 * `page`: its landing markup, from `root`, and pointed at build `id`).
 */
async function body(file, id, root) {
  const data = await readFile(file);
  return id ? Buffer.from(page(data.toString('utf8'), id, root)) : data;
}

/** The Link header that has a link's page fetch the shell at once. */
const shellPreload = (id) => [
  `</assets/${id}/pkg/ui/threadlab_ui_bg.wasm>; rel=preload; as=fetch; type="application/wasm"; crossorigin`,
  `</assets/${id}/pkg/ui/threadlab_ui.js>; rel=modulepreload`,
  `</assets/${id}/www/runner.js>; rel=modulepreload`,
].join(', ');

/**
 * `isolated: false` serves without the isolation headers (to test the
 * fallback); `root` serves another copy of the repository's layout (tests).
 */
export function serve({ port = 8080, host = '127.0.0.1', quiet = false, isolated = true, root = repository } = {}) {
  // Links may be long (a hostile or mangled one up to 100 KB): let the page
  // load and say so, rather than the server refusing the request (Node's
  // default limit is 16 KB of headers).
  const server = createServer({ maxHeaderSize: 256 * 1024 }, async (req, res) => {
    let path, query;
    try {
      const url = new URL(req.url, 'http://x');
      path = decodeURIComponent(url.pathname);
      query = url.search.length > 1;
    } catch {
      res.writeHead(400, { ...headersFor(isolated), 'Cache-Control': 'no-cache' }).end('bad request');
      return;
    }
    const [, version, unversioned] = path.match(versioned) ?? [];
    const rel = normalize(path === '/' ? 'index.html' : (unversioned ?? path).slice(1));
    // As dist/_headers does: every path isolated but the hand-over page.
    const headers = { ...headersFor(isolated && !unisolated.includes(rel)), 'Cache-Control': 'no-cache' };
    if (!allowed.some((a) => rel === a || rel.startsWith(a)) || rel.includes('..')) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    try {
      const file = join(root, rel);
      const type = { 'Content-Type': types[extname(rel)] ?? 'application/octet-stream' };
      // A page points at the current build's versioned URLs.
      const id = pages.includes(rel) ? await buildId(root) : undefined;
      const encoding = COMPRESSED.includes(extname(rel)) ? negotiate(req.headers['accept-encoding']) : null;
      const data = encoding ? await encoded(file, encoding, id, root) : await body(file, id, root);
      // Immutable only if the id is still the files' after reading: no change
      // came between the page that named it and these bytes.
      if (version && version === (await buildId(root))) headers['Cache-Control'] = IMMUTABLE;
      // A link's page (a query: an experiment, a lesson, an embed) is first
      // drawn by the app, which starts once the shell is in: the browser is
      // told to fetch the shell at once, beside the page's other files, not
      // when main.js asks. Not at a plain address: its first view is the
      // landing markup the page is sent with, which the shell would only
      // compete with (www/main.js starts it once that is painted). A
      // static host sends one index.html for every query: there, the
      // shell is fetched when main.js asks (docs/performance.md).
      if (rel === 'index.html' && id && query) headers.Link = shellPreload(id);
      const how = encoding ? { 'Content-Encoding': encoding } : {};
      const vary = COMPRESSED.includes(extname(rel)) ? { Vary: 'Accept-Encoding' } : {};
      res.writeHead(200, { ...headers, ...type, ...how, ...vary, 'Content-Length': data.length }).end(data);
    } catch {
      res.writeHead(404, headers).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      if (!quiet) console.log(`ThreadLab is running at http://${host}:${actual}/  (Ctrl+C to stop)`);
      resolve({ server, url: `http://${host}:${actual}/` });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  serve({ port: Number(process.env.PORT ?? 8080) }).catch((e) => {
    console.error(e.code === 'EADDRINUSE' ? `Port ${process.env.PORT ?? 8080} is in use: set PORT=another one, e.g. PORT=8081 npm start` : e.message);
    process.exit(1);
  });
}
