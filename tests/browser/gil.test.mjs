// Threads + GIL, the timeline, mixed and convoy workloads, through the UI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open, serve, runThroughUi, pressRun, readResults, alertSays, artifacts } from './harness.mjs';

const served = servedPage(before, after);

const speedup = (rows, model) => Number.parseFloat(rows.find((r) => r.model === model).speedup);

test('the GIL keeps CPU-bound threads from going faster, and the timeline shows why', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  await runThroughUi(page, { workload: 'loop', size: 30_000_000, tasks: 4, workers: 2, repeats: 3 });
  const rows = await readResults(page);
  for (const r of rows) assert.ok(r.ok, `${r.model}: ${r.check}`);
  // One thread computes at a time: about 1x (no GIL: up to 2x on 2 cores).
  // A loose bound: a busy machine can slow any one repeat of the loop.
  const gil = speedup(rows, 'threads_gil');
  assert.ok(gil < 1.6, `threads + GIL: ${gil}`);
  // The explanation quotes that figure and says what it means.
  const explanation = await page.textContent('.explanation');
  assert.ok(explanation.includes(`Threads + GIL finished ${gil.toFixed(2)}× as fast as sequential.`), explanation);
  assert.match(explanation, gil <= 1.25 ? /With the GIL only one thread computes at a time/ : /more than the GIL allows CPU-bound threads/);

  const panel = page.locator('.timeline[data-model=threads_gil]');
  assert.equal(await panel.locator('.lane').count(), 2, 'a lane per worker');
  assert.ok((await panel.locator('rect.span.gilwait').count()) >= 2, 'waits for the GIL are drawn');
  assert.ok((await panel.locator('rect.span.running').count()) >= 2);
  assert.match(await panel.locator('.legend').textContent(), /waiting for the GIL/);
  assert.match(await panel.locator('.gil-stats').textContent(), /GIL: \d+ switches, \d+ failed acquisitions/);
  assert.match(await panel.locator('.state-table').textContent(), /waiting for the GIL/);
  for (const model of ['sequential', 'threads', 'processes']) {
    const lanes = await page.locator(`.timeline[data-model=${model}] .lane`).count();
    assert.equal(lanes, model === 'sequential' ? 1 : 2, `${model} lanes`);
  }
  assert.equal(await page.locator('.timeline[data-model=processes] rect.span.gilwait').count(), 0, 'processes never wait for a GIL');

  // Zoom and pan with buttons, keyboard and wheel; hover for details.
  const range = () => panel.locator('.tl-range').textContent();
  const whole = await range();
  await panel.getByRole('button', { name: 'Zoom in' }).click();
  const zoomed = await range();
  assert.notEqual(zoomed, whole);
  await panel.getByRole('button', { name: 'Move later' }).click();
  assert.notEqual(await range(), zoomed);
  await panel.locator('.tl-canvas').focus();
  await page.keyboard.press('0');
  assert.equal(await range(), whole);
  await page.keyboard.press('+');
  assert.notEqual(await range(), whole);
  await page.keyboard.press('0');
  await panel.locator('.tl-svg').hover({ position: { x: 400, y: 12 } });
  await page.mouse.wheel(0, -300);
  await page.waitForFunction((w) => document.querySelector('.timeline[data-model=threads_gil] .tl-range').textContent !== w, whole);
  await panel.locator('.tl-svg').hover({ position: { x: 400, y: 12 } });
  assert.match(await panel.locator('.tl-details').textContent(), /worker 0 · (task \d+|no task) · (running|waiting for the GIL|idle) · [\d.]+ ms/);
  await page.screenshot({ path: `${artifacts}timeline-gil.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

/** Each lane's spans of `state`, from a timeline of the results JSON. */
function spans(timeline, state) {
  return timeline.lanes.map((lane) => {
    const out = [];
    lane.events.forEach((e, i) => {
      const end = i + 1 < lane.events.length ? lane.events[i + 1].t : timeline.end_ms;
      if (e.state === state && end > e.t) out.push([e.t, end]);
    });
    return out;
  });
}

/** Time (ms) during which two or more lanes are in their spans at once. */
function overlap(lanes) {
  const edges = lanes.flatMap((l) => l.flatMap(([a, b]) => [[a, 1], [b, -1]])).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let depth = 0;
  let from = 0;
  let both = 0;
  for (const [t, d] of edges) {
    if (depth >= 2) both += t - from;
    depth += d;
    from = t;
  }
  return both;
}

test('under the GIL no two threads run Python code at once; without it they do', async () => {
  // A shape of the run, not a time: it holds however busy the machine is.
  const { page } = await open(served.browser(), served.url());
  const r = await page.evaluate(() =>
    window.threadlab.run({ workload: { kind: 'loop', size: 20_000_000 }, tasks: 4, workers: 2, models: ['threads_gil', 'threads'], repeats: 1 }),
  );
  const timeline = (m) => r.models.find((s) => s.model === m).timeline;
  const gil = spans(timeline('threads_gil'), 'running');
  const running = gil.flat().reduce((sum, [a, b]) => sum + b - a, 0);
  assert.ok(running > 0, 'threads + GIL ran');
  // Hand-overs may touch (a clock tick either side), never more.
  assert.ok(overlap(gil) < 0.02 * running, `threads + GIL ran together for ${overlap(gil)} of ${running} ms`);
  const waits = spans(timeline('threads_gil'), 'gil_wait').flat();
  assert.ok(waits.length > 0, 'a thread waited for the GIL');
  if (r.environment.cores >= 2) {
    const free = spans(timeline('threads'), 'running');
    const freeRunning = free.flat().reduce((sum, [a, b]) => sum + b - a, 0);
    assert.ok(overlap(free) > 0.2 * freeRunning, `without the GIL threads ran together for ${overlap(free)} of ${freeRunning} ms`);
  }
  await page.close();
});

test('a mixed recipe from the form runs CPU and I/O steps on every model', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  await page.selectOption('#workload', 'mixed');
  assert.equal(await page.inputValue('#size'), 'cpu 20ms, io 50ms, x3');
  await runThroughUi(page, { workload: 'mixed', size: 'cpu 5ms, io 20ms, x2', tasks: 4, workers: 2, repeats: 1 });
  const rows = await readResults(page);
  for (const r of rows) assert.ok(r.ok, `${r.model}: ${r.check}`);
  for (const model of ['sequential', 'threads_gil', 'threads', 'processes']) {
    assert.ok((await page.locator(`.timeline[data-model=${model}] rect.span.iowait`).count()) >= 2, `${model} shows I/O waits`);
  }
  await page.fill('#size', 'cpu 5ms, bake 3ms');
  await page.click('button.run');
  const expected = /The mixed recipe is not readable: `bake 3ms`: a step is `cpu <ms>` or `io <ms>`/;
  assert.match(await alertSays(page, expected), expected);
  assert.equal(await page.locator('button.run').count(), 1, 'the form is usable again');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the convoy: an I/O task wakes up late behind a CPU-bound thread only with the GIL', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  await page.selectOption('#workload', 'convoy');
  assert.equal(await page.locator('#tasks').count(), 0, 'one task per worker: no tasks field');
  await page.fill('#size', '300');
  await page.fill('#workers', '2');
  await page.fill('#repeats', '1');
  await pressRun(page);
  const rows = await readResults(page);
  for (const r of rows) assert.ok(r.ok, `${r.model}: ${r.check}`);
  const latency = await page.$$eval('.latency-table tbody tr', (trs) =>
    Object.fromEntries(trs.map((tr) => [tr.dataset.model, Number.parseFloat(tr.querySelector('.latency-median').textContent)])),
  );
  assert.deepEqual(Object.keys(latency), ['sequential', 'threads_gil', 'threads', 'processes']);
  // Behind a CPU-bound holder the wake-up waits for a drop request: on the
  // order of the 5 ms interval. Without a GIL nothing is in the way.
  // A busy machine adds its own scheduling delay to every model: margins
  // that hold under load.
  assert.ok(latency.threads_gil > 2, `threads + GIL median latency ${latency.threads_gil} ms`);
  assert.ok(latency.threads_gil > 1.5 * latency.threads, JSON.stringify(latency));
  assert.ok(latency.threads_gil > 1.5 * latency.processes, JSON.stringify(latency));
  assert.match(await page.textContent('.explanation'), /Convoy effect/);

  // How it moves with the switch interval: the wait follows the interval.
  await page.getByRole('button', { name: /Compare switch intervals/ }).click();
  await page.waitForFunction(() => document.querySelectorAll('.sweep-table tbody tr').length === 5 && !document.querySelector('.sweep button').disabled, null, { timeout: 60_000 });
  const sweep = await page.$$eval('.sweep-table tbody tr', (trs) =>
    Object.fromEntries(trs.map((tr) => [tr.dataset.interval, Number.parseFloat(tr.querySelector('.latency-median').textContent)])),
  );
  assert.deepEqual(Object.keys(sweep), ['1', '2', '5', '10', '20']);
  assert.ok(sweep['20'] > 2 * sweep['1'] && sweep['20'] > 8, `latency should grow with the interval: ${JSON.stringify(sweep)}`);
  await page.screenshot({ path: `${artifacts}convoy.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
