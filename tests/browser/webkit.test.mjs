// The page in WebKitGTK (Safari's engine): Debian's WebKitWebDriver driving
// its MiniBrowser on a virtual display (Xvfb; this MiniBrowser has no
// headless mode), through the small client in webdriver.mjs. The checks are
// legs.mjs's, shared with the Firefox leg.
//
// WebKitGTK keeps SharedArrayBuffer off unless JSC_useSharedArrayBuffer=1
// is in the browser's environment (Safari turns it on for cross-origin
// isolated pages): the leg runs with it, as Safari would, so every model
// runs; one test runs a browser without it, where the page must say that
// threads are unavailable and still run sequential and processes.
//
// WebDriver classic sees no console: every page is served through the
// test's own servers (legs.testServer), which put the probe in 'beacon' mode
// first in its <head>; it reports CSP violations, uncaught errors,
// unhandled rejections and console.error calls of the page itself. What only
// the browser logs (an error inside a worker, a failed load) is not seen
// here: the Firefox and Chromium legs see those.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { serve } from '../../scripts/serve.mjs';
import * as legs from './legs.mjs';
import { webkit } from './webdriver.mjs';

const SAB = { JSC_useSharedArrayBuffer: '1' };
const EXPECT = {
  // WebKitGTK's MiniBrowser says "(X11; Linux x86_64) … Version/60.5
  // Safari/605.1.15": not Safari, and not its version.
  browser: /WebKit(?=\.|$)/,
  threads: null, // with SharedArrayBuffer on, every model runs in an isolated page
  memory: 'The browser cannot measure here: this browser has no performance.measureUserAgentSpecificMemory() (Chromium-based browsers have it).',
};

// Console errors WebKit is expected to log, each with the reason. Anything
// else (and every CSP violation and uncaught error) fails the leg.
const ALLOWED = [];
const problems = new legs.Problems(ALLOWED);

let browser; // Xvfb + WebKitWebDriver, SharedArrayBuffer on
let served; // the dev server, with the isolation headers
let isolated; // the same, through the probe's proxy
let course; // the course page's host: no headers, another origin
let dist; // dist/ on a host that sends no headers

before(async () => {
  browser = await webkit({ env: SAB });
  served = await serve({ port: 0, quiet: true });
  isolated = await legs.testServer({ proxy: served.url, problems });
  const framed = `${isolated.url.replace('127.0.0.1', 'localhost')}?v=1&workload=sleep&ms=5&tasks=2&workers=2&repeats=1&embed=1`;
  // A lesson embedded to ask for a prediction first.
  const predicting = `${isolated.url.replace('127.0.0.1', 'localhost')}?lesson=threads-io&ms=20&repeats=3&embed=1&predict=1`;
  const pages = { '/course': legs.coursePage(framed), '/course-predict': legs.coursePage(predicting) };
  course = await legs.testServer({ pages, problems });
  course.framed = framed;
  Object.assign(pages, legs.canaries(course.url.replace('127.0.0.1', 'localhost')));
  dist = await legs.testServer({ dir: legs.buildDist(), problems });
});
after(() => {
  browser?.close();
  for (const s of [served, isolated, course, dist]) s?.server.close();
});

/** legs.mjs's Tab over a WebDriver session; `frame` runs each command inside the iframe `css` selects. */
function tabOf(session, css = null) {
  const inside = async (f) => {
    if (css === null) return f();
    await session.frame(css);
    try {
      return await f();
    } finally {
      await session.frame(null);
    }
  };
  return {
    session,
    goto: (url) => session.goto(url),
    evaluate: (fn, arg) => inside(() => session.evaluate(fn, arg)),
    waitFor: (fn, arg, timeout) => inside(() => session.waitFor(fn, arg, { timeout })),
    click: (selector) => inside(() => session.click(selector)),
    frame: (selector) => tabOf(session, selector),
    close: () => session.close(),
  };
}

/** A fresh MiniBrowser (an ephemeral profile: every visit is a first visit), closed after the test. */
const opened = [];
const open = async (from = browser) => {
  const tab = tabOf(await from.session());
  opened.push(tab);
  return tab;
};
// After each test: its windows closed, and it fails on anything its pages reported.
afterEach(async () => {
  for (const tab of opened.splice(0)) await tab.close().catch(() => {});
  assert.deepEqual(await problems.take(), [], 'the pages reported errors (a CSP violation, a console error or an uncaught error)');
});

test('the probe reports a CSP violation, a console error and an uncaught error, in a page and in its frame', async () => {
  const tab = await open();
  await tab.goto(`${course.url}canary`);
  await tab.waitFor(() => document.readyState === 'complete');
  legs.assertCanary(await problems.take(500));
});

test('the scripting API: every model, a CPU and an I/O workload, every value right', async () => {
  const tab = await open();
  await tab.goto(isolated.url);
  await legs.ready(tab);
  const { cpu } = await legs.apiOnEveryModel(tab, EXPECT);
  // The cores the page reports are the browser's navigator.hardwareConcurrency
  // (WebKit rounds it: 4 on this 2-core machine).
  assert.equal(cpu.environment.cores, await tab.evaluate(() => navigator.hardwareConcurrency));
});

test('whole programs: the Program mode runs threads_io_sleep from Run (console, summary, verdict), and the API runs threads, processes, a process pool and fifty threads at once', async () => {
  const tab = await open();
  await legs.programs(tab, isolated.url);
});

test('lessons run from their cards: threads and I/O, memory (and "Ask the browser"), the race', async () => {
  const tab = await open();
  await legs.lessons(tab, isolated.url, EXPECT);
});

// (An error left uncaught inside a worker is not seen by this leg: see the top.)
test('the crash lesson, run from its card: processes lose only the crashed task, and the page carries on', async () => {
  const tab = await open();
  await legs.crashLesson(tab, isolated.url);
});

test("Share: the page's link opens the same experiment again, their run beside yours", async () => {
  // One window: WebKitWebDriver drives one session at a time, so the link
  // is opened in the same tab, a new page load.
  const tab = await open();
  await legs.linkRoundTrip(tab, tab, isolated.url, EXPECT);
});

test('embedded in a page that is not isolated: no threads (no Document-Isolation-Policy), said, a way out, the rest runs, resize messages', async () => {
  const tab = await open();
  const href = await legs.embedNotIsolated(tab, `${course.url}course`, course.framed);
  await legs.wayOut(tab, href);
  await legs.embedCodeSays(tab, isolated.url);
});

test('dist/ on a host with no headers: the service worker isolates the page after one reload, and every model runs', async () => {
  // Processes included: each worker has its own script URL there
  // (www/runner.js, workerScript), which WebKit needs (docs/browsers.md).
  const tab = await open();
  const statuses = await legs.distIsolated(tab, dist.url, legs.MODELS);
  assert.deepEqual(statuses, Object.fromEntries(legs.MODELS.map((m) => [m, 'ran correct'])));
  // Whole programs there too: a program coordinator's nested workers, child processes' workers.
  await legs.programsApi(tab, ['threads_numbers_letters', 'processpool_cpu']);
});

test('without SharedArrayBuffer (WebKitGTK by default): the page says threads are unavailable, and sequential and processes run', async () => {
  const plain = await webkit();
  try {
    const tab = await open(plain);
    await tab.goto(isolated.url);
    await legs.ready(tab);
    assert.equal(await tab.evaluate(() => [crossOriginIsolated, typeof SharedArrayBuffer].join()), 'true,undefined');
    const reason = /^threads are unavailable: this browser has no SharedArrayBuffer, which threads need\.$/;
    await legs.apiOnEveryModel(tab, { ...EXPECT, threads: reason });
    assert.equal(await legs.text(tab, '.environment .warning'), 'Threads are unavailable here: this browser has no SharedArrayBuffer, which threads need.');
    // Nor whole programs (their interpreter is the threaded engine): refused, saying why.
    assert.equal(await legs.programRefused(tab), 'RunError: Whole programs cannot run here: their interpreter needs threads, and this browser has no SharedArrayBuffer, which threads need.');
  } finally {
    for (const tab of opened.splice(0)) await tab.close().catch(() => {});
    plain.close();
  }
});

// Known, and WebKitGTK's: on a fresh page, the first timed run of a
// threads pool (threads + GIL here, the first threaded model the lesson
// runs; threads without the GIL too when run first) can run eight 20 ms
// sleeps as slowly as one after another (1.3-2.5x the sequential time in 3
// of 4 runs here; Chromium and Firefox pass this test), so the verdict
// rightly says a prediction of "faster" did not hold (docs/browsers.md). That
// failure is reported as TODO; any other fails the test, and
// THREADLAB_STRICT_WEBKIT=1 fails on it too (to check a fix).
const GIL_SLOW_FIRST = /You said Threads \+ GIL would be faster than sequential: it took [\d.]+× the sequential time .*Not what you predicted/;
test('predict, then run: a lesson with predict=1 asks first, Run waits, the verdict compares; embedded, the host is told the prediction', async (t) => {
  const tab = await open();
  try {
    await legs.predictLesson(tab, isolated.url);
  } catch (e) {
    if (GIL_SLOW_FIRST.test(e.message) && !process.env.THREADLAB_STRICT_WEBKIT) t.todo(`WebKitGTK's threads + GIL ran the sleeps one after another (docs/browsers.md): ${e.message.split('\n')[0]}`);
    throw e;
  }
  await legs.predictEmbed(tab, `${course.url}course-predict`);
});

test('the class wall: a few learners\' result links pasted show their rows, the chart and the medians', async () => {
  const tab = await open();
  await legs.wall(tab, isolated.url);
});
