// The response headers ThreadLab is served with: one definition for the dev
// server (scripts/serve.mjs), the static build's `_headers` and its service
// worker (scripts/dist.mjs writes them into dist/isolation-sw.js).

/**
 * Cross-origin isolation, so SharedArrayBuffer and shared wasm memory exist
 * (threads), and Document-Isolation-Policy so an embedded copy can be
 * isolated inside a non-isolated course page (Chromium 137+).
 */
export const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Document-Isolation-Policy': 'isolate-and-require-corp',
};

/**
 * The content security policy: as strict as the page runs under. Scripts,
 * workers, styles and fetches from this origin only (and the thread pool's
 * workers from blob: URLs this origin made), with
 * 'wasm-unsafe-eval' to compile WebAssembly (no 'unsafe-eval', nothing
 * inline: the page has no inline script, and the UI draws colours as SVG
 * attributes rather than style attributes). Images from this origin and
 * data:/blob: URLs (the PNG export draws an SVG copy of a chart). Frames:
 * the share panel's live preview of the embed, from this origin.
 * `frame-ancestors *`: being embedded by any course page is the point.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  // blob:: wasm-bindgen-rayon (no-bundler) starts each pool thread from a
  // blob: copy of its own worker script. Only this origin's scripts can
  // make a blob: URL of this origin.
  "worker-src 'self' blob:",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  'frame-ancestors *',
].join('; ');

/** Sent with every response (pages, scripts, wasm, the service worker). */
export const SECURITY = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  // Links carry experiments (and results): no other site needs them.
  'Referrer-Policy': 'no-referrer',
  // Nothing here uses these; an embed delegates none of them either.
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

/**
 * The headers for a path: isolation everywhere except `unisolated` pages
 * (the Perfetto hand-over page talks to a window of ui.perfetto.dev, which
 * COOP would cut it off from), the security headers everywhere.
 */
export function headersFor(isolated) {
  return { ...(isolated ? ISOLATION : {}), ...SECURITY };
}
