// Lighthouse as an outside judge (`npm run bench`, section `lighthouse`):
// the landing page and a lesson link, each audited LIGHTHOUSE_RUNS times
// (default 3) with Lighthouse's defaults (a mobile phone, simulated
// throttling), in Debian's Chromium started here with a debugging port.
// Every category's score is a figure over the runs (0–100), with the
// targets of issue #20; the audits that fell short are listed by name.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lighthouse from 'lighthouse';

const { version } = createRequire(import.meta.url)('lighthouse/package.json');

export const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
/** The least score each category must reach (the median over the runs). */
export const TARGETS = { performance: { min: 98 }, accessibility: { min: 100 }, 'best-practices': { min: 100 }, seo: { min: 90 } };

/** Starts Chromium with a free debugging port; resolves {port, close}. */
function chromium() {
  const profile = mkdtempSync(join(tmpdir(), 'threadlab-lighthouse-'));
  const child = spawn(process.env.CHROMIUM ?? '/usr/bin/chromium', [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', '--disable-background-networking',
    '--disable-component-update', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Waits for Chromium to exit before removing its profile (it writes
  // until then). Its helper processes may still write for a moment after
  // (a directory found not empty): removing is retried for up to 3 s, and
  // a profile left behind in the temporary directory is said, not fatal
  // (the scores are in).
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const close = async () => {
    child.kill();
    await exited;
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 15, retryDelay: 200 });
    } catch (e) {
      console.error(`lighthouse: Chromium's profile left at ${profile} (${e.code ?? e.message})`);
    }
  };
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (d) => {
      text += d;
      const m = text.match(/DevTools listening on ws:\/\/[^:]+:(\d+)\//);
      if (m) resolve({ port: Number(m[1]), close });
    });
    child.once('exit', (code) => reject(new Error(`chromium exited (${code}) before its debugging port opened: ${text.slice(-500)}`)));
  });
}

/** One audit of `url`: every category's score (0–100) and what fell short. */
async function audit(url, port) {
  const { lhr } = await lighthouse(url, { port, output: 'json', logLevel: 'error', onlyCategories: CATEGORIES });
  if (lhr.runtimeError) throw new Error(`lighthouse: ${lhr.runtimeError.message}`);
  const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round(100 * (lhr.categories[c]?.score ?? 0))]));
  // Audits that count towards a score and did not pass, by category.
  const short = {};
  for (const c of CATEGORIES) {
    short[c] = lhr.categories[c].auditRefs
      .filter((r) => r.weight > 0 && lhr.audits[r.id].score !== null && lhr.audits[r.id].score < 0.9)
      .map((r) => `${r.id}${lhr.audits[r.id].displayValue ? ` (${lhr.audits[r.id].displayValue})` : ''}`);
  }
  const metric = (id) => lhr.audits[id]?.numericValue ?? null;
  return { scores, short, metrics: { fcp_ms: metric('first-contentful-paint'), lcp_ms: metric('largest-contentful-paint'), tbt_ms: metric('total-blocking-time'), cls: metric('cumulative-layout-shift') } };
}

/**
 * Audits each of `pages` ({name: url}) `runs` times; `figure(samples, unit,
 * target)` makes the bench's figures.
 */
export async function lighthouseReport(pages, runs, figure) {
  const browser = await chromium();
  try {
    const out = { note: `Lighthouse ${version}: a mobile phone, simulated throttling; the median of ${runs} runs per page`, pages: {} };
    for (const [name, url] of Object.entries(pages)) {
      const audits = [];
      for (let i = 0; i < runs; i++) audits.push(await audit(url, browser.port));
      const page = {};
      for (const c of CATEGORIES) page[c] = figure(audits.map((a) => a.scores[c]), 'score', TARGETS[c]);
      for (const m of Object.keys(audits[0].metrics)) page[m] = figure(audits.map((a) => a.metrics[m]), m === 'cls' ? '' : 'ms');
      page.short_of_full_marks = [...new Set(audits.flatMap((a) => CATEGORIES.flatMap((c) => a.short[c].map((s) => `${c}: ${s.replace(/ \(.*\)$/, '')}`))))];
      out.pages[name] = page;
    }
    return out;
  } finally {
    await browser.close();
  }
}
