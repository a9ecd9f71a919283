// The lesson gallery: every lesson is a link, runs through the UI, and ends
// in a verdict drawn from its numbers; the Python of every experiment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open, pressRun, readResults } from './harness.mjs';

const served = servedPage(before, after);

test('the landing page leads with the lessons; a card loads and runs its experiment', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  const cards = await page.$$eval('.lesson-card', (cs) => cs.map((c) => [c.dataset.lesson, c.querySelector('h4').textContent]));
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
    const small = { loop: '&size=20000000', primes: '&size=200000', sleep: '&ms=30', convoy: '&cpu_ms=200', mixed: '', crash: '&size=5000000', data: '&bytes=4194304', race: '&increments=4000000', deadlock: '&watchdog_ms=300', join: '&size=20000000', mandelbrot: '&size=200&iterations=300', python: '' }[l.experiment.workload.kind];
    const { page: p, errors } = await open(served.browser(), `${served.url()}?lesson=${l.id}${small}&repeats=1`);
    assert.equal(await p.locator('.link-notes').count(), 0, l.id);
    assert.equal(await p.getAttribute('section.results', 'data-runs-ended'), '0', `${l.id} waits for Run`);
    await pressRun(p);
    const rows = await readResults(p, 90_000);
    assert.deepEqual(rows.map((r) => r.model), l.experiment.models, l.id);
    // The crash lesson: only processes survive the crash, by design; the
    // race: threads lose updates, by design.
    const wrongByDesign = (r) => (l.id === 'crash' && r.model !== 'processes') || (['race', 'deadlock', 'join'].includes(l.id) && r.model.startsWith('threads'));
    for (const r of rows.filter((r) => !wrongByDesign(r))) assert.ok(r.ok, `${l.id} ${r.model}: ${r.check}`);
    const verdict = await p.evaluate(() => {
      const results = document.querySelector('section.results').cloneNode(true);
      results.querySelector('.verdict')?.remove();
      return { held: document.querySelector('.verdict')?.dataset.held, text: document.querySelector('.verdict-text')?.textContent, elsewhere: results.textContent };
    });
    // It decides, or says why this run cannot: null exactly when it says so.
    assert.ok(['true', 'false', 'null'].includes(verdict.held), `${l.id}: ${JSON.stringify(verdict)}`);
    assert.equal(verdict.held === 'null', /^Cannot tell/.test(verdict.text), `${l.id}: ${verdict.text}`);
    // The mistakes and the crash happen by design: the claim holds.
    if (['crash', 'race'].includes(l.id)) assert.equal(verdict.held, 'true', `${l.id}: ${verdict.text}`);
    // It quotes this run's numbers, as the results show them elsewhere; a
    // speed-up it quotes is the one in the table.
    const numbers = (text) => text.match(/\d[\d,]*(?:\.\d+)?/g) ?? [];
    const shown = new Set(numbers(verdict.elsewhere));
    const quoted = numbers(verdict.text);
    assert.ok(quoted.some((n) => shown.has(n)), `${l.id}: the verdict quotes none of the run's figures: ${verdict.text}`);
    for (const [, x] of verdict.text.matchAll(/(?:speed-up|finished|reached) (\d+\.\d\d)×/g)) assert.ok(shown.has(x), `${l.id}: ${x}× is not a speed-up the results show: ${verdict.text}`);
    assert.equal(await p.locator('svg.bar-chart rect.bar').count(), rows.filter((r) => r.median).length, `${l.id}: a bar per model that ran`);
    assert.ok((await p.locator('.timeline').count()) >= 1, `${l.id}: timelines`);
    // A crashing worker's trap is reported by the browser as "unreachable".
    assert.deepEqual(errors.filter((e) => !(l.id === 'crash' && /unreachable/.test(e))), [], l.id);
    await p.close();
  }
});

test('the crash lesson: threads lose everything, processes only the crashed task, and the page carries on', async () => {
  const { page, errors } = await open(served.browser(), `${served.url()}?lesson=crash&size=5000000&tasks=6&repeats=1`);
  await pressRun(page);
  const rows = await readResults(page, 60_000);
  const by = Object.fromEntries(rows.map((r) => [r.model, r]));
  assert.match(by.threads_gil.check, /Did not run: it stopped: .*a thread of the pool crashed.*the whole pool is lost/);
  assert.match(by.sequential.check, /Did not run: it stopped: a worker crashed/);
  assert.ok(by.processes.ok, by.processes.check);
  assert.match(by.processes.check, /5 of 6 correct/);
  assert.equal(await page.getAttribute('.verdict', 'data-held'), 'true');
  assert.match(await page.textContent('.verdict-text'), /processes lost only task 1: the pool replaced that worker and the other 5 tasks completed/);
  // The crash is marked where it happened: in the lane of the process that died.
  const crash = page.locator('.timeline[data-model=processes] .tl-lane-mark');
  assert.equal(await crash.count(), 1, 'one crash marked');
  assert.match(await crash.getAttribute('aria-label'), /^process crashed: task 1 lost at [\d.,]+ ms$/);
  const lane = await crash.getAttribute('data-worker');
  const box = await crash.boundingBox();
  const laneBox = await page.locator(`.timeline[data-model=processes] g.lane[data-worker="${lane}"] rect`).first().boundingBox();
  assert.ok(box.y < laneBox.y + laneBox.height && box.y + box.height > laneBox.y, 'the cross sits in its lane');
  assert.match(await page.textContent('.timeline[data-model=processes] .tl-marks'), new RegExp(`✕ worker ${lane}: process crashed: task 1 lost at`));
  // The page is intact and every model runs again, on fresh pools.
  await page.selectOption('#workload', 'loop');
  await page.fill('#size', '1000000');
  await pressRun(page);
  const next = await readResults(page);
  assert.deepEqual(next.map((r) => [r.model, r.ok]), [['sequential', true], ['threads_gil', true], ['processes', true]]);
  assert.deepEqual(errors.filter((e) => !/unreachable/.test(e)), []);
  await page.close();
});

test('the results JSON carries the verdict, and the Python of any experiment is one call away', async () => {
  const { page } = await open(served.browser(), served.url());
  const r = await page.evaluate(() => window.threadlab.run({ workload: { kind: 'loop', size: 20000000 }, tasks: 4, workers: 2, models: ['sequential', 'threads_gil'], repeats: 1 }));
  assert.equal(r.verdict.claim, 'The GIL keeps CPU-bound threads from running faster than a plain loop.');
  assert.ok([true, false, null].includes(r.verdict.held));
  assert.equal(r.verdict.held === null, r.verdict.text.startsWith('Cannot tell'), r.verdict.text);
  const speedup = r.models.find((m) => m.model === 'threads_gil').speedup;
  assert.ok(r.verdict.text.includes(speedup.toFixed(2)), `${r.verdict.text} quotes ${speedup}`);
  const code = await page.evaluate(() => window.threadlab.python({ workload: { kind: 'primes', size: 5000 }, tasks: 3, workers: 2, models: ['sequential', 'processes'] }));
  assert.match(code, /^#!\/usr\/bin\/env python3\n/);
  assert.match(code, /ProcessPoolExecutor/);
  assert.match(code, /TASKS = 3\n/);
  // The page shows the Python of the experiment it shows.
  await page.click('.python > summary');
  // How long it takes under CPython: estimated, and saying from what.
  assert.match(await page.textContent('.python-estimate'), /^Under CPython the complete program takes about [\d.,]+ (ms|s|min \d+ s) \(\d+ tasks, \d+ timed runs? and a warm-up per model; estimated: a task takes about [\d.,]+ ms in CPython's interpreter, measured with CPython 3\.\d+/);
  // The few lines that matter first, the complete program a click away.
  const short = await page.textContent('.python-short code');
  assert.match(short, /def task\(i\):/);
  assert.match(short, /pool\.map\(task, range\(TASKS\)\)/);
  assert.ok(short.split('\n').length < 60, 'short');
  await page.click('.python-complete > summary');
  assert.match(await page.textContent('.python-complete code'), /def count_loop\(n\):/);
  await page.close();
});

test("the GIL lesson's Python is sized to seconds under CPython, and says how to get the page's size", async () => {
  const { page, errors } = await open(served.browser(), `${served.url()}?lesson=gil-cpu`);
  await page.click('.python > summary');
  // CPython would take minutes for the page's 100,000,000 iterations a task.
  const estimate = await page.textContent('.python-estimate');
  const seconds = Number(estimate.match(/^Under CPython the complete program takes about ([\d.]+) s \(/)?.[1]);
  assert.ok(seconds >= 1 && seconds <= 5, estimate);
  const sizing = await page.textContent('.python-sizing');
  const said = sizing.match(/^The complete program is sized to about ([\d.]+) s under CPython: at the page's size it would take about \d+ min \d+ s\. SCALE = (0\.\d+) scales each task's size; set SCALE = 1 for the page's size\.$/);
  assert.ok(said, sizing);
  assert.equal(Number(said[1]), seconds);
  // The short version and the complete program carry that SCALE, and the page's size.
  const scale = `\nSCALE = ${said[2]}\n`;
  const short = await page.textContent('.python-short code');
  assert.ok(short.includes(scale) && short.includes('count_loop(scaled(100000000))'), short);
  await page.click('.python-complete > summary');
  const complete = await page.textContent('.python-complete code');
  assert.ok(complete.includes(scale) && complete.includes('count_loop(scaled(100000000))'), complete);
  assert.equal(complete, await page.evaluate(() => window.threadlab.python(window.threadlab.current())));
  assert.deepEqual(errors, []);
  await page.close();
});
