// The benchmark: drives the page in headless Chromium and prints JSON.
// For CPU- and I/O-bound work with workers = cores and tasks = 4 × workers,
// the median of 5 repeats of sequential, threads and processes, measured
// side by side in one run (repeats interleave the models), their speed-ups,
// and the time a fresh process worker takes to become ready.
import { launch, open, serve } from '../tests/browser/harness.mjs';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const targets = { cpu_threads: 1.7, cpu_processes: 1.7, io_threads: 1.9 };

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
  const got = {
    cpu_threads: out.cpu.models.threads.speedup,
    cpu_processes: out.cpu.models.processes.speedup,
    io_threads: out.io.models.threads.speedup,
  };
  out.targets = Object.fromEntries(Object.entries(targets).map(([k, min]) => [k, { min, got: got[k], met: (got[k] ?? 0) >= min }]));
  console.log(JSON.stringify(out, null, 2));
} finally {
  await browser.close();
  server.close();
}
