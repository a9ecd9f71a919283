// The rows of the seeds' table about data: communication (threads read the
// input in place, processes receive copies), memory (one shared memory
// against one per process) and threads inside processes, through the UI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open, pressRun, readResults } from './harness.mjs';

const served = servedPage(before, after);

/** Records the page's long tasks (main-thread tasks over 50 ms) from now on. */
async function watchLongTasks(page) {
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((l) => window.longTasks.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
  });
}

const table = (page, selector) =>
  page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [r.dataset.model, ...[...r.querySelectorAll('td')].map((td) => td.textContent)]));

test('the communication lesson at 64 MB: processes receive copies, threads read in place, the page never freezes', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  await watchLongTasks(page);
  await page.click('[data-lesson=communication] button.run-lesson');
  const rows = await readResults(page, 120_000);
  assert.deepEqual(rows.map((r) => [r.model, r.ok]), [['sequential', true], ['threads', true], ['processes', true]]);
  const moved = Object.fromEntries((await table(page, '.communication-table')).map(([m, input, bytes]) => [m, [input, bytes]]));
  assert.deepEqual(moved.threads, ['64 MB', 'none (read in place)']);
  assert.deepEqual(moved.processes, ['64 MB', '64 MB']);
  const verdict = await page.textContent('.verdict-text');
  assert.match(verdict, /Processes received 64 MB and spent [\d.,]+ ms moving it/);
  assert.match(verdict, /read the same bytes in place \(0 bytes moved\)/);
  const longest = Math.max(0, ...(await page.evaluate(() => window.longTasks)));
  assert.ok(longest <= 200, `the longest main-thread task took ${longest} ms`);
  // The memory table: one memory for the threads, one per process.
  const memory = Object.fromEntries((await table(page, '.memory-table')).map(([m, memories, threads]) => [m, [memories.split(' + ').length, threads]]));
  assert.deepEqual(memory.threads, [1, '2']);
  assert.equal(memory.processes[0], 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test('sent by transfer, the shares move without a copy and every task is still right', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  await page.selectOption('#workload', 'data');
  await page.fill('#size', '8388608');
  await page.selectOption('#send', 'transfer');
  await page.fill('#tasks', '4');
  await page.fill('#repeats', '2');
  await pressRun(page);
  const rows = await readResults(page, 60_000);
  for (const r of rows) assert.ok(r.ok, `${r.model}: ${r.check}`);
  assert.match(await page.textContent('.explanation'), /A transfer hands the buffer over without copying it: the page's own buffer is empty afterwards/);
  // After a transfer the page keeps no copy of the input.
  const memory = await table(page, '.memory-table');
  assert.equal(memory.find(([m]) => m === 'processes')[3], '–');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the memory lesson compares one shared memory with one per process, and the browser can be asked', async () => {
  const { page, errors } = await open(served.browser(), `${served.url()}?lesson=memory`);
  // Processes alone: the browser answers, and says what it counted.
  await page.evaluate(() => window.threadlab.run({ workload: { kind: 'data', bytes: 4194304, cpu_ms: 0 }, tasks: 4, workers: 2, models: ['processes'], repeats: 1 }));
  await page.click('.browser-memory button');
  await page.waitForSelector('.browser-memory p', { timeout: 30_000 });
  assert.match(await page.textContent('.browser-memory p'), /The browser measured [\d.]+ [KMG]B in all: [\d.]+ [KMG]B in \d+ workers? and [\d.]+ [KMG]B in the page \(performance.measureUserAgentSpecificMemory\(\); it counted: [A-Za-z, ]+\)/);
  // The lesson, through the UI (its link, then Run).
  await page.goto(`${served.url()}?lesson=memory`);
  await page.waitForFunction(() => window.threadlab !== undefined);
  await pressRun(page);
  const rows = await readResults(page, 60_000);
  assert.deepEqual(rows.map((r) => [r.model, r.ok]), [['threads_gil', true], ['processes', true]]);
  assert.equal(await page.getAttribute('.verdict', 'data-held'), 'true');
  assert.match(await page.textContent('.verdict-text'), /shared one memory of [\d.]+ MB between 2 threads.*Processes had 2 memories \([\d.]+ MB \+ [\d.]+ MB\).*plus the page's own 32 MB copy/);
  assert.notEqual(await page.getAttribute('details.memory', 'open'), null, 'open for the data workload');
  // The threads pool, asleep in Atomics.wait, keeps the browser from
  // answering: the page says so instead of waiting for ever.
  await page.click('.browser-memory button');
  await page.waitForFunction(() => /cannot measure/.test(document.querySelector('.browser-memory p')?.textContent), null, { timeout: 30_000 });
  assert.match(await page.textContent('.browser-memory p'), /The browser cannot measure here: the browser did not answer within 10 s: .*Atomics.wait/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('threads inside processes: two levels on the timeline, and faster than either alone on mixed work', async () => {
  const { page, errors } = await open(served.browser(), `${served.url()}?lesson=together&repeats=1`);
  await pressRun(page);
  const rows = await readResults(page, 90_000);
  assert.deepEqual(rows.map((r) => [r.model, r.ok]), [['threads_gil', true], ['processes', true], ['hybrid', true]]);
  assert.match(await page.textContent('.results-table tr[data-model=hybrid] th'), /Processes × threads/);
  const lanes = await page.$$eval('.timeline[data-model=hybrid] .tl-label', (ls) => ls.map((l) => l.querySelector('title')?.textContent ?? l.textContent));
  assert.deepEqual(lanes, ['P1 · T1', 'P1 · T2', 'P2 · T1', 'P2 · T2']);
  assert.equal(await page.locator('.timeline[data-model=hybrid] .tl-process-rule').count(), 1);
  const held = await page.getAttribute('.verdict', 'data-held');
  assert.ok(['true', 'false'].includes(held));
  assert.match(await page.textContent('.verdict-text'), /2 processes of 2 threads each (finished in|took) [\d.,]+ ms/);
  // The threads-per-process field appears with the model, and its Python.
  assert.equal(await page.inputValue('#threads_per_process'), '2');
  const code = await page.evaluate(() => window.threadlab.python(window.threadlab.current()));
  assert.match(code, /class ThreadsInProcesses:/);
  assert.match(code, /THREADS_PER_PROCESS = 2\n/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('absurd data and hybrid experiments are refused with the field named', async () => {
  const { page } = await open(served.browser(), served.url());
  const refusal = (e) => page.evaluate((e) => window.threadlab.run(e).then(() => null, (err) => [err.name, err.message, err.field]), e);
  const [name, message, field] = await refusal({ workload: { kind: 'data', bytes: 1e12 } });
  assert.equal(name, 'InvalidExperiment');
  assert.match(message, /`workload.bytes` must be between 1,024 and 268,435,456/);
  assert.equal(field, 'workload.bytes');
  assert.match((await refusal({ workload: { kind: 'data', send: 'teleport' } }))[1], /`workload.send` must be "clone" or "transfer"/);
  assert.match((await refusal({ workload: { kind: 'data' }, models: ['hybrid'] }))[1], /leave out processes × threads/);
  const [, tooMany, tooManyField] = await refusal({ workload: { kind: 'sleep' }, workers: 64, threads_per_process: 16, models: ['hybrid'] });
  assert.match(tooMany, /1024 workers, more than the 64 a tab can run/);
  assert.equal(tooManyField, 'threads_per_process');
  assert.deepEqual(await page.evaluate(() => window.threadlabRunner.liveWorkers()), []);
  await page.close();
});
