// The dev server (scripts/serve.mjs) sends text and wasm compressed as the
// browser accepts, brotli first, from the build's precompressed copies or
// compressed once in memory, and says so in Vary; the bytes are the file's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { serve } from './harness.mjs';
import { negotiate } from '../../scripts/compress.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
let ctx;
before(async () => {
  ctx = await serve({ port: 0, quiet: true });
});
after(() => ctx?.server.close());

/** GET `path` with `accept` as Accept-Encoding (fetch itself would decode: node:http does not). */
async function get(path, accept) {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    request(new URL(path, ctx.url), { headers: accept === undefined ? {} : { 'Accept-Encoding': accept } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

test('Accept-Encoding picks brotli, then gzip, else the file as it is', () => {
  assert.equal(negotiate('gzip, deflate, br, zstd'), 'br');
  assert.equal(negotiate('gzip, br;q=0'), 'gzip');
  assert.equal(negotiate('*'), 'gzip');
  assert.equal(negotiate('identity'), null);
  assert.equal(negotiate(''), null);
  assert.equal(negotiate(undefined), null);
});

test('the page, its scripts and the wasm go out compressed, and decode to the files', async () => {
  for (const [path, file] of [['/', 'index.html'], ['/www/runner.js', 'www/runner.js'], ['/pkg/ui/threadlab_ui_bg.wasm', 'pkg/ui/threadlab_ui_bg.wasm']]) {
    const raw = readFileSync(root + file);
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
