// The class wall (?wall=1): an instructor pastes learners' result links;
// one row per run, the chart of speed-up against cores, the class's
// medians and the claim; the wall is a link; its chart exports as a PNG and
// its table as CSV; hostile lines are named and skipped; 200 links keep the
// page responsive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { servedPage, open } from './harness.mjs';
import { learnerLinks as resultLinks } from './legs.mjs';

const served = servedPage(before, after);

/** `n` learners' result links to one CPU experiment, made by the page's own threadlab.link. */
async function learnerLinks(n) {
  const { page } = await open(served.browser(), served.url());
  const links = await page.evaluate(resultLinks, n);
  await page.close();
  return links;
}

async function openWall(query = 'wall=1') {
  const page = await served.browser().newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    errors.push(`a dialog opened: ${d.message()}`);
    d.dismiss();
  });
  await page.goto(`${served.url()}?${query}`);
  await page.waitForSelector('#wall-links', { timeout: 30_000 });
  return { page, errors };
}

async function paste(page, text) {
  await page.fill('#wall-links', text);
  await page.click('button.add-links');
  await page.waitForFunction(() => !document.querySelector('.class-wall progress'), null, { timeout: 60_000 });
}

test('a wall from 30 result links shows 30 rows, the chart, the medians and the claim, and round-trips through its own link', async () => {
  const links = await learnerLinks(30);
  const { page, errors } = await openWall();
  await paste(page, `Links from the forum:\n${links.join('\n')}`);
  assert.equal(await page.locator('.wall-row').count(), 30);
  assert.deepEqual(await page.$$eval('.wall-row .cores', (cs) => cs.slice(0, 7).map((c) => c.textContent)), ['1', '2', '4', '8', '16', '32', '64']);
  assert.deepEqual(new Set(await page.$$eval('.wall-row .browser', (cs) => cs.map((c) => c.textContent))), new Set(['Chrome 156', 'Firefox 150', 'Safari 19']));
  // A dot per learner and model compared with sequential; the ideal line.
  assert.equal(await page.locator('svg.wall-chart circle.dot').count(), 60);
  assert.equal(await page.locator('svg.wall-chart polyline.ideal').count(), 1);
  const medians = await page.$$eval('.wall-medians tbody tr', (rs) => rs.map((r) => [r.dataset.model, r.querySelector('.median').textContent]));
  assert.deepEqual(medians.map((m) => m[0]), ['threads_gil', 'threads']);
  assert.equal(medians[0][1], '1.00×');
  assert.match(await page.textContent('.wall-claim'), /^The claim held on \d+ of \d+ machines where the numbers could tell \(\d+ could not\): The GIL keeps CPU-bound threads/);
  assert.match(await page.textContent('.wall-predictions'), /^Predictions: 15 of 15 held\.$/);
  assert.match(await page.textContent('.class-wall'), /4 words that are not links left out/);
  // The CSV: a row per run.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('button.export-csv')]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.equal(csv.trim().split('\n').length, 31);
  assert.match(csv.split('\n')[0], /^learner,cores,browser,workers,sequential speed-up,threads_gil speed-up,threads speed-up,claim held,prediction$/);

  // The wall is a link: opened, it shows the same runs.
  await page.waitForFunction(() => /[?&]wall=(?!1$)/.test(location.search));
  const wallLink = await page.evaluate(() => location.href);
  assert.match(wallLink, /\?v=1&wall=/);
  const { page: again, errors: errorsAgain } = await openWall(wallLink.split('?')[1]);
  await again.waitForSelector('.wall-row');
  assert.equal(await again.locator('.wall-row').count(), 30);
  assert.deepEqual(await again.$$eval('.wall-medians tbody tr', (rs) => rs.map((r) => [r.dataset.model, r.querySelector('.median').textContent])), medians);
  assert.deepEqual(errorsAgain, []);
  await again.close();
  assert.deepEqual(errors, []);
  await page.close();
});

test('the wall exports its chart as a real PNG (not blank) and its table as CSV, a row per run', async () => {
  const links = await learnerLinks(8);
  const { page, errors } = await openWall();
  await paste(page, links.join('\n'));
  const [csvFile] = await Promise.all([page.waitForEvent('download'), page.click('button.export-csv')]);
  assert.equal(csvFile.suggestedFilename(), 'threadlab-class-wall.csv');
  const rows = readFileSync(await csvFile.path(), 'utf8').trim().split('\n');
  assert.equal(rows.length, 1 + 8, 'a header and a row per run');
  assert.deepEqual(rows.slice(1).map((r) => r.split(',')[1]), ['1', '2', '4', '8', '16', '32', '64', '1'], 'each row its learner\'s cores');

  const chart = await page.$eval('svg.wall-chart', (s) => {
    const r = s.getBoundingClientRect();
    return { width: Math.round(r.width), height: Math.round(r.height) };
  });
  const [pngFile] = await Promise.all([page.waitForEvent('download'), page.click('button.export-png')]);
  assert.equal(pngFile.suggestedFilename(), 'threadlab-class-wall.png');
  const png = readFileSync(await pngFile.path());
  // The signature, then the IHDR chunk: width and height, twice the chart's on screen.
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  assert.ok(Math.abs(width - 2 * chart.width) <= 2 && Math.abs(height - 2 * chart.height) <= 2, `${width}×${height} for a chart of ${chart.width}×${chart.height}`);
  // Not blank: decoded by a browser, the picture has the background, the
  // grid and words, and each model's dots in its colour.
  const blank = await served.browser().newPage();
  const seen = await blank.evaluate(async (b64) => {
    const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const counts = new Map();
    for (let i = 0; i < data.length; i += 4) {
      const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const hex = (k) => `#${k.toString(16).padStart(6, '0')}`;
    const [background, most] = [...counts].sort((a, b) => b[1] - a[1])[0];
    return { size: [bitmap.width, bitmap.height], background: hex(background), share: most / (data.length / 4), colours: counts.size, has: [...counts.keys()].map(hex) };
  }, png.toString('base64'));
  await blank.close();
  assert.deepEqual(seen.size, [width, height]);
  assert.ok(seen.share < 0.98, `one colour covers ${Math.round(seen.share * 100)} % of the picture`);
  assert.ok(seen.colours >= 20, `${seen.colours} colours`);
  const colours = await page.$$eval('svg.wall-chart .dots circle.dot', (cs) => [...new Set(cs.map((c) => c.getAttribute('fill').toLowerCase()))]);
  assert.equal(colours.length, 2);
  for (const c of colours) assert.ok(seen.has.includes(c), `the dots' colour ${c} is in the picture`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("hostile lines (the link fuzzer's corpus) are named and skipped: nothing run, nothing inserted as markup", async () => {
  const hostile = JSON.parse(readFileSync(new URL('./hostile-links.json', import.meta.url), 'utf8'));
  const lines = hostile.map((h) => `${served.url()}?${h.query.replace(/\s/g, '%20')}`);
  const { page, errors } = await openWall();
  await page.evaluate(() => {
    window.pwned = false;
    window.addEventListener('securitypolicyviolation', () => (window.pwned = true));
  });
  await paste(page, lines.join('\n'));
  const skipped = await page.locator('.wall-skipped li').count();
  const rows = await page.locator('.wall-row').count();
  assert.equal(skipped + rows, lines.length);
  assert.ok(rows <= 2, `${rows} rows`);
  assert.match(await page.textContent('.wall-skipped li'), /^Line 1: .+ — .+\.$/);
  assert.equal(await page.evaluate(() => window.pwned), false);
  assert.equal(await page.locator('.class-wall img, .class-wall script, .class-wall iframe').count(), 0, 'nothing inserted as markup');
  assert.equal(await page.evaluate(() => document.querySelectorAll('[onerror], [onload]').length), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the wall stays responsive with 200 links: no main-thread task over 50 ms', async () => {
  const links = await learnerLinks(200);
  const { page, errors } = await openWall();
  await page.fill('#wall-links', links.join('\n'));
  await page.evaluate(() => {
    window.long = [];
    new PerformanceObserver((l) => window.long.push(...l.getEntries().map((e) => Math.round(e.duration)))).observe({ type: 'longtask' });
  });
  await page.click('button.add-links');
  await page.waitForFunction(() => document.querySelectorAll('.wall-row').length === 200, null, { timeout: 60_000 });
  await page.waitForTimeout(300);
  const long = await page.evaluate(() => window.long);
  assert.ok(long.every((d) => d <= 50), `long tasks: ${long.join(', ')} ms`);
  assert.deepEqual(errors, []);
  await page.close();
});
