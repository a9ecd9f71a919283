// Embedding in a course page: a host page on another origin, without any
// isolation headers, frames ?embed=1 and talks to it by postMessage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open, serve, foreignHost, expectError } from './harness.mjs';

const served = servedPage(before, after);
let plain;
before(async () => {
  plain = await foreignHost();
});
after(() => plain?.close());

/** A course page (no isolation headers) on 127.0.0.1 framing ThreadLab from localhost. */
async function coursePage(query, height = 400) {
  const page = await served.browser().newPage({ viewport: { width: 1000, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const src = `${served.url().replace('127.0.0.1', 'localhost')}?${query}`;
  // A real response from another site on this machine, then the course
  // page's content (see foreignHost).
  await page.goto(`${plain.url}course`);
  await page.setContent(`<!doctype html><title>Course</title><h1>Week 3</h1>
    <script>
      window.got = [];
      addEventListener('message', (e) => {
        window.got.push(e.data);
        // The three-line listener docs/embedding.md documents.
        if (e.data && e.data.type === 'threadlab:resize') document.querySelector('iframe').style.height = e.data.height + 'px';
      });
    </script>
    <iframe src="${src}" style="width:800px;height:${height}px;border:0" allow="cross-origin-isolated" title="ThreadLab"></iframe>`);
  const frame = await (await page.waitForSelector('iframe')).contentFrame();
  await frame.waitForFunction(() => window.threadlab !== undefined, null, { timeout: 30_000 });
  await page.waitForFunction(() => window.got.some((m) => m?.type === 'threadlab:ready'));
  return { page, frame, errors };
}

const got = (page, type) => page.evaluate((t) => window.got.filter((m) => m?.type === t), type);
const post = (page, message) => page.evaluate((m) => document.querySelector('iframe').contentWindow.postMessage(m, '*'), message);

test('a frame in a page without isolation is isolated, runs threads, and talks by postMessage', async () => {
  const { page, frame, errors } = await coursePage('v=1&workload=sleep&ms=5&tasks=4&workers=2&repeats=1&embed=1');
  assert.equal(await page.evaluate(() => crossOriginIsolated), false, 'the course page is not isolated');
  assert.equal(await frame.evaluate(() => crossOriginIsolated), true, 'the frame is');
  assert.deepEqual((await got(page, 'threadlab:ready'))[0], { type: 'threadlab:ready', version: 1 });
  // The compact layout: no site header, a summary, Run, a way out.
  assert.equal(await frame.locator('.masthead').count(), 0);
  assert.match(await frame.textContent('.experiment-summary'), /4 tasks of I\/O: time\.sleep\(5 ms\) on 2 workers/);
  assert.equal(await frame.locator('#size').count(), 0, 'read-only without edit=1');
  const out = frame.locator('.open-full a');
  assert.equal(await out.getAttribute('target'), '_blank');
  assert.doesNotMatch(await out.getAttribute('href'), /embed=1/);

  // Run a given experiment from the host: threads included.
  await post(page, { type: 'threadlab:run', experiment: { workload: { kind: 'loop', size: 20000000 }, tasks: 4, workers: 2, repeats: 1 } });
  await page.waitForFunction(() => window.got.some((m) => m?.type === 'threadlab:results'), null, { timeout: 60_000 });
  const [started] = await got(page, 'threadlab:started');
  assert.deepEqual(started.experiment.workload, { kind: 'loop', size: 20000000 });
  const [{ results }] = await got(page, 'threadlab:results');
  for (const m of results.models) {
    assert.equal(m.status, 'ran', m.model);
    assert.equal(m.correct, true, m.model);
  }
  assert.equal(results.environment.cross_origin_isolated, true);

  // The frame's height, in three dialects, and the host's listener uses it
  // (the results render just after their message: wait for their height).
  await page.waitForFunction(() => window.got.filter((m) => m?.type === 'threadlab:resize').at(-1).height > 300);
  await page.waitForTimeout(200);
  const all = await page.evaluate(() => window.got);
  const own = all.filter((m) => m?.type === 'threadlab:resize').at(-1);
  const lti = all.filter((m) => m?.subject === 'lti.frameResize').at(-1);
  const bare = all.filter((m) => m && Object.keys(m).length === 1 && 'height' in m).at(-1);
  assert.ok(own.height > 300, JSON.stringify(own));
  assert.equal(lti.height, own.height);
  assert.equal(bare.height, own.height);
  const inner = await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
  assert.ok(Math.abs(inner - own.height) <= 2, `${inner} vs ${own.height}`);
  assert.equal(await page.evaluate(() => document.querySelector('iframe').style.height), `${own.height}px`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('garbage messages are ignored; a bad experiment is answered with an error; cancel works', async () => {
  const { page, frame } = await coursePage('embed=1&edit=1&workload=sleep&ms=5&tasks=2&workers=2&repeats=1');
  assert.equal(await frame.locator('#size').count(), 1, 'edit=1 shows the builder');
  for (const garbage of [
    'threadlab:run',
    null,
    42,
    [1, 2],
    { type: 'threadlab:eval', code: 'alert(1)' },
    { type: 'threadlab:run', experiment: 5 },
    { type: 'threadlab:run', experiment: [1] },
    { type: { toString: null } },
    { height: 10 },
    { subject: 'lti.frameResize', height: 1 },
  ]) {
    await post(page, garbage);
  }
  await page.waitForTimeout(300);
  assert.deepEqual(await got(page, 'threadlab:started'), [], 'nothing ran');
  assert.equal(await frame.getAttribute('section.results', 'data-runs-ended'), '0');

  await post(page, { type: 'threadlab:run', experiment: { workload: { kind: 'loop' }, workers: 0 } });
  await page.waitForFunction(() => window.got.some((m) => m?.type === 'threadlab:error'));
  assert.equal((await got(page, 'threadlab:error'))[0].message, '`workers` must be between 1 and 64 (got 0)');

  // The shown experiment runs on request, too.
  await post(page, { type: 'threadlab:run' });
  await page.waitForFunction(() => window.got.some((m) => m?.type === 'threadlab:results'), null, { timeout: 30_000 });
  assert.deepEqual((await got(page, 'threadlab:results'))[0].results.experiment.workload, { kind: 'sleep', ms: 5 });
  await post(page, { type: 'threadlab:run', experiment: { workload: { kind: 'sleep', ms: 2000 }, tasks: 8, workers: 2, repeats: 2 } });
  await page.waitForFunction(() => window.got.some((m) => m?.type === 'threadlab:started'));
  await post(page, { type: 'threadlab:cancel' });
  await page.waitForFunction(() => window.got.filter((m) => m?.type === 'threadlab:error').length === 2, null, { timeout: 5_000 });
  assert.match((await got(page, 'threadlab:error'))[1].message, /cancelled/);
  await page.close();
});

test('the embed code a course author copies', async () => {
  const { page } = await open(served.browser(), `${served.url()}?v=1&workload=primes&size=5000`);
  await page.click('.embed-code summary');
  const html = await page.inputValue('#embed-html');
  assert.match(html, /^<iframe\n {2}id="threadlab-[0-9a-f]{8}"\n {2}src="http:\/\/127\.0\.0\.1:\d+\/\?v=1&amp;workload=primes&amp;size=5000&amp;[^"]*embed=1[^"]*"/);
  // Light by default (a course page is usually white), read-only by default.
  assert.match(html, /theme=light/);
  assert.doesNotMatch(html, /edit=1/);
  assert.match(html, /<script>\naddEventListener\("message"/);
  for (const attr of ['width="100%"', 'height="640"', 'loading="lazy"', 'allow="cross-origin-isolated"', 'title="ThreadLab: CPU: count primes below 5,000"']) {
    assert.ok(html.includes(attr), `${attr} in ${html}`);
  }
  assert.doesNotMatch(await page.inputValue('#embed-markdown'), /\n/);
  assert.match(await page.inputValue('#embed-jupyter'), /^from IPython\.display import IFrame\nIFrame\("http:.*embed=1[^"]*", width="100%", height=640\)$/);
  await page.close();
});

test('the embed code, chosen dark and editable and pasted as copied into a course page, grows its frame to its content', async () => {
  // ThreadLab on localhost, the course page on 127.0.0.1: two origins.
  const { page } = await open(served.browser(), `${served.url().replace('127.0.0.1', 'localhost')}?v=1&workload=sleep&ms=5&tasks=4&workers=2&repeats=1`);
  await page.click('.embed-code summary');
  await page.selectOption('#embed-theme', 'dark');
  await page.check('#embed-edit');
  await page.fill('#embed-height', '420');
  await page.locator('#embed-height').dispatchEvent('change');
  await page.waitForFunction(() => /theme=dark/.test(document.querySelector('#embed-html').value) && /height="420"/.test(document.querySelector('#embed-html').value));
  const snippet = await page.inputValue('#embed-html');
  assert.match(snippet, /edit=1/);
  assert.equal(await page.locator('iframe.embed-preview').count(), 1, 'a live preview');
  assert.equal(await page.locator('.embed-warning').count(), 0, 'served with headers: no warning');
  await page.close();

  const course = await served.browser().newPage({ viewport: { width: 1000, height: 900 } });
  await course.goto(`${plain.url}course`);
  await course.setContent(`<!doctype html><title>Course</title><h1>Week 3</h1><p>Before the lab.</p>${snippet}<p>After the lab.</p>`);
  const frame = await (await course.waitForSelector('iframe')).contentFrame();
  await frame.waitForFunction(() => window.threadlab !== undefined, null, { timeout: 30_000 });
  assert.equal(await frame.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.equal(await frame.locator('#tasks').count(), 1, 'editable');
  await frame.click('button.run');
  await frame.waitForFunction(() => Number(document.querySelector('section.results').dataset.runsEnded) > 0, null, { timeout: 60_000 });
  // The frame grows to its content: nothing cut off, no scroll area inside.
  await course.waitForFunction(() => document.querySelector('iframe').getBoundingClientRect().height > 600, null, { timeout: 10_000 });
  await course.waitForTimeout(300);
  const outer = await course.evaluate(() => document.querySelector('iframe').getBoundingClientRect().height);
  const inner = await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
  assert.ok(Math.abs(outer - inner) <= 2, `frame ${outer} px, content ${inner} px`);
  assert.equal(await frame.evaluate(() => document.scrollingElement.scrollHeight <= innerHeight + 1), true, 'no scroll area inside the frame');
  await course.close();
});

test('a dark embed is dark from the first paint', async () => {
  const { frame } = await coursePage('embed=1&theme=dark&workload=sleep&ms=5');
  assert.equal(await frame.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.equal(await frame.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(20, 21, 24)');
  assert.equal(await frame.evaluate(() => document.querySelector('meta[name=color-scheme]')?.content), 'light dark');
  // Dark before the app has loaded: hold the UI back and look at the page.
  const page = await served.browser().newPage({ colorScheme: 'light' });
  await page.route('**/pkg/ui/**', () => {}); // never answered
  await page.goto(`${served.url()}?embed=1&theme=dark`, { waitUntil: 'commit' });
  await page.waitForSelector('#app .loading');
  assert.equal(await page.innerText('#app'), 'Loading ThreadLab…', 'the landing markup is hidden in a frame');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(20, 21, 24)');
  await page.close();
});

test('a host is answered while the frame loads its lab: a cancel, a second run, a lab that cannot load', async () => {
  const { page, frame } = await coursePage('v=1&workload=sleep&ms=5&tasks=2&workers=2&repeats=1&embed=1');
  // The frame's lab held back: run, run again, cancel.
  let release;
  const held = new Promise((r) => (release = r));
  await frame.page().route('**/pkg/lab/threadlab_ui.js', async (route) => {
    await held;
    await route.continue().catch(() => {}); // or let through by the unroute below
  });
  await post(page, { type: 'threadlab:run' });
  await post(page, { type: 'threadlab:run' });
  await page.waitForFunction(() => window.got.filter((m) => m?.type === 'threadlab:error').length === 1);
  assert.match((await got(page, 'threadlab:error'))[0].message, /^A run is already in progress/, 'the second run is refused');
  await post(page, { type: 'threadlab:cancel' });
  await page.waitForFunction(() => window.got.filter((m) => m?.type === 'threadlab:error').length === 2);
  assert.match((await got(page, 'threadlab:error'))[1].message, /cancelled/);
  release();
  await frame.page().unroute('**/pkg/lab/threadlab_ui.js');
  // A lab that cannot be loaded (a fresh frame: the first one has its lab now).
  const second = await coursePage('v=1&workload=sleep&ms=5&tasks=2&workers=2&repeats=1&embed=1');
  expectError(/net::ERR_INTERNET_DISCONNECTED/, 'the test cuts the lab off');
  await second.frame.page().route('**/pkg/lab/**', (route) => route.abort('internetdisconnected'));
  await post(second.page, { type: 'threadlab:run' });
  await second.page.waitForFunction(() => window.got.some((m) => m?.type === 'threadlab:error'));
  assert.match((await got(second.page, 'threadlab:error'))[0].message, /could not be loaded/);
  // Then the same frame runs once the lab can load.
  await second.frame.page().unroute('**/pkg/lab/**');
  await post(second.page, { type: 'threadlab:run' });
  await second.page.waitForFunction(() => window.got.some((m) => m?.type === 'threadlab:results'), null, { timeout: 60_000 });
  await page.close();
  await second.page.close();
});
