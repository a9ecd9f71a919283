// One run at a time, whatever starts it; Cancel stops everything; no worker
// leaks or is reused after it died; results are checked right at every size.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open, runThroughUi, pressRun, readResults, alertSays } from './harness.mjs';

const served = servedPage(before, after);
const ALL = ['sequential', 'threads_gil', 'threads', 'processes'];
const live = (page) => page.evaluate(() => window.threadlabRunner.liveWorkers());
const MIXED = { workload: { kind: 'mixed', recipe: 'cpu 5ms, io 5ms' }, tasks: 2, workers: 2, repeats: 1 };

/** Waits until the page has exactly `n` live workers; returns their handles. */
async function liveBecomes(page, n, timeout = 5_000) {
  await page.waitForFunction((n) => window.threadlabRunner.liveWorkers().length === n, n, { timeout }).catch(() => {});
  return live(page);
}

test('primes are counted right at every size, on every model, through the UI', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  for (const [size, count] of [[300_000, '25997'], [2_000_000, '148933']]) {
    await runThroughUi(page, { workload: 'primes', size, tasks: 2, workers: 2, repeats: 1 });
    const rows = await readResults(page);
    assert.deepEqual(rows.map((r) => r.model), ALL);
    for (const r of rows) assert.ok(r.ok, `primes below ${size}, ${r.model}: ${r.check}`);
    assert.doesNotMatch(await page.textContent('.explanation'), /wrong results/);
  }
  const results = await page.evaluate(() => window.threadlab.run({ workload: { kind: 'primes', size: 300000 }, tasks: 2, workers: 2, repeats: 1 }));
  for (const m of results.models) assert.deepEqual(m.tasks.map((t) => t.value), ['25997', '25997'], m.model);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an unknown key is refused by name, with the key it probably meant', async () => {
  const { page } = await open(served.browser(), served.url());
  const message = await page.evaluate(() =>
    window.threadlab.run({ workload: { kind: 'loop', size: 1000 }, wokers: 64 }).then(
      () => 'resolved',
      (e) => e.message,
    ),
  );
  assert.equal(message, 'Unknown key `wokers`: did you mean `workers`?');
  assert.equal(await alertSays(page, message), message);
  const field = await page.evaluate(() =>
    window.threadlab.run({ workload: { kind: 'primes', sise: 1000 } }).then(
      () => 'resolved',
      (e) => e.message,
    ),
  );
  assert.equal(field, 'Unknown key `workload.sise`: did you mean `workload.size`?');
  await page.close();
});

test('two runs asked for at once: one runs, the other is refused', async () => {
  const { page } = await open(served.browser(), served.url());
  // Both need the machine measured first (an await before any worker runs):
  // the second must still be refused, not run alongside.
  const outcomes = await page.evaluate((e) => Promise.allSettled([window.threadlab.run(e), window.threadlab.run(e)]).then((r) => r.map((o) => o.status === 'fulfilled' ? 'ran' : o.reason.message)), MIXED);
  assert.equal(outcomes[0], 'ran');
  assert.match(outcomes[1], /already in progress/);
  // Nothing was started twice: one sequential worker, one coordinator, 2 processes.
  assert.equal((await live(page)).length, 1 + 1 + 2);
  // A click on Run during a run does not start another either.
  const clicks = await page.evaluate(async (e) => {
    const first = window.threadlab.run({ ...e, workload: { kind: 'sleep', ms: 300 } });
    const second = await window.threadlab.run(e).then(() => 'ran', (err) => err.message);
    await first;
    return second;
  }, MIXED);
  assert.match(clicks, /already in progress/);
  await page.close();
});

test('refusals have names scripts can tell apart; the slot is free as soon as Cancel returns', async () => {
  const { page } = await open(served.browser(), served.url());
  const names = await page.evaluate(async (e) => {
    const name = (p) => p.then(() => 'ran', (err) => err.name);
    const invalid = await name(window.threadlab.run({ workload: { kind: 'loop' }, workers: 0 }));
    const first = name(window.threadlab.run(e));
    const busy = await name(window.threadlab.run(e));
    window.threadlab.cancel();
    // Right after Cancel, in the same task, a new run is taken.
    const next = name(window.threadlab.run({ workload: { kind: 'sleep', ms: 1 }, tasks: 1, repeats: 1 }));
    return { invalid, busy, cancelled: await first, next: await next };
  }, MIXED);
  assert.deepEqual(names, { invalid: 'InvalidExperiment', busy: 'BusyError', cancelled: 'CancelledError', next: 'ran' });
  await page.close();
});

test('Cancel does not wait for an engine still downloading', async () => {
  const page = await served.browser().newPage();
  let release;
  const held = new Promise((r) => (release = r));
  await page.route('**/pkg/single/threadlab_engine_bg.wasm', async (route) => {
    await held;
    await route.continue().catch(() => {}); // the page may be gone by then
  });
  await page.goto(served.url());
  await page.waitForFunction(() => window.threadlab !== undefined);
  const outcome = await page.evaluate(async () => {
    const run = window.threadlab.run({ workload: { kind: 'sleep', ms: 1 }, tasks: 1, repeats: 1 }).then(() => 'ran', (e) => e.name);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    window.threadlab.cancel();
    const name = await run;
    return { name, ms: performance.now() - t0 };
  });
  assert.equal(outcome.name, 'CancelledError');
  assert.ok(outcome.ms < 200, `cancelled after ${outcome.ms} ms`);
  assert.deepEqual(await live(page), []);
  release();
  const r = await page.evaluate(() => window.threadlab.run({ workload: { kind: 'sleep', ms: 1 }, tasks: 1, repeats: 1 }));
  assert.ok(r.models.every((m) => m.correct));
  await page.close();
});

test('Cancel works while getting ready, and stops workers that are still starting', async () => {
  const { page } = await open(served.browser(), served.url());
  // Cancelled in the same task as the run: before any worker answered.
  const early = await page.evaluate((e) => {
    const run = window.threadlab.run(e).then(() => 'ran', (err) => err.message);
    window.threadlab.cancel();
    return run;
  }, MIXED);
  assert.match(early, /cancelled/);
  assert.deepEqual(await liveBecomes(page, 0), [], 'no worker survives a cancel, even one still starting');
  // Through the UI: the page says it is measuring the machine, with Cancel.
  await page.selectOption('#workload', 'mixed');
  await pressRun(page);
  await page.waitForSelector('button.cancel', { timeout: 5_000 });
  assert.equal(await page.locator('button.run').count(), 0, 'no Run button while running');
  await page.click('button.cancel');
  assert.match(await alertSays(page, /cancelled/), /cancelled/);
  await page.waitForSelector('button.run');
  assert.deepEqual(await liveBecomes(page, 0), []);
  // And then a run works.
  await runThroughUi(page, { workload: 'sleep', size: 5, tasks: 2, workers: 2, repeats: 1 });
  assert.ok((await readResults(page)).every((r) => r.ok));
  await page.close();
});

test('workers are reused between runs and never leak', async () => {
  const { page } = await open(served.browser(), served.url());
  // One sequential worker, even when the first run starts at once.
  await page.evaluate(() => window.threadlab.run({ workload: { kind: 'sleep', ms: 5 }, models: ['sequential'], tasks: 2, repeats: 1 }));
  assert.equal((await live(page)).length, 1, 'the sequential worker only');
  const all = { workload: { kind: 'sleep', ms: 5 }, tasks: 4, workers: 3, repeats: 2 };
  await page.evaluate((e) => window.threadlab.run(e), all);
  const first = await live(page);
  assert.equal(first.length, 1 + 1 + 3, 'sequential + threads coordinator + 3 processes');
  await page.evaluate((e) => window.threadlab.run(e), all);
  assert.deepEqual(await live(page), first, 'the same workers serve the next run');
  await page.close();
});

test('a process worker that crashed is never reused; a crash mid-run loses only its task', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  const exp = { workload: { kind: 'sleep', ms: 5 }, models: ['processes'], tasks: 4, workers: 2, repeats: 1 };
  await page.evaluate((e) => window.threadlab.run(e), exp);
  const [seq, ...procs] = await live(page);
  assert.equal(procs.length, 2);
  // Both process workers trap (a wasm `unreachable`, as a crashing task).
  await page.evaluate((hs) => hs.forEach((h) => window.threadlabRunner.post(h, '{"v":1,"type":"abort"}')), procs);
  assert.deepEqual(await liveBecomes(page, 1), [seq], 'the page saw them die');
  const again = await page.evaluate((e) => window.threadlab.run(e), exp);
  assert.equal(again.models[0].status, 'ran');
  assert.equal(again.models[0].correct, true);
  const fresh = await live(page);
  assert.equal(fresh.length, 3);
  assert.ok(procs.every((h) => !fresh.includes(h)), 'new workers, not the dead ones');

  // A crash in the middle of a run: only that process is lost; the pool
  // replaces it, the other tasks complete, and the lost task is reported.
  const results = await page.evaluate(async () => {
    const run = window.threadlab.run({ workload: { kind: 'sleep', ms: 400 }, models: ['sequential', 'processes'], tasks: 4, workers: 2, repeats: 1 });
    // Once the processes' repeat is under way, one of them crashes, with
    // whichever task it runs then.
    while (!/Processes — repeat/.test(document.querySelector('.progress-label')?.textContent ?? '')) await new Promise((r) => setTimeout(r, 10));
    const handles = window.threadlabRunner.liveWorkers();
    window.threadlabRunner.post(handles[handles.length - 1], '{"v":1,"type":"abort"}');
    return run;
  });
  const byModel = Object.fromEntries(results.models.map((m) => [m.model, m]));
  assert.equal(byModel.sequential.status, 'ran');
  assert.equal(byModel.sequential.correct, true);
  assert.equal(byModel.processes.status, 'ran');
  assert.equal(byModel.processes.correct, false);
  assert.equal(byModel.processes.tasks.length, 3, 'the other three tasks completed');
  assert.equal(byModel.processes.problems.length, 1, byModel.processes.problems.join('; '));
  assert.match(byModel.processes.problems[0], /^task [0-3] was lost: its process crashed \(a worker crashed/);
  assert.match(await page.textContent('.results-table tr[data-model=processes] .check'), /task [0-3] was lost/);
  const lanes = byModel.processes.timeline.lanes.map((l) => l.events.map((e) => e.state));
  assert.ok(lanes.some((states) => states.includes('spawning')), 'the timeline shows the replacement starting');
  assert.equal((await live(page)).length, 3, 'the sequential worker and a full pool of 2');
  const after = await page.evaluate((e) => window.threadlab.run(e), exp);
  assert.equal(after.models[0].correct, true, 'the next run starts a fresh pool');
  assert.deepEqual(errors.filter((e) => !/unreachable/.test(e)), []);
  await page.close();
});

test('the interval sweep is a run like any other: progress, Cancel, and Run waits', async () => {
  const { page } = await open(served.browser(), served.url());
  await runThroughUi(page, { workload: 'convoy', size: 300, workers: 2, repeats: 1 });
  await readResults(page);
  const ended = Number(await page.getAttribute('section.results', 'data-runs-ended'));
  await page.click('.sweep button');
  await page.waitForSelector('button.cancel', { timeout: 5_000 });
  assert.equal(await page.locator('button.run').count(), 0, 'Run is not offered during the sweep');
  assert.equal(await page.isDisabled('.sweep button'), true);
  assert.match(await page.evaluate(() => window.threadlab.run({ workload: { kind: 'sleep', ms: 1 } }).catch((e) => e.message)), /already in progress/);
  await page.click('button.cancel');
  assert.match(await alertSays(page, /cancelled/), /cancelled/);
  await page.waitForFunction((n) => Number(document.querySelector('section.results').dataset.runsEnded) > n, ended);
  assert.deepEqual(await liveBecomes(page, 0), []);
  // Run to the end this time: a row per interval.
  await page.click('.sweep button');
  await page.waitForSelector('.sweep-table tbody tr[data-interval="20"]', { timeout: 60_000 });
  assert.equal(await page.locator('.sweep-table tbody tr').count(), 5);
  await page.waitForSelector('button.run');
  await page.close();
});

test('a size given as "about 40 ms" a task is measured on this machine and becomes a number', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  await page.selectOption('#workload', 'primes');
  assert.match(await page.textContent('#size-hint'), /or a time, like "about 50 ms"/);
  await page.fill('#size', 'about 40 ms');
  await page.fill('#tasks', '4');
  await page.fill('#workers', '2');
  await page.fill('#repeats', '3');
  await pressRun(page);
  const rows = await readResults(page);
  assert.ok(rows.every((r) => r.ok), JSON.stringify(rows));
  // The form now shows the size that was run: a number.
  const size = Number(await page.inputValue('#size'));
  assert.ok(Number.isInteger(size) && size > 1000, `size ${size}`);
  // Each task took about 40 ms sequentially (a loose band: a shared machine).
  const r = await page.evaluate(() => window.threadlab.run(window.threadlab.current()));
  assert.equal(r.experiment.workload.size, size);
  const perTask = r.models.find((m) => m.model === 'sequential').wall_ms.median / 4;
  assert.ok(perTask > 15 && perTask < 110, `${perTask} ms a task`);
  // Only a CPU workload's size can be a time.
  const err = await page.evaluate(() => window.threadlab.run({ workload: { kind: 'sleep', ms: '50ms' } }).catch((e) => ({ field: e.field, message: e.message })));
  assert.equal(err.field, 'workload.ms');
  assert.match(err.message, /only a CPU workload's size can/);
  assert.deepEqual(errors, []);
  await page.close();
});
