// Numbers to trust: a worker-count sweep charted as speed-up with the ideal
// line, a progress bar fed by the workers (the threads pool's shared
// counter too), and timelines on one time axis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open, pressRun, readResults } from './harness.mjs';

const served = servedPage(before, after);

test('a sweep 1..4 draws a point per count per model with its spread, the ideal line and the cores', async () => {
  const { page, errors } = await open(served.browser(), `${served.url()}?workload=primes&size=100000&tasks=8&models=threads,processes&sweep=1..4&repeats=3`);
  assert.equal(await page.inputValue('#sweep'), '1, 2, 3, 4');
  await pressRun(page);
  await readResults(page, 180_000);
  for (const m of ['threads', 'processes']) {
    assert.equal(await page.locator(`.scaling-chart .series[data-model=${m}] circle`).count(), 4, m);
    assert.equal(await page.locator(`.scaling-chart .series[data-model=${m}] line.spread`).count(), 4, `${m}: spread`);
  }
  assert.equal(await page.locator('.scaling-chart polyline.ideal').count(), 1);
  assert.equal(await page.locator('.scaling-chart .cores').count(), 1);
  assert.match(await page.evaluate(() => location.search), /[?&]sweep=1%2C2%2C3%2C4(&|$)|[?&]sweep=1,2,3,4(&|$)/);
  assert.match(await page.textContent('.verdict-text'), /Adding workers stopped helping at \d on this \d+-core machine/);
  // Every repeat's time is in the table, and in the CSV, per count.
  assert.deepEqual(errors, []);
  await page.close();
});

test('the progress bar counts tasks as workers finish them, threads included, and says the time left', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  await page.selectOption('#workload', 'loop');
  await page.fill('#size', '300000000');
  await page.fill('#tasks', '16');
  await page.fill('#repeats', '1');
  for (const m of ['sequential', 'threads_gil', 'processes']) await page.uncheck(`#model-${m}`);
  await pressRun(page);
  // Threads only: the count can only come from the pool's shared counter.
  const seen = new Set();
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const text = await page.textContent('.progress-count').catch(() => null);
    if (text === null) break;
    seen.add(text);
    await page.waitForTimeout(60);
  }
  const counts = [...seen].map((t) => Number(t.match(/^(\d+) of 16 tasks/)?.[1])).filter((n) => n > 0 && n < 16);
  assert.ok(counts.length >= 2, `the count moved during the run: ${[...seen].join(' | ')}`);
  assert.ok([...seen].some((t) => /about \d+ s left/.test(t)), [...seen].join(' | '));
  const rows = await readResults(page, 60_000);
  assert.ok(rows[0].ok);
  assert.deepEqual(errors, []);
  await page.close();
});

test('timelines share one time axis by default, so lengths compare at a glance; each can have its own', async () => {
  const { page } = await open(served.browser(), served.url());
  const r = await page.evaluate(() => window.threadlab.run({ workload: { kind: 'loop', size: 100000000 }, tasks: 4, workers: 2, models: ['sequential', 'threads'], repeats: 1 }));
  // How much of the axis a run's first lane covers (its right edge).
  const width = (m) => page.$eval(`.timeline[data-model=${m}] .lane`, (g) => Math.max(...[...g.querySelectorAll('rect')].map((r) => Number(r.getAttribute('x')) + Number(r.getAttribute('width')))));
  // One axis by default: lengths compare at a glance.
  assert.equal(await page.isChecked('#shared-axis'), true);
  const shared = [await width('sequential'), await width('threads')];
  await page.uncheck('#shared-axis');
  const own = [await width('sequential'), await width('threads')];
  // Each on its own axis both fill it; on one axis each is as long as its run.
  const length = (m) => r.models.find((s) => s.model === m).timeline;
  const ratio = ((t) => t.end_ms - t.start_ms)(length('threads')) / ((t) => t.end_ms - t.start_ms)(length('sequential'));
  assert.ok(Math.abs(own[0] - own[1]) < 0.05 * own[0], `own axes: ${own}`);
  assert.ok(Math.abs((shared[1] - 78) / (shared[0] - 78) - ratio) < 0.05, `one axis: ${shared}, runs ${ratio}`);
  await page.close();
});

test('cancel in the middle of a sweep is ready again within 200 ms, with no worker left', async () => {
  const { page, errors } = await open(served.browser(), `${served.url()}?workload=primes&size=2000000&tasks=16&models=threads,processes&sweep=1..4&repeats=3`);
  await page.click('button.run');
  // Well into the sweep: past its first count.
  await page.waitForFunction(() => /of \d+ tasks/.test(document.querySelector('.progress-count')?.textContent ?? '') && Number(document.querySelector('progress')?.value) > 0, null, { timeout: 60_000 });
  const ms = await page.evaluate(async () => {
    const t0 = performance.now();
    document.querySelector('button.cancel').click();
    while (!document.querySelector('button.run')) await new Promise((r) => requestAnimationFrame(r));
    return performance.now() - t0;
  });
  assert.ok(ms < 200, `ready again after ${ms} ms`);
  assert.deepEqual(await page.evaluate(() => window.threadlabRunner.liveWorkers()), []);
  assert.match(await page.textContent('[role=alert]'), /Run cancelled/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('cancel keeps the repeats that finished, marked partial, on the page and in the API error', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  const outcome = page.evaluate(() =>
    window.threadlab
      .run({ workload: { kind: 'primes', size: 600000 }, tasks: 8, workers: 2, models: ['sequential', 'threads', 'processes'], repeats: 6 })
      .then(() => null, (e) => ({ name: e.name, partial: e.partial })),
  );
  // Repeats interleave the models: at repeat 3 every model has finished two.
  await page.waitForFunction(() => /repeat 3 of 6/.test(document.querySelector('.progress-label')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.click('button.cancel');
  const e = await outcome;
  assert.equal(e.name, 'CancelledError');
  const r = e.partial;
  assert.ok(r.partial.done_tasks >= 3 * 2 * 8 && r.partial.done_tasks < r.partial.total_tasks, JSON.stringify(r.partial));
  assert.equal(r.partial.total_tasks, 3 * 6 * 8);
  for (const m of r.models) {
    assert.equal(m.status, 'ran', m.model);
    assert.ok(m.runs_ms.length >= 2 && m.runs_ms.length < 6, `${m.model}: ${m.runs_ms.length} repeats kept`);
    assert.ok(m.correct, m.model);
  }
  // The page shows them, marked partial, and says it was cancelled.
  await page.waitForSelector('.partial');
  assert.match(await page.textContent('.partial'), /Partial results: the run was cancelled after \d+ of 144 timed tasks/);
  assert.equal(await page.locator('svg.bar-chart rect.bar').count(), 3);
  assert.match(await page.textContent('[role=alert]'), /Run cancelled/);
  assert.deepEqual(await page.evaluate(() => window.threadlabRunner.liveWorkers()), []);
  assert.deepEqual(errors, []);
  await page.close();
});
