// The static build (`npm run build` → dist/) on a host that sends no headers
// at all: `python3 -m http.server`. The service worker isolates the page
// after one reload, never loops where isolation cannot work, and keeps the
// page working offline. Each visit gets a fresh browser profile (context),
// so every first visit really is a first visit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { launch, expectError } from './harness.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'dist');
const MARK = 'threadlab-isolation-reload'; // www/isolation.js
const LOOP = { workload: { kind: 'loop', size: 20_000_000 }, tasks: 4, workers: 2, repeats: 1 };
const ALL = ['sequential', 'threads_gil', 'threads', 'processes'];

/** `python3 -m http.server` over `dir` on a free port; `wasmType` replaces the type it sends for .wasm. */
async function python(dir, { wasmType } = {}) {
  const main = wasmType
    ? ['-c', `import mimetypes, runpy; mimetypes.init(); mimetypes.add_type(${JSON.stringify(wasmType)}, '.wasm'); runpy.run_module('http.server', run_name='__main__')`]
    : ['-m', 'http.server'];
  const child = spawn('python3', ['-u', ...main, '0', '--bind', '127.0.0.1', '--directory', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const port = /port (\d+)/.exec(out)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}/`);
    });
    child.once('exit', (code) => reject(new Error(`python3 -m http.server exited (${code}): ${out}`)));
  });
  return { url, stop: () => child.kill() };
}

let browser;
let host;
before(async () => {
  // Builds dist/ when it is missing or out of date (a no-op otherwise).
  const built = spawnSync(process.execPath, ['scripts/dist.mjs'], { cwd: root, encoding: 'utf8' });
  assert.equal(built.status, 0, `npm run build failed:\n${built.stdout}\n${built.stderr}`);
  host = await python(dist);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  host?.stop();
});

/** A first visit in a fresh profile; counts the page's loads and collects errors. */
async function visit(url, { options, prepare } = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const prepared = await prepare?.(context, page);
  const loads = [];
  const errors = [];
  page.on('load', () => loads.push(page.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  return { context, page, loads, errors, prepared };
}

/** Waits (across reloads) until the page is isolated and its API installed. */
const isolatedAndReady = (page) =>
  page.waitForFunction(() => crossOriginIsolated && window.threadlab !== undefined, null, { timeout: 30_000 });

const run = (page, experiment) => page.evaluate((e) => window.threadlab.run(e), experiment);
const statuses = (results) => Object.fromEntries(results.models.map((m) => [m.model, `${m.status} ${m.correct ? 'correct' : m.reason ?? m.error ?? 'wrong'}`]));

/** The fallback: not isolated, threads unavailable with the reason, sequential and processes run. */
async function assertFallback(page) {
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  const results = await run(page, { ...LOOP, workload: { kind: 'loop', size: 2_000_000 } });
  for (const m of results.models) {
    if (m.model.startsWith('threads')) {
      assert.equal(m.status, 'unavailable', m.model);
      assert.match(m.reason, /not cross-origin isolated/);
    } else {
      assert.equal(m.status, 'ran', m.model);
      assert.equal(m.correct, true, m.model);
    }
  }
}

test('dist/: hashed assets, .br and .gz copies, _headers, the service worker at the root', () => {
  const files = readdirSync(dist, { recursive: true }).map((f) => f.split('\\').join('/'));
  const [hashed, ...others] = readdirSync(join(dist, 'assets'));
  assert.match(hashed, /^[0-9a-f]{16}$/);
  assert.deepEqual(others, [], 'one build in assets/');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="([^"]*)"|(?:import|from)\s*'([^']*)'/g)].map((m) => m[1] ?? m[2]).filter((r) => !r.startsWith('data:'))
    // The landing markup's links within the page (#experiment, ?lesson=…).
    .filter((r) => !/^[#?]/.test(r));
  assert.ok(refs.length >= 4, `references found: ${refs}`);
  for (const ref of refs) {
    assert.match(ref, new RegExp(`^(\\./)?assets/${hashed}/(www|pkg)/`), `${ref} points into the hashed directory`);
    assert.ok(existsSync(join(dist, ref)), `${ref} exists`);
  }
  assert.match(html, /<meta name="color-scheme" content="light dark">/);
  assert.match(html, /data-service-worker="isolation-sw.js"/);
  const sw = readFileSync(join(dist, 'isolation-sw.js'), 'utf8');
  assert.ok(sw.includes(`"version":"${hashed}"`), 'the worker and its cache are named after the build');
  for (const f of ['www/runner.js', 'pkg/threads/threadlab_engine_bg.wasm', 'pkg/single/threadlab_engine_bg.wasm', 'pkg/ui/threadlab_ui_bg.wasm']) {
    assert.ok(files.includes(`assets/${hashed}/${f}`), f);
  }
  assert.ok(!files.some((f) => f.endsWith('.d.ts')), 'no type declarations');

  const compressible = files.filter((f) => ['.html', '.js', '.css', '.wasm'].includes(extname(f)));
  assert.ok(compressible.length >= 12, `${compressible.length} text and wasm files`);
  for (const f of compressible) {
    const raw = readFileSync(join(dist, f));
    assert.ok(brotliDecompressSync(readFileSync(join(dist, `${f}.br`))).equals(raw), `${f}.br`);
    assert.ok(gunzipSync(readFileSync(join(dist, `${f}.gz`))).equals(raw), `${f}.gz`);
  }

  const headers = readFileSync(join(dist, '_headers'), 'utf8');
  const rule = (path) => headers.split(/\n(?=\S)/).find((block) => block.startsWith(`${path}\n`)) ?? '';
  for (const h of [
    'Cross-Origin-Opener-Policy: same-origin',
    'Cross-Origin-Embedder-Policy: require-corp',
    'Cross-Origin-Resource-Policy: same-origin',
    'Document-Isolation-Policy: isolate-and-require-corp',
  ]) {
    for (const path of ['/', '/index.html', '/assets/*', '/isolation-sw.js']) assert.ok(rule(path).includes(`  ${h}\n`), `${path}: ${h}`);
    // The Perfetto hand-over page talks to another site's window: no isolation.
    assert.ok(!rule('/perfetto.html').includes(h.split(':')[0]), `/perfetto.html: no ${h}`);
  }
  assert.ok(existsSync(join(dist, 'perfetto.html')), 'the hand-over page at the root');
  assert.match(rule('/assets/*'), /Cache-Control: public, max-age=31536000, immutable/);
  assert.match(rule('/index.html'), /Cache-Control: no-cache/);
  assert.match(rule('/isolation-sw.js'), /Cache-Control: no-cache/);
});

test('a host with no headers: isolated after one reload, and every model runs, threads too', async () => {
  const { context, page, loads, errors } = await visit(host.url);
  await isolatedAndReady(page);
  await sleep(1_000); // no further reload
  assert.equal(loads.length, 2, `one reload: ${loads}`);
  assert.equal(await page.evaluate((k) => sessionStorage.getItem(k), MARK), null, 'the mark is cleared once isolated');
  const results = await run(page, LOOP);
  assert.deepEqual(results.models.map((m) => m.model), ALL);
  for (const m of results.models) assert.equal(`${m.status} ${m.correct}`, 'ran true', `${m.model}: ${m.reason ?? m.error ?? ''}`);
  assert.equal(results.environment.cross_origin_isolated, true);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a link's query string survives the reload; a later visit needs none", async () => {
  const { context, page, prepared: documents } = await visit(`${host.url}?v=1&workload=loop&size=5000&tasks=3`, {
    prepare: async (context, page) => {
      const documents = [];
      page.on('request', (r) => r.isNavigationRequest() && r.frame() === page.mainFrame() && documents.push(r.url()));
      return documents;
    },
  });
  await isolatedAndReady(page);
  await sleep(500);
  assert.equal(documents.length, 2, `one reload: ${documents}`);
  // (The page may have rewritten its address to the full link by the reload.)
  for (const url of documents) assert.match(url, /\?(.*&)?size=5000&(.*&)?tasks=3(&|$)/);
  assert.equal(await page.inputValue('#size'), '5000', 'the experiment of the link');
  assert.equal(await page.inputValue('#tasks'), '3');
  // Another page of the same visitor is loaded through the worker at once.
  const again = await context.newPage();
  let loads = 0;
  again.on('load', () => loads++);
  await again.goto(`${host.url}?v=1&workload=sleep`);
  await isolatedAndReady(again);
  await sleep(500);
  assert.equal(loads, 1, 'isolated on its first load');
  await context.close();
});

test('a host without the service worker: no reload, and the fallback runs sequential and processes', async () => {
  expectError(/A bad HTTP response code \(404\) was received when fetching the script/, 'the test makes the worker script 404');
  const { context, page, loads, prepared: gaveUp } = await visit(host.url, {
    prepare: async (context, page) => {
      await context.route('**/isolation-sw.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
      return { promise: page.waitForEvent('console', { predicate: (m) => /no service worker/.test(m.text()), timeout: 30_000 }) };
    },
  });
  await gaveUp.promise;
  await page.waitForFunction(() => window.threadlab !== undefined);
  await sleep(1_000);
  assert.equal(loads.length, 1, `no reload: ${loads}`);
  await assertFallback(page);
  assert.match(await page.textContent('.environment .warning'), /not cross-origin isolated/);
  await context.close();
});

test('a worker that never serves the page (DevTools "Bypass for network"): one reload, then the fallback, no loop', async () => {
  const { context, page, loads } = await visit(host.url, {
    prepare: async (context, page) => {
      const devtools = await context.newCDPSession(page);
      await devtools.send('Network.enable');
      await devtools.send('Network.setBypassServiceWorker', { bypass: true });
    },
  });
  // The worker installs, the page reloads once to go through it, is still
  // not isolated, and stays.
  await page.waitForFunction((k) => sessionStorage.getItem(k) !== null && window.threadlab !== undefined, MARK, { timeout: 30_000 });
  await sleep(2_000);
  assert.equal(loads.length, 2, `exactly one reload: ${loads}`);
  await assertFallback(page);
  await context.close();
});

test('embedded in a course page on another site: the frame never reloads more than once, and runs', async () => {
  // The course page: another site (localhost, not 127.0.0.1), no headers.
  const frameUrl = `${host.url}?v=1&workload=loop&size=5000&embed=1`;
  const course = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<h1>A course</h1><iframe src="${frameUrl}" allow="cross-origin-isolated" width="900" height="640"></iframe>`);
  });
  await new Promise((resolve) => course.listen(0, '127.0.0.1', resolve));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const documents = [];
    page.on('request', (r) => r.isNavigationRequest() && r.frame() !== page.mainFrame() && documents.push(r.url()));
    await page.goto(`http://localhost:${course.address().port}/`);
    const frame = () => page.frames().find((f) => f !== page.mainFrame());
    await frame().waitForFunction(() => window.threadlab !== undefined, null, { timeout: 30_000 });
    await sleep(2_000);
    assert.ok(documents.length <= 2, `at most one reload: ${documents}`);
    // Chromium 156 lets no third-party frame use a service worker (nor
    // sessionStorage) by default: the frame stays in the fallback. Where it
    // may, Document-Isolation-Policy from the worker isolates it.
    const isolated = await frame().evaluate(() => crossOriginIsolated);
    const results = await frame().evaluate(() => window.threadlab.run({ workload: { kind: 'loop', size: 2000000 }, tasks: 2, workers: 2, repeats: 1 }));
    for (const m of results.models) {
      const ran = !m.model.startsWith('threads') || isolated;
      assert.equal(m.status, ran ? 'ran' : 'unavailable', m.model);
    }
  } finally {
    await context.close();
    course.close();
  }
});

test('offline after the first load: the page loads from the cache, isolated, and runs', async () => {
  // Its own server, stopped below: nothing can come from the network.
  const own = await python(dist);
  try {
    const { context, page, errors } = await visit(`${own.url}?size=1`);
    await isolatedAndReady(page);
    const hashed = readdirSync(join(dist, 'assets'))[0];
    assert.deepEqual(await page.evaluate(() => caches.keys()), [`threadlab-${hashed}`]);
    own.stop();
    await context.setOffline(true);
    await page.reload();
    await isolatedAndReady(page);
    const results = await run(page, { ...LOOP, models: ['sequential', 'threads', 'processes'] });
    assert.deepEqual(statuses(results), { sequential: 'ran correct', threads: 'ran correct', processes: 'ran correct' });
    // Any experiment link, not only the one visited.
    const other = await context.newPage();
    await other.goto(`${own.url}?workload=sleep`);
    await isolatedAndReady(other);
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    own.stop();
  }
});

test('a server that sends the wrong type for .wasm: the engines still load', async () => {
  const wrong = await python(dist, { wasmType: 'application/octet-stream' });
  try {
    const { context, page } = await visit(wrong.url);
    await isolatedAndReady(page);
    const type = await page.evaluate(async () => {
      const wasm = document.querySelector('script[data-service-worker]').src.replace(/www\/isolation\.js$/, 'pkg/single/threadlab_engine_bg.wasm');
      return (await fetch(wasm)).headers.get('content-type');
    });
    assert.equal(type, 'application/octet-stream');
    const results = await run(page, LOOP);
    for (const m of results.models) assert.equal(`${m.status} ${m.correct}`, 'ran true', m.model);
    await context.close();
  } finally {
    wrong.stop();
  }
});

test('a new deploy shows at once, and its worker replaces the cache once the old pages are closed', async () => {
  // A copy of dist/ that is then deployed again under another build hash.
  const site = mkdtempSync(join(tmpdir(), 'threadlab-deploy-'));
  cpSync(dist, site, { recursive: true });
  const server = await python(site);
  const context = await browser.newContext();
  try {
    const open = async () => {
      const page = await context.newPage();
      await page.goto(server.url);
      await isolatedAndReady(page);
      return page;
    };
    const cachesOf = (page) => page.evaluate(() => caches.keys());
    const first = await open();
    const old = readdirSync(join(site, 'assets'))[0];
    assert.deepEqual(await cachesOf(first), [`threadlab-${old}`]);
    await first.close();

    const next = 'feedfacefeedface';
    renameSync(join(site, 'assets', old), join(site, 'assets', next));
    const later = new Date(Date.now() + 60_000); // python answers 304 to a file changed within the same second
    for (const f of ['index.html', 'isolation-sw.js']) {
      writeFileSync(join(site, f), readFileSync(join(site, f), 'utf8').replaceAll(old, next));
      utimesSync(join(site, f), later, later);
    }
    // Still under the old worker, the page is the new one (network first).
    const during = await open();
    assert.match(await during.getAttribute('script[data-service-worker]', 'src'), new RegExp(`assets/${next}/`));
    // The browser looks for a new worker after navigations, when idle; asked
    // at once here. It installs and waits while an old page is open.
    await during.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      await registration.update();
      while (!registration.waiting) await new Promise((r) => setTimeout(r, 50));
    });
    assert.deepEqual((await cachesOf(during)).sort(), [`threadlab-${next}`, `threadlab-${old}`].sort());
    await during.close();
    // No old page left: the new worker takes over and drops the old cache.
    const after = await open();
    await after.waitForFunction((k) => caches.keys().then((keys) => keys.join() === k), `threadlab-${next}`, { timeout: 10_000 });
  } finally {
    await context.close();
    server.stop();
    rmSync(site, { recursive: true, force: true });
  }
});
