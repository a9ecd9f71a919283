// Experiment links, through the UI as a person uses them: Share, open the
// link elsewhere, their run vs yours, and links that are broken or hostile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { servedPage, open, pressRun, readResults } from './harness.mjs';

const served = servedPage(before, after);
const runsEnded = (page) => page.getAttribute('section.results', 'data-runs-ended').then(Number);

test('Share copies a link that opens the same experiment, not run until Run is pressed', async () => {
  const context = await served.browser().newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  await page.goto(served.url());
  await page.waitForFunction(() => window.threadlab !== undefined);
  await page.selectOption('#workload', 'sleep');
  await page.fill('#size', '15');
  await page.fill('#tasks', '3');
  await page.fill('#workers', '2');
  await page.fill('#repeats', '1');
  await page.fill('#switch_interval', '2.5');
  await page.uncheck('#model-threads_gil');
  const history = await page.evaluate(() => history.length);
  // The address bar follows the form, without a history entry per keystroke.
  await page.waitForFunction(() => location.search.includes('ms=15') && location.search.includes('switch=2.5'));
  assert.equal(await page.evaluate(() => history.length), history);
  await page.click('button.share');
  await page.waitForSelector('.copy-status:text("Link copied.")');
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(link, await page.inputValue('#share-link'));
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/\?v=1&workload=sleep&ms=15&tasks=3&workers=2&models=sequential,threads,processes&repeats=1&switch=2\.5$/);
  const shown = await page.evaluate(() => window.threadlab.current());

  const fresh = await context.newPage();
  await fresh.goto(link);
  await fresh.waitForFunction(() => window.threadlab !== undefined);
  assert.deepEqual(await fresh.evaluate(() => window.threadlab.current()), shown);
  assert.equal(await fresh.inputValue('#workload'), 'sleep');
  assert.equal(await fresh.inputValue('#size'), '15');
  assert.equal(await fresh.isChecked('#model-threads_gil'), false);
  await fresh.waitForTimeout(500);
  assert.equal(await runsEnded(fresh), 0, 'a link does not run by itself');
  assert.equal(await fresh.locator('.link-notes').count(), 0);
  await context.close();
});

test('autorun=1 runs the link at once; a link with ignored parts does not', async () => {
  const { page } = await open(served.browser(), `${served.url()}?v=1&workload=sleep&ms=5&tasks=2&workers=2&repeats=1&autorun=1`);
  await page.waitForFunction(() => Number(document.querySelector('section.results').dataset.runsEnded) === 1, null, { timeout: 30_000 });
  assert.equal(await page.locator('.results-table tbody tr').count(), 4);
  // Beyond the limits: the part is ignored, said, and nothing runs.
  const bad = await open(served.browser(), `${served.url()}?v=1&workload=loop&size=5000000000&tasks=512&autorun=1`);
  await bad.page.waitForTimeout(800);
  assert.equal(await runsEnded(bad.page), 0);
  const notes = await bad.page.textContent('.link-notes');
  assert.match(notes, /`tasks=512` was ignored \(This experiment is too large for a browser tab/);
  assert.match(notes, /not run automatically/);
  await page.close();
  await bad.page.close();
});

test('every field of a link survives, trace=0 included', async () => {
  const { page } = await open(served.browser(), `${served.url()}?v=1&workload=mixed&recipe=cpu+2ms,+io+3ms,+x2&tasks=3&workers=2&models=sequential,processes&repeats=1&switch=0.5&trace=0`);
  const e = await page.evaluate(() => window.threadlab.current());
  assert.deepEqual([e.workload.recipe, e.tasks, e.switch_interval_ms, e.trace], ['cpu 2ms, io 3ms, x2', 3, 0.5, false]);
  assert.equal(await page.isChecked('#trace'), false);
  assert.match(await page.evaluate(() => location.search), /&trace=0$/);
  await page.close();
});

test('old links decode through their migration', async () => {
  const { page } = await open(served.browser(), `${served.url()}?v=0&kind=primes&size=5000&switch_interval_ms=2`);
  const e = await page.evaluate(() => window.threadlab.current());
  assert.deepEqual(e.workload, { kind: 'primes', size: 5000 });
  assert.equal(e.switch_interval_ms, 2);
  assert.equal(await page.locator('.link-notes').count(), 0);
  // The address bar now holds the current format.
  assert.match(await page.evaluate(() => location.search), /^\?v=1&workload=primes&size=5000&/);
  await page.close();
});

test('their run vs yours: a link with results shows both, side by side', async () => {
  const { page } = await open(served.browser(), served.url());
  const exp = { workload: { kind: 'sleep', ms: 10 }, tasks: 2, workers: 2, repeats: 1 };
  const results = await page.evaluate((e) => window.threadlab.run(e), exp);
  const link = await page.evaluate(([e, r]) => window.threadlab.link(e, { results: r }), [exp, results]);
  assert.ok(link.length < 2000, `${link.length} characters`);
  // The page's own Share offers the same, with results.
  assert.equal(await page.isChecked('#share-results'), true);
  assert.match(await page.inputValue('#share-link'), /&r=/);

  const visitor = await open(served.browser(), link);
  const theirs = await visitor.page.$$eval('.compare-table tbody tr', (rows) => rows.map((r) => [r.dataset.model, r.querySelector('.theirs').textContent, r.querySelector('.yours').textContent]));
  assert.deepEqual(theirs.map((r) => r[0]), ['sequential', 'threads_gil', 'threads', 'processes']);
  assert.ok(theirs.every(([, t, y]) => /ms$/.test(t) && y === '–'), JSON.stringify(theirs));
  assert.match(await visitor.page.textContent('.compare .machines'), /Theirs: \d+ cores?, Chrome \d+.*Press Run/);
  await pressRun(visitor.page);
  await readResults(visitor.page);
  const both = await visitor.page.$$eval('.compare-table tbody tr', (rows) => rows.map((r) => r.querySelector('.yours').textContent));
  assert.ok(both.every((y) => /ms$/.test(y)), JSON.stringify(both));
  assert.equal(await visitor.page.locator('.compare-chart rect.yours').count(), 4);
  assert.equal(await visitor.page.locator('.compare-chart rect.theirs').count(), 4);
  // Edit the experiment: their run no longer applies.
  await visitor.page.fill('#tasks', '3');
  await visitor.page.waitForFunction(() => !document.querySelector('.compare'));
  assert.deepEqual(visitor.errors, []);
  await page.close();
  await visitor.page.close();
});

test('threadlab.link and threadlab.current round-trip; bad input is refused by name', async () => {
  const { page } = await open(served.browser(), served.url());
  const exp = { workload: { kind: 'convoy', cpu_ms: 200, io_ms: 2 }, workers: 3, models: ['threads_gil', 'processes'], repeats: 2 };
  const link = await page.evaluate((e) => window.threadlab.link(e), exp);
  assert.match(link, /\?v=1&workload=convoy&cpu_ms=200&io_ms=2&workers=3&models=threads_gil,processes&repeats=2&switch=5$/);
  await page.goto(link);
  await page.waitForFunction(() => window.threadlab !== undefined);
  const e = await page.evaluate(() => window.threadlab.current());
  assert.deepEqual([e.workload, e.workers, e.tasks, e.models, e.repeats], [{ kind: 'convoy', cpu_ms: 200, io_ms: 2 }, 3, 3, ['threads_gil', 'processes'], 2]);
  const refused = await page.evaluate(() => {
    try {
      window.threadlab.link({ workload: { kind: 'loop' }, wokers: 3 });
      return 'returned';
    } catch (err) {
      return `${err.name}: ${err.message}`;
    }
  });
  assert.equal(refused, 'InvalidExperiment: Unknown key `wokers`: did you mean `workers`?');
  await page.close();
});

test('hostile links (tests/browser/hostile-links.json): a message, safe defaults, nothing injected or run beyond the limits', async () => {
  const hostile = JSON.parse(readFileSync(new URL('./hostile-links.json', import.meta.url), 'utf8'));
  assert.ok(hostile.length >= 50, `${hostile.length} links`);
  const page = await served.browser().newPage();
  const problems = [];
  page.on('dialog', (d) => {
    problems.push(`a dialog opened: ${d.message()}`);
    d.dismiss();
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && !/Failed to load resource/.test(m.text()) && problems.push(`console: ${m.text()}`));
  // What the page has of its own, to tell injected elements from it.
  const SUSPECT = 'img, iframe, object, embed, [onerror], [onload], [onclick], script, a[href^="javascript"]';
  await page.goto(served.url());
  await page.waitForFunction(() => window.threadlab !== undefined);
  const own = await page.evaluate((sel) => document.querySelectorAll(sel).length, SUSPECT);
  for (const { name, query } of hostile) {
    await page.goto(`${served.url()}?${query}`);
    await page.waitForFunction(() => window.threadlab !== undefined, null, { timeout: 30_000 });
    const state = await page.evaluate((sel) => ({
      suspect: document.querySelectorAll(sel).length,
      current: (() => {
        try {
          return window.threadlab.current();
        } catch (e) {
          return `not valid: ${e.message}`;
        }
      })(),
      notes: document.querySelector('.link-notes')?.textContent ?? '',
      running: document.querySelector('section.results').getAttribute('aria-busy'),
    }), SUSPECT);
    if (state.suspect !== own) problems.push(`${name}: ${state.suspect - own} injected elements`);
    if (typeof state.current === 'string') problems.push(`${name}: the page shows an invalid experiment: ${state.current}`);
    if (state.notes.length > 4000) problems.push(`${name}: a ${state.notes.length}-character message`);
    if (state.running === 'true') {
      // Only a valid, in-limits experiment may autorun: cancel it, it is not what is tested here.
      await page.evaluate(() => window.threadlab.cancel());
    }
  }
  assert.deepEqual(problems, []);
  await page.close();
});
