// Take-away files: the results JSON equals what the API returned, the CSV
// has the documented columns, the chart exports as valid SVG and as PNG,
// and the timelines export as a Trace Event Format document Perfetto reads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { servedPage, open } from './harness.mjs';

const served = servedPage(before, after);

async function download(page, selector) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: d.suggestedFilename(), bytes: await readFile(await d.path()) };
}

test('results, table, chart and timelines export as files named after the experiment and the date', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  const exp = { workload: { kind: 'primes', size: 50000 }, tasks: 4, workers: 2, models: ['sequential', 'threads', 'processes'], repeats: 2 };
  const r = await page.evaluate((e) => window.threadlab.run(e), exp);
  const date = new Date().toISOString().slice(0, 10);

  const json = await download(page, '.export-json');
  assert.match(json.name, new RegExp(`^threadlab-primes-results-\\d{4}-\\d{2}-\\d{2}\\.json$`));
  assert.ok(json.name.includes(date.slice(0, 4)));
  assert.deepEqual(JSON.parse(json.bytes.toString()), r);

  const csv = await download(page, '.export-csv');
  assert.match(csv.name, /^threadlab-primes-results-.*\.csv$/);
  const lines = csv.bytes.toString().trim().split('\n');
  assert.equal(lines[0], 'workload,tasks,workers,model,repeat,wall_ms,speedup,correct,status');
  assert.equal(lines.length, 1 + 3 * 2, 'one row per model × repeat');
  const first = lines.find((l) => l.includes(',processes,'));
  assert.match(first, /^CPU: count primes below 50,000|^"CPU: count primes below 50,000"/);
  assert.match(first, /,4,2,processes,1,[\d.]+,[\d.]+,true,ran$/);

  const svg = await download(page, '.export-svg');
  assert.match(svg.name, /^threadlab-primes-chart-.*\.svg$/);
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return { error: !!doc.querySelector('parsererror'), root: doc.documentElement.nodeName, bars: doc.querySelectorAll('rect.bar').length, fill: doc.querySelector('rect.bar')?.getAttribute('fill') };
  }, svg.bytes.toString());
  assert.deepEqual({ ...parsed, fill: !!parsed.fill }, { error: false, root: 'svg', bars: 3, fill: true });

  const png = await download(page, '.export-png');
  assert.match(png.name, /^threadlab-primes-chart-.*\.png$/);
  assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  const trace = await download(page, '.export-trace');
  assert.match(trace.name, /^threadlab-primes-trace-.*\.json$/);
  const t = JSON.parse(trace.bytes.toString());
  assert.ok(Array.isArray(t.traceEvents));
  const processes = t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.args.name);
  assert.deepEqual(processes, ['Sequential', 'Threads (no GIL)', 'Processes']);
  for (const [pid, m] of r.models.entries()) {
    const threads = t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === pid + 1);
    assert.equal(threads.length, m.timeline.lanes.length, `${m.model}: one thread per worker`);
    assert.ok(threads.every((e) => e.tid >= 1 && e.tid <= 64), 'small thread ids');
    const spans = t.traceEvents.filter((e) => e.ph === 'X' && e.pid === pid + 1);
    assert.ok(spans.length >= m.timeline.lanes.length);
    for (const s of spans) assert.ok(Number.isFinite(s.ts) && s.ts >= 0 && s.dur > 0, JSON.stringify(s));
    // The spans lie within the run and reach its end, in µs from the
    // earliest start (workers may begin a few ms after the run's start).
    const origin = Math.min(...r.models.filter((s) => s.timeline).map((s) => s.timeline.start_ms));
    const [t0, t1] = [1000 * (m.timeline.start_ms - origin), 1000 * (m.timeline.end_ms - origin)];
    const end = Math.max(...spans.map((s) => s.ts + s.dur));
    const start = Math.min(...spans.map((s) => s.ts));
    assert.ok(start >= t0 - 1 && Math.abs(end - t1) < 1000, `${m.model}: spans ${start}–${end}, run ${t0}–${t1}`);
    // On one worker, spans follow each other: nested trivially.
    for (const tid of new Set(spans.map((s) => s.tid))) {
      const lane = spans.filter((s) => s.tid === tid).sort((a, b) => a.ts - b.ts);
      for (let i = 1; i < lane.length; i++) assert.ok(lane[i].ts >= lane[i - 1].ts + lane[i - 1].dur - 1e-6, `${m.model} tid ${tid}: overlap`);
    }
    assert.ok(spans.some((s) => s.name === 'running' && Number.isInteger(s.args?.task)), 'task numbers in args');
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('Open in Perfetto hands the trace to ui.perfetto.dev with its PING/PONG handshake', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  const context = page.context();
  // A stand-in for the Perfetto UI: answers PING with PONG (as the real one
  // does once loaded) and keeps what it is sent.
  await context.route('https://ui.perfetto.dev/**', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><title>Perfetto UI</title><script>
        window.received = [];
        addEventListener('message', (e) => {
          if (e.data === 'PING') { e.source.postMessage('PONG', e.origin); return; }
          window.received.push({ origin: e.origin, title: e.data.perfetto.title, fileName: e.data.perfetto.fileName, text: new TextDecoder().decode(e.data.perfetto.buffer) });
        });
      </script>`,
    }),
  );
  const r = await page.evaluate(() => window.threadlab.run({ workload: { kind: 'sleep', ms: 20 }, tasks: 4, workers: 2, models: ['threads', 'processes'], repeats: 1 }));
  const [handoff] = await Promise.all([context.waitForEvent('page'), page.click('.open-perfetto')]);
  await handoff.waitForLoadState();
  assert.equal(await handoff.evaluate(() => window.crossOriginIsolated), false, 'the hand-over page is not isolated');
  await handoff.waitForSelector('#open:not([hidden])', { timeout: 10_000 });
  assert.match(await handoff.textContent('#status'), /Trace ready: "ThreadLab: I\/O: /);
  const [perfetto] = await Promise.all([context.waitForEvent('page'), handoff.click('#open')]);
  await perfetto.waitForFunction(() => window.received?.length === 1, null, { timeout: 10_000 });
  const [got] = await perfetto.evaluate(() => window.received);
  assert.equal(got.origin, new URL(served.url()).origin);
  assert.match(got.fileName, /^threadlab-sleep-trace-\d{4}-\d{2}-\d{2}\.json$/);
  const trace = JSON.parse(got.text);
  const threads = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name');
  assert.equal(threads.length, r.models.reduce((n, m) => n + m.timeline.lanes.length, 0), 'one named thread per worker');
  assert.ok(trace.traceEvents.some((e) => e.ph === 'X' && e.args?.task !== undefined));
  await handoff.waitForFunction(() => /Sent ".*" to the Perfetto UI/.test(document.getElementById('status').textContent));
  assert.deepEqual(errors, []);
  await Promise.all([perfetto.close(), handoff.close(), page.close()]);
});
