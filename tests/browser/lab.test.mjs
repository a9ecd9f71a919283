// The page starts as the shell (pkg/ui/) and loads the lab (pkg/lab/: the
// runner and the results views) only when an action needs it; the lab then
// takes the page over without losing what the visitor did (ui/src/lab.rs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open, pressRun, readResults, alertSays, expectError } from './harness.mjs';
import { FIRST_LOAD_MAX_BYTES, fetchedBy } from '../../scripts/first-load.mjs';

const served = servedPage(before, after);
const SLEEP = { workload: { kind: 'sleep', ms: 5 }, tasks: 2, workers: 2, repeats: 1 };

/** Opens the page, recording every URL it requests. */
async function openRecording(url) {
  const page = await served.browser().newPage();
  const requested = [];
  // As in the repository: without the build's prefix, assets/<id>/ (scripts/assets.mjs).
  page.on('request', (r) => requested.push(new URL(r.url()).pathname.replace(/^\/assets\/[0-9a-f]{16}\//, '/')));
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.threadlab !== undefined && !document.querySelector('button.run')?.disabled);
  return { page, requested, errors };
}

const labFetched = (requested) => requested.some((p) => p.startsWith('/pkg/lab/'));

test('the first download, as served, stays within its budget', async () => {
  // A fresh profile: nothing cached.
  const context = await served.browser().newContext();
  const page = await context.newPage();
  await page.goto(served.url());
  const usable = await page.waitForFunction(() => window.threadlab !== undefined && !document.querySelector('button.run')?.disabled && performance.now());
  const files = await fetchedBy(page, await usable.jsonValue());
  const bytes = files.reduce((a, f) => a + f.served, 0);
  const list = files.map((f) => `${f.url} ${f.served}`).join(', ');
  assert.ok(files.some((f) => f.url.endsWith('/pkg/ui/threadlab_ui_bg.wasm')), `the shell is among them: ${list}`);
  assert.ok(bytes <= FIRST_LOAD_MAX_BYTES, `${bytes} bytes before Run is usable, more than ${FIRST_LOAD_MAX_BYTES} (scripts/first-load.mjs): ${list}`);
  await context.close();
});

test('the lab loads with the first run, not before, and the run is the one asked for', async () => {
  const { page, requested, errors } = await openRecording(`${served.url()}?workload=sleep&ms=5&tasks=2&workers=2&repeats=1&colour=red`);
  const notes = await page.textContent('.link-notes');
  assert.match(notes, /colour/, 'the link\'s unusable part is named');
  assert.ok(requested.includes('/pkg/ui/threadlab_ui_bg.wasm'), 'the shell');
  assert.equal(labFetched(requested), false, 'no lab before Run');
  // What a visitor can do without the lab: edit, read the Python program, share.
  await page.fill('#tasks', '3');
  assert.match(await page.textContent('.python'), /sleep/);
  assert.equal(labFetched(requested), false, 'editing needs no lab');
  // A bad value is refused by the shell itself, the typed text kept.
  await page.fill('#workers', '0');
  await page.click('button.run');
  assert.equal(await alertSays(page, /Workers must be between 1 and 64/), 'Workers must be between 1 and 64 (got 0)');
  assert.equal(await page.inputValue('#workers'), '0');
  assert.equal(labFetched(requested), false, 'a refusal needs no lab');
  await page.fill('#workers', '2');
  await pressRun(page);
  const rows = await readResults(page);
  assert.equal(rows.length, 4);
  assert.ok(rows.every((r) => r.ok));
  assert.ok(labFetched(requested), 'the lab came with Run');
  assert.equal(await page.inputValue('#tasks'), '3', 'the run used what was typed');
  assert.equal(await page.textContent('.link-notes'), notes, 'the link\'s notes stay until dismissed');
  assert.equal(await page.locator('#app main').count(), 1, 'one app on the page');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a lesson asks for the prediction from the shell; the lab comes with Run and judges the answers', async () => {
  const { page, requested, errors } = await openRecording(`${served.url()}?lesson=threads-io&ms=20&repeats=1`);
  assert.match(await page.textContent('.lesson-question'), /Do threads help with I\/O-bound work\?/);
  await page.click('label[for=predict-threads_gil-faster]');
  assert.equal(await page.isChecked('#predict-threads_gil-faster'), true);
  assert.equal(await page.getAttribute('section.results', 'data-build'), 'shell');
  assert.equal(labFetched(requested), false, 'asking needs no lab');
  await pressRun(page);
  await readResults(page);
  assert.ok(labFetched(requested), 'the lab came with Run');
  assert.equal(await page.isChecked('#predict-threads_gil-faster'), true, 'the answer stays chosen');
  assert.equal(await page.getAttribute('.prediction li[data-about=threads_gil]', 'data-held') !== null, true);
  assert.match(await page.textContent('.prediction li[data-about=threads_gil]'), /^. You said Threads \+ GIL would be faster than sequential: /);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a script keeps the same window.threadlab across the take-over, and ready fires once', async () => {
  const page = await served.browser().newPage();
  await page.addInitScript(() => {
    window.readyEvents = 0;
    addEventListener('threadlab-ready', () => window.readyEvents++);
  });
  await page.goto(served.url());
  await page.waitForFunction(() => window.threadlab !== undefined);
  const out = await page.evaluate(async (e) => {
    const api = window.threadlab;
    const { current, cancel } = api; // kept by a script before the take-over
    const results = await api.run(e);
    const link = api.link(e, { results });
    // The kept functions act on the lab's page: the form shows the run.
    const shown = current();
    const long = api.run({ workload: { kind: 'sleep', ms: 2000 }, tasks: 2, repeats: 1 }).then(() => 'ran', (err) => err.name);
    cancel();
    return { same: api === window.threadlab, models: results.models.length, link, version: api.version, tasks: shown.tasks, long: await long };
  }, SLEEP);
  assert.equal(out.same, true);
  assert.equal(out.models, 4);
  assert.match(out.link, /[?&]r=/, 'the link carries the run');
  assert.equal(out.version, 1);
  assert.equal(out.tasks, 2, 'current() kept from the shell reads the lab\'s form');
  assert.equal(out.long, 'CancelledError', 'cancel() kept from the shell cancels the lab\'s run');
  assert.equal(await page.evaluate(() => window.readyEvents), 1);
  // Before any run, a link with results works in the shell too.
  const fresh = await served.browser().newPage();
  await fresh.goto(served.url());
  await fresh.waitForFunction(() => window.threadlab !== undefined);
  const results = await page.evaluate((e) => window.threadlab.run(e), SLEEP);
  const again = await page.evaluate(([e, r]) => window.threadlab.link(e, { results: r }), [SLEEP, results]);
  const link = await fresh.evaluate(([e, r]) => window.threadlab.link(e, { results: r }), [SLEEP, results]);
  assert.equal(link, again, 'the same results give the same link, before the lab as after');
  assert.equal(await fresh.evaluate(() => [...document.querySelectorAll('script')].length > 0 && performance.getEntriesByType('resource').some((e) => e.name.includes('/pkg/lab/'))), false, 'the shell made it alone');
  const bad = await fresh.evaluate((e) => {
    try {
      window.threadlab.link(e, { results: { models: 'no' } });
      return 'accepted';
    } catch (err) {
      return `${err.name}: ${err.message}`;
    }
  }, SLEEP);
  assert.match(bad, /^InvalidExperiment: `results` is not a results object from threadlab.run/);
  await page.close();
  await fresh.close();
});

test('when the lab cannot be loaded the page says so, keeps its state, and a later Run works', async () => {
  expectError(/net::ERR_INTERNET_DISCONNECTED/, 'the test cuts the lab off');
  const { page } = await openRecording(`${served.url()}?workload=sleep&ms=5&tasks=2&workers=2&repeats=1`);
  await page.route('**/pkg/lab/**', (route) => route.abort('internetdisconnected'));
  await page.fill('#tasks', '3');
  await page.click('button.run');
  assert.match(await alertSays(page, /could not be loaded/), /^ThreadLab's lab could not be loaded \(.+\)\. Check the connection and try again\.$/);
  await page.waitForSelector('button.run:not([disabled])');
  assert.equal(await page.inputValue('#tasks'), '3');
  const rejected = await page.evaluate((e) => window.threadlab.run(e).then(() => 'ran', (err) => err.name), SLEEP);
  assert.equal(rejected, 'RunError');
  await page.unroute('**/pkg/lab/**');
  await pressRun(page);
  assert.ok((await readResults(page)).every((r) => r.ok));
  await page.close();
});

test('Cancel while the lab loads calls the run off; the page stays usable', async () => {
  const { page } = await open(served.browser(), `${served.url()}?workload=sleep&ms=5&tasks=2&workers=2&repeats=1`);
  // Hold the lab back until the Cancel.
  let release;
  const held = new Promise((r) => (release = r));
  await page.route('**/pkg/lab/threadlab_ui.js', async (route) => {
    await held;
    await route.continue();
  });
  await pressRun(page);
  await page.click('button.cancel');
  assert.match(await alertSays(page, /cancelled/), /cancelled/);
  release();
  await page.waitForSelector('button.run');
  assert.deepEqual(await page.evaluate(() => window.threadlabRunner.liveWorkers()), [], 'nothing started');
  await pressRun(page);
  assert.ok((await readResults(page)).every((r) => r.ok));
  await page.close();
});

test('the sharer\'s run and the lesson stay with the page across the take-over', async () => {
  const page = await served.browser().newPage();
  await page.goto(served.url());
  await page.waitForFunction(() => window.threadlab !== undefined);
  const link = await page.evaluate(async (e) => window.threadlab.link(e, { results: await window.threadlab.run(e) }), SLEEP);
  await page.close();
  const { page: p, requested } = await openRecording(link);
  assert.equal(await p.locator('section.compare').count(), 1, 'their run, before any of ours');
  // Another worker count: the address bar no longer carries their run.
  await p.fill('#workers', '1');
  assert.equal(await p.locator('section.compare').count(), 0);
  await pressRun(p);
  await readResults(p);
  assert.ok(labFetched(requested));
  await p.fill('#workers', '2');
  await p.waitForSelector('section.compare');
  await p.close();
});

test('panels opened and the place read in the shell stay as they were when the lab takes over', async () => {
  // A lesson with a Python task loads the lab at once (only the lab checks
  // Python as it is typed); hold it back while the learner opens the
  // Python panel and scrolls down to read it.
  const page = await served.browser().newPage({ viewport: { width: 1280, height: 700 } });
  let release;
  const held = new Promise((r) => (release = r));
  await page.route('**/pkg/lab/threadlab_ui.js', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${served.url()}?lesson=your-task`);
  await page.waitForFunction(() => window.threadlab !== undefined);
  await page.click('.python > summary');
  await page.click('.python-complete > summary');
  const complete = page.locator('.python-complete');
  assert.equal(await complete.evaluate((d) => d.open), true);
  await page.locator('.python-complete pre').scrollIntoViewIfNeeded();
  const scrolled = await page.evaluate(() => scrollY);
  assert.ok(scrolled > 0, 'scrolled down to read');
  assert.equal(await page.getAttribute('section.results', 'data-build'), 'shell');
  release();
  await page.waitForSelector('section.results[data-build=lab]', { state: 'attached' });
  // (The lab's page gives the panels back just after its first render.)
  await page.waitForFunction(() => document.querySelector('.python')?.open, null, { timeout: 5_000 }).catch(() => {});
  assert.equal(await page.locator('.python').evaluate((d) => d.open), true, 'the Python panel is still open');
  assert.equal(await complete.evaluate((d) => d.open), true, 'and the complete program');
  assert.ok(Math.abs((await page.evaluate(() => scrollY)) - scrolled) < 2, 'the page did not jump');
  await page.close();
});
