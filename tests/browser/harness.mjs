// Shared set-up for the page tests: serve the built page on a free port and
// drive Debian's Chromium with playwright-core (never a downloaded browser).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.mjs';

export const artifacts = fileURLToPath(new URL('../../artifacts/', import.meta.url));
mkdirSync(artifacts, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    // ForceEagerMeasureMemory: performance.measureUserAgentSpecificMemory()
    // answers at once instead of at the next garbage collection.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--enable-blink-features=ForceEagerMeasureMemory'],
  });
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
