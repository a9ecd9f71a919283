// The dev server (scripts/serve.mjs) sends text and wasm compressed as the
// browser accepts, brotli first, from the build's precompressed copies or
// compressed once in memory, and says so in Vary; the bytes are the file's.
// The page points at www/ and pkg/ under the current build's id, which the
// browser may keep for ever; any change to those files gives a new id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { launch, serve } from './harness.mjs';
import { page } from '../../scripts/assets.mjs';
import { negotiate } from '../../scripts/compress.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
let ctx;
before(async () => {
  ctx = await serve({ port: 0, quiet: true });
});
after(() => ctx?.server.close());

/** GET `path` with `accept` as Accept-Encoding (fetch itself would decode: node:http does not). */
async function get(path, accept, url = ctx.url) {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    request(new URL(path, url), { headers: accept === undefined ? {} : { 'Accept-Encoding': accept } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The build id the page at `url` points at. */
const idOf = async (url) => (await get('/', undefined, url)).body.toString().match(/"assets\/([0-9a-f]{16})\/www\/main\.js"/)?.[1];

test('Accept-Encoding picks brotli, then gzip, else the file as it is', () => {
  assert.equal(negotiate('gzip, deflate, br, zstd'), 'br');
  assert.equal(negotiate('gzip, br;q=0'), 'gzip');
  assert.equal(negotiate('*'), 'gzip');
  assert.equal(negotiate('identity'), null);
  assert.equal(negotiate(''), null);
  assert.equal(negotiate(undefined), null);
});

test('the page, its scripts and the wasm go out compressed, and decode to the files', async () => {
  const id = await idOf(ctx.url);
  for (const [path, file] of [['/', 'index.html'], ['/www/runner.js', 'www/runner.js'], [`/assets/${id}/pkg/ui/threadlab_ui_bg.wasm`, 'pkg/ui/threadlab_ui_bg.wasm']]) {
    // The page as sent: the landing markup in it, pointed at the build's id.
    const raw = file === 'index.html' ? Buffer.from(page(readFileSync(root + file, 'utf8'), id, root)) : readFileSync(root + file);
    const br = await get(path, 'gzip, deflate, br');
    assert.equal(br.status, 200);
    assert.equal(br.headers['content-encoding'], 'br', path);
    assert.equal(br.headers.vary, 'Accept-Encoding');
    assert.equal(br.headers['cross-origin-embedder-policy'], 'require-corp');
    assert.ok(br.body.length < raw.length, `${path}: ${br.body.length} bytes compressed of ${raw.length}`);
    assert.deepEqual(brotliDecompressSync(br.body), raw, path);
    const gz = await get(path, 'gzip');
    assert.equal(gz.headers['content-encoding'], 'gzip', path);
    assert.deepEqual(gunzipSync(gz.body), raw, path);
    const plain = await get(path);
    assert.equal(plain.headers['content-encoding'], undefined, path);
    assert.equal(plain.headers.vary, 'Accept-Encoding');
    assert.deepEqual(plain.body, raw, path);
  }
  assert.equal((await get('/Cargo.toml', 'br')).status, 404);
});


test('the page points at the build id, whose files may be kept for ever; anything else is asked again', async () => {
  const page = await get('/');
  assert.equal(page.headers['cache-control'], 'no-cache');
  const id = await idOf(ctx.url);
  assert.ok(id, 'the page loads assets/<id>/www/main.js');
  const html = page.body.toString();
  assert.ok(!/["'](\.\/)?(www|pkg)\//.test(html), 'no unversioned reference left');
  for (const path of ['www/worker.js', 'www/style.css', 'pkg/single/threadlab_engine.js', 'pkg/single/threadlab_engine_bg.wasm']) {
    const raw = readFileSync(root + path);
    const versioned = await get(`/assets/${id}/${path}`);
    assert.equal(versioned.status, 200, path);
    assert.equal(versioned.headers['cache-control'], IMMUTABLE, path);
    assert.equal(versioned.headers['cross-origin-embedder-policy'], 'require-corp', path);
    assert.deepEqual(versioned.body, raw, path);
    // Unversioned, or under an id that is not the files' now (a page from
    // before a rebuild): the file as it is, asked for again every time.
    for (const other of [`/${path}`, `/assets/0123456789abcdef/${path}`]) {
      const r = await get(other);
      assert.equal(r.status, 200, other);
      assert.equal(r.headers['cache-control'], 'no-cache', other);
      assert.deepEqual(r.body, raw, other);
    }
  }
  // Only www/ and pkg/ are under the prefix.
  for (const path of [`/assets/${id}/index.html`, `/assets/${id}/Cargo.toml`, `/assets/${id}/www/../Cargo.toml`, '/assets/nothex/www/runner.js']) {
    assert.equal((await get(path)).status, 404, path);
  }
});

test('a rebuild gives a new id at once: the old id is never sent as immutable again, not even for a file that kept its size and time', async () => {
  const site = mkdtempSync(join(tmpdir(), 'threadlab-serve-'));
  const other = await serve({ port: 0, quiet: true, root: site });
  try {
    cpSync(root + 'index.html', join(site, 'index.html'));
    mkdirSync(join(site, 'www'));
    mkdirSync(join(site, 'pkg', 'single'), { recursive: true });
    const script = join(site, 'www', 'worker.js');
    writeFileSync(script, 'export const build = 1;\n');
    writeFileSync(join(site, 'pkg', 'single', 'threadlab_engine.js'), 'export {};\n');
    const first = await idOf(other.url);
    assert.ok(first);
    assert.equal((await get(`/assets/${first}/www/worker.js`, undefined, other.url)).headers['cache-control'], IMMUTABLE);
    assert.equal(await idOf(other.url), first, 'nothing changed, same id');

    // The same size and modification time to the nanosecond, other bytes
    // (a build that restores times, or two writes in one clock tick): still
    // a new id.
    const times = join(site, 'times');
    writeFileSync(times, '');
    const touch = (args) => assert.equal(spawnSync('touch', args).status, 0);
    touch(['-r', script, times]);
    writeFileSync(script, 'export const build = 2;\n');
    touch(['-r', times, script]);
    assert.equal(statSync(script, { bigint: true }).mtimeNs, statSync(times, { bigint: true }).mtimeNs);
    const second = await idOf(other.url);
    assert.ok(second && second !== first, `a new id after the change (${first}, then ${second})`);
    const stale = await get(`/assets/${first}/www/worker.js`, undefined, other.url);
    assert.equal(stale.headers['cache-control'], 'no-cache');
    assert.equal(stale.body.toString(), 'export const build = 2;\n', 'what the file is now, never kept');
    const fresh = await get(`/assets/${second}/www/worker.js`, undefined, other.url);
    assert.equal(fresh.headers['cache-control'], IMMUTABLE);
    assert.equal(fresh.body.toString(), 'export const build = 2;\n');

    // A file added (or removed) is a change too.
    writeFileSync(join(site, 'pkg', 'single', 'new.js'), '');
    assert.notEqual(await idOf(other.url), second);
  } finally {
    other.server.close();
    rmSync(site, { recursive: true, force: true });
  }
});

test('a new process worker loads its scripts from the browser cache: nothing asked of the server', async () => {
  const browser = await launch();
  const asked = [];
  const onRequest = (req) => asked.push(req.url);
  try {
    const page = await browser.newPage();
    await page.goto(ctx.url);
    await page.waitForFunction(() => window.threadlab !== undefined, null, { timeout: 30_000 });
    await page.evaluate(() => window.threadlabRunner.probeProcessStartup());
    ctx.server.on('request', onRequest);
    const ms = await page.evaluate(() => window.threadlabRunner.probeProcessStartup());
    assert.ok(ms > 0);
    assert.deepEqual(asked, [], 'the second worker fetched nothing');
  } finally {
    ctx.server.off('request', onRequest);
    await browser.close();
  }
});

test('every response carries the content security policy and the security headers; the docs show the same policy', async () => {
  const { SECURITY, CONTENT_SECURITY_POLICY } = await import('../../scripts/headers.mjs');
  for (const path of ['/', '/perfetto.html', '/www/worker.js', '/pkg/single/threadlab_engine_bg.wasm', '/no-such-file']) {
    const { headers } = await get(path);
    for (const [name, value] of Object.entries(SECURITY)) assert.equal(headers[name.toLowerCase()], value, `${path}: ${name}`);
  }
  // Strict: no inline scripts, no eval, no plugins, no <base>.
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|'unsafe-eval'/);
  assert.match(CONTENT_SECURITY_POLICY, /object-src 'none'/);
  assert.match(CONTENT_SECURITY_POLICY, /base-uri 'none'/);
  // The page has no inline script to need a hash or 'unsafe-inline'.
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  assert.deepEqual([...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)].map((m) => m[0]), [], 'index.html: every script has a src');
  // Hosts that cannot read _headers copy the policy from docs/deploying.md.
  assert.ok(readFileSync(join(root, 'docs/deploying.md'), 'utf8').includes(`Content-Security-Policy: ${CONTENT_SECURITY_POLICY}`), 'docs/deploying.md shows the policy as served');
});
