// The lesson gallery: every lesson is a link, runs through the UI, and ends
// in a verdict drawn from its numbers; the Python of every experiment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open, pressRun, readResults } from './harness.mjs';

const served = servedPage(before, after);

test('the landing page leads with the lessons; a card loads and runs its experiment', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  const cards = await page.$$eval('.lesson-card', (cs) => cs.map((c) => [c.dataset.lesson, c.querySelector('h3').textContent]));
  const lessons = await page.evaluate(() => window.threadlab.lessons());
  assert.deepEqual(cards, lessons.map((l) => [l.id, l.question]));
  assert.ok(lessons.length >= 6);
  for (const l of lessons) {
    assert.ok(l.claim && l.answer && l.experiment.workload.kind, JSON.stringify(l));
    assert.match(l.link, new RegExp(`\\?lesson=${l.id}$`));
  }
  await page.click('[data-lesson=threads-io] button.run-lesson');
  // A click on the card is the whole gesture: no Run press needed.
  const rows = await readResults(page, 60_000);
  assert.deepEqual(rows.map((r) => r.model), ['sequential', 'threads_gil', 'processes']);
  assert.match(await page.textContent('.lesson-question'), /Do threads help with I\/O-bound work\?/);
  assert.equal(await page.getAttribute('.verdict', 'data-held'), 'true');
  assert.match(await page.textContent('.verdict'), /Threads \+ GIL finished \d\.\d\d× as fast as sequential with 8 workers/);
  assert.match(await page.evaluate(() => location.search), /[?&]lesson=threads-io&/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a lesson link adjusted by hand keeps its lesson', async () => {
  const { page } = await open(served.browser(), `${served.url()}?lesson=threads-io&ms=20`);
  assert.match(await page.textContent('.lesson-question'), /Do threads help with I\/O-bound work\?/);
  assert.match(await page.evaluate(() => location.search), /^\?v=1&lesson=threads-io&workload=sleep&ms=20&/);
  assert.match(await page.inputValue('#share-link'), /[?&]lesson=threads-io&/);
  await page.close();
});

test('every lesson link opens its experiment and ends in a verdict from the numbers', async () => {
  const { page } = await open(served.browser(), served.url());
  const lessons = await page.evaluate(() => window.threadlab.lessons());
  await page.close();
  for (const l of lessons) {
    // Smaller than the lesson, so the whole gallery runs in a test: a link can adjust a lesson.
    const small = { loop: '&size=20000000', primes: '&size=200000', sleep: '&ms=30', convoy: '&cpu_ms=200', mixed: '' }[l.experiment.workload.kind];
    const { page: p, errors } = await open(served.browser(), `${served.url()}?lesson=${l.id}${small}&repeats=1`);
    assert.equal(await p.locator('.link-notes').count(), 0, l.id);
    assert.equal(await p.getAttribute('section.results', 'data-runs-ended'), '0', `${l.id} waits for Run`);
    await pressRun(p);
    const rows = await readResults(p, 90_000);
    assert.deepEqual(rows.map((r) => r.model), l.experiment.models, l.id);
    for (const r of rows) assert.ok(r.ok, `${l.id} ${r.model}: ${r.check}`);
    const verdict = await p.evaluate(() => ({ held: document.querySelector('.verdict')?.dataset.held, text: document.querySelector('.verdict-text')?.textContent }));
    assert.ok(['true', 'false', 'null'].includes(verdict.held), `${l.id}: ${JSON.stringify(verdict)}`);
    assert.match(verdict.text, /\d/, `${l.id}: a verdict quotes its numbers`);
    assert.equal(await p.locator('svg.bar-chart rect.bar').count(), l.experiment.models.length, l.id);
    assert.ok((await p.locator('.timeline').count()) >= 1, `${l.id}: timelines`);
    assert.deepEqual(errors, [], l.id);
    await p.close();
  }
});

test('the results JSON carries the verdict, and the Python of any experiment is one call away', async () => {
  const { page } = await open(served.browser(), served.url());
  const r = await page.evaluate(() => window.threadlab.run({ workload: { kind: 'loop', size: 20000000 }, tasks: 4, workers: 2, models: ['sequential', 'threads_gil'], repeats: 1 }));
  assert.equal(r.verdict.claim, 'The GIL keeps CPU-bound threads from running faster than a plain loop.');
  assert.ok([true, false, null].includes(r.verdict.held));
  const speedup = r.models.find((m) => m.model === 'threads_gil').speedup;
  assert.ok(r.verdict.text.includes(speedup.toFixed(2)), `${r.verdict.text} quotes ${speedup}`);
  const code = await page.evaluate(() => window.threadlab.python({ workload: { kind: 'primes', size: 5000 }, tasks: 3, workers: 2, models: ['sequential', 'processes'] }));
  assert.match(code, /^#!\/usr\/bin\/env python3\n/);
  assert.match(code, /ProcessPoolExecutor/);
  assert.match(code, /TASKS = 3\n/);
  // The page shows the Python of the experiment it shows.
  await page.click('.python summary');
  assert.match(await page.textContent('.python code'), /def count_loop\(n\):/);
  await page.close();
});
