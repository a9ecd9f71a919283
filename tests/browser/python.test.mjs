// The python workload as a learner meets it: the code editor (line numbers,
// Tab, the syntax error marked as it is typed), Run on every model, what
// each task returned and printed, tracebacks, the globals, links, embeds.
import { test } from 'node:test';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, artifacts, open, openAt, pressRun, readResults, alertSays } from './harness.mjs';

const served = servedPage(before, after);

/** The page with the Python workload chosen (the lab takes over to check the code). */
async function python(query = '') {
  const { page, errors } = await open(served.browser(), `${served.url()}?${query}`);
  if (!query.includes('workload=python') && !query.includes('lesson=')) await page.selectOption('#workload', 'python');
  // The lab has taken the page over (it checks the code as it is typed).
  await page.waitForSelector('section.results[data-build=lab]', { state: 'attached' });
  await page.waitForSelector('.code-editor textarea#size');
  return { page, errors };
}

/** Replaces the editor's text as typing would (select all, type). */
async function typeCode(page, code) {
  await page.click('#size');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // Typed line by line: Enter, then the line's own indent (no auto-indent).
  await page.keyboard.insertText(code);
}

test('the editor numbers its lines, indents with Tab, lets the keyboard out, and marks a syntax error before Run', async () => {
  const { page } = await python();
  const lines = (await page.inputValue('#size')).split('\n').length;
  assert.equal(await page.$$eval('.code-editor .gutter span', (s) => [...s].map((n) => n.textContent).join(',')), Array.from({ length: lines }, (_, i) => i + 1).join(','));
  await typeCode(page, 'def task(i):\n    x = (1 +\n    return x\n');
  await page.waitForSelector('#size[aria-invalid=true]');
  const message = await page.textContent('#size-error');
  assert.match(message, /line 2, column \d+/);
  assert.match(await page.getAttribute('#size', 'aria-describedby'), /size-error/);
  assert.equal(await page.textContent('.code-editor .gutter span.bad'), '2');
  // Run refuses with the same message; nothing runs.
  await page.click('button.run');
  assert.equal(await alertSays(page, message), message);
  assert.equal(await page.getAttribute('section.results', 'data-runs-ended'), '0');
  // Fixed: the mark goes once the learner pauses.
  await typeCode(page, 'def task(i):\n    return i\n');
  await page.waitForSelector('#size:not([aria-invalid])');
  assert.equal(await page.locator('.code-editor .gutter span.bad').count(), 0);
  // Tab indents by four spaces; Escape then Tab leaves the editor.
  await page.click('#size');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Tab');
  assert.match(await page.inputValue('#size'), / {4}$/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'size');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  assert.notEqual(await page.evaluate(() => document.activeElement.id), 'size', 'Escape then Tab leaves the field');
});

test('long lines scroll inside the editor, its line numbers aligned, and the page never scrolls sideways (a 390 px phone, and a desktop)', async () => {
  const code = `def task(i):\n    total = 0  # ${'a comment far longer than any screen is wide, '.repeat(4)}\n${Array.from({ length: 40 }, (_, n) => `    total += i * ${n}`).join('\n')}\n    return total\n`;
  const lines = code.trimEnd().split('\n').length;
  for (const size of [{ width: 390, height: 844, dark: true }, { width: 1280, height: 900 }]) {
    const what = `${size.width} px`;
    const { page, errors, close } = await openAt(served.browser(), `${served.url()}?workload=python&code=${encodeURIComponent(code)}`, size);
    await page.waitForSelector('section.results[data-build=lab]', { state: 'attached' });
    await page.waitForSelector('.code-editor textarea#size');
    assert.equal((await page.inputValue('#size')).trimEnd(), code.trimEnd());
    const measure = () =>
      page.evaluate(() => {
        const area = document.querySelector('#size');
        const gutter = document.querySelector('.code-editor .gutter');
        const box = document.querySelector('.code-editor').getBoundingClientRect();
        const lh = Number.parseFloat(getComputedStyle(area).lineHeight);
        const pad = Number.parseFloat(getComputedStyle(area).paddingTop);
        const a = area.getBoundingClientRect();
        const g = gutter.getBoundingClientRect();
        const spans = [...gutter.children];
        // Where line k's text is drawn, and where its number is.
        const offset = (k) => Math.abs(spans[k - 1].getBoundingClientRect().top - (a.top + area.clientTop + pad + (k - 1) * lh - area.scrollTop));
        const first = Math.ceil(area.scrollTop / lh) + 1;
        const last = Math.min(spans.length, Math.floor((area.scrollTop + area.clientHeight - 2 * pad) / lh));
        return {
          page: document.scrollingElement.scrollWidth - innerWidth,
          inside: box.left >= 0 && box.right <= innerWidth,
          wide: [area.scrollWidth, area.clientWidth],
          high: [area.scrollHeight, area.clientHeight, lh, pad],
          gutterLeft: Math.round(g.left),
          gutterBeside: g.right <= a.left + 1 && Math.abs(g.top - a.top) <= 1,
          misaligned: [first, last].map(offset).map((o) => Math.round(o * 10) / 10),
          shown: spans.slice(first - 1, last).every((s) => {
            const r = s.getBoundingClientRect();
            return r.top >= g.top - 1 && r.bottom <= g.bottom + 1;
          }),
        };
      });
    const before = await measure();
    assert.ok(before.page <= 1, `${what}: the page scrolls sideways by ${before.page} px`);
    assert.ok(before.inside, `${what}: the editor is within the screen`);
    assert.ok(before.wide[0] > before.wide[1] + 100, `${what}: the long line scrolls inside the editor: ${before.wide}`);
    const [scrollHeight, clientHeight, lh, pad] = before.high;
    assert.ok(clientHeight <= 31 * lh + 2 * pad && scrollHeight > clientHeight, `${what}: ${lines} lines scroll inside an editor of at most 30: ${before.high}`);
    assert.ok(before.gutterBeside, `${what}: the line numbers beside the text`);
    assert.ok(before.misaligned.every((o) => o <= 1), `${what}: line numbers off by ${before.misaligned} px`);
    // Scrolled to its last line and its long line's end, as a finger or
    // the wheel would: the numbers follow, the page stays put.
    await page.$eval('#size', (a) => {
      a.scrollTop = a.scrollHeight;
      a.scrollLeft = a.scrollWidth;
    });
    await page.waitForFunction(() => document.querySelector('.code-editor .gutter').scrollTop > 0);
    const after = await measure();
    assert.ok(after.page <= 1, `${what}: scrolled, the page scrolls sideways by ${after.page} px`);
    assert.equal(after.gutterLeft, before.gutterLeft, `${what}: the line numbers stay put as the text scrolls sideways`);
    assert.ok(after.misaligned.every((o) => o <= 1), `${what}: scrolled to the end, line numbers off by ${after.misaligned} px`);
    assert.ok(after.shown, `${what}: the numbers of the lines shown are shown`);
    await page.locator('.code-field').screenshot({ path: `${artifacts}editor-long-lines-${size.width}${size.dark ? '-dark' : ''}.png` });
    assert.deepEqual(errors, []);
    await close();
  }
});

/** Types `code` in the editor, sets tasks, workers and repeats, presses Run and waits for the results. */
async function runCode(page, code, { tasks = 4, workers = 2, repeats = 1, timeout } = {}) {
  if (code !== undefined) await typeCode(page, code);
  for (const [id, value] of Object.entries({ tasks, workers, repeats })) await page.fill(`#${id}`, String(value));
  await page.waitForSelector('#size:not([aria-invalid])');
  await pressRun(page);
  return readResults(page, timeout);
}

/** Per model: each task's line, its printed output and traceback, and the globals, as shown. */
function shownTasks(page) {
  return page.$$eval('.py-model', (models) =>
    Object.fromEntries(models.map((m) => [m.dataset.model, {
      tasks: [...m.querySelectorAll('.py-task')].map((t) => ({
        said: t.querySelector('.py-said').textContent,
        repr: t.querySelector('.repr')?.textContent ?? null,
        printed: t.querySelector('pre.printed')?.textContent ?? null,
        traceback: t.querySelector('pre.traceback')?.textContent ?? null,
      })),
      globals: Object.fromEntries([...m.querySelectorAll('.py-globals-list dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])),
      summary: m.querySelector('summary').textContent,
    }])),
  );
}

const COUNTER = (update) => `import threading
lock = threading.Lock()
counter = 0

def task(i):
    global counter
    for _ in range(20000):
${update}
    return i
`;

test('the default task on every model: the same values, the GIL at about 1×, no GIL and processes faster', async (t) => {
  const { page } = await python();
  for (const m of ['sequential', 'threads_gil', 'threads', 'processes']) assert.ok(await page.isChecked(`#model-${m}`), m);
  const rows = await runCode(page, undefined, { tasks: 4, workers: 2 });
  assert.deepEqual(rows.map((r) => r.model), ['sequential', 'threads_gil', 'threads', 'processes']);
  for (const r of rows) assert.ok(r.ok, `${r.model}: ${r.check}`);
  const shown = await shownTasks(page);
  for (const m of Object.values(shown)) {
    assert.deepEqual(m.tasks.map((t) => t.said), [0, 1, 2, 3].map((i) => `task ${i} returned 49999995000000`));
    assert.match(m.summary, /all 4 returned 49999995000000/);
  }
  const speedup = Object.fromEntries(rows.map((r) => [r.model, parseFloat(r.speedup)]));
  // What this machine can run side by side just after (it may be shared): the loop workload, threads without a GIL.
  const loop = await page.evaluate(() => window.threadlab.run({ workload: { kind: 'loop', size: 30000000 }, tasks: 4, workers: 2, repeats: 1, models: ['sequential', 'threads'] }));
  const parallel = loop.models.find((m) => m.model === 'threads').speedup;
  // A shape, not a timing, and only where two threads did run side by side
  // just now (the loop workload on threads, 1.4× or more).
  if ((await page.evaluate(() => navigator.hardwareConcurrency)) >= 2 && parallel >= 1.4) {
    assert.ok(speedup.threads_gil < 1.5, `threads + GIL: ${speedup.threads_gil}×`);
    assert.ok(Math.max(speedup.threads, speedup.processes) > speedup.threads_gil * 1.1, JSON.stringify(speedup));
  } else {
    t.diagnostic(`speed-ups not compared: the loop workload ran ${parallel}× on threads here (the machine is busy) ${JSON.stringify(speedup)}`);
  }
});

test('a global counter: threads without the GIL lose updates, never gain any; a Lock makes every model exact', async () => {
  const { page } = await python();
  await runCode(page, COUNTER('        counter += 1'));
  let shown = await shownTasks(page);
  const counted = Object.fromEntries(Object.entries(shown).map(([m, s]) => [m, s.globals.counter === undefined ? null : Number(s.globals.counter)]));
  assert.equal(counted.sequential, 80000);
  assert.equal(counted.threads_gil <= 80000 && counted.threads_gil > 0, true, `GIL: ${counted.threads_gil}`);
  assert.ok(counted.threads <= 80000 && counted.threads > 0, `no GIL: ${counted.threads}`);
  // Processes: each has its own counter, not reported as one.
  assert.equal(counted.processes, null);
  assert.match(shown.processes.summary, /each process has its own globals/);
  await runCode(page, COUNTER('        with lock:\n            counter += 1'));
  shown = await shownTasks(page);
  for (const m of ['sequential', 'threads_gil', 'threads']) assert.equal(shown[m].globals.counter, '80000', m);
});

test('per-process globals: each process counts its own tasks', async () => {
  const { page } = await python();
  const rows = await runCode(page, 'count = 0\n\ndef task(i):\n    global count\n    count += 1\n    return count\n', { tasks: 4, workers: 2 });
  const shown = await shownTasks(page);
  assert.deepEqual(shown.sequential.tasks.map((t) => t.repr), ['1', '2', '3', '4']);
  // Two processes: each saw at most its own tasks, and all four were counted once between them.
  const perProcess = shown.processes.tasks.map((t) => Number(t.repr));
  assert.ok(Math.max(...perProcess) < 4, `processes: ${perProcess}`);
  assert.equal(perProcess.filter((n) => n === 1).length, 2, `two processes each started at 1: ${perProcess}`);
  assert.ok(!rows.find((r) => r.model === 'processes').ok, 'their values differ from sequential, and the table says so');
});

test('print output and a runtime error with its traceback; the other tasks and models run, and the next run works', async () => {
  const { page } = await python();
  const code = 'def helper(n):\n    return 10 // (n - 2)\n\ndef task(i):\n    print("task", i, "starts")\n    return helper(i)\n';
  await runCode(page, code, { tasks: 4, workers: 2 });
  const shown = await shownTasks(page);
  for (const [model, m] of Object.entries(shown)) {
    assert.equal(m.tasks[0].said, 'task 0 returned -5', model);
    assert.equal(m.tasks[0].printed, 'task 0 starts\n', model);
    assert.match(m.tasks[2].said, /task 2 failed: ZeroDivisionError: integer division or modulo by zero/, model);
    assert.match(m.tasks[2].traceback, /^Traceback \(most recent call last\):\n {2}File "<task>", line 6, in task\n {2}File "<task>", line 2, in helper\nZeroDivisionError/m, model);
    assert.equal(m.tasks[3].said, 'task 3 returned 10', model);
  }
  const rows = await runCode(page, 'def task(i):\n    return i * i\n');
  for (const r of rows) assert.ok(r.ok, `${r.model}: ${r.check}`);
});

test('unbounded recursion is a RecursionError, the page alive', async () => {
  const { page } = await python();
  await runCode(page, 'def f(n):\n    return f(n + 1)\n\ndef task(i):\n    return f(0)\n', { tasks: 2 });
  const shown = await shownTasks(page);
  for (const m of Object.values(shown)) assert.match(m.tasks[0].said, /RecursionError: maximum recursion depth exceeded/);
});

test('time.sleep overlaps under the GIL', async () => {
  const { page } = await python();
  const rows = await runCode(page, 'import time\n\ndef task(i):\n    time.sleep(0.2)\n    return i\n', { tasks: 4, workers: 4 });
  const gil = rows.find((r) => r.model === 'threads_gil');
  assert.ok(gil.ok, gil.check);
  // Four 200 ms sleeps on four threads: far less than the 800 ms one after another.
  assert.ok(parseFloat(gil.speedup) > 2, `threads + GIL: ${gil.speedup}`);
});

test('an endless loop: Cancel stops it within 200 ms, every worker ended', async () => {
  const { page } = await python();
  await typeCode(page, 'def task(i):\n    n = 0\n    while True:\n        n += 1\n');
  await page.fill('#repeats', '1');
  await page.waitForSelector('#size:not([aria-invalid])');
  await pressRun(page);
  await page.waitForFunction(() => document.querySelector('.progress-label')?.textContent.includes('Threads'), null, { timeout: 30_000 }).catch(() => {});
  await page.waitForTimeout(300);
  const ms = await page.evaluate(async () => {
    const t0 = performance.now();
    document.querySelector('button.cancel').click();
    while (window.threadlabRunner.liveWorkers().length > 0) await new Promise((r) => setTimeout(r, 5));
    return performance.now() - t0;
  });
  assert.ok(ms < 200, `every worker ended ${Math.round(ms)} ms after Cancel`);
  assert.match(await alertSays(page, /cancelled/), /cancelled/);
});

test('a program a script runs is refused with its line and column, and shown marked in the editor', async () => {
  const { page } = await python();
  const error = await page.evaluate(() => window.threadlab.run({ workload: { kind: 'python', code: 'def task(i):\n    return i +\n' } }).then(() => null, (e) => ({ name: e.name, field: e.field, line: e.line, column: e.column, message: e.message })));
  assert.equal(error.name, 'InvalidExperiment');
  assert.equal(error.field, 'workload.code');
  assert.equal(error.line, 2);
  await page.waitForSelector('#size[aria-invalid=true]');
  assert.equal(await page.inputValue('#size'), 'def task(i):\n    return i +\n');
  assert.equal(await page.textContent('.code-editor .gutter span.bad'), '2');
});

test('the lock lesson: updates lost without a lock, none once the learner adds `with lock:`', async () => {
  const { page } = await python('lesson=lock');
  const code = await page.inputValue('#size');
  assert.match(code, /counter \+= 1/);
  assert.doesNotMatch(code, /^\s*with lock:/m);
  await pressRun(page);
  await readResults(page);
  const before = await page.textContent('.verdict');
  assert.match(before, /Without a lock, updates were lost|no update was lost this time/);
  const shown = await shownTasks(page);
  assert.equal(shown.sequential.globals.counter, String(4 * 100000));
  assert.ok(Number(shown.threads.globals.counter) <= 4 * 100000, 'never more than expected');
  // The learner's fix, typed in the editor.
  await typeCode(page, code.replace(/\n(\s*)counter \+= 1[^\n]*/, '\n$1with lock:\n$1    counter += 1'));
  await page.waitForSelector('#size:not([aria-invalid])');
  await pressRun(page);
  await readResults(page);
  assert.match(await page.textContent('.verdict'), /With the lock, no update was lost/);
  assert.match(await page.textContent('.lesson-question'), /fix this race with a lock/);
});

test('the lesson "a task that threads do speed up": the sleeping task overlaps on threads', async () => {
  const { page } = await python('lesson=your-task&repeats=1');
  await pressRun(page);
  const rows = await readResults(page);
  for (const r of rows) assert.ok(r.ok, `${r.model}: ${r.check}`);
  assert.match(await page.textContent('.verdict'), /Threads suit I\/O-bound work/);
  assert.ok(parseFloat(rows.find((r) => r.model === 'threads_gil').speedup) > 2);
});

test('code in a link round-trips: readable when short, compressed when long', async () => {
  const short = 'def task(i):\n    return i * 3\n';
  const { page } = await python(`workload=python&code=${encodeURIComponent(short)}`);
  assert.equal((await page.inputValue('#size')).trimEnd(), short.trimEnd());
  const shortLink = await page.evaluate(() => window.threadlab.link(window.threadlab.current()));
  assert.match(shortLink, /[?&]code=def\+task/);
  const long = `def task(i):\n${Array.from({ length: 40 }, (_, n) => `    x${n} = i + ${n}  # line ${n} of a long task`).join('\n')}\n    return x39\n`;
  await typeCode(page, long);
  await page.waitForSelector('#size:not([aria-invalid])');
  const longLink = await page.evaluate(() => window.threadlab.link(window.threadlab.current()));
  assert.match(longLink, /[?&]codez=/);
  assert.doesNotMatch(longLink, /[?&]code=/);
  const again = await open(served.browser(), longLink);
  await again.page.waitForSelector('section.results[data-build=lab]', { state: 'attached' });
  assert.equal((await again.page.inputValue('#size')).trimEnd(), long.trimEnd());
  assert.equal(await again.page.getAttribute('section.results', 'data-runs-ended'), '0', 'nothing ran without Run');
});

test('hostile code in a link is text in the editor, never markup, and never runs (even with autorun=1)', async () => {
  const hostile = '</textarea><script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"><b>bold</b>\ndef task(i):\n    return i\n';
  const { page } = await python(`workload=python&code=${encodeURIComponent(hostile)}&autorun=1`);
  assert.equal((await page.inputValue('#size')).trimEnd(), hostile.trimEnd());
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.locator('#app img, #app b, #app script').count(), 0, 'no markup from the link');
  // Not Python: marked, and Run refuses it.
  await page.waitForSelector('#size[aria-invalid=true]');
  assert.match(await page.textContent('#size-error'), /line 1/);
  await page.waitForTimeout(500);
  assert.equal(await page.getAttribute('section.results', 'data-runs-ended'), '0');
});

test('an embed with edit=1 runs the learner\'s code', async () => {
  const { page } = await python(`embed=1&edit=1&workload=python&code=${encodeURIComponent('def task(i):\n    print("hi", i)\n    return i * 2\n')}&tasks=2&workers=2&repeats=1`);
  await pressRun(page);
  const rows = await readResults(page);
  for (const r of rows) assert.ok(r.ok, `${r.model}: ${r.check}`);
  const shown = await shownTasks(page);
  assert.deepEqual(shown.threads.tasks.map((t) => [t.repr, t.printed]), [['0', 'hi 0\n'], ['2', 'hi 1\n']]);
});
