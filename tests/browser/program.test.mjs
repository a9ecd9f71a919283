// Whole programs (issue 19) through the scripting API, on real workers:
// `threadlab.run({program})` runs a learner's program on the program
// coordinator (each of its threads on a program worker) and a process worker
// per child process, and resolves to the run (console, lanes, wall time).
// The tutorials' programs (src/program/gallery/) run as written; a program
// that cannot run is refused with its place; Cancel stops one at once.
import { test } from 'node:test';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { servedPage, open } from './harness.mjs';

const served = servedPage(before, after);

const gallery = (id) => readFileSync(new URL(`../../src/program/gallery/${id}.py`, import.meta.url), 'utf8');
/** A tutorial variation natively checked against python3 (tests/program.rs). */
const variation = (name) => readFileSync(new URL(`../program/${name}.py`, import.meta.url), 'utf8');

/** Runs `program` through the API: the run, or the refusal as {name, message, field, line, column}. */
function runProgram(page, spec) {
  return page.evaluate((spec) =>
    window.threadlab.run(spec).then(
      (run) => ({ run }),
      (e) => ({ error: { name: e.name, message: e.message, field: e.field, line: e.line, column: e.column } }),
    ), spec);
}

/** The console's texts, in order. */
const texts = (run) => run.console.map((l) => l.text);
/** The distinct child processes with a lane. */
const processLanes = (run) => new Set(run.lanes.map((l) => l.who.process).filter(Boolean));

let shared;
/** One page for the file (the lab, its program coordinator kept between runs). */
async function page() {
  shared ??= await open(served.browser(), served.url());
  return shared.page;
}

test('a program that cannot run is refused before anything starts, naming `program` and the place', async () => {
  const p = await page();
  const { error } = await runProgram(p, { program: 'import threading\n\ndef task(:\n    pass\n' });
  assert.equal(error.name, 'InvalidExperiment');
  assert.equal(error.field, 'program');
  assert.equal(error.line, 3);
  assert.ok(error.column > 0, JSON.stringify(error));
  assert.match(error.message, /^`program` \(line 3, column \d+\): SyntaxError/);
  const typo = await runProgram(p, { program: 'print(1)', gill: false });
  assert.equal(typo.error.message, 'Unknown key `gill`: did you mean `gil`?');
  const long = await runProgram(p, { program: '#'.repeat(20_001) });
  assert.equal(long.error.message, '`program`: the program is 20,001 characters long; at most 20,000 are accepted');
  const interval = await runProgram(p, { program: 'print(1)', switch_interval_ms: 0 });
  assert.equal(interval.error.field, 'switch_interval_ms');
  // Nothing was started for them.
  assert.deepEqual(await p.evaluate(() => window.threadlabRunner.liveWorkers()), []);
});

test('Cancel stops a program that never ends within a second, and the page runs an experiment after it', async () => {
  const p = await page();
  const outcome = await p.evaluate(async () => {
    const running = window.threadlab.run({ program: 'while True:\n    pass\n' });
    // Its coordinator is up (a fresh one runs the untimed warm-up first,
    // about half a second) and its main thread spinning.
    await new Promise((r) => setTimeout(r, 3000));
    const workers = window.threadlabRunner.liveWorkers().length;
    const programWorkers = window.threadlabRunner.liveProgramWorkers();
    const busy = await window.threadlab.run({ program: 'print(1)' }).then(() => null, (e) => e.name);
    const t0 = performance.now();
    window.threadlab.cancel();
    const run = await running;
    const R = window.threadlabRunner;
    return { workers, programWorkers, busy, ms: performance.now() - t0, run, left: R.liveWorkers().length, leftProgramWorkers: R.liveProgramWorkers() };
  });
  assert.ok(outcome.workers >= 1, 'the program coordinator was running');
  assert.equal(outcome.busy, 'BusyError', 'one run at a time');
  assert.ok(outcome.ms < 1000, `Cancel took ${outcome.ms} ms`);
  assert.equal(outcome.run.exit_code, null);
  assert.match(outcome.run.stopped, /Cancel/);
  assert.ok(outcome.run.wall_ms >= 1000, `wall ${outcome.run.wall_ms}`);
  assert.equal(outcome.left, 0, 'every worker terminated');
  assert.ok(outcome.programWorkers >= 1, 'the main thread ran on a program worker');
  assert.equal(outcome.leftProgramWorkers, 0, 'the program workers terminated with the coordinator');
  const results = await p.evaluate(() => window.threadlab.run({ workload: { kind: 'sleep', ms: 20 }, tasks: 4, workers: 2, repeats: 1, models: ['sequential', 'threads'] }));
  assert.deepEqual(results.models.map((m) => m.model), ['sequential', 'threads']);
});

test('two threads print numbers and letters: every line, from the threads that printed them', async () => {
  const { run } = await runProgram(await page(), { program: gallery('threads_numbers_letters') });
  assert.equal(run.exit_code, 0, JSON.stringify(run));
  assert.deepEqual([...texts(run)].sort(), [...'0123456789', ...'python'].sort());
  const by = (text) => run.console.find((l) => l.text === text).who;
  assert.equal(by('9').process, undefined);
  assert.notEqual(by('9').thread, by('n').thread);
  assert.match(by('9').thread, /^Thread-\d+ \(print_numbers\)$/);
});

test('the same with two processes: every line, from two child processes', async () => {
  const { run } = await runProgram(await page(), { program: gallery('processes_numbers_letters') });
  assert.equal(run.exit_code, 0, JSON.stringify(run));
  assert.deepEqual([...texts(run)].sort(), [...'0123456789', ...'python'].sort());
  assert.equal(run.processes, 2);
  const by = (text) => run.console.find((l) => l.text === text).who.process;
  assert.match(by('9'), /^Process-\d+$/);
  assert.notEqual(by('9'), by('n'));
});

test('two threads sleep for 2 s side by side: about 2 s, not 4', async () => {
  const { run } = await runProgram(await page(), { program: gallery('threads_io_sleep') });
  assert.equal(run.exit_code, 0, JSON.stringify(run));
  assert.deepEqual([...texts(run)].sort(), ['Done', 'Thread A finished', 'Thread A starting', 'Thread B finished', 'Thread B starting']);
  assert.equal(texts(run).at(-1), 'Done');
  assert.ok(run.wall_ms >= 1500 && run.wall_ms <= 3500, `wall ${run.wall_ms} ms`);
});

test('two processes count to 10**7: two process lanes', async () => {
  const { run } = await runProgram(await page(), { program: gallery('processes_cpu_loop') });
  assert.equal(run.exit_code, 0, JSON.stringify(run));
  assert.deepEqual([...texts(run)].sort(), ['Done', 'Process finished', 'Process finished', 'Process starting', 'Process starting']);
  assert.equal(texts(run).at(-1), 'Done');
  assert.equal(processLanes(run).size, 2, JSON.stringify(run.lanes.map((l) => l.who)));
});

test('ThreadPoolExecutor.map for I/O: the results in order, the sleeps overlapped', async () => {
  const { run } = await runProgram(await page(), { program: gallery('threadpool_io') });
  assert.equal(run.exit_code, 0, JSON.stringify(run));
  assert.deepEqual(texts(run), ['[0, 1, 2, 3, 4]']);
  assert.ok(run.wall_ms < 4500, `five 1 s sleeps on a pool: ${run.wall_ms} ms`);
});

test('ProcessPoolExecutor.map for CPU: the results in order, from child processes, every one terminated', async () => {
  const p = await page();
  const live = () => p.evaluate(() => window.threadlabRunner.liveWorkers());
  const before = await live();
  const { run } = await runProgram(p, { program: gallery('processpool_cpu') });
  assert.equal(run.exit_code, 0, JSON.stringify(run));
  assert.deepEqual(texts(run), ['[0, 1, 4, 9, 16]']);
  assert.ok(run.processes >= 1);
  assert.ok(processLanes(run).size >= 1);
  // No child's worker is left: at most the program coordinator, kept for the next program.
  const started = (await live()).filter((h) => !before.includes(h));
  assert.ok(started.length <= 1, `workers left: ${started}`);
});

/** `n` threads that each sleep for 1 s, then print their number. */
const sleepers = (n) => 'import threading, time\n\ndef task(i):\n    time.sleep(1)\n    print(i)\n\n' +
  `ts = []\nfor i in range(${n}):\n    t = threading.Thread(target=task, args=(i,))\n    try:\n        t.start()\n        ts.append(t)\n    except RuntimeError as e:\n        print(i, e)\n` +
  'for t in ts:\n    t.join()\n';

test('fifty threads sleep for 1 s at once: a program worker each, started as they are wanted; about 1 s, not 50', async () => {
  const { run } = await runProgram(await page(), { program: sleepers(50) });
  assert.equal(run.exit_code, 0, JSON.stringify(run.console));
  assert.deepEqual(texts(run).map(Number).sort((a, b) => a - b), [...Array(50).keys()]);
  assert.equal(run.threads, 51);
  // The workers started for them (beyond those the coordinator started
  // ahead) cost their start-up, on their lanes, and no more.
  assert.ok(run.wall_ms >= 1000 && run.wall_ms < 3000, `wall ${run.wall_ms} ms`);
  assert.match(run.verdict, /^The sleeping threads overlapped/);
});

test('past the most threads at once, start() raises RuntimeError as CPython does, and the program and the page go on', async () => {
  const p = await page();
  const { run } = await runProgram(p, { program: sleepers(300) });
  assert.equal(run.exit_code, 0, JSON.stringify(run.console.slice(-3)));
  const refused = texts(run).filter((t) => t.includes("can't start new thread"));
  // 255 threads beside the main thread: the 256th and later are refused.
  assert.equal(refused.length, 45, JSON.stringify(refused.slice(0, 3)));
  assert.equal(refused[0], "255 can't start new thread (ThreadLab runs at most 256 threads of a program at once here)");
  assert.equal(run.console.length, 300);
  assert.equal(run.threads, 256);
  const { run: next } = await runProgram(p, { program: 'print("still here")' });
  assert.deepEqual(texts(next), ['still here']);
});

test('a child process whose worker dies is an exit for the program: join() returns, with a non-zero exit code', async () => {
  const p = await page();
  const outcome = await p.evaluate(async () => {
    const R = window.threadlabRunner;
    // A program first, so that its coordinator is up and kept: the one
    // worker the next run starts is its child's.
    await window.threadlab.run({ program: 'print(1)' });
    const before = R.liveWorkers();
    const program = 'from multiprocessing import Process\nimport time\n\ndef task():\n    print("child sleeping")\n    time.sleep(30)\n\n' +
      'p = Process(target=task)\np.start()\np.join()\nprint("exit code", p.exitcode)\n';
    const running = window.threadlab.run({ program });
    let child;
    for (let i = 0; i < 100 && !child; i++) {
      await R.sleep(50);
      [child] = R.liveWorkers().filter((h) => !before.includes(h));
    }
    await R.sleep(1000);
    const t0 = performance.now();
    R.terminate(child);
    const run = await running;
    return { run, ms: performance.now() - t0 };
  });
  const { run } = outcome;
  assert.deepEqual(run.console.map((l) => l.text), ['child sleeping', 'exit code 1'], JSON.stringify(run.console));
  assert.equal(run.exit_code, 0);
  assert.ok(outcome.ms < 5000, `the program went on ${outcome.ms} ms after its child died`);
});

test('children put into a multiprocessing.Queue on their own workers; the parent gets, waiting as receiving', async () => {
  const program = 'from multiprocessing import Process, Queue\nimport queue, time\n\nresults = Queue()\n\n' +
    'def square(q, n):\n    q.put((n, n * n))\n\ndef late():\n    time.sleep(0.5)\n    results.put("late")\n\n' +
    'def take(q):\n    q.get()\n\n' +
    'if __name__ == "__main__":\n    q = Queue()\n    ps = [Process(target=square, args=(q, i)) for i in range(3)]\n    for p in ps:\n        p.start()\n' +
    '    print(sorted(q.get(timeout=30) for _ in ps))\n    for p in ps:\n        p.join()\n    print(q.empty(), q.qsize())\n' +
    '    p = Process(target=late)\n    p.start()\n    try:\n        results.get(timeout=0.05)\n    except queue.Empty:\n        print("nothing yet")\n' +
    '    print(results.get(timeout=30))\n    p.join()\n' +
    '    p = Process(target=take, args=(q,))\n    p.start()\n    p.join()\n    print("take", p.exitcode)\n';
  const { run } = await runProgram(await page(), { program });
  assert.equal(run.exit_code, 0, JSON.stringify(run));
  const lines = texts(run);
  assert.deepEqual(lines.filter((l) => !l.startsWith(' ') && !l.startsWith('Traceback') && !l.startsWith('Process ')),
    ['[(0, 0), (1, 1), (2, 4)]', 'True 0', 'nothing yet', 'late',
      'RuntimeError: get(): a child process can only put into a multiprocessing.Queue in ThreadLab (its parent gets from it: get, empty and qsize work there)', 'take 1'], JSON.stringify(lines));
  assert.equal(run.processes, 5);
  // The crossing on the lanes: the parent's wait receiving, a child's put sending.
  const main = run.lanes.find((l) => !l.who.process && l.who.thread === 'MainThread');
  const received = main.spans.filter((s) => s.state === 'receiving').reduce((ms, s) => ms + s.end_ms - s.start_ms, 0);
  assert.ok(received >= 400, `the parent waited about 0.5 s for the late put: ${received} ms receiving`);
  const sends = run.lanes.filter((l) => l.who.process).flatMap((l) => l.spans.filter((s) => s.state === 'sending'));
  assert.ok(sends.every((s) => s.end_ms - s.start_ms < 200), JSON.stringify(sends));
});

test('Timer, Condition, Barrier, sys and logging on the program workers: what python3 prints, stderr marked', async () => {
  const p = await page();
  const { run: pc } = await runProgram(p, { program: variation('producer_consumer') });
  assert.deepEqual(texts(pc), [...'01234567'].map((i) => `produced ${i}`).concat(['consumed [0, 1, 2, 3, 4, 5, 6, 7]', 'done [] never more than 3 waiting: True']));
  const { run: barrier } = await runProgram(p, { program: variation('barrier_race') });
  assert.deepEqual(texts(barrier), ['go!', 'index 0 exists', "['r0', 'r1', 'r2', 'r3'] 4 0 False", 'timed out, broken: True', 'after reset broken: False', 'waiting: 1', 'waiter saw a broken barrier', 'broken: BrokenBarrierError True']);
  const { run: timer } = await runProgram(p, { program: variation('timer') });
  assert.deepEqual(texts(timer), ['hello, world', 'after']);
  assert.ok(timer.wall_ms >= 290, `the timer waited its 0.3 s: ${timer.wall_ms} ms`);
  const { run: exit } = await runProgram(p, { program: variation('sys_exit') });
  assert.equal(exit.exit_code, 3);
  assert.deepEqual(exit.console.filter((l) => l.stderr).map((l) => l.text), ['to stderr']);
  const { run: log } = await runProgram(p, { program: variation('logging_default') });
  assert.deepEqual(log.console.map((l) => [l.text, l.stderr === true]), [['WARNING:root:shown with the default format', true], ['ERROR:x:named logger error', true]]);
  // The page's console shows them in the error colour.
  await p.waitForFunction(() => document.querySelectorAll('.console-line.stderr').length === 2, null, { timeout: 10_000 });
});
