// What the Firefox and WebKit legs check, once, against a small `Tab`
// interface each leg implements over its own driver (firefox.test.mjs:
// puppeteer-core over WebDriver BiDi; webkit.test.mjs: webdriver.mjs):
//
//   tab.goto(url)                 navigate, wait for the load event
//   tab.evaluate(fn, arg)         fn(arg) in the page (may return a promise), as JSON
//   tab.waitFor(fn, arg, ms)      until fn(arg) is truthy in the page; its value
//   tab.click(css)                a real click on the element
//   tab.frame(css)                the same interface inside an iframe
//   tab.close()
//
// Every page of a leg gets the PROBE before any of its own scripts run, and
// a leg fails on anything it reports: a Content-Security-Policy violation,
// an uncaught error or rejection, a console error (bar an explicit,
// commented allow-list in each leg).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const root = fileURLToPath(new URL('../../', import.meta.url));

// Every model docs/api.md lists, in its order.
export const MODELS = ['sequential', 'threads_gil', 'threads', 'threads_static', 'processes', 'processes_static', 'hybrid', 'process_per_task'];
export const THREADED = new Set(['threads_gil', 'threads', 'threads_static', 'hybrid']);

/**
 * The probe, as the source of a function of `mode`: 'console' reports each
 * CSP violation as a console error (for a driver that sees the console and
 * uncaught errors itself: Firefox); 'beacon' also records uncaught errors,
 * unhandled rejections and console.error calls, and posts every report to
 * `/__probe` on the page's own origin (WebDriver classic sees no console:
 * WebKit), where the test's server keeps it. Either way they outlive the
 * page (a reload, a navigation) and `window.__probe` holds this page's.
 * It also counts the tab's top-level loads in sessionStorage (`probe-loads`).
 */
export const PROBE = String.raw`(mode) => {
  if (window.__probe) return;
  const probe = [];
  Object.defineProperty(window, '__probe', { value: probe });
  // Counts the top-level documents this tab loaded (a reload included).
  try {
    if (window === top) sessionStorage.setItem('probe-loads', String(Number(sessionStorage.getItem('probe-loads')) + 1));
  } catch {}
  const say = console.error.bind(console);
  const report = (text) => {
    probe.push(text);
    if (mode === 'console') say('probe: ' + text);
    else navigator.sendBeacon(new URL('/__probe', location.href), location.href + ': ' + text);
  };
  document.addEventListener('securitypolicyviolation', (e) => {
    report('CSP violation: ' + e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + (e.sourceFile || '?') + ':' + e.lineNumber + ' (' + e.disposition + ')');
  });
  if (mode === 'console') return;
  addEventListener('error', (e) => report('uncaught: ' + e.message));
  addEventListener('unhandledrejection', (e) => report('unhandled rejection: ' + (e.reason && e.reason.message !== undefined ? e.reason.name + ': ' + e.reason.message : String(e.reason))));
  console.error = (...args) => {
    report('console error: ' + args.map(String).join(' '));
    say(...args);
  };
}`;

/** What a leg collected: reports of problems, and which of them an allow-list excuses. */
export class Problems {
  /** `allowed`: [{ pattern, why }], console errors a leg expects (say why in its file). */
  constructor(allowed = []) {
    this.allowed = allowed;
    this.seen = [];
  }
  add(text) {
    this.seen.push(text);
  }
  /** Reports since the last call that no allow-list entry excuses (reports posted by beacon may need a moment). */
  async take(wait = 300) {
    await sleep(wait);
    const seen = this.seen.splice(0);
    return seen.filter((t) => !this.allowed.some(({ pattern }) => pattern.test(t)));
  }
}

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/**
 * A server on 127.0.0.1 (a free port) for the legs' pages:
 * - `dir`: a static host that sends no headers but Content-Type (as
 *   `python3 -m http.server` does: dist.test.mjs);
 * - `proxy`: forwards every request to that origin (the dev server), bytes
 *   and headers untouched but for `inject`;
 * - `pages`: path → HTML of pages made by the test (the course page).
 * With `problems` set, every HTML page gets the probe in 'beacon' mode as its
 * first script (a same-origin file, /__probe.js), and reports posted to
 * /__probe go there. Returns { url, server }.
 */
export async function testServer({ dir, proxy, pages = {}, problems } = {}) {
  const inject = (html) => (problems ? html.replace(/<head>|(?<=<!doctype html>)/i, (m) => `${m}<script src="/__probe.js"></script>`) : html);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (problems && url.pathname === '/__probe') {
      let body = '';
      for await (const chunk of req) body += chunk;
      problems.add(body);
      res.writeHead(204).end();
      return;
    }
    if (problems && url.pathname === '/__probe.js') {
      res.writeHead(200, { 'Content-Type': types['.js'], 'Cache-Control': 'no-cache', 'Cross-Origin-Resource-Policy': 'same-origin' }).end(`(${PROBE})('beacon');`);
      return;
    }
    if (pages[url.pathname] !== undefined) {
      res.writeHead(200, { 'Content-Type': types['.html'] }).end(inject(pages[url.pathname]));
      return;
    }
    if (proxy) {
      const headers = { ...req.headers, host: new URL(proxy).host, 'accept-encoding': 'identity' };
      const upstream = await fetch(new URL(req.url, proxy), { method: req.method, headers, redirect: 'manual' });
      const out = Object.fromEntries([...upstream.headers].filter(([k]) => !['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)));
      let body = Buffer.from(await upstream.arrayBuffer());
      if ((upstream.headers.get('content-type') ?? '').startsWith('text/html')) {
        body = Buffer.from(inject(body.toString('utf8')));
      }
      res.writeHead(upstream.status, out).end(body);
      return;
    }
    const rel = normalize(decodeURIComponent(url.pathname.endsWith('/') ? `${url.pathname}index.html` : url.pathname)).slice(1);
    try {
      if (!dir || rel.startsWith('..')) throw new Error('outside');
      let data = await readFile(join(dir, rel));
      if (extname(rel) === '.html') {
        data = Buffer.from(inject(data.toString('utf8')));
      }
      res.writeHead(200, { 'Content-Type': types[extname(rel)] ?? 'application/octet-stream' }).end(data);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, server };
}

/** Builds dist/ (`node scripts/dist.mjs`: pure Node, a no-op when up to date). */
export function buildDist() {
  const built = spawnSync(process.execPath, ['scripts/dist.mjs'], { cwd: root, encoding: 'utf8' });
  assert.equal(built.status, 0, `npm run build failed:\n${built.stdout}\n${built.stderr}`);
  return join(root, 'dist');
}

// ---------------------------------------------------------------------------
// In the page.

const runsEnded = (tab) => tab.evaluate(() => Number(document.querySelector('section.results')?.dataset.runsEnded ?? -1));
/** Waits for the page's API; and the probe must be there (a CSP that blocked it would silence it). */
export async function ready(tab, timeout = 30_000) {
  await tab.waitFor(() => window.threadlab !== undefined, null, timeout);
  assert.equal(await tab.evaluate(() => Array.isArray(window.__probe)), true, 'the probe runs in this page');
}
export const run = (tab, experiment) => tab.evaluate((e) => window.threadlab.run(e), experiment);
export const text = (tab, css) => tab.evaluate((s) => document.querySelector(s)?.textContent ?? null, css);

/** Clicks `css` (Run, a lesson's button) and waits for the run it starts to end; the results table as shown. */
export async function clickAndRead(tab, css, timeout = 120_000) {
  const before = await runsEnded(tab);
  await tab.click(css);
  await tab.waitFor((n) => Number(document.querySelector('section.results')?.dataset.runsEnded) > n, before, timeout);
  return tab.evaluate(() =>
    [...document.querySelectorAll('.results-table tbody tr')].map((r) => ({
      model: r.dataset.model,
      check: r.querySelector('.check')?.textContent ?? '',
      ok: !!r.querySelector('.check.ok'),
    })),
  );
}

/** The verdict as shown: { held: 'true' | 'false' | 'null', text }. */
export const verdict = (tab) =>
  tab.evaluate(() => ({ held: document.querySelector('.verdict')?.dataset.held ?? null, text: document.querySelector('.verdict-text')?.textContent ?? null }));

/** Whether any two tasks ran at the same time (their [start, end] overlap). */
const overlapping = (tasks) => tasks.some((a, i) => tasks.some((b, j) => i < j && a.start_ms < b.end_ms && b.start_ms < a.end_ms));

/** Tasks in index order (a pool records them as they finished). */
const byIndex = (tasks) => [...tasks].sort((a, b) => a.index - b.index);

/** n(n − 1) / 2, the loop task's total, exactly. */
const loopTotal = (n) => ((BigInt(n) * BigInt(n - 1)) / 2n).toString();

// ---------------------------------------------------------------------------
// The checks. `expect` is what the leg's browser should show:
//   browser: RegExp of environment.browser ("Firefox 153")
//   threads: null when threads run, else a RegExp of the reason given
//   memory:  the sentence "Ask the browser" ends in

/**
 * The scripting API on every model: a CPU workload (loop) and an I/O one
 * (sleep). Every task's value is checked here too, not only `correct`; the
 * sleep's shape: sequential runs one task at a time, every pool that was
 * ready before the clock ran tasks at the same time (where a sleep waits:
 * without SharedArrayBuffer there is no Atomics.wait, and the engine spins
 * instead, on a CPU the machine may not have free).
 */
export async function apiOnEveryModel(tab, expect) {
  const cpu = await run(tab, { workload: { kind: 'loop', size: 4_000_000 }, tasks: 4, workers: 2, models: MODELS, repeats: 1 });
  assert.match(cpu.environment.browser, expect.browser);
  assert.equal(cpu.environment.cross_origin_isolated, true);
  assert.deepEqual(cpu.models.map((m) => m.model), MODELS);
  const want = loopTotal(4_000_000);
  for (const m of cpu.models) {
    if (expect.threads && THREADED.has(m.model)) {
      assert.equal(m.status, 'unavailable', m.model);
      assert.match(m.reason, expect.threads, m.model);
      continue;
    }
    assert.equal(`${m.status} ${m.correct}`, 'ran true', `${m.model}: ${m.error ?? m.problems}`);
    assert.deepEqual(byIndex(m.tasks).map((t) => [t.index, t.value]), [0, 1, 2, 3].map((i) => [i, want]), m.model);
    assert.ok(m.wall_ms.median > 0 && m.speedup > 0, m.model);
  }
  const io = await run(tab, { workload: { kind: 'sleep', ms: 100 }, tasks: 4, workers: 2, models: MODELS, repeats: 1 });
  for (const m of io.models) {
    if (expect.threads && THREADED.has(m.model)) {
      assert.equal(m.status, 'unavailable', m.model);
      continue;
    }
    assert.equal(`${m.status} ${m.correct}`, 'ran true', `${m.model}: ${m.error ?? m.problems}`);
    assert.deepEqual(byIndex(m.tasks).map((t) => [t.index, t.value]), [0, 1, 2, 3].map((i) => [i, String(i)]), m.model);
    // 100 ms asleep cannot take less (a margin for the clock's resolution).
    for (const t of m.tasks) assert.ok(t.end_ms - t.start_ms >= 95, `${m.model} task ${t.index} slept ${t.end_ms - t.start_ms} ms`);
    if (m.model === 'sequential') assert.equal(overlapping(m.tasks), false, 'sequential: one task at a time');
    // A process per task spawns each task's worker inside the run: whether
    // two overlap depends on the machine's load, so it is not asked here.
    else if (m.model !== 'process_per_task' && !expect.threads) assert.equal(overlapping(m.tasks), true, `${m.model}: tasks waited at the same time`);
  }
  // The learner's own Python on every model: what each task returned.
  const py = await run(tab, { workload: { kind: 'python', code: 'def task(i):\n    return i * i\n' }, tasks: 4, workers: 2, models: MODELS, repeats: 1 });
  for (const m of py.models) {
    if (expect.threads && THREADED.has(m.model)) continue;
    assert.equal(`${m.status} ${m.correct}`, 'ran true', `python, ${m.model}: ${m.error ?? m.problems}`);
    assert.deepEqual(byIndex(m.tasks).map((t) => t.repr), ['0', '1', '4', '9'], `python, ${m.model}`);
  }
  return { cpu, io };
}

/** One of the tutorials' programs as the gallery has it (src/program/gallery/). */
const galleryProgram = (id) => readFileSync(join(root, 'src/program/gallery', `${id}.py`), 'utf8');

/** Runs a whole program through the scripting API: the run (an exception in the page if it was refused). */
const runProgram = (tab, program) => tab.evaluate((p) => window.threadlab.run({ program: p }), program);

/** The console's texts, in order. */
const texts = (run) => run.console.map((l) => l.text);

/**
 * Whole programs (issue 19, docs/program.md): the program coordinator
 * (threaded engine, its nested workers running the Python threads) and a
 * process worker per child process. As a learner does: `url` in the Program
 * mode with the gallery's threads_io_sleep, Run pressed, its console and
 * summary read; then four of the gallery's programs through the API,
 * fifty threads at once, and two children consuming the parent's queue,
 * answering through a Pipe and counting into a Value under a Lock.
 */
export async function programs(tab, url) {
  await tab.goto(new URL('?mode=program&example=threads_io_sleep', url).href);
  await ready(tab);
  // The lab has the page (it runs programs).
  await tab.waitFor(() => document.querySelector('section.results[data-build=lab]') !== null, null, 60_000);
  const before = await runsEnded(tab);
  await tab.click('button.run');
  await tab.waitFor((n) => Number(document.querySelector('section.results')?.dataset.runsEnded) > n, before, 120_000);
  const shown = await tab.evaluate(() => ({
    refused: document.querySelector('.message[role=alert]')?.textContent ?? null,
    lines: [...document.querySelectorAll('.console-line')].map((l) => [l.dataset.who, l.querySelector('.c-text').textContent]),
    summary: Object.fromEntries([...document.querySelectorAll('.program-summary dd')].map((d) => [d.className, d.textContent])),
    stopped: document.querySelector('.program-stopped')?.textContent ?? null,
    verdict: document.querySelector('.program-verdict')?.textContent ?? null,
  }));
  assert.equal(shown.refused, null, 'the run was not refused');
  assert.equal(shown.stopped, null, shown.stopped);
  assert.deepEqual(
    [...shown.lines].sort(),
    [['MainThread', 'Done'], ['Thread-1 (task)', 'Thread A finished'], ['Thread-1 (task)', 'Thread A starting'], ['Thread-2 (task)', 'Thread B finished'], ['Thread-2 (task)', 'Thread B starting']],
    JSON.stringify(shown.lines),
  );
  assert.deepEqual(shown.lines.at(-1), ['MainThread', 'Done']);
  assert.equal(shown.summary.exit, '0 (ended normally)');
  assert.equal(shown.summary.threads, '3');
  assert.equal(shown.summary.processes, '0');
  assert.match(shown.summary.gil, /^on: [\d,]+ switches/);
  // Two 2 s sleeps side by side: about 2 s, not 4 ("2,013 ms").
  const wall = Number(shown.summary.wall.replace(/ ms$/, '').replaceAll(',', ''));
  assert.ok(wall >= 1500 && wall <= 3500, `wall ${shown.summary.wall}`);
  assert.match(shown.verdict ?? '', /^The sleeping threads overlapped: the program took [\d.]+ s, not the [\d.]+ s their sleeps add up to\.$/);
  assert.ok(await tab.evaluate(() => document.querySelectorAll('.timeline[data-model=program] .lane').length) >= 3, 'a lane per thread');

  // Through the API (the coordinator kept from the run above, or a new one).
  const runs = await programsApi(tab, Object.keys(PROGRAM_CHECKS));

  // Fifty threads asleep at once: a program worker each, the page starting
  // them (a worker's worker hung Firefox past ~40: docs/browsers.md).
  const fifty = await runProgram(
    tab,
    'import threading, time\n\ndef task(i):\n    time.sleep(1)\n    print(i)\n\n' +
      'threads = [threading.Thread(target=task, args=(i,)) for i in range(50)]\nfor t in threads:\n    t.start()\nfor t in threads:\n    t.join()\n',
  );
  assert.equal(fifty.exit_code, 0, JSON.stringify(fifty.console.slice(-3)));
  assert.deepEqual(texts(fifty).map(Number).sort((a, b) => a - b), [...Array(50).keys()]);
  assert.equal(fifty.threads, 51);
  // Fifty 1 s sleeps one after another would take 50 s.
  assert.ok(fifty.wall_ms >= 1000 && fifty.wall_ms < 10_000, `wall ${fifty.wall_ms} ms`);
  assert.match(fifty.verdict ?? '', /^The sleeping threads overlapped/);
  // Between processes: a child consuming a queue the parent feeds, a Pipe
  // both ways, a Value under a Lock (the child waits for its parent's
  // answers in its mailbox, the shared numbers in the coordinator's memory).
  const crossing = await runProgram(
    tab,
    'from multiprocessing import Process, Queue, Pipe, Value, Lock\n\n' +
      'def work(q, conn, counter, lock):\n    total = 0\n    while True:\n        item = q.get()\n        if item is None:\n            break\n        total += item\n' +
      '    conn.send(total)\n    conn.send(conn.recv() * 2)\n    for _ in range(500):\n        with lock:\n            counter.value += 1\n\n' +
      'if __name__ == "__main__":\n    q = Queue()\n    a, b = Pipe()\n    counter = Value("i", 0)\n    lock = Lock()\n' +
      '    ps = [Process(target=work, args=(q, b, counter, lock)) for _ in range(2)]\n    for p in ps:\n        p.start()\n' +
      '    for i in range(10):\n        q.put(i)\n    q.put(None)\n    q.put(None)\n    totals = a.recv() + a.recv()\n' +
      '    a.send(1)\n    a.send(2)\n    doubled = sorted([a.recv(), a.recv()])\n    for p in ps:\n        p.join()\n    print(totals, doubled, counter.value)\n',
  );
  assert.equal(crossing.exit_code, 0, JSON.stringify(crossing));
  assert.deepEqual(texts(crossing), ['45 [2, 4] 1000']);
  return { ...runs, fifty, crossing };
}

/** A program run through the API that must be refused: its error as "name: message". */
export const programRefused = (tab) => tab.evaluate(() => window.threadlab.run({ program: 'print(1)' }).then((r) => `resolved: ${JSON.stringify(r)}`, (e) => `${e.name}: ${e.message}`));

/** What each gallery program's run must show (the run as `threadlab.run` resolves). */
const PROGRAM_CHECKS = {
  threads_numbers_letters(run) {
    assert.equal(run.console.length, 16, JSON.stringify(texts(run)));
    const of = (who) => run.console.filter((l) => l.who.thread === who && l.who.process === undefined).map((l) => l.text);
    assert.deepEqual(of('Thread-1 (print_numbers)'), [...'0123456789']);
    assert.deepEqual(of('Thread-2 (print_letters)'), [...'python']);
  },
  threads_io_sleep(run) {
    assert.deepEqual([...texts(run)].sort(), ['Done', 'Thread A finished', 'Thread A starting', 'Thread B finished', 'Thread B starting']);
    assert.equal(texts(run).at(-1), 'Done');
    assert.ok(run.wall_ms >= 1500 && run.wall_ms <= 3500, `wall ${run.wall_ms} ms`);
    assert.ok(run.verdict, 'a verdict');
  },
  processes_cpu_loop(run) {
    assert.deepEqual([...texts(run)].sort(), ['Done', 'Process finished', 'Process finished', 'Process starting', 'Process starting']);
    assert.equal(texts(run).at(-1), 'Done');
    assert.equal(run.processes, 2);
    assert.equal(new Set(run.lanes.map((l) => l.who.process).filter(Boolean)).size, 2, JSON.stringify(run.lanes.map((l) => l.who)));
  },
  processpool_cpu(run) {
    assert.deepEqual(texts(run), ['[0, 1, 4, 9, 16]']);
    assert.ok(run.processes >= 1, JSON.stringify(run));
  },
};

/** The gallery programs `ids` through `threadlab.run({program})`, each checked (PROGRAM_CHECKS): the runs by id. */
export async function programsApi(tab, ids) {
  const runs = {};
  for (const id of ids) {
    const run = await runProgram(tab, galleryProgram(id));
    assert.equal(`${run.exit_code} ${run.stopped ?? ''}`, '0 ', `${id}: ${JSON.stringify(run)}`);
    PROGRAM_CHECKS[id](run);
    runs[id] = run;
  }
  return runs;
}

/** A lesson as a learner runs it: its card's button on the gallery, then the verdict shown. */
export async function lesson(tab, url, id) {
  await tab.goto(url);
  await ready(tab);
  const rows = await clickAndRead(tab, `[data-lesson="${id}"] button.run-lesson`);
  const shown = await verdict(tab);
  assert.ok(shown.text, `${id}: a verdict is shown`);
  assert.equal(shown.held === 'null', /^Cannot tell/.test(shown.text), `${id}: ${shown.text}`);
  assert.match(await text(tab, '.lesson-question'), /\?/);
  return { rows, ...shown };
}

/**
 * A lesson of the GIL, memory and mistakes families, as a learner runs them
 * (the crash: crashLesson), threads available; `expect.memory`: the
 * sentence the page shows when "Ask the browser" cannot measure.
 */
export async function lessons(tab, url, expect) {
  // The GIL family: threads help with I/O, the GIL released while a thread
  // waits. Eight 100 ms waits on eight threads against one after another:
  // a margin no load on this machine closes. (gil-cpu's verdict is drawn
  // from CPU timings a loaded machine sways either way; the Chromium leg
  // runs every lesson.)
  const io = await lesson(tab, url, 'threads-io');
  assert.deepEqual(io.rows.map((r) => [r.model, r.ok]), [['sequential', true], ['threads_gil', true], ['processes', true]], JSON.stringify(io.rows));
  assert.equal(io.held, 'true', io.text);
  const speedup = await text(tab, '.results-table tbody tr[data-model="threads_gil"] .speedup');
  assert.match(io.text, new RegExp(`^Threads \\+ GIL finished ${speedup.replace(/×$/, '').replace('.', '\\.')}× as fast as sequential with 8 workers`));

  // Memory: one shared memory against one per process; and the browser's
  // own measurement, which only Chromium has: the page says so.
  const memory = await lesson(tab, url, 'memory');
  assert.deepEqual(memory.rows.map((r) => [r.model, r.ok]), [['threads_gil', true], ['processes', true]], JSON.stringify(memory.rows));
  assert.equal(memory.held, 'true', memory.text);
  assert.match(memory.text, /shared one memory of [\d.]+ MB between 2 threads.*Processes had 2 memories/);
  await tab.click('.browser-memory button');
  await tab.waitFor(() => document.querySelector('.browser-memory p')?.textContent, null, 30_000);
  assert.equal(await text(tab, '.browser-memory p'), expect.memory);

  // A mistake: the race. Unsynchronised threads lose updates, by design
  // (how many, and whether both pools do, depends on how the threads were
  // scheduled); the atomic add and the lock count right, and so do
  // processes and sequential.
  const race = await lesson(tab, url, 'race');
  assert.equal(race.held, 'true', race.text);
  assert.match(race.text, /with an atomic add or a lock, every model counted all of them/);
  const threads = race.rows.filter((r) => r.model.startsWith('threads'));
  assert.ok(threads.some((r) => /updates lost$/.test(r.check)), JSON.stringify(threads));
  for (const r of threads) assert.ok(r.ok || /^✗ with no synchronisation the counter says [\d,]+ instead of [\d,]+: [\d,]+ updates lost$/.test(r.check), `${r.model}: ${r.check}`);
  for (const r of race.rows.filter((r) => !r.model.startsWith('threads'))) assert.ok(r.ok, `${r.model}: ${r.check}`);
  return { io, memory, race };
}

/**
 * The crash lesson, from its card: only processes survive a crashing task,
 * by design, and the claim holds (threads available). On its own: it is
 * the one lesson whose workers die (a trap in a pool thread).
 */
export async function crashLesson(tab, url) {
  const crash = await lesson(tab, url, 'crash');
  const by = Object.fromEntries(crash.rows.map((r) => [r.model, r]));
  assert.match(by.sequential.check, /Did not run: it stopped: a worker crashed/);
  assert.match(by.threads_gil.check, /Did not run: it stopped: .*a thread of the pool crashed.*the whole pool is lost/);
  assert.ok(by.processes.ok, by.processes.check);
  // The lesson runs 4 tasks a core, as the browser counts cores.
  const [, done, tasks] = by.processes.check.match(/(\d+) of (\d+) correct; 1 crashed with its process/) ?? [];
  assert.equal(Number(done), Number(tasks) - 1, by.processes.check);
  assert.equal(crash.held, 'true', crash.text);
  assert.match(crash.text, new RegExp(`processes lost only task 1: the pool replaced that worker and the other ${done} tasks completed`));
  return crash;
}

/**
 * Share: the page's own link (with this run's results), copied by its
 * button, opens the same experiment in a fresh page (`other`; may be `tab`),
 * with their run beside yours.
 */
export async function linkRoundTrip(tab, other, url, expect) {
  await tab.goto(url);
  await ready(tab);
  const experiment = { workload: { kind: 'sleep', ms: 15 }, tasks: 3, workers: 2, models: ['sequential', 'processes'], repeats: 1, switch_interval_ms: 2.5 };
  await run(tab, experiment);
  const shown = await tab.evaluate(() => window.threadlab.current());
  await tab.waitFor(() => /&r=/.test(document.querySelector('#share-link')?.value));
  await tab.click('button.share');
  assert.equal(await tab.waitFor(() => document.querySelector('.share .copy-status')?.textContent, null, 10_000), 'Link copied.');
  const link = await tab.evaluate(() => document.querySelector('#share-link').value);
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/\?v=1&workload=sleep&ms=15&tasks=3&workers=2&models=sequential,processes&repeats=1&switch=2\.5&r=/);

  await other.goto(link);
  await ready(other);
  assert.deepEqual(await other.evaluate(() => window.threadlab.current()), shown);
  assert.deepEqual(await other.evaluate(() => ['#workload', '#size', '#tasks'].map((s) => document.querySelector(s).value)), ['sleep', '15', '3']);
  assert.equal(await other.evaluate(() => document.querySelector('section.results').dataset.runsEnded), '0', 'a link does not run by itself');
  assert.match(await text(other, '.compare .machines'), new RegExp(`Theirs: \\d+ cores?, ${expect.browser.source}.*Press Run`));
}

/**
 * Embedded in a course page of another origin that is not isolated: the
 * frame is not isolated either (no Document-Isolation-Policy here), says
 * why threads are unavailable, offers a way out, runs sequential and
 * processes for the host, and tells the host its height.
 */
export async function embedNotIsolated(tab, course, frameUrl) {
  await tab.goto(course);
  await tab.waitFor(() => window.got?.some((m) => m?.type === 'threadlab:ready'), null, 30_000);
  assert.equal(await tab.evaluate(() => crossOriginIsolated), false, 'the course page is not isolated');
  const frame = tab.frame('iframe');
  await ready(frame);
  assert.equal(await frame.evaluate(() => crossOriginIsolated), false, 'nor is the frame: this browser has no Document-Isolation-Policy');
  assert.deepEqual(await tab.evaluate(() => window.got.find((m) => m?.type === 'threadlab:ready')), { type: 'threadlab:ready', version: 1 });
  assert.match(await text(frame, '.embed .warning'), /^Threads are unavailable in this frame: this frame is not cross-origin isolated: the page around it is not.*Sequential and processes still run\.$/);
  const out = await frame.evaluate(() => ({ href: document.querySelector('.open-full a')?.href, target: document.querySelector('.open-full a')?.target, text: document.querySelector('.open-full a')?.textContent }));
  assert.equal(out.target, '_blank');
  assert.match(out.text, /Open in ThreadLab/);
  assert.ok(out.href.startsWith(new URL(frameUrl).origin), out.href);
  assert.doesNotMatch(out.href, /embed=1/);

  // The host runs an experiment: threads unavailable with the reason, the rest runs.
  await tab.evaluate((m) => document.querySelector('iframe').contentWindow.postMessage(m, '*'), {
    type: 'threadlab:run',
    experiment: { workload: { kind: 'loop', size: 2_000_000 }, tasks: 4, workers: 2, repeats: 1, models: ['sequential', 'threads_gil', 'threads', 'processes'] },
  });
  const { results } = await tab.waitFor(() => window.got.find((m) => m?.type === 'threadlab:results'), null, 60_000);
  for (const m of results.models) {
    if (THREADED.has(m.model)) {
      assert.equal(m.status, 'unavailable', m.model);
      assert.match(m.reason, /not cross-origin isolated/, m.model);
    } else assert.equal(`${m.status} ${m.correct}`, 'ran true', m.model);
  }
  // Its height, told in three dialects; the host's listener applies it.
  await tab.waitFor(() => window.got.filter((m) => m?.type === 'threadlab:resize').at(-1)?.height > 300, null, 10_000);
  await sleep(300);
  const resize = await tab.evaluate(() => {
    const all = window.got;
    const own = all.filter((m) => m?.type === 'threadlab:resize').at(-1);
    return {
      own: own.height,
      lti: all.filter((m) => m?.subject === 'lti.frameResize').at(-1)?.height,
      bare: all.filter((m) => m && Object.keys(m).length === 1 && 'height' in m).at(-1)?.height,
      applied: document.querySelector('iframe').style.height,
    };
  });
  assert.equal(resize.lti, resize.own);
  assert.equal(resize.bare, resize.own);
  assert.equal(resize.applied, `${resize.own}px`);
  const inner = await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
  assert.ok(Math.abs(inner - resize.own) <= 2, `content ${inner} px, told ${resize.own} px`);
  // Nor does a whole program (its interpreter is the threaded engine):
  // refused, saying why (the frame shows it in its Program mode).
  assert.match(await programRefused(frame), /^RunError: Whole programs cannot run here: their interpreter needs threads, and this frame is not cross-origin isolated/);
  return out.href;
}

/** The course page: not isolated, another origin, frames `src` with docs/embedding.md's listener. */
export const coursePage = (src) => `<!doctype html><html><head><title>Course</title>
<script>
  window.got = [];
  addEventListener('message', (e) => {
    window.got.push(e.data);
    // The three-line listener docs/embedding.md documents.
    if (e.data && e.data.type === 'threadlab:resize') document.querySelector('iframe').style.height = e.data.height + 'px';
  });
</script></head>
<body><h1>Week 3</h1>
<iframe src="${src}" style="width:800px;height:400px;border:0" allow="cross-origin-isolated" title="ThreadLab"></iframe>
</body></html>`;

/**
 * Pages that do everything the probe must catch, once in the page and once
 * in its frame on `frameOrigin` (another origin of the same server): a CSP
 * violation, a console error, an uncaught error. The canary test of each
 * leg opens /canary and expects exactly these six reports.
 */
export function canaries(frameOrigin) {
  const bad = `<meta http-equiv="Content-Security-Policy" content="img-src 'self'">
    <img src="http://blocked.invalid/canary.png" alt="">
    <script>console.error('canary console'); setTimeout(() => { throw new Error('canary uncaught'); });</script>`;
  return {
    '/canary': `<!doctype html><html><head>${bad}</head><body><iframe src="${new URL('/canary-frame', frameOrigin)}"></iframe></body></html>`,
    '/canary-frame': `<!doctype html><html><head>${bad}</head><body>frame</body></html>`,
  };
}

/**
 * What the canary pages must have produced: from each of the two documents,
 * the probe's CSP report, the console error and the uncaught error; besides
 * them only the browser's own words for the same violation.
 */
export function assertCanary(seen) {
  const count = (re) => seen.filter((t) => re.test(t)).length;
  const all = seen.join('\n');
  assert.equal(count(/CSP violation: img-src blocked http:\/\/blocked\.invalid\/canary\.png/), 2, all);
  assert.equal(count(/console error: canary console$/), 2, all);
  assert.equal(count(/uncaught: (Error: )?canary uncaught$/), 2, all);
  for (const t of seen) assert.match(t, /canary|blocked\.invalid/, all);
}

/** The way out of a frame that cannot run threads: the same experiment in a tab of its own, isolated, threads run. */
export async function wayOut(tab, href) {
  await tab.goto(href);
  await ready(tab);
  assert.equal(await tab.evaluate(() => crossOriginIsolated), true);
  assert.equal(await tab.evaluate(() => window.threadlab.current().workload.kind), 'sleep');
  const results = await run(tab, { workload: { kind: 'sleep', ms: 5 }, tasks: 2, workers: 2, repeats: 1, models: ['threads'] });
  assert.equal(`${results.models[0].status} ${results.models[0].correct}`, 'ran true');
}

/**
 * The sentence the page shows every author who opens the embed code: an
 * embed in a non-isolated page runs no threads in Firefox and Safari.
 */
export async function embedCodeSays(tab, url) {
  await tab.goto(url);
  await ready(tab);
  await tab.click('.embed-code summary');
  const hints = await tab.evaluate(() => [...document.querySelectorAll('.embed-code .hint')].map((p) => p.textContent));
  assert.ok(
    hints.includes('Firefox and Safari cannot isolate a frame inside a page that is not isolated itself: readers using them get sequential and processes, not threads, and a link to open ThreadLab in a new tab.'),
    JSON.stringify(hints),
  );
}

/**
 * The static build on a host that sends no headers, first visit (a fresh
 * profile): the service worker isolates the page after exactly one reload
 * (the probe counts loads), and `models` run; each model's status.
 */
export async function distIsolated(tab, url, models) {
  await tab.goto(url);
  await tab.waitFor(() => crossOriginIsolated && window.threadlab !== undefined, null, 30_000);
  assert.equal(await tab.evaluate(() => Array.isArray(window.__probe)), true, 'the probe runs in this page');
  await sleep(1_000); // no further reload
  assert.equal(await tab.evaluate(() => sessionStorage.getItem('probe-loads')), '2', 'exactly one reload');
  assert.match(await tab.evaluate(() => navigator.serviceWorker.controller?.scriptURL), /\/isolation-sw\.js$/);
  const results = await run(tab, { workload: { kind: 'loop', size: 4_000_000 }, tasks: 4, workers: 2, repeats: 1, models });
  assert.equal(results.environment.cross_origin_isolated, true);
  return Object.fromEntries(results.models.map((m) => [m.model, `${m.status} ${m.correct ? 'correct' : (m.reason ?? m.error ?? 'wrong')}`]));
}

// ---------------------------------------------------------------------------
// The classroom (issue 21): predict, then run; the class wall.

/** The answers a learner picks, by clicking their labels: [about, answer]. */
const pick = async (tab, answers) => {
  for (const [about, answer] of answers) await tab.click(`label[for="predict-${about}-${answer}"]`);
};

/**
 * A lesson with `predict=1`, full page: it asks first (a question per model
 * it compares), Run before answering is refused, a prediction chosen, and
 * after the run the verdict compares each answer with the numbers.
 */
export async function predictLesson(tab, url) {
  // Three repeats, as the lesson has: the prediction is judged on the
  // median. (WebKitGTK's first repeat on a fresh threads pool with the GIL
  // can take as long as sequential: 149 ms against 21-25 ms for the next
  // two, measured; a single repeat would judge that one.)
  await tab.goto(new URL('?lesson=threads-io&ms=20&repeats=3&predict=1', url).href);
  await ready(tab);
  // The shell asks (the lab comes with Run).
  await tab.waitFor(() => document.querySelectorAll('.predict fieldset.question').length > 0, null, 60_000);
  const asked = await tab.evaluate(() => [...document.querySelectorAll('.predict fieldset.question')].map((f) => [f.dataset.about, f.querySelector('legend').textContent]));
  assert.deepEqual(asked, [['threads_gil', 'Threads + GIL will be…'], ['processes', 'Processes will be…']]);
  const before = await runsEnded(tab);
  await tab.click('button.run');
  assert.match(await tab.waitFor(() => document.querySelector('[role=alert]')?.textContent, null, 10_000), /^Make your prediction first/);
  assert.equal(await runsEnded(tab), before, 'nothing ran before the prediction');
  await pick(tab, [['threads_gil', 'faster'], ['processes', 'same']]);
  assert.deepEqual(await tab.evaluate(() => [...document.querySelectorAll('.predict input:checked')].map((i) => i.id)), ['predict-threads_gil-faster', 'predict-processes-same']);
  const rows = await clickAndRead(tab, 'button.run');
  assert.deepEqual(rows.map((r) => [r.model, r.ok]), [['sequential', true], ['threads_gil', true], ['processes', true]], JSON.stringify(rows));
  const judged = await tab.evaluate(() => [...document.querySelectorAll('.prediction li')].map((l) => [l.dataset.about, l.dataset.held, l.textContent]));
  assert.deepEqual(judged.map((j) => j[0]), ['threads_gil', 'processes']);
  // Eight 20 ms waits overlap on threads: faster than one after another, by a margin no load closes.
  assert.equal(judged[0][1], 'true', judged[0][2]);
  assert.match(judged[0][2], /You said Threads \+ GIL would be faster than sequential: it took \d+\.\d\d× the sequential time \(speed-up \d+\.\d\d×\), faster than sequential\. As you predicted\./);
  assert.match(judged[1][2], /You said Processes would be about as fast as sequential: it took \d+\.\d\d× the sequential time/);
  assert.ok((await verdict(tab)).text, 'the verdict on the claim is still there');
  // The link keeps asking, and carries the prediction with the results.
  await tab.waitFor(() => /&r=/.test(document.querySelector('#share-link')?.value));
  assert.match(await tab.evaluate(() => document.querySelector('#share-link').value), /[?&]predict=1(&|$)/);
  return judged;
}

/**
 * An embedded lesson that asks first (`predict=1`), in `course` (a page
 * that frames it and records its messages: coursePage): the reader picks
 * the answers in the frame, the host runs it, and its `threadlab:results`
 * message carries the prediction, judged.
 */
export async function predictEmbed(tab, course) {
  await tab.goto(course);
  await tab.waitFor(() => window.got?.some((m) => m?.type === 'threadlab:ready'), null, 30_000);
  const frame = tab.frame('iframe');
  await ready(frame);
  await frame.waitFor(() => document.querySelectorAll('.predict fieldset.question').length === 2, null, 60_000);
  await pick(frame, [['threads_gil', 'faster'], ['processes', 'faster']]);
  await tab.evaluate(() => document.querySelector('iframe').contentWindow.postMessage({ type: 'threadlab:run' }, '*'));
  const { results } = await tab.waitFor(() => window.got.find((m) => m?.type === 'threadlab:results'), null, 60_000);
  assert.deepEqual(results.prediction.map((p) => [p.about, p.answer]), [['threads_gil', 'faster'], ['processes', 'faster']]);
  for (const p of results.prediction) {
    assert.ok([true, false, null].includes(p.held), JSON.stringify(p));
    assert.match(p.text, /^You said (Threads \+ GIL|Processes) would be faster than sequential: /);
  }
  assert.equal(await frame.evaluate(() => document.querySelectorAll('.prediction li').length), 2);
  return results.prediction;
}

/**
 * `n` learners' result links to one CPU experiment (cores 1 to 64, three
 * browsers, every other one with a prediction), made by the page's own
 * `threadlab.link`: run in the page (`tab.evaluate(learnerLinks, n)`).
 */
export function learnerLinks(n) {
  const browsers = ['Chrome 156', 'Firefox 150', 'Safari 19'];
  const out = [];
  for (let i = 0; i < n; i++) {
    const cores = 2 ** (i % 7);
    const gil = 0.9 + (i % 5) * 0.05;
    const free = Math.max(1, Math.min(cores, 8) * 0.9);
    const model = (model, s) => ({ model, wall_ms: { median: 800 / s, min: 800 / s, max: 800 / s }, speedup: s, correct: true });
    const results = {
      environment: { cores, browser: browsers[i % 3] },
      models: [model('sequential', 1), model('threads_gil', gil), model('threads', free)],
      prediction: i % 2 ? [{ about: 'threads_gil', answer: 'same', held: true }] : [],
    };
    const exp = { workload: { kind: 'loop', size: 100000000 }, tasks: 8, workers: cores, models: ['sequential', 'threads_gil', 'threads'], repeats: 3 };
    out.push(window.threadlab.link(exp, { results }));
  }
  return out;
}

/** A small class wall (`?wall=1`, six generated result links pasted): its rows, its chart, its medians. */
export async function wall(tab, url) {
  await tab.goto(url);
  await ready(tab);
  const links = await tab.evaluate(learnerLinks, 6);
  await tab.goto(new URL('?wall=1', url).href);
  await tab.waitFor(() => document.querySelector('#wall-links') !== null, null, 60_000);
  await tab.evaluate((text) => {
    document.querySelector('#wall-links').value = text;
  }, links.join('\n'));
  await tab.click('button.add-links');
  await tab.waitFor(() => document.querySelectorAll('.wall-row').length === 6 && !document.querySelector('.class-wall progress'), null, 30_000);
  const shown = await tab.evaluate(() => ({
    cores: [...document.querySelectorAll('.wall-row .cores')].map((c) => c.textContent),
    browsers: [...document.querySelectorAll('.wall-row .browser')].map((c) => c.textContent),
    dots: document.querySelectorAll('svg.wall-chart circle.dot').length,
    ideal: document.querySelectorAll('svg.wall-chart polyline.ideal').length,
    chart: document.querySelector('svg.wall-chart')?.getBoundingClientRect().width ?? 0,
    medians: [...document.querySelectorAll('.wall-medians tbody tr')].map((r) => [r.dataset.model, r.querySelector('.median').textContent]),
  }));
  assert.deepEqual(shown.cores, ['1', '2', '4', '8', '16', '32']);
  assert.deepEqual(shown.browsers, ['Chrome 156', 'Firefox 150', 'Safari 19', 'Chrome 156', 'Firefox 150', 'Safari 19']);
  // A dot per learner and model compared with sequential, the ideal line, drawn.
  assert.equal(shown.dots, 12);
  assert.equal(shown.ideal, 1);
  assert.ok(shown.chart > 300, `the chart is ${shown.chart} px wide`);
  // Medians of 0.9, 0.95, 1.0, 1.05, 1.1, 0.9 and of 0.9, 1.8, 3.6, 7.2, 7.2, 7.2.
  assert.deepEqual(shown.medians.map((m) => m[0]), ['threads_gil', 'threads']);
  assert.match(shown.medians[0][1], /^0\.9[78]×$/);
  assert.match(shown.medians[1][1], /^5\.(39|40|41)×$/);
  return shown;
}
