// Where a build's files live for the browser: `assets/<id>/www/…` and
// `assets/<id>/pkg/…`, laid out as in the repository, so every relative URL
// the JS makes (a worker's script, its `import`s, the wasm next to its JS)
// keeps the prefix and no JS needs to know it. A new build gets a new id,
// so these URLs may be cached for ever. The static build (scripts/dist.mjs)
// names the directory after a hash of the files; the dev server
// (scripts/serve.mjs) answers under an id of the files as they are now.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DIRS = ['www', 'pkg'];

/** The URL prefix of build `id`. */
export const base = (id) => `assets/${id}/`;

/**
 * A page's references to www/ and pkg/ ("www/…", "./www/…", 'pkg/…', in
 * attributes and in an inline module's imports) pointed at build `id`. The
 * `./` stays: an import without it would be a bare specifier.
 */
export const rebase = (html, id) => html.replace(/(["'])(\.\/)?(www|pkg)\//g, `$1$2${base(id)}$3/`);

/** Where index.html carries the landing markup, in its `#app`. */
const LANDING = '<!-- landing -->';

/**
 * A page as sent: the landing markup (www/landing.html under `root`: the
 * app's own components rendered, checked by ui/tests/landing.rs) in place
 * of its marker, so the masthead and the lessons paint before the wasm has
 * loaded (the app then draws the same in their place; for an address with
 * a query, which shows something else, www/theme.js hides it), and every
 * reference pointed at build `id`.
 */
export function page(html, id, root) {
  const file = join(root, 'www/landing.html');
  const landing = html.includes(LANDING) && existsSync(file) ? `<div class="prerendered">${readFileSync(file, 'utf8').trim()}</div>` : '';
  return rebase(html.replace(LANDING, landing), id);
}
