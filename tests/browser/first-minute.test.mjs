// A learner's first minute, as a newcomer meets it: the gallery by theme,
// a card's run shown where the learner is, the results brought into view
// with their heading focused, a link that opens on its experiment, the
// keyboard's way to the form, a phone in dark mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, artifacts, openAt as open } from './harness.mjs';

const served = servedPage(before, after);

const openAt = (url, size) => open(served.browser(), url, size);

/** Where an element is on the screen: its top and bottom, in CSS px. */
const place = (page, selector) => page.$eval(selector, (el) => ({ top: el.getBoundingClientRect().top, bottom: el.getBoundingClientRect().bottom, height: innerHeight }));
const inView = ({ top, bottom, height }) => top >= 0 && bottom <= height;
const runsEnded = (page) => page.getAttribute('section.results', 'data-runs-ended').then(Number);
const focused = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.className || document.activeElement?.tagName);

test('the landing text comes with the page, and the app draws the same in its place: nothing moves, nothing twice', async () => {
  const sent = await (await fetch(served.url())).text();
  assert.match(sent, /<h4 id="lesson-gil-cpu-q">Do threads speed up CPU-bound work in Python\?<\/h4>/, 'the first card is in the page as sent');
  const questions = sent.match(/<h4 id="lesson-[a-z-]+-q">/g)?.length ?? 0;
  assert.ok(questions >= 18, `every lesson's question is in the page as sent (${questions})`);
  // What of it shows before the app: all at a plain address, the masthead
  // alone at a lesson link (whose gallery the app folds), none in an embed.
  for (const [url, masthead, cards] of [
    [served.url(), 1, questions],
    [`${served.url()}?lesson=gil-cpu`, 1, 0],
    [`${served.url()}?lesson=gil-cpu&embed=1`, 0, 0],
  ]) {
    const context = await served.browser().newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.shifts = [];
      new PerformanceObserver((l) => window.shifts.push(...l.getEntries().map((e) => e.value))).observe({ type: 'layout-shift', buffered: true });
    });
    // The app held back until the landing markup has been looked at.
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route('**/pkg/ui/*.wasm', async (route) => { await held; await route.continue(); });
    await page.goto(url);
    const seen = (selector) => page.evaluate((s) => [...document.querySelectorAll(s)].filter((e) => e.getClientRects().length).length, selector);
    const top = await page.evaluate(() => document.querySelector('#app h1')?.getBoundingClientRect().top ?? null);
    assert.deepEqual([await seen('#app h1'), await seen('#app h4')], [masthead, cards], `${url}: the masthead and the questions shown before the app`);
    release();
    await page.waitForFunction(() => window.threadlab !== undefined);
    assert.equal(await page.locator('.prerendered').count(), 0, `${url}: the app replaced the landing markup`);
    assert.equal(await page.locator('h1').count(), masthead, `${url}: one masthead, none in an embed`);
    assert.equal(await page.locator('details.lessons').count(), masthead, `${url}: one gallery, none in an embed`);
    if (cards) assert.equal(await page.locator('#app h4[id^="lesson-"]').count(), questions, `${url}: the app draws the same questions`);
    if (masthead) {
      // The masthead drawn again where it was; below it, the landing's
      // gallery (or a link's "Loading ThreadLab…") replaced in place.
      assert.equal(await page.evaluate(() => document.querySelector('#app h1').getBoundingClientRect().top), top, `${url}: the masthead stays`);
      assert.deepEqual(await page.evaluate(() => window.shifts), [], `${url}: the landing markup replaced, nothing moved`);
    }
    await context.close();
  }
});

test('the gallery groups its cards by theme; a card runs where the learner is, and the results arrive in view, focused', async () => {
  const { page, errors, close } = await openAt(served.url(), { width: 1280, height: 900 });
  assert.equal(await page.$eval('details.lessons', (d) => d.open), true, 'the landing page opens on the lessons');
  const themes = await page.$$eval('.lesson-theme', (ss) => ss.map((s) => [s.querySelector('h3').textContent, s.querySelectorAll('.lesson-card').length]));
  assert.equal(themes.length, 3, JSON.stringify(themes));
  assert.match(themes[0][0], /^Start here/);
  assert.equal(themes.reduce((n, [, k]) => n + k, 0), 18);
  // A card far down the gallery (the 17th: the deadlock, which runs for
  // seconds), clicked; where Cancel and the progress are, read together as
  // soon as the view has moved to them.
  const ended = await runsEnded(page);
  await page.locator('.lesson-card').nth(16).locator('button.run-lesson').click();
  const during = await (
    await page.waitForFunction(
      () => {
        const at = (s) => document.querySelector(s)?.getBoundingClientRect();
        const [cancel, bar] = [at('button.cancel'), at('progress')];
        if (!cancel || !bar) return null;
        const seen = (r) => r.top >= 0 && r.bottom <= innerHeight;
        return seen(cancel) && seen(bar) ? { cancel: cancel.top, progress: bar.top } : null;
      },
      null,
      { timeout: 30_000, polling: 50 },
    )
  ).jsonValue();
  assert.ok(during.cancel >= 0 && during.progress >= 0, JSON.stringify(during));
  await page.waitForFunction((n) => Number(document.querySelector('section.results').dataset.runsEnded) > n, ended, { timeout: 120_000 });
  await page.waitForFunction(() => document.activeElement?.id === 'results-heading');
  const heading = await place(page, '#results-heading');
  assert.ok(heading.top >= -1 && heading.top < 0.5 * heading.height, `the results heading near the top: ${JSON.stringify(heading)}`);
  assert.deepEqual(errors, []);
  await close();
});

test('Enter on a card keeps keyboard focus on the run: Cancel, then the results', async () => {
  const { page, close } = await openAt(served.url(), { width: 1280, height: 900 });
  const ended = await runsEnded(page);
  await page.locator('[data-lesson=threads-io] button.run-lesson').focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('button.cancel', { timeout: 30_000 });
  // Never left on the page's body: on Cancel while it runs, then on the
  // results (a short run may end before this looks).
  await page.waitForFunction(() => document.activeElement?.matches('button.cancel, #results-heading'), null, { timeout: 30_000 });
  await page.waitForFunction((n) => Number(document.querySelector('section.results').dataset.runsEnded) > n, ended, { timeout: 120_000 });
  await page.waitForFunction(() => document.activeElement?.id === 'results-heading');
  await close();
});

test('a shared link opens on its experiment, the gallery folded; the keyboard reaches the form in three keys', async () => {
  const { page, close } = await openAt(`${served.url()}?lesson=threads-io`, { width: 1280, height: 900 });
  assert.equal(await page.$eval('details.lessons', (d) => d.open), false, 'the gallery is folded');
  assert.ok(inView(await place(page, '#workload')), 'the experiment is on the first screen');
  // Tab lands on the skip link; Enter follows it; Tab is in the form.
  const { page: fresh, close: closeFresh } = await openAt(served.url(), { width: 1280, height: 900 });
  await fresh.keyboard.press('Tab');
  assert.equal(await fresh.evaluate(() => document.activeElement.textContent), 'Skip to the experiment');
  await fresh.keyboard.press('Enter');
  await fresh.keyboard.press('Tab');
  assert.equal(await focused(fresh), 'workload');
  // Each card's button and link say which lesson they are.
  const names = await fresh.$$eval('.lesson-card button.run-lesson', (bs) => bs.map((b) => document.getElementById(b.getAttribute('aria-describedby'))?.textContent));
  assert.equal(new Set(names).size, 18, 'eighteen different descriptions');
  await closeFresh();
  await close();
});

test('on a phone in dark mode a lesson link shows its experiment, runs in view, and the results arrive in view', async () => {
  const { page, errors, close } = await openAt(`${served.url()}?lesson=threads-io&ms=100`, { width: 390, height: 844, dark: true });
  assert.equal(await page.$eval('details.lessons', (d) => d.open), false);
  const ended = await runsEnded(page);
  await page.locator('button.run').tap();
  // Cancel comes into view while the run goes on (read as soon as it does).
  await page.waitForFunction(
    () => {
      const r = document.querySelector('button.cancel')?.getBoundingClientRect();
      return r && r.top >= 0 && r.bottom <= innerHeight;
    },
    null,
    { timeout: 30_000, polling: 20 },
  );
  await page.waitForFunction((n) => Number(document.querySelector('section.results').dataset.runsEnded) > n, ended, { timeout: 120_000 });
  await page.waitForFunction(() => document.activeElement?.id === 'results-heading');
  const heading = await place(page, '#results-heading');
  assert.ok(heading.top >= -1 && heading.top < heading.height, `results heading on screen: ${JSON.stringify(heading)}`);
  await page.screenshot({ path: `${artifacts}phone-dark-results.png` });
  // The results fit the phone: one card per model, nothing wider than the page.
  const widest = await page.$eval('.results-table', (t) => t.getBoundingClientRect().right);
  assert.ok(widest <= 390, `the results table reaches ${widest} px on a 390 px screen`);
  assert.equal(await page.evaluate(() => document.scrollingElement.scrollWidth <= innerWidth + 1), true, 'no sideways scroll');
  assert.match(await page.textContent('.results-table tbody tr td.median'), /ms/);
  // The chart's words are readable: drawn near 1:1, not shrunk from a wide drawing.
  const label = await page.$eval('svg.bar-chart text.label', (t) => t.getBoundingClientRect().height);
  assert.ok(label >= 12, `chart labels ${label} px high`);
  assert.deepEqual(errors, []);
  await close();
});
