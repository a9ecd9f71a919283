// A static server for the page with the headers threads need:
// cross-origin isolation (COOP + COEP) so SharedArrayBuffer and shared wasm
// memory exist, and Document-Isolation-Policy so an embedded copy can be
// isolated inside a non-isolated course page (Chromium 137+). Text and wasm
// go out compressed as the browser accepts (brotli, else gzip): a file's
// precompressed `.br`/`.gz` sibling (scripts/build.sh writes them for pkg/)
// when it is at least as new as the file, else a copy compressed once and
// kept in memory until the file changes.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPRESSED, compress, negotiate } from './compress.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
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
// Only these are served: the page, its scripts and the build output, and
// the Perfetto hand-over page.
const allowed = ['index.html', 'perfetto.html', `www${sep}`, `pkg${sep}`];
// Pages served without cross-origin isolation: the Perfetto hand-over page
// must be able to talk to a window of ui.perfetto.dev (COOP would cut it off).
const unisolated = ['perfetto.html'];

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Document-Isolation-Policy': 'isolate-and-require-corp',
};

/** Compressed copies made here, by file: {mtimeMs, size, copies: Promise<{br, gz}>}. */
const made = new Map();

/** The body of `file` in `encoding` ('br' or 'gzip'). */
async function encoded(file, encoding) {
  const { mtimeMs, size } = await stat(file);
  const sibling = `${file}.${encoding === 'br' ? 'br' : 'gz'}`;
  const fresh = await stat(sibling).then((s) => s.mtimeMs >= mtimeMs, () => false);
  if (fresh) return readFile(sibling);
  let m = made.get(file);
  if (!m || m.mtimeMs !== mtimeMs || m.size !== size) {
    m = { mtimeMs, size, copies: readFile(file).then((data) => compress(data, extname(file))) };
    m.copies.catch(() => made.delete(file));
    made.set(file, m);
  }
  const { br, gz } = await m.copies;
  return encoding === 'br' ? br : gz;
}

/** `isolated: false` serves without the isolation headers (to test the fallback). */
export function serve({ port = 8080, host = '127.0.0.1', quiet = false, isolated = true } = {}) {
  // Links may be long (a hostile or mangled one up to 100 KB): let the page
  // load and say so, rather than the server refusing the request (Node's
  // default limit is 16 KB of headers).
  const server = createServer({ maxHeaderSize: 256 * 1024 }, async (req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400, { ...(isolated ? isolation : {}), 'Cache-Control': 'no-cache' }).end('bad request');
      return;
    }
    const rel = normalize(path === '/' ? 'index.html' : path.slice(1));
    // As dist/_headers does: every path isolated but the hand-over page.
    const headers = { ...(isolated && !unisolated.includes(rel) ? isolation : {}), 'Cache-Control': 'no-cache' };
    if (!allowed.some((a) => rel === a || rel.startsWith(a)) || rel.includes('..')) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    try {
      const file = join(root, rel);
      const type = { 'Content-Type': types[extname(rel)] ?? 'application/octet-stream' };
      if (COMPRESSED.includes(extname(rel))) {
        const encoding = negotiate(req.headers['accept-encoding']);
        const body = encoding ? await encoded(file, encoding) : await readFile(file);
        const how = encoding ? { 'Content-Encoding': encoding } : {};
        res.writeHead(200, { ...headers, ...type, ...how, Vary: 'Accept-Encoding', 'Content-Length': body.length }).end(body);
      } else {
        const body = await readFile(file);
        res.writeHead(200, { ...headers, ...type }).end(body);
      }
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
