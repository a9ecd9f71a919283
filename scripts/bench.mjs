// The benchmark: drives the page in headless Chromium and prints JSON.
// For CPU- and I/O-bound work with workers = cores and tasks = 4 × workers,
// the median of 5 repeats of sequential, threads and processes, measured
// side by side in one run (repeats interleave the models), their speed-ups,
// and the time a fresh process worker takes to become ready. Then the GIL:
// convoy wake-up latency at several switch intervals, and what tracing costs
// (the same runs with the timeline on and off, alternated).
import { launch, open, serve } from '../tests/browser/harness.mjs';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const targets = {
  cpu_threads: { min: 1.7 },
  cpu_processes: { min: 1.7 },
  io_threads: { min: 1.9 },
  cpu_threads_gil: { min: 0.8, max: 1.1 },
  io_threads_gil: { min: 1.9 },
  convoy_latency_over_interval: { min: 0.5, max: 2 },
  tracing_overhead_pct: { max: 2 },
};
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const { server, url } = await serve({ port: 0, quiet: true });
const browser = await launch();
try {
  const { page } = await open(browser, url);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const n = cores;
  const experiments = {
    cpu: { workload: { kind: 'loop', size: 400_000_000 }, tasks: 4 * n, workers: n, repeats: REPEATS },
    io: { workload: { kind: 'sleep', ms: 100 }, tasks: 4 * n, workers: n, repeats: REPEATS },
  };
  const out = { cores, browser: null, repeats: REPEATS, workers: n, tasks: 4 * n };
  for (const [name, experiment] of Object.entries(experiments)) {
    const r = await page.evaluate((e) => window.threadlab.run(e), experiment);
    out.browser = r.environment.browser;
    out[name] = {
      workload: experiment.workload,
      models: Object.fromEntries(
        r.models.map((m) => [
          m.model,
          { median_ms: m.wall_ms?.median ?? null, min_ms: m.wall_ms?.min ?? null, max_ms: m.wall_ms?.max ?? null, speedup: m.speedup ?? null, correct: m.correct, startup_ms: m.startup_ms ?? null },
        ]),
      ),
    };
  }
  const ready = [];
  for (let i = 0; i < 5; i++) ready.push(await page.evaluate(() => window.threadlabRunner.probeProcessStartup()));
  ready.sort((a, b) => a - b);
  out.process_worker_ready_ms = { median: ready[2], min: ready[0], max: ready[4] };

  // Convoy: how late an I/O-bound thread wakes behind a CPU-bound one.
  out.convoy = {};
  for (const interval of [1, 5, 20]) {
    const r = await page.evaluate(
      (e) => window.threadlab.run(e),
      { workload: { kind: 'convoy', cpu_ms: 400, io_ms: 1 }, workers: n, repeats: 3, switch_interval_ms: interval, models: ['threads_gil', 'threads', 'processes'] },
    );
    out.convoy[`${interval}ms`] = Object.fromEntries(r.models.map((m) => [m.model, m.latency_ms]));
  }

  // Tracing overhead: the same CPU-bound runs with the timeline on and off,
  // alternated so both see the same machine.
  const traced = { on: {}, off: {} };
  const tracingModels = ['threads_gil', 'threads', 'processes'];
  for (let i = 0; i < REPEATS; i++) {
    for (const trace of [true, false]) {
      const r = await page.evaluate((e) => window.threadlab.run(e), {
        workload: { kind: 'loop', size: 200_000_000 }, tasks: 4 * n, workers: n, repeats: 1, trace, switch_interval_ms: 1, models: tracingModels,
      });
      for (const m of r.models) (traced[trace ? 'on' : 'off'][m.model] ??= []).push(m.wall_ms.median);
    }
  }
  out.tracing = Object.fromEntries(
    tracingModels.map((m) => {
      const on = median(traced.on[m]);
      const off = median(traced.off[m]);
      return [m, { on_ms: on, off_ms: off, overhead_pct: (100 * (on - off)) / off }];
    }),
  );
  out.tracing.note = 'switch interval 1 ms, so threads + GIL records a GIL hand-over every millisecond';

  const got = {
    cpu_threads: out.cpu.models.threads.speedup,
    cpu_processes: out.cpu.models.processes.speedup,
    io_threads: out.io.models.threads.speedup,
    cpu_threads_gil: out.cpu.models.threads_gil.speedup,
    io_threads_gil: out.io.models.threads_gil.speedup,
    convoy_latency_over_interval: out.convoy['5ms'].threads_gil.median / 5,
    tracing_overhead_pct: Math.max(...tracingModels.map((m) => out.tracing[m].overhead_pct)),
  };
  out.targets = Object.fromEntries(
    Object.entries(targets).map(([k, t]) => [k, { ...t, got: got[k], met: got[k] != null && got[k] >= (t.min ?? -Infinity) && got[k] <= (t.max ?? Infinity) }]),
  );
  console.log(JSON.stringify(out, null, 2));
} finally {
  await browser.close();
  server.close();
}
