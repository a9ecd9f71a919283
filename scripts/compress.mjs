// Brotli and gzip copies of what the page fetches, one definition for the
// build (pkg/, `node scripts/compress.mjs pkg`), the static build
// (scripts/dist.mjs) and the dev server (scripts/serve.mjs, which sends a
// file's `.br`/`.gz` sibling when it is there and fresh, and compresses the
// others once, in memory).
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/** The types worth compressing (text and wasm; not images). */
export const COMPRESSED = ['.html', '.js', '.mjs', '.css', '.wasm', '.json', '.svg'];

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** `{br, gz}`: `data` as brotli (best quality) and gzip (best compression). */
export async function compress(data, ext) {
  const { BROTLI_PARAM_QUALITY, BROTLI_PARAM_MODE, BROTLI_PARAM_SIZE_HINT, BROTLI_MODE_TEXT, BROTLI_MODE_GENERIC, BROTLI_MAX_QUALITY } = zlib.constants;
  const mode = ext === '.wasm' ? BROTLI_MODE_GENERIC : BROTLI_MODE_TEXT;
  const [br, gz] = await Promise.all([
    brotli(data, { params: { [BROTLI_PARAM_QUALITY]: BROTLI_MAX_QUALITY, [BROTLI_PARAM_MODE]: mode, [BROTLI_PARAM_SIZE_HINT]: data.length } }),
    gzip(data, { level: zlib.constants.Z_BEST_COMPRESSION }),
  ]);
  return { br, gz };
}

/**
 * Writes `f.br` and `f.gz` beside every compressible file `f` under `dir`
 * (given relative to it); returns the totals `{raw, br, gz}` in bytes.
 */
export async function precompress(dir, files) {
  const totals = { raw: 0, br: 0, gz: 0 };
  await Promise.all(
    files
      .filter((f) => COMPRESSED.includes(extname(f)))
      .map(async (f) => {
        const data = readFileSync(join(dir, f));
        const { br, gz } = await compress(data, extname(f));
        writeFileSync(join(dir, `${f}.br`), br);
        writeFileSync(join(dir, `${f}.gz`), gz);
        totals.raw += data.length;
        totals.br += br.length;
        totals.gz += gz.length;
      }),
  );
  return totals;
}

/**
 * The encoding to send for an Accept-Encoding header: 'br', 'gzip' or null
 * (identity). Honours `q=0` (refused); otherwise prefers brotli.
 */
export function negotiate(acceptEncoding = '') {
  const accepted = new Set();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';').map((s) => s.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return null;
}

// `node scripts/compress.mjs DIR`: precompresses every file under DIR.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  const files = readdirSync(dir, { recursive: true }).filter((f) => statSync(join(dir, f)).isFile());
  const t = await precompress(dir, files);
  const kB = (n) => `${Math.round(n / 1024)} kB`;
  console.log(`compress: ${dir}: ${kB(t.raw)} (brotli ${kB(t.br)}, gzip ${kB(t.gz)})`);
}
