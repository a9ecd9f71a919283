// The Program mode as a learner meets it (issue 19): the switch between the
// experiment builder and a whole program, the gallery of the tutorials'
// programs, the code editor marking a syntax error before anything runs,
// the GIL switch, and the links that carry all of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { servedPage, open, alertSays } from './harness.mjs';

const served = servedPage(before, after);

/** The page's query as the address bar holds it, read as parameters. */
const query = (page) => page.evaluate(() => Object.fromEntries(new URLSearchParams(location.search)));

/** The lab has the page (it checks programs as they are typed). */
const lab = (page) => page.waitForSelector('section.results[data-build=lab]', { state: 'attached', timeout: 60_000 });

test('a learner opens the Program mode, picks a gallery program, sees its code, switches the GIL off, and the link says so', async () => {
  const { page } = await open(served.browser(), `${served.url()}?workload=sleep`);
  // The experiment builder first; the Program tab beside it, by keyboard too.
  assert.equal(await page.getAttribute('#tab-experiment', 'aria-selected'), 'true');
  await page.focus('#tab-experiment');
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('#tab-program[aria-selected=true]');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-program', 'the chosen tab has the keyboard');
  await page.waitForSelector('form#program[role=tabpanel]');
  assert.equal(await page.locator('form#experiment').count(), 0, 'one form at a time');
  assert.equal((await query(page)).mode, 'program');
  await lab(page);
  // The gallery: the tutorials' six programs, each with what it shows.
  const options = await page.$$eval('#example option', (os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(options.map(([v]) => v), ['threads_numbers_letters', 'processes_numbers_letters', 'threads_io_sleep', 'processes_cpu_loop', 'threadpool_io', 'processpool_cpu', 'threads_cpu_loop', 'lock_counter', 'forgotten_join', 'processes_own_memory', 'deadlock_timeout']);
  await page.selectOption('#example', 'threads_io_sleep');
  await page.waitForFunction(() => document.querySelector('#program-code').value.includes('time.sleep'));
  const code = await page.inputValue('#program-code');
  assert.match(code, /import threading/);
  assert.match(await page.textContent('#example-hint'), /overlap/);
  assert.equal((await query(page)).example, 'threads_io_sleep');
  assert.equal((await query(page)).gil, '1');
  // The GIL switch: off, and the link says so.
  await page.check('#gil-off');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('gil') === '0');
  assert.equal(await page.isChecked('#gil-on'), false);
  // The share panel gives the program's link and embed code.
  const shared = new URL(await page.inputValue('#share-link'));
  assert.deepEqual(Object.fromEntries(shared.searchParams), { v: '1', mode: 'program', example: 'threads_io_sleep', gil: '0' });
  await page.click('.embed-code summary');
  const embed = await page.inputValue('#embed-html');
  assert.match(embed, /mode=program&amp;example=threads_io_sleep&amp;gil=0&amp;embed=1/);
  // Edited: the gallery says it is the learner's own, the link carries the text.
  await page.click('#program-code');
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('print("<b>done</b>")\n');
  await page.waitForFunction(() => new URLSearchParams(location.search).has('program'));
  assert.equal(await page.inputValue('#example'), '');
  assert.match((await query(page)).program, /print\("<b>done<\/b>"\)\n$/);
  // And back: the experiment builder as it was.
  await page.click('#tab-experiment');
  await page.waitForSelector('form#experiment');
  assert.equal(await page.inputValue('#workload'), 'sleep');
  assert.equal((await query(page)).mode, undefined);
});

test('a syntax error is marked in the editor before anything runs, and Run refuses it there', async () => {
  const { page } = await open(served.browser(), `${served.url()}?mode=program`);
  await lab(page);
  await page.click('#program-code');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('import threading\n\ndef task(n)\n    print(n)\n\nthreading.Thread(target=task, args=(1,)).start()\n');
  await page.waitForFunction(() => /line 3, column \d+/.test(document.querySelector('#program-code-error')?.textContent ?? ''));
  assert.equal(await page.getAttribute('#program-code', 'aria-invalid'), 'true');
  const message = await page.textContent('#program-code-error');
  assert.match(message, /^`program` \(line 3, column \d+\): SyntaxError: /);
  assert.equal(await page.textContent('.code-editor .gutter span.bad'), '3', 'the line is marked');
  await page.click('button.run');
  assert.equal(await alertSays(page, message), message);
  assert.equal(await page.getAttribute('section.results', 'data-runs-ended'), '0', 'nothing ran');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'program-code', 'the editor has the keyboard');
});

test('a link with programz= opens its code; a damaged one says so and shows the first example', async () => {
  const code = `import threading\n\ndef hello(name):\n    print("hello from", name, "<script>alert(1)</script>")\n\n${'t = threading.Thread(target=hello, args=("t",))\nt.start()\nt.join()\n'.repeat(12)}`;
  // The page's own link for it (compressed: it is long).
  const { page } = await open(served.browser(), `${served.url()}?mode=program`);
  await lab(page);
  await page.click('#program-code');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(code);
  await page.waitForFunction(() => new URLSearchParams(location.search).has('programz'));
  const link = await page.evaluate(() => location.href);
  await page.close();
  const opened = (await open(served.browser(), link)).page;
  await opened.waitForSelector('#program-code');
  assert.equal(await opened.inputValue('#program-code'), code);
  assert.equal(await opened.locator('script:text("alert")').count(), 0);
  assert.equal(await opened.inputValue('#example'), '');
  await opened.close();
  const z = new URL(link).searchParams.get('programz');
  const damaged = (await open(served.browser(), `${served.url()}?mode=program&programz=${z.slice(0, 30)}&gil=maybe`)).page;
  await damaged.waitForSelector('.link-notes');
  const notes = await damaged.textContent('.link-notes');
  assert.match(notes, /`programz=.*` was ignored: .*the first example is shown\./);
  assert.match(notes, /`gil=maybe` was ignored/);
  assert.equal(await damaged.inputValue('#example'), 'threads_numbers_letters');
  assert.equal(await damaged.isChecked('#gil-on'), true);
});

/** Presses Run and waits for the run to end; the console's lines as shown. */
async function runShown(page) {
  const before = Number(await page.getAttribute('section.results', 'data-runs-ended'));
  await page.click('button.run');
  await page.waitForFunction((n) => Number(document.querySelector('section.results').dataset.runsEnded) > n, before, { timeout: 120_000 });
  assert.equal(await page.locator('.message[role=alert]').count(), 0, 'the run was not refused');
  return page.$$eval('.console-line', (ls) => ls.map((l) => ({ who: l.dataset.who, time: l.querySelector('.c-time').textContent, text: l.querySelector('.c-text').textContent })));
}

test('Run: the console shows each line with the thread that printed it, the timeline a lane per thread', async () => {
  const { page } = await open(served.browser(), `${served.url()}?mode=program&example=threads_numbers_letters`);
  await lab(page);
  const lines = await runShown(page);
  const of = (who) => lines.filter((l) => l.who === who).map((l) => l.text);
  assert.deepEqual(of('Thread-1 (print_numbers)'), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual(of('Thread-2 (print_letters)'), [...'python']);
  assert.equal(lines.length, 16, 'nobody else printed');
  assert.ok(lines.every((l) => / ?m?s$/.test(l.time)), 'each line has its time');
  // Each thread's lines in a colour of its own, its lane's name in the same.
  const colour = (who) => page.$eval(`.console-line[data-who="${who}"]`, (l) => [...l.classList].find((c) => c.startsWith('who-')));
  assert.notEqual(await colour('Thread-1 (print_numbers)'), await colour('Thread-2 (print_letters)'));
  // The timeline: MainThread and the two threads, with their marks.
  const lanes = await page.$$eval('.timeline[data-model=program] .lane .tl-label', (ls) => ls.map((l) => l.querySelector('title').textContent));
  assert.deepEqual(lanes, ['MainThread', 'Thread-1 (print_numbers)', 'Thread-2 (print_letters)']);
  assert.ok(await page.locator('.timeline[data-model=program] rect.span.running').count() >= 3, 'every lane ran');
  assert.ok(await page.locator('.timeline[data-model=program] .tl-lane-mark.start').count() >= 2, 'the threads\' starts are marked');
  assert.equal(await page.textContent('.program-summary .threads'), '3');
  assert.equal(await page.textContent('.program-summary .exit'), '0 (ended normally)');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'results-heading', 'the results have the keyboard');
});

test('Run with processes: each process its lane and its lines; GIL off is what ran', async () => {
  const { page } = await open(served.browser(), `${served.url()}?mode=program&example=processes_numbers_letters&gil=0`);
  await lab(page);
  const lines = await runShown(page);
  const whos = [...new Set(lines.map((l) => l.who))].sort();
  assert.deepEqual(whos, ['Process-1', 'Process-2']);
  const lanes = await page.$$eval('.timeline[data-model=program] .lane .tl-label title', (ts) => ts.map((t) => t.textContent));
  assert.ok(lanes.includes('Process-1') && lanes.includes('Process-2') && lanes.includes('MainThread'), lanes.join(', '));
  assert.equal(await page.textContent('.program-summary .processes'), '2');
  assert.match(await page.textContent('.program-summary .gil'), /^off/);
  // The run taken away: its timeline as a Perfetto trace, a process per
  // Python process, and the run as the API returns it.
  const [d] = await Promise.all([page.waitForEvent('download'), page.click('.program-results .export-trace')]);
  assert.match(d.suggestedFilename(), /^threadlab-program-trace-\d{4}-\d{2}-\d{2}\.json$/);
  const trace = JSON.parse(await readFile(await d.path(), 'utf8'));
  const processes = trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => e.args.name);
  assert.deepEqual(processes.slice(0, 1), ['main process']);
  assert.deepEqual(processes.slice(1).sort(), ['Process-1 (child process)', 'Process-2 (child process)']);
  assert.equal(trace.traceEvents.filter((e) => e.name === 'print').length, lines.length, 'every printed line is on the trace');
  const [j] = await Promise.all([page.waitForEvent('download'), page.click('.program-results .export-json')]);
  const run = JSON.parse(await readFile(await j.path(), 'utf8'));
  assert.equal(run.processes, 2);
  assert.equal(run.console.length, lines.length);
});

test('autorun=1 runs the linked program; Cancel stops a program that never ends, with what it printed', async () => {
  const { page } = await open(served.browser(), `${served.url()}?mode=program&example=threadpool_io&autorun=1`);
  await page.waitForFunction(() => Number(document.querySelector('section.results').dataset.runsEnded) > 0, null, { timeout: 120_000 });
  assert.ok(await page.locator('.console-line').count() > 0, 'it ran and printed');
  assert.equal(await page.locator('.message[role=alert]').count(), 0);
  const forever = 'import time\nprint("started")\nwhile True:\n    time.sleep(0.01)\n';
  await page.goto(`${served.url()}?mode=program&program=${encodeURIComponent(forever)}`);
  await lab(page);
  await page.click('button.run');
  await page.waitForSelector('.console-line[data-who=MainThread]', { timeout: 60_000 });
  assert.equal(await page.textContent('.console-line .c-text'), 'started', 'shown while it runs');
  const asked = Date.now();
  await page.click('button.cancel');
  await page.waitForFunction(() => Number(document.querySelector('section.results').dataset.runsEnded) > 0, null, { timeout: 10_000 });
  assert.ok(Date.now() - asked < 5_000, `Cancel took ${Date.now() - asked} ms`);
  assert.match(await page.textContent('.program-stopped'), /Cancel/);
  assert.equal(await page.textContent('.program-summary .exit'), 'none: stopped');
  assert.equal(await page.locator('.console-line').count(), 1, 'what it printed is kept');
  await page.waitForSelector('button.run');
});

test('an embed of a program: the code shown as text, Run, the console; the full page is one click away', async () => {
  const { page } = await open(served.browser(), `${served.url()}?mode=program&example=threads_numbers_letters&embed=1&theme=dark`);
  assert.equal(await page.locator('.mode-tabs').count(), 0, 'an embed shows one mode');
  assert.match(await page.textContent('pre.program-code'), /^import threading/);
  assert.match(await page.textContent('.experiment-summary'), /Two threads print numbers and letters · GIL on/);
  const full = new URL(await page.getAttribute('.open-full a', 'href'));
  assert.deepEqual([full.searchParams.get('mode'), full.searchParams.get('example'), full.searchParams.get('embed')], ['program', 'threads_numbers_letters', null]);
  const lines = await runShown(page);
  assert.equal(lines.length, 16);
  assert.equal(await page.locator('.timeline[data-model=program] .lane').count(), 3);
});
