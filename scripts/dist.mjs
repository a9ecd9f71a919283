// `npm run build`: the static build in dist/, for any static host.
//
//   dist/index.html            the page, its references rewritten to ↓
//   dist/assets/<hash>/www/…   the JS and CSS, laid out as in the repository
//   dist/assets/<hash>/pkg/…   the wasm builds (scripts/build.sh, run first)
//   dist/isolation-sw.js       the service worker: isolation and offline use
//   dist/_headers              the headers, for hosts that read this file
//   *.br, *.gz                 every text and wasm file, precompressed
//
// One content-hashed directory rather than hashed file names: the JS finds
// its files by relative URLs, some made at run time (runner.js's
// `../pkg/${name}/…`, the wasm next to its JS, wasm-bindgen-rayon's snippet
// importing `../../..`). Keeping the layout under assets/<hash>/ keeps all of
// them right without touching any JS, and any changed byte still gives every
// file a new URL, so hosts may cache them forever.
//
// Skipped when dist/ was built from the same inputs (dist/.build-id).
// `--force` rebuilds anyway.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { base as prefix, DIRS, page as asSent, rebase } from './assets.mjs';
import { precompress } from './compress.mjs';
import { headersFor } from './headers.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const SW = 'isolation-sw.js';
const PAGES = ['index.html'];
// Served without isolation (it talks to a window of ui.perfetto.dev).
const HANDOFF = 'perfetto.html';
// What the page loads: the types scripts/serve.mjs serves (not .d.ts).
const SHIPPED = ['.js', '.mjs', '.css', '.wasm', '.json', '.svg', '.png', '.ico'];

/** Every file under `dir` (relative to it, with `/`), sorted. */
function walk(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => f.split(sep).join('/'))
    .sort();
}

function write(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

const built = spawnSync('bash', ['scripts/build.sh'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const assets = DIRS
  .flatMap((dir) => walk(join(root, dir)).map((f) => `${dir}/${f}`))
  .filter((f) => SHIPPED.includes(extname(f)) && f !== `www/${SW}`);

// The hash covers everything dist/ is made of, this script included.
const hash = createHash('sha256');
for (const f of [...assets, ...PAGES, HANDOFF, `www/${SW}`, 'www/landing.html', 'scripts/dist.mjs', 'scripts/assets.mjs', 'scripts/compress.mjs', 'scripts/headers.mjs']) {
  hash.update(`${f}\0`).update(readFileSync(join(root, f))).update('\0');
}
const id = hash.digest('hex').slice(0, 16);
const base = prefix(id);

const idFile = join(dist, '.build-id');
if (!process.argv.includes('--force') && existsSync(idFile) && readFileSync(idFile, 'utf8') === id) {
  console.log(`dist: up to date (${base})`);
  process.exit(0);
}

rmSync(dist, { recursive: true, force: true });
for (const f of assets) write(join(dist, base, f), readFileSync(join(root, f)));

for (const page of PAGES) {
  let html = readFileSync(join(root, page), 'utf8');
  html = asSent(html, id, root);
  // The loader registers the service worker only where the page names it.
  const loader = `${base}www/isolation.js"`;
  if (html.split(loader).length !== 2) throw new Error(`dist: ${page} must load www/isolation.js once`);
  html = html.replace(loader, `${loader} data-service-worker="${SW}"`);
  // Every local reference must now exist in dist/.
  for (const [, attr, spec] of html.matchAll(/(?:src|href)="([^"]*)"|(?:import|from)\s*['"]([^'"]*)['"]/g)) {
    const ref = attr ?? spec;
    if (/^(?:[a-z]+:|#)/.test(ref)) continue;
    if (spec !== undefined && !/^\.{0,2}\//.test(spec)) throw new Error(`dist: ${page}: import '${spec}' is a bare specifier`);
    if (!existsSync(join(dist, ref.split(/[?#]/)[0]))) throw new Error(`dist: ${page} refers to ${ref}, which is not in dist/`);
  }
  write(join(dist, page), html);
}

// The Perfetto hand-over page, next to the page (its files in assets/).
write(join(dist, HANDOFF), rebase(readFileSync(join(root, HANDOFF), 'utf8'), id));

// What the worker caches for offline use, relative to it (the page at its
// own URL too: that is how a visitor opens it).
const precache = ['./', ...PAGES, ...assets.map((f) => base + f)];
write(join(dist, SW), `self.threadlabBuild = ${JSON.stringify({ version: id, precache, headers: headersFor(true) })};\n${readFileSync(join(root, 'www', SW), 'utf8')}`);

// Netlify and Cloudflare Pages read this; other hosts: docs/deploying.md.
// Each path's headers in one rule (two rules for one path merge their
// values): isolation for the page and its files, not for the Perfetto
// hand-over page.
const rules = [
  ['/', { ...headersFor(true), 'Cache-Control': 'no-cache' }],
  ...PAGES.map((p) => [`/${p}`, { ...headersFor(true), 'Cache-Control': 'no-cache' }]),
  ['/assets/*', { ...headersFor(true), 'Cache-Control': 'public, max-age=31536000, immutable' }],
  [`/${SW}`, { ...headersFor(true), 'Cache-Control': 'no-cache' }],
  [`/${HANDOFF}`, { ...headersFor(false), 'Cache-Control': 'no-cache' }],
];
write(join(dist, '_headers'), rules.map(([pattern, fields]) => `${pattern}\n${Object.entries(fields).map(([k, v]) => `  ${k}: ${v}\n`).join('')}`).join('\n'));

// Precompressed copies, for servers that send them as they are (nginx
// gzip_static/brotli_static, Caddy's `precompressed`, scripts/serve.mjs, …).
const totals = await precompress(dist, walk(dist));

// Last: an interrupted build is never taken for an up-to-date one.
writeFileSync(idFile, id);
const kB = (n) => `${Math.round(n / 1024)} kB`;
console.log(
  `dist: ${relative(process.cwd(), dist) || '.'}/ with ${assets.length} files in ${base}; ` +
    `${kB(totals.raw)} (brotli ${kB(totals.br)}, gzip ${kB(totals.gz)})`,
);
