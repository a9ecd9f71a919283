// The page in Firefox ESR (Debian's firefox-esr), driven by puppeteer-core
// over WebDriver BiDi (no geckodriver): the scripting API on every model,
// a lesson of each family run as a learner runs it, whole programs (the
// Program mode's Run, the API), a link's round trip, predict-then-run (a
// lesson and an embed with predict=1) and a small class wall,
// an embed in a page that is not isolated, and the static build isolated by
// its service worker. What Firefox lacks (Document-Isolation-Policy,
// performance.measureUserAgentSpecificMemory) the page says, and this reads
// it. The checks themselves are legs.mjs's, shared with the WebKit leg.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { serve } from '../../scripts/serve.mjs';
import * as legs from './legs.mjs';
import { SETUP } from './webdriver.mjs';

const FIREFOX = process.env.FIREFOX ?? '/usr/bin/firefox-esr';
const EXPECT = {
  browser: /Firefox \d+/,
  threads: null, // every model runs in an isolated page
  memory: 'The browser cannot measure here: this browser has no performance.measureUserAgentSpecificMemory() (Chromium-based browsers have it).',
};

// Console errors Firefox is expected to log, each with the reason. Anything
// else (and every CSP violation and uncaught error) fails the leg.
const ALLOWED = [];
const problems = new legs.Problems(ALLOWED);

let browser;
let served; // the dev server, with the isolation headers
let course; // the course page's host: no headers, another origin
let dist; // dist/ on a host that sends no headers

before(async () => {
  assert.ok(existsSync(FIREFOX), `Firefox is missing (${FIREFOX}): ${SETUP}`);
  served = await serve({ port: 0, quiet: true });
  const framed = `${served.url.replace('127.0.0.1', 'localhost')}?v=1&workload=sleep&ms=5&tasks=2&workers=2&repeats=1&embed=1`;
  // A lesson embedded to ask for a prediction first.
  const predicting = `${served.url.replace('127.0.0.1', 'localhost')}?lesson=threads-io&ms=20&repeats=3&embed=1&predict=1`;
  const pages = { '/course': legs.coursePage(framed), '/course-predict': legs.coursePage(predicting) };
  course = await legs.testServer({ pages });
  course.framed = framed;
  Object.assign(pages, legs.canaries(course.url.replace('127.0.0.1', 'localhost')));
  dist = await legs.testServer({ dir: legs.buildDist() });
  browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
});
after(async () => {
  const firefox = browser?.process();
  await browser?.close();
  if (firefox?.exitCode === null) firefox.kill();
  for (const s of [served, course, dist]) s?.server.close();
});

/**
 * A page reporting to `problems`, the probe installed before any script of
 * any of its documents. After each test its pages are closed and it fails
 * on anything they reported.
 */
const opened = [];
afterEach(async () => {
  for (const page of opened.splice(0)) await page.close().catch(() => {});
  assert.deepEqual(await problems.take(), [], 'the pages reported errors (a CSP violation, a console error or an uncaught error)');
});
async function open(context = browser) {
  const page = await context.newPage();
  opened.push(page);
  await page.setViewport({ width: 1280, height: 900 });
  await page.evaluateOnNewDocument(`(${legs.PROBE})('console')`);
  page.on('console', (m) => m.type() === 'error' && problems.add(`console error: ${m.text()}`));
  page.on('pageerror', (e) => problems.add(`uncaught: ${e.message}`));
  return tabOf(page);
}

/** legs.mjs's Tab over a puppeteer page (or one of its frames). */
function tabOf(page, target = async () => page.mainFrame()) {
  return {
    page,
    goto: async (url) => {
      await page.goto(url);
    },
    evaluate: async (fn, arg) => (await target()).evaluate(fn, arg),
    waitFor: async (fn, arg, timeout = 30_000) => (await (await target()).waitForFunction(fn, { timeout, polling: 100 }, arg)).jsonValue(),
    click: async (css) => (await target()).click(css),
    frame: (css) => tabOf(page, async () => (await (await target()).waitForSelector(css)).contentFrame()),
    close: () => page.close(),
  };
}

// Known, and not the test's doing: Firefox ESR 153 now and then never
// starts a threads pool, and after 30 s the page reports the model as not
// run (docs/browsers.md, "Firefox: a threads pool now and then never
// starts"). A test that fails on exactly that is reported as TODO, failure
// and all, instead of failing npm test; any other failure fails it.
// THREADLAB_STRICT_FIREFOX=1 fails on it too (to check a fix).
const POOL_NEVER_STARTED = /no worker answered within 30,000 ms/;
function leg(name, fn) {
  test(name, async (t) => {
    try {
      await fn();
    } catch (e) {
      if (POOL_NEVER_STARTED.test(e.message) && !process.env.THREADLAB_STRICT_FIREFOX) {
        t.todo(`Firefox did not start a threads pool (docs/browsers.md): ${e.message.split('\n')[0]}`);
      }
      throw e;
    }
  });
}

test('the probe reports a CSP violation, a console error and an uncaught error, in a page and in its frame', async () => {
  // The frame: the course host under "localhost", another origin.
  const tab = await open();
  await tab.goto(`${course.url}canary`);
  await tab.page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
  legs.assertCanary(await problems.take());
});

leg('the scripting API: every model, a CPU and an I/O workload, every value right', async () => {
  const tab = await open();
  await tab.goto(served.url);
  await legs.ready(tab);
  await legs.apiOnEveryModel(tab, EXPECT);
});

leg('whole programs: the Program mode runs threads_io_sleep from Run (console, summary, verdict), and the API runs threads, processes, a process pool and fifty threads at once', async () => {
  const tab = await open();
  await legs.programs(tab, served.url);
});

leg('lessons run from their cards: threads and I/O, memory (and "Ask the browser"), the race', async () => {
  const tab = await open();
  await legs.lessons(tab, served.url, EXPECT);
});

leg('the crash lesson, run from its card: processes lose only the crashed task, and nothing is left uncaught', async () => {
  const tab = await open();
  await legs.crashLesson(tab, served.url);
});

leg("Share: the page's link opens the same experiment elsewhere, their run beside yours", async () => {
  const [tab, other] = [await open(), await open()];
  await legs.linkRoundTrip(tab, other, served.url, EXPECT);
});

leg('embedded in a page that is not isolated: no threads (no Document-Isolation-Policy), said, a way out, the rest runs, resize messages', async () => {
  const tab = await open();
  const href = await legs.embedNotIsolated(tab, `${course.url}course`, course.framed);
  // The way out: the same experiment in a tab of its own is isolated, threads run.
  const out = await open();
  await legs.wayOut(out, href);
  // The author is told before pasting the embed code.
  await legs.embedCodeSays(out, served.url);
});

leg('dist/ on a host with no headers: the service worker isolates the page after one reload, and every model runs', async () => {
  const context = await browser.createBrowserContext(); // a first visit
  const tab = await open(context);
  const statuses = await legs.distIsolated(tab, dist.url, ['sequential', 'threads_gil', 'threads', 'processes']);
  assert.deepEqual(statuses, { sequential: 'ran correct', threads_gil: 'ran correct', threads: 'ran correct', processes: 'ran correct' });
  // Whole programs there too: a program coordinator's nested workers, child processes' workers.
  await legs.programsApi(tab, ['threads_numbers_letters', 'processpool_cpu']);
  await context.close();
});

leg('predict, then run: a lesson with predict=1 asks first, Run waits, the verdict compares; embedded, the host is told the prediction', async () => {
  const tab = await open();
  await legs.predictLesson(tab, served.url);
  await legs.predictEmbed(tab, `${course.url}course-predict`);
});

test('the class wall: a few learners\' result links pasted show their rows, the chart and the medians', async () => {
  const tab = await open();
  await legs.wall(tab, served.url);
});
