// Shared set-up for the page tests: serve the built page on a free port and
// drive Debian's Chromium with playwright-core (never a downloaded browser).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.mjs';

export const artifacts = fileURLToPath(new URL('../../artifacts/', import.meta.url));
mkdirSync(artifacts, { recursive: true });

/**
 * Console errors and uncaught exceptions a test may meet, each with why.
 * Anything else on any page (or frame) of a test fails it.
 */
export const ALLOWED = [
  // None yet: every lesson, link and embed leaves a clean console.
];

/** What the pages of the test running now reported (see `guard`). */
let reported = [];

// Before any script of a page or frame: a content security policy report
// becomes a console error, which the console listener below collects.
const REPORT_VIOLATIONS = () => {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
  });
};

function watchPage(page) {
  page.on('console', (m) => m.type() === 'error' && reported.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => reported.push(`uncaught: ${e.message}`));
}

async function watchContext(context) {
  await context.addInitScript(REPORT_VIOLATIONS);
  context.on('page', watchPage);
  return context;
}

/**
 * Watches every page the browser opens: CSP reports, console errors and
 * uncaught errors are collected, and each test ends by checking there were
 * none outside ALLOWED (registered here, once per test file).
 */
function guard(browser) {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => watchContext(await newContext(options));
  // browser.newPage makes a context of its own: watch it before the page loads.
  browser.newPage = async (options) => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    // Closing the page closes its context, as Playwright's own newPage does.
    page.on('close', () => context.close().catch(() => {}));
    return page;
  };
  return browser;
}

// Only under the test runner (`node --test` sets NODE_TEST_CONTEXT): the
// benchmark uses this harness too, and must print nothing but its JSON.
if (process.env.NODE_TEST_CONTEXT) {
  const { afterEach } = await import('node:test');
  afterEach(() => {
    const seen = reported.filter((r) => ![...ALLOWED, ...expected].some((a) => a.test(r)));
    reported = [];
    expected = [];
    assert.deepEqual(seen, [], 'the pages reported errors (a CSP violation, a console error or an uncaught error)');
  });
}

export async function launch() {
  return guard(await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    // ForceEagerMeasureMemory: performance.measureUserAgentSpecificMemory()
    // answers at once instead of at the next garbage collection.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--enable-blink-features=ForceEagerMeasureMemory'],
  }));
}

/** Opens the page; `errors` collects console errors and uncaught exceptions. */
export async function open(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.threadlab !== undefined, null, { timeout: 30_000 });
  return { page, errors };
}

export { serve };

/**
 * Opens `url` in a context of its own, sized `width` × `height` (under
 * 500 px wide: a phone, with touch), light or `dark`; `errors` collects
 * console errors and uncaught exceptions. `close` ends the context.
 */
export async function openAt(browser, url, { width, height, dark = false }) {
  const phone = width < 500;
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: dark ? 'dark' : 'light', hasTouch: phone, isMobile: phone });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.threadlab !== undefined, null, { timeout: 30_000 });
  return { page, errors, close: () => context.close() };
}

/**
 * Someone else's site (a course page, a blog): a server on this machine
 * that answers every path with an empty page and no headers of ours (no
 * isolation, no content security policy). Tests put the host page's
 * content in with page.setContent after loading it (a page fulfilled by
 * the test runner would count as a public page, which Chromium forbids to
 * frame a local server). Resolves {url, close}.
 */
export function foreignHost() {
  const server = createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Course</title>'));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() })));
}

/** Errors the test running now expects (a file made to fail to load, …): `pattern`, and why. */
export function expectError(pattern, why) {
  if (!why) throw new Error('expectError: say why the error is expected');
  expected.push(pattern);
}
let expected = [];

/**
 * Registers before/after hooks that serve the page and start Chromium once
 * for a test file; returns getters for both.
 */
export function servedPage(before, after) {
  const ctx = {};
  before(async () => {
    Object.assign(ctx, await serve({ port: 0, quiet: true }));
    ctx.browser = await launch();
  });
  after(async () => {
    await ctx.browser?.close();
    ctx.server?.close();
  });
  return { browser: () => ctx.browser, url: () => ctx.url };
}

const runsEnded = (page) => page.getAttribute('section.results', 'data-runs-ended').then(Number);
const started = new WeakMap();

/** Presses Run, remembering how many runs had ended before. */
export async function pressRun(page) {
  started.set(page, await runsEnded(page));
  await page.click('button.run');
}

/** Fills the experiment builder and presses Run, as a person would. */
export async function runThroughUi(page, { workload, size, tasks, workers, repeats }) {
  await page.selectOption('#workload', workload);
  for (const [id, value] of Object.entries({ size, tasks, workers, repeats })) {
    if (value !== undefined) await page.fill(`#${id}`, String(value));
  }
  await pressRun(page);
}

/** Waits for the run started last to end and reads the results table as shown. */
export async function readResults(page, timeout = 120_000) {
  const before = started.get(page) ?? 0;
  await page.waitForFunction((n) => Number(document.querySelector('section.results').dataset.runsEnded) > n, before, { timeout });
  return page.$$eval('.results-table tbody tr', (rows) =>
    rows.map((r) => ({
      model: r.dataset.model,
      median: r.querySelector('.median')?.textContent ?? null,
      speedup: r.querySelector('.speedup')?.textContent ?? null,
      check: r.querySelector('.check')?.textContent ?? '',
      ok: !!r.querySelector('.check.ok'),
    })),
  );
}

/** Waits until the page's alert says `text` (a string, or a RegExp) and returns it. */
export async function alertSays(page, text, timeout = 10_000) {
  const [source, flags] = text instanceof RegExp ? [text.source, text.flags] : [null, null];
  await page
    .waitForFunction(
      ({ text, source, flags }) => {
        const shown = document.querySelector('[role=alert]')?.textContent ?? '';
        return source ? new RegExp(source, flags).test(shown) : shown === text;
      },
      { text, source, flags },
      { timeout },
    )
    .catch(() => {});
  return page.textContent('[role=alert]');
}
