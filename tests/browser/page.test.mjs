// The page in real headless Chromium, driven as a learner would: fill the
// form, click Run, read what is shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open, serve, runThroughUi, readResults, alertSays, artifacts } from './harness.mjs';

const served = servedPage(before, after);

const speedup = (row) => Number.parseFloat(row.speedup);
const ALL = ['sequential', 'threads_gil', 'threads', 'processes'];

test('the page is cross-origin isolated and shows the machine', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.equal(await page.textContent('#env-isolated'), 'yes');
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.equal(await page.textContent('#env-cores'), String(cores));
  assert.equal(await page.inputValue('#workers'), String(cores), 'workers default to the cores');
  assert.deepEqual(errors, []);
  await page.close();
});

test('CPU-bound work through the UI: every model, correct, one bar each', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  await runThroughUi(page, { workload: 'loop', size: 40_000_000, tasks: 4, workers: 2, repeats: 2 });
  await page.waitForSelector('progress', { timeout: 10_000 });
  const rows = await readResults(page);
  assert.deepEqual(rows.map((r) => r.model), ALL);
  for (const r of rows) assert.ok(r.ok, `${r.model}: ${r.check}`);
  assert.equal(speedup(rows[0]), 1);
  for (const r of rows.slice(1)) assert.ok(speedup(r) > 0, `${r.model} shows a speed-up: ${r.speedup}`);
  const bars = await page.$$eval('svg.bar-chart rect.bar', (rs) => rs.map((r) => r.dataset.model));
  assert.deepEqual(bars, ALL);
  assert.match(await page.textContent('svg.bar-chart title'), /Wall time per model/);
  // The explanation quotes each model's speed-up as the table shows it.
  const explanation = await page.textContent('.explanation');
  for (const [model, label] of [['threads_gil', 'Threads + GIL'], ['threads', 'Threads (no GIL)'], ['processes', 'Processes']]) {
    const shown = rows.find((r) => r.model === model).speedup;
    assert.ok(explanation.includes(`${label} finished ${shown} as fast as sequential`), `${model} ${shown}: ${explanation}`);
  }
  await page.screenshot({ path: `${artifacts}results-cpu.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('I/O-bound work through the UI: waits overlap on threads (GIL or not) and processes', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  await runThroughUi(page, { workload: 'sleep', size: 60, tasks: 4, workers: 4, repeats: 1 });
  const rows = await readResults(page);
  assert.deepEqual(rows.map((r) => r.model), ALL);
  for (const r of rows) assert.ok(r.ok, `${r.model}: ${r.check}`);
  // 4 waits of 60 ms: 240 ms in a row, about 60 ms overlapped. Even a slow
  // machine overlaps them well beyond 1.5x; a model that did not would be ~1x.
  for (const r of rows.slice(1)) assert.ok(speedup(r) > 1.5, `${r.model} should overlap waits: ${r.speedup}`);
  await page.screenshot({ path: `${artifacts}results-io.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the scripting API returns the results the page shows', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  const results = await page.evaluate(() =>
    window.threadlab.run({ workload: { kind: 'primes', size: 20000 }, tasks: 3, workers: 2, repeats: 1 }),
  );
  assert.equal(results.version, 1);
  assert.deepEqual(results.models.map((m) => m.model), ALL);
  for (const m of results.models) {
    assert.equal(m.correct, true, m.model);
    assert.equal(m.tasks.length, 3);
    for (const t of m.tasks) assert.equal(t.value, '2262', 'primes below 20,000');
    const workers = m.model === 'sequential' ? 1 : 2;
    assert.equal(m.timeline.lanes.length, workers, `${m.model}: a lane per worker`);
    assert.ok(m.timeline.lanes.every((l) => l.events.length > 0 && l.events.every((e) => e.t >= m.timeline.start_ms - 1)));
  }
  assert.ok(results.models.find((m) => m.model === 'threads_gil').timeline.gil.switch_interval_ms === 5);
  assert.equal(results.environment.cross_origin_isolated, true);
  assert.equal(results.experiment.workers, 2);
  // The page shows the same run.
  const rows = await readResults(page);
  assert.equal(rows.length, 4);
  assert.equal(await page.inputValue('#size'), '20000');
  assert.deepEqual(errors, []);
  await page.close();
});

test('bad input: a clear message, a rejected promise, the page keeps its state', async () => {
  const { page } = await open(served.browser(), served.url());
  await runThroughUi(page, { workload: 'sleep', size: 5, tasks: 2, workers: 2, repeats: 1 });
  await readResults(page);
  // The form speaks its own words: its labels, at the field, as it is typed.
  for (const [field, value, message] of [
    ['workers', '0', 'Workers must be between 1 and 64 (got 0)'],
    ['tasks', '-4', 'Tasks must be between 1 and 512 (got -4)'],
    ['size', 'lots', 'Wait per task (ms) must be a whole number (got "lots")'],
    ['switch_interval', '0', 'GIL switch interval (ms) must be between 0.1 and 100 (got 0)'],
  ]) {
    await page.fill(`#${field}`, value);
    assert.equal(await page.textContent(`#${field}-error`), message, 'said at the field before Run');
    assert.equal(await page.getAttribute(`#${field}`, 'aria-invalid'), 'true');
    assert.match(await page.getAttribute(`#${field}`, 'aria-describedby'), new RegExp(`${field}-error`));
    await page.click('button.run');
    assert.equal(await alertSays(page, message), message);
    assert.equal(await page.evaluate(() => document.activeElement.id), field, 'the field gets the keyboard');
    assert.equal(await page.inputValue(`#${field}`), value, 'the typed value stays');
    assert.equal(await page.locator('.results-table tbody tr').count(), 4, 'earlier results stay');
    await page.fill(`#${field}`, field === 'switch_interval' ? '5' : '2');
    assert.equal(await page.locator(`#${field}-error`).count(), 0, 'fixed: the mark goes');
  }
  // Python's spellings of numbers are numbers.
  for (const spelled of ['10**2', '1_000', '1,000']) {
    await page.fill('#size', spelled);
    assert.equal(await page.locator('#size-error').count(), 0, spelled);
  }
  await page.fill('#size', '5');
  const rejected = await page.evaluate(async () => {
    const out = [];
    for (const e of [
      { workload: { kind: 'loop', size: 1e15 }, tasks: 4 },
      { workload: { kind: 'loop', size: 5e9 }, tasks: 512 },
      { workload: { kind: 'warp' } },
      '{"workload": ',
      undefined,
    ]) {
      try {
        await window.threadlab.run(e);
        out.push('resolved');
      } catch (err) {
        out.push(err instanceof Error ? err.message : `not an Error: ${err}`);
      }
    }
    return out;
  });
  assert.match(rejected[0], /`workload.size` must be between 1 and 5,000,000,000/);
  assert.match(rejected[1], /too large for a browser tab/);
  assert.match(rejected[2], /Unknown workload kind "warp"/);
  assert.match(rejected[3], /not valid JSON/);
  assert.match(rejected[4], /needs an experiment/);
  assert.equal(await alertSays(page, rejected[4]), rejected[4]);
  // Still responsive and still working.
  await runThroughUi(page, { workload: 'sleep', size: 5, tasks: 2, workers: 2, repeats: 1 });
  const rows = await readResults(page);
  assert.ok(rows.every((r) => r.ok));
  await page.close();
});

test('cancel stops a long run and the next run works', async () => {
  const { page } = await open(served.browser(), served.url());
  await runThroughUi(page, { workload: 'sleep', size: 2000, tasks: 8, workers: 2, repeats: 3 });
  await page.waitForSelector('button.cancel');
  // The page stays responsive while workers run: frames keep coming (a
  // main thread busy with experiment work would stall them for seconds).
  const frames = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const gaps = [];
        let last = performance.now();
        const until = last + 1000;
        const frame = (t) => {
          gaps.push(t - last);
          last = t;
          if (t < until) requestAnimationFrame(frame);
          else resolve({ count: gaps.length, longest: Math.max(...gaps) });
        };
        requestAnimationFrame(frame);
      }),
  );
  assert.ok(frames.count >= 10 && frames.longest < 500, `frames during the run: ${JSON.stringify(frames)}`);
  assert.ok(await page.locator('button.cancel').isEnabled(), 'Cancel can be pressed');
  await page.click('button.cancel');
  await page.waitForSelector('button.run', { timeout: 10_000 });
  assert.match(await alertSays(page, /cancelled/), /cancelled/);
  await runThroughUi(page, { workload: 'sleep', size: 5, tasks: 2, workers: 2, repeats: 1 });
  const rows = await readResults(page);
  assert.ok(rows.every((r) => r.ok));
  await page.close();
});

test('without cross-origin isolation threads are unavailable, the rest still runs', async () => {
  const plain = await serve({ port: 0, quiet: true, isolated: false });
  try {
    const { page } = await open(served.browser(), plain.url);
    assert.equal(await page.textContent('#env-isolated'), 'no');
    assert.match(await page.textContent('.environment .warning'), /not cross-origin isolated/);
    // It offers the same experiment in a new tab (where a frame can often be isolated).
    await page.fill('#size', '1000');
    await page.waitForFunction(() => document.querySelector('a.open-tab')?.href.includes('size=1000'));
    assert.equal(await page.getAttribute('a.open-tab', 'target'), '_blank');
    await runThroughUi(page, { workload: 'loop', size: 1_000_000, tasks: 2, workers: 2, repeats: 1 });
    const rows = await readResults(page);
    assert.ok(rows.find((r) => r.model === 'sequential').ok);
    assert.ok(rows.find((r) => r.model === 'processes').ok);
    for (const model of ['threads', 'threads_gil']) {
      assert.match(rows.find((r) => r.model === model).check, /threads are unavailable: this page is not cross-origin isolated/);
    }
    await page.close();
  } finally {
    plain.server.close();
  }
});
