// The seeds' "common mistakes", provoked live through the UI: a race
// condition on a shared counter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open, pressRun, readResults } from './harness.mjs';

const served = servedPage(before, after);

test('the race lesson: unsynchronised threads lose updates; an atomic add, a lock and processes do not', async () => {
  // A race needs two threads at the same moment. With 4,000,000 increments
  // a phase lasts tens of ms, longer than any time slice a busy machine
  // hands out, so the two free threads overlap on two cores every time:
  // one run, no retry.
  const increments = 4_000_000;
  const { page, errors } = await open(served.browser(), `${served.url()}?lesson=race&increments=${increments}`);
  await pressRun(page);
  const rows = await readResults(page, 90_000);
  assert.deepEqual(rows.map((r) => r.model), ['sequential', 'threads_gil', 'threads', 'processes']);
  const counters = await page.$$eval('.race-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.model, ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]));
  const by = Object.fromEntries(counters.map(([m, ...cells]) => [m, cells]));
  // workers × increments per counter.
  const workers = Number(await page.inputValue('#workers'));
  const want = (workers * increments).toLocaleString('en-US');
  for (const m of ['sequential', 'threads_gil', 'threads', 'processes']) {
    assert.equal(by[m][1], `${want} — lost none`, `${m}: atomic add`);
    assert.equal(by[m][2], `${want} — lost none`, `${m}: lock`);
  }
  assert.equal(by.processes[0], `${want} — lost none`, 'processes: partial sums add up');
  assert.equal(by.sequential[0], `${want} — lost none`, 'one worker cannot race');
  // Free threads on two cores race on a plain read-then-write.
  if (workers > 1) {
    assert.match(by.threads[0], /lost [\d,]+ of [\d,]+ \([\d.]+ %\)/);
    assert.match(rows.find((r) => r.model === 'threads').check, /with no synchronisation the counter says [\d,]+ instead of [\d,]+: [\d,]+ updates lost/);
    assert.equal(await page.getAttribute('.verdict', 'data-held'), 'true');
  }
  assert.match(await page.textContent('.verdict-text'), /Of [\d,]+ updates per counter: .*Processes could not share the counter: each counted its own and sent its partial sum, which added up right\./);
  // The lock phase shows who waited for it (with the GIL released).
  assert.ok((await page.locator('.timeline[data-model=threads_gil] rect.lockwait').count()) > 0, 'lock waits on the timeline');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the deadlock lesson: the watchdog breaks it, the page shows who waits for whom, the fix completes, the page carries on', async () => {
  const { page, errors } = await open(served.browser(), `${served.url()}?lesson=deadlock`);
  await pressRun(page);
  const rows = await readResults(page, 90_000);
  const by = Object.fromEntries(rows.map((r) => [r.model, r]));
  assert.deepEqual(Object.keys(by), ['sequential', 'threads_gil', 'processes']);
  assert.ok(by.sequential.ok && by.processes.ok, `${by.sequential.check} / ${by.processes.check}`);
  assert.match(by.threads_gil.check, /deadlock: the watchdog stopped 2 waiting tasks/);
  // Who held what is said once in full, in the verdict and the graph's caption: not four times.
  const whole = await page.textContent('section.results');
  assert.ok((whole.match(/holds lock [AB] and waits for lock/g) ?? []).length <= 4, 'the wait-for sentence, twice (two edges each)');
  assert.doesNotMatch(await page.textContent('.explanation'), /I\/O-bound tasks spend their time waiting|best possible/);
  const caption = await page.textContent('figure.deadlock[data-model=threads_gil] figcaption');
  // Which worker took which task is up to the pool: either way, a cycle.
  assert.match(caption, /Threads \+ GIL deadlocked: worker 0 holds lock ([AB]) and waits for lock ([AB]), held by worker 1; worker 1 holds lock \2 and waits for lock \1, held by worker 0 \(no progress for 1,0\d\d ms\)\./);
  assert.notEqual(caption.match(/worker 0 holds lock ([AB])/)[1], caption.match(/waits for lock ([AB]), held by worker 1/)[1]);
  // The wait-for graph: a cycle of four arrows.
  assert.equal(await page.locator('figure.deadlock svg.wait-for .edge').count(), 4);
  assert.equal(await page.getAttribute('.verdict', 'data-held'), 'true');
  assert.match(await page.textContent('.verdict-text'), /then, taking the locks in one order \(A before B\), every task completed\. Processes each had their own two locks/);
  // Waiting for a lock shows on the timeline.
  assert.ok((await page.locator('.timeline[data-model=threads_gil] rect.lockwait').count()) > 0);
  // Holding the first lock is its own state, not "I/O wait": in the lanes,
  // the legend and the lane's details under the pointer.
  const tl = page.locator('.timeline[data-model=threads_gil]');
  assert.ok((await tl.locator('rect.holdinglock').count()) > 0, 'holding a lock is drawn');
  const legend = await tl.locator('.legend li').allTextContents();
  assert.ok(legend.includes('holding a lock') && legend.includes('waiting for a lock'), legend.join(' | '));
  assert.ok(!legend.includes('I/O wait'), `no I/O in the deadlock: ${legend.join(' | ')}`);
  // The widest of each (a sliver may sit where the lane has not started).
  const widest = async (rects) => rects.nth(await rects.evaluateAll((rs) => { const w = rs.map((r) => Number(r.getAttribute('width'))); return w.indexOf(Math.max(...w)); }));
  await (await widest(tl.locator('rect.holdinglock'))).hover();
  assert.match(await tl.locator('.tl-details').textContent(), /^worker \d · task \d · holding a lock · /);
  await (await widest(tl.locator('rect.lockwait'))).hover();
  assert.match(await tl.locator('.tl-details').textContent(), /^worker \d · task \d · waiting for a lock · /);
  // The next run of any model works, on the same page.
  await page.selectOption('#workload', 'loop');
  await page.fill('#size', '1000000');
  await pressRun(page);
  const next = await readResults(page);
  for (const r of next) assert.ok(r.ok, `${r.model}: ${r.check}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the join lesson: without join() the main thread reads too early, with join() it reads everything', async () => {
  const { page, errors } = await open(served.browser(), `${served.url()}?lesson=join`);
  await pressRun(page);
  const rows = await readResults(page, 90_000);
  assert.deepEqual(rows.map((r) => r.model), ['threads_gil']);
  assert.match(rows[0].check, /without join\(\) the main program read 0 of 1 results: it declared done [\d.,]+ ms before the last worker finished/);
  assert.equal(await page.getAttribute('.verdict', 'data-held'), 'true');
  assert.match(await page.textContent('.verdict-text'), /Without join\(\), the main thread declared done [\d.]+ ms after it started and read 0 of 1 results; the last worker finished [\d.,]+ ms later\. With join\(\), it waited [\d.,]+ ms and read all 1\./);
  // The two moments are marked on the timeline, against the worker still running.
  assert.equal(await page.locator('.timeline[data-model=threads_gil] .tl-mark').count(), 2);
  const marks = await page.$$eval('.timeline[data-model=threads_gil] .tl-marks li', (ls) => ls.map((l) => l.textContent));
  assert.match(marks[0], /done declared without join\(\): 0 of 1 results at [\d.]+ ms/);
  assert.match(marks[1], /done declared after join\(\): 1 of 1 results at [\d.,]+ ms/);
  assert.ok((await page.locator('.timeline[data-model=threads_gil] rect.joining').count()) > 0, 'waiting in join() is drawn');
  // Choosing the workload in the builder picks the models it runs on.
  await page.selectOption('#workload', 'loop');
  await page.selectOption('#workload', 'join');
  assert.deepEqual(await page.$$eval('fieldset.models input:checked', (is) => is.map((i) => i.id)), ['model-threads_gil', 'model-threads']);
  assert.deepEqual(errors, []);
  await page.close();
});

test('too many processes: a sweep over worker counts, spawn costs, a process per task, and nothing left running', async () => {
  const { page, errors } = await open(served.browser(), `${served.url()}?lesson=too-many&size=100000&tasks=16`);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency || 1);
  const counts = [...new Set([1, cores, 4 * cores, 16 * cores].map((n) => Math.min(n, 64)))];
  assert.equal(await page.inputValue('#sweep'), counts.join(', '));
  await pressRun(page);
  const rows = await readResults(page, 180_000);
  assert.deepEqual(rows.map((r) => [r.model, r.ok]), [['threads', true], ['processes', true], ['process_per_task', true]]);
  // One point per count and model, the cores marked.
  assert.equal(await page.locator('.scaling-chart .series').count(), 3);
  assert.equal(await page.locator('.scaling-chart .series circle').count(), 3 * counts.length);
  assert.match(await page.textContent('.scaling-chart .cores'), new RegExp(`${cores} cores`));
  // One baseline for every line, starting included: at every count the
  // higher point is the model that took less time, start-up counted (a
  // pool starts before its run; a process per task inside it).
  const at = (model) => page.$$eval(`.scaling-chart .series[data-model=${model}] circle title`, (ts) => ts.map((t) => Number.parseFloat(t.textContent.split(': ').pop())));
  const [pool, perTask] = [await at('processes'), await at('process_per_task')];
  const msOf = (text) => Number.parseFloat(text.replace(/,/g, ''));
  const cells = await page.$$eval('.scaling-table tbody tr', (trs) => trs.map((tr) => [tr.querySelector('td[data-model=processes]').textContent, tr.querySelector('td[data-model=process_per_task]').textContent]));
  cells.forEach(([p, t], i) => {
    const poolTotal = msOf(p) + msOf(p.split('(start ')[1]);
    const perTaskTotal = msOf(t);
    // Far apart (a 10 % margin: the chart's points are medians too).
    if (Math.abs(poolTotal - perTaskTotal) > 0.1 * Math.max(poolTotal, perTaskTotal)) {
      assert.equal(perTask[i] > pool[i], perTaskTotal < poolTotal, `${counts[i]} workers: pool ${poolTotal} ms (${pool[i]}×), per task ${perTaskTotal} ms (${perTask[i]}×)`);
    }
  });
  assert.match(await page.textContent('.scaling figcaption'), /counting what starting each model's workers took/);
  assert.match(await page.textContent('.explanation'), /on 1 to \d+ workers \(a sweep/);
  assert.match(await page.textContent('.chart figcaption'), /Each model at its fastest count of the sweep: Threads \(no GIL\) with \d+ workers?/);
  const table = await page.$$eval('.scaling-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.workers, ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]));
  assert.deepEqual(table.map((r) => r[0]), counts.map(String));
  for (const r of table) for (const cell of r.slice(1)) assert.match(cell, /^[\d.,]+ ms \(start [\d.,]+ ms, \d+ %\)$/, `${r[0]} workers: ${cell}`);
  assert.match(await page.textContent('.verdict-text'), /^Adding workers stopped helping at \d+ on this \d+-core machine\. Threads \(no GIL\): fastest with \d+ workers? \([\d.,]+ ms\)/);
  // The API returns the same sweep: one entry per count.
  const r = await page.evaluate(() => window.threadlab.run({ workload: { kind: 'sleep', ms: 5 }, tasks: 4, models: ['processes', 'process_per_task'], sweep: { workers: [1, '2x'] }, repeats: 1 }));
  assert.deepEqual(r.sweep.map((p) => p.workers), [...new Set([1, Math.min(2 * cores, 64)])]);
  assert.deepEqual(r.sweep[1].models.map((m) => m.model), ['processes', 'process_per_task']);
  assert.ok(r.sweep.every((p) => p.models.every((m) => m.correct && m.spawn_ms > 0)), JSON.stringify(r.sweep));
  // Every process per task was ended; only the warm pools' workers stay.
  const live = await page.evaluate(() => window.threadlabRunner.liveWorkers().length);
  assert.ok(live <= 1 + 2 * cores, `${live} workers left`);
  assert.deepEqual(errors, []);
  await page.close();
});
