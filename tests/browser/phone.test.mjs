// On a phone (390 CSS px, touch, dark mode): the timeline, the sweep chart
// and the class wall's chart draw their words at a readable size, the
// timeline speaks and answers touch (a tap for details, a pinch to zoom, a
// finger to move), and every table of the results, and the wall's, fits the
// screen (one card per row).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, artifacts, openAt } from './harness.mjs';
import { learnerLinks } from './legs.mjs';

const served = servedPage(before, after);

const phone = (url) => openAt(served.browser(), url, { width: 390, height: 844, dark: true });

async function run(page, timeout = 120_000) {
  const before = Number(await page.getAttribute('section.results', 'data-runs-ended'));
  await page.locator('button.run').tap();
  await page.waitForFunction((n) => Number(document.querySelector('section.results').dataset.runsEnded) > n, before, { timeout });
}

/**
 * The size (CSS px) each text of the SVGs matching `svgs` is rendered at:
 * its computed font size times the drawing's scale on the screen.
 */
const renderedSizes = (page, svgs) =>
  page.$$eval(svgs, (ss) =>
    ss.flatMap((svg) => {
      const box = svg.getBoundingClientRect();
      const scale = box.width / svg.viewBox.baseVal.width;
      return [...svg.querySelectorAll('text')]
        .filter((t) => t.textContent.trim() !== '')
        .map((t) => {
          const r = t.getBoundingClientRect();
          return { text: t.textContent, px: Number.parseFloat(getComputedStyle(t).fontSize) * scale, high: r.height, inside: r.left >= box.left - 1 && r.right <= box.right + 1 };
        });
    }),
  );

function assertReadable(sizes, what) {
  assert.ok(sizes.length > 0, `${what}: no text`);
  const small = sizes.filter((s) => s.px < 12 || s.high < 12);
  assert.deepEqual(small, [], `${what}: text under 12 px on a 390 px screen`);
  assert.deepEqual(sizes.filter((s) => !s.inside), [], `${what}: text cut off at the drawing's edge`);
}

/** Touch pointers on `selector`'s centre: `moves` is a list of steps, each the x offsets (px) of the fingers. */
const touch = (page, selector, steps) =>
  page.$eval(
    selector,
    (el, steps) => {
      const r = el.getBoundingClientRect();
      const [cx, cy] = [r.left + r.width * 0.6, r.top + r.height / 2];
      const fire = (type, id, dx) => el.dispatchEvent(new PointerEvent(type, { pointerId: id, pointerType: 'touch', isPrimary: id === 1, clientX: cx + dx, clientY: cy, bubbles: true, cancelable: true, composed: true }));
      steps[0].forEach((dx, i) => fire('pointerdown', i + 1, dx));
      for (const step of steps.slice(1)) step.forEach((dx, i) => fire('pointermove', i + 1, dx));
      steps.at(-1).forEach((dx, i) => fire('pointerup', i + 1, dx));
    },
    steps,
  );

/**
 * Asserts that the results (or the `panel` given) fit a 390 px screen: no
 * table and no element of the panel (outside a drawing or a box that
 * scrolls its own content, as the Python code does) is wider than the
 * panel, the panel does not scroll sideways and the page does not; and that
 * `tables` (classes) are shown, as cards.
 */
async function assertFits(page, what, tables, panel = 'section.results') {
  const fit = await page.$eval(panel, (panel) => {
    const box = panel.getBoundingClientRect();
    const right = Math.min(box.right, innerWidth);
    const contained = (el) => {
      for (let p = el.parentElement; p && p !== panel; p = p.parentElement) {
        if (p instanceof SVGElement || getComputedStyle(p).overflowX !== 'visible') return true;
      }
      return false;
    };
    const name = (el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${el.textContent.trim().slice(0, 40)}" (${Math.round(el.getBoundingClientRect().width)} px)`;
    const wide = [...panel.querySelectorAll('*')].filter((el) => {
      if (contained(el)) return false;
      const r = el.getBoundingClientRect();
      return r.width > 0 && (r.left < box.left - 1 || r.right > right + 1);
    });
    const shown = [...panel.querySelectorAll('table')].filter((t) => t.getBoundingClientRect().width > 0);
    return {
      panel: Math.round(box.width),
      scrolls: panel.scrollWidth > panel.clientWidth + 1,
      page: document.scrollingElement.scrollWidth > innerWidth + 1,
      wide: wide.map(name),
      tables: shown.map((t) => ({ classes: [...t.classList], width: Math.round(t.getBoundingClientRect().width), cards: getComputedStyle(t.querySelector('tr')).display === 'block' })),
    };
  });
  assert.ok(fit.panel <= 390, `${what}: the panel is ${fit.panel} px`);
  for (const t of tables) {
    const table = fit.tables.find((s) => s.classes.includes(t));
    assert.ok(table, `${what}: shows the ${t}: ${JSON.stringify(fit.tables)}`);
    assert.ok(table.cards && table.width <= fit.panel, `${what}: the ${t} is cards within the panel: ${JSON.stringify(table)}`);
  }
  assert.deepEqual(fit.wide, [], `${what}: wider than the results panel (${fit.panel} px) on a 390 px screen`);
  assert.equal(fit.scrolls, false, `${what}: the results panel scrolls sideways`);
  assert.equal(fit.page, false, `${what}: the page scrolls sideways`);
}

const range = (tl) => tl.locator('.tl-range').evaluate((s) => ({ from: Number(s.dataset.from), to: Number(s.dataset.to), text: s.textContent }));

test('on a phone the timeline is readable, says tap and pinch, and a pinch zooms and a finger moves it', async () => {
  const { page, errors, close } = await phone(`${served.url()}?lesson=deadlock&watchdog_ms=300`);
  await run(page);
  const tl = page.locator('.timeline[data-model=threads_gil]');
  await tl.scrollIntoViewIfNeeded();
  assertReadable(await renderedSizes(page, '.timeline svg.tl-svg'), 'timeline');
  assert.equal(await page.evaluate(() => document.scrollingElement.scrollWidth <= innerWidth + 1), true, 'no sideways scroll');
  // Touch wording, not "hover" and "wheel".
  const hint = await tl.locator('.tl-details').textContent();
  assert.equal(hint, 'Tap a lane for details; pinch to zoom, drag sideways to move.');
  await tl.screenshot({ path: `${artifacts}phone-dark-deadlock-timeline.png` });
  await assertFits(page, 'deadlock', ['results-table', 'state-table']);
  // Two fingers moving apart zoom in about the point between them.
  const whole = await range(tl);
  assert.deepEqual([whole.from, whole.to], [0, 1]);
  await touch(page, '.timeline[data-model=threads_gil] svg.tl-svg', [[-20, 20], [-40, 40], [-60, 60], [-80, 80]]);
  const pinched = await range(tl);
  assert.ok(pinched.to - pinched.from < 0.5, `a pinch to 4× the spread zooms in: ${JSON.stringify(pinched)}`);
  assert.notEqual(pinched.text, whole.text);
  // One finger dragged to the right shows earlier times.
  await touch(page, '.timeline[data-model=threads_gil] svg.tl-svg', [[0], [30], [60]]);
  const moved = await range(tl);
  assert.ok(moved.from < pinched.from, `a drag moves: ${JSON.stringify([pinched, moved])}`);
  assert.ok(Math.abs(moved.to - moved.from - (pinched.to - pinched.from)) < 1e-6, 'a drag keeps the zoom');
  // Fingers closing zoom out again.
  await touch(page, '.timeline[data-model=threads_gil] svg.tl-svg', [[-80, 80], [-40, 40], [-20, 20], [-10, 10]]);
  const out = await range(tl);
  assert.ok(out.to - out.from > moved.to - moved.from, `a pinch in zooms out: ${JSON.stringify(out)}`);
  // A tap on a lane tells what is under the finger.
  await tl.getByRole('button', { name: 'Show the whole run' }).tap();
  const rects = tl.locator('rect.holdinglock');
  const widths = await rects.evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('width'))));
  await rects.nth(widths.indexOf(Math.max(...widths))).tap();
  assert.match(await tl.locator('.tl-details').textContent(), /^worker \d · task \d · (holding a lock|waiting for a lock) · /);
  assert.deepEqual(errors, []);
  await close();
});

test('on a phone the crash lesson marks the crash in its lane, readably', async () => {
  const { page, errors, close } = await phone(`${served.url()}?lesson=crash&size=5000000&tasks=6&repeats=1`);
  await run(page);
  const tl = page.locator('.timeline[data-model=processes]');
  await tl.scrollIntoViewIfNeeded();
  assertReadable(await renderedSizes(page, '.timeline svg.tl-svg'), 'timeline');
  const mark = tl.locator('.tl-lane-mark');
  assert.equal(await mark.count(), 1);
  const box = await mark.boundingBox();
  assert.ok(box.width >= 10 && box.height >= 10, `the cross is big enough to see: ${JSON.stringify(box)}`);
  await tl.screenshot({ path: `${artifacts}phone-dark-crash-timeline.png` });
  assert.deepEqual(errors.filter((e) => !/unreachable/.test(e)), []);
  await close();
});

test('on a phone the worker-count sweep chart is readable', async () => {
  const { page, errors, close } = await phone(`${served.url()}?lesson=too-many&size=100000&tasks=4&sweep=1,2&repeats=1`);
  await run(page, 180_000);
  await page.locator('svg.scaling-chart').scrollIntoViewIfNeeded();
  assertReadable(await renderedSizes(page, 'svg.scaling-chart'), 'sweep chart');
  assert.equal(await page.evaluate(() => document.scrollingElement.scrollWidth <= innerWidth + 1), true, 'no sideways scroll');
  await page.locator('figure.scaling').screenshot({ path: `${artifacts}phone-dark-sweep.png` });
  await assertFits(page, 'worker-count sweep', ['scaling-table']);
  assert.deepEqual(errors, []);
  await close();
});

test('on a phone every table of the results fits the screen, as one card per row', async () => {
  // The lessons whose results show a table of their own, with the timeline
  // recorded (its table: the time each worker spent per state), kept short.
  const lessons = [
    ['gil-cpu', 'size=3000000&repeats=1', ['results-table', 'state-table']],
    ['race', 'increments=100000', ['results-table', 'race-table', 'state-table']],
    ['convoy', 'cpu_ms=200&repeats=1', ['results-table', 'latency-table', 'state-table']],
    ['communication', 'bytes=4194304&repeats=1', ['results-table', 'communication-table', 'memory-table', 'state-table']],
  ];
  for (const [lesson, query, tables] of lessons) {
    const { page, errors, close } = await phone(`${served.url()}?lesson=${lesson}&${query}&trace=1`);
    await run(page);
    assert.ok((await page.locator('.timeline').count()) > 0, `${lesson}: the timeline is recorded`);
    await assertFits(page, lesson, tables);
    await page.locator('section.results').screenshot({ path: `${artifacts}phone-dark-${lesson}-results.png` });
    assert.deepEqual(errors, [], lesson);
    await close();
  }
});

test("on a phone the class wall is readable: its chart's words at 12 px or more, its tables within the screen", async () => {
  // The links made by the page's API, then the wall (which has no API).
  const { page, errors, close } = await phone(served.url());
  const links = await page.evaluate(learnerLinks, 12);
  await page.goto(`${served.url()}?wall=1`);
  await page.waitForSelector('#wall-links', { timeout: 30_000 });
  await page.fill('#wall-links', links.join('\n'));
  await page.locator('button.add-links').tap();
  await page.waitForFunction(() => document.querySelectorAll('.wall-row').length === 12 && !document.querySelector('.class-wall progress'), null, { timeout: 30_000 });
  await page.locator('svg.wall-chart').scrollIntoViewIfNeeded();
  assertReadable(await renderedSizes(page, 'svg.wall-chart'), 'the wall\'s chart');
  // Every dot still on the chart (the x axis 1 to 64 cores at this width).
  const outside = await page.$$eval('svg.wall-chart circle.dot', (cs) => {
    const box = cs[0].ownerSVGElement.getBoundingClientRect();
    return cs.filter((c) => {
      const r = c.getBoundingClientRect();
      return r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom;
    }).length;
  });
  assert.equal(outside, 0, 'dots drawn outside the chart');
  await page.locator('figure.chart').screenshot({ path: `${artifacts}phone-dark-wall-chart.png` });
  await assertFits(page, 'class wall', ['wall-rows'], 'main.class-wall');
  assert.deepEqual(errors, []);
  await close();
});
