// The Mandelbrot workload: one tinted tile per task in each model's picture,
// the tint that of the worker that computed it; a static split gives each
// worker its half; the pictures replay on request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open } from './harness.mjs';

const served = servedPage(before, after);

test('each model draws the image with one tile per task, tinted by the worker that computed it', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  // Through the API, for its record of which worker computed which tile; the page shows the same run.
  const exp = { workload: { kind: 'mandelbrot', size: 96, iterations: 300 }, tasks: 16, workers: 2, models: ['sequential', 'threads', 'threads_static', 'processes_static'], repeats: 1 };
  const r = await page.evaluate((e) => window.threadlab.run(e), exp);
  const rows = await page.$$eval('.results-table tbody tr', (rows) => rows.map((r) => ({ model: r.dataset.model, ok: !!r.querySelector('.check.ok') })));
  assert.deepEqual(rows.map((r) => [r.model, r.ok]), [['sequential', true], ['threads', true], ['threads_static', true], ['processes_static', true]]);
  // The replay ends with every tile shown.
  await page.waitForFunction(() => [...document.querySelectorAll('figure.picture')].every((f) => f.dataset.shown === f.dataset.tiles), null, { timeout: 20_000 });
  const pictures = await page.$$eval('figure.picture', (figs) => {
    // The legend's tints, as drawn.
    const tints = [...document.querySelectorAll('.worker-tints .swatch rect')].map((s) => getComputedStyle(s).fill.match(/\d+/g).map(Number));
    const grid = (tasks) => {
      let rows = 1;
      for (let r = 1; r * r <= tasks; r++) if (tasks % r === 0) rows = r;
      return [rows, tasks / rows];
    };
    // Which tint a pixel is made of: dark pixels are a quarter of it, light
    // ones a mix of it with white; near-white pixels say nothing.
    const vote = ([r, g, b]) => {
      const dark = Math.max(r, g, b) < 100;
      const v = dark ? [r, g, b] : [255 - r, 255 - g, 255 - b];
      if (v[0] + v[1] + v[2] < 40) return -1;
      const cos = tints.map((t) => {
        const u = dark ? t : t.map((c) => 255 - c);
        const dot = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
        return dot / (Math.hypot(...u) * Math.hypot(...v) + 1e-9);
      });
      return cos.indexOf(Math.max(...cos));
    };
    return figs.map((f) => {
      const c = f.querySelector('canvas');
      const ctx = c.getContext('2d');
      const size = c.width;
      const tasks = Number(f.dataset.tiles);
      const [rows, cols] = grid(tasks);
      const tiles = [];
      for (let i = 0; i < tasks; i++) {
        const col = Math.floor(i / rows), row = i % rows;
        const x0 = Math.floor((col * size) / cols), x1 = Math.floor(((col + 1) * size) / cols);
        const y0 = Math.floor((row * size) / rows), y1 = Math.floor(((row + 1) * size) / rows);
        const d = ctx.getImageData(x0, y0, x1 - x0, y1 - y0).data;
        const votes = tints.map(() => 0);
        let drawn = 0;
        for (let p = 0; p < d.length; p += 4) {
          if (d[p + 3] === 255) drawn++;
          const k = vote([d[p], d[p + 1], d[p + 2]]);
          if (k >= 0) votes[k]++;
        }
        tiles.push({ drawn: drawn === d.length / 4, tint: votes.indexOf(Math.max(...votes)) });
      }
      const work = [...f.querySelectorAll('.tile-work li')].map((li) => [Number(li.dataset.worker), li.textContent]);
      return { model: f.dataset.model, tiles, work };
    });
  });
  assert.deepEqual(pictures.map((p) => p.model), ['sequential', 'threads', 'threads_static', 'processes_static']);
  // Which worker computed each tile, by the API's record of the run shown.
  for (const p of pictures) {
    const m = r.models.find((m) => m.model === p.model);
    assert.equal(p.tiles.length, 16, p.model);
    for (const t of m.tasks) {
      assert.ok(p.tiles[t.index].drawn, `${p.model}: tile ${t.index} drawn`);
      assert.equal(p.tiles[t.index].tint, t.worker, `${p.model}: tile ${t.index} tinted as worker ${t.worker}`);
    }
  }
  assert.ok(pictures[0].tiles.every((t) => t.tint === 0), 'sequential: one worker, one tint');
  // A static split: the left half (tiles 0–7, down each column) to worker 0.
  for (const name of ['threads_static', 'processes_static']) {
    const p = pictures.find((p) => p.model === name);
    assert.deepEqual(p.tiles.map((t) => t.tint), [...Array(16)].map((_, i) => (i < 8 ? 0 : 1)), name);
    assert.match(p.work[0][1], /^worker 0: 8 tiles, [\d.]+ ms computing$/);
  }
  // The verdict compares the split with handing out one tile at a time.
  assert.match(await page.textContent('.verdict'), /split into equal blocks in advance, worker \d computed for [\d.]+ ms while worker \d was done after/);
  // Replay starts over from an empty picture.
  await page.click('button.replay');
  await page.waitForFunction(() => Number(document.querySelector('figure.picture').dataset.shown) < 16, null, { timeout: 5000 });
  await page.waitForFunction(() => document.querySelector('figure.picture').dataset.shown === '16', null, { timeout: 20_000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a Mandelbrot grid with more columns than pixels is refused, naming the field', async () => {
  const { page } = await open(served.browser(), served.url());
  const err = await page.evaluate(() => window.threadlab.run({ workload: { kind: 'mandelbrot', size: 8 }, tasks: 11, workers: 2 }).then(() => null, (e) => ({ message: e.message, field: e.field })));
  assert.equal(err.field, 'tasks');
  assert.match(err.message, /11 tiles make a grid of 1 × 11: more columns than the image's 8 pixels/);
  await page.close();
});
