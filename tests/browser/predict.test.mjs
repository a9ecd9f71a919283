// Predict, then run: a lesson asks first (predict=1), Run waits for the
// answers, the verdict compares them with the numbers, and the prediction
// travels in the results, the shared link and a host page's messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open, pressRun, readResults, alertSays, foreignHost } from './harness.mjs';

const served = servedPage(before, after);
let plain;
before(async () => {
  plain = await foreignHost();
});
after(() => plain?.close());

test('a lesson with predict=1 asks first, Run waits, and the verdict compares with the numbers', async () => {
  const { page, errors } = await open(served.browser(), `${served.url()}?lesson=gil-cpu&size=20000000&repeats=1&predict=1`);
  // The asking is the lab's: a page that asks loads it at once.
  await page.waitForSelector('.predict fieldset.question');
  const questions = await page.$$eval('.predict fieldset.question', (fs) => fs.map((f) => [f.dataset.about, f.querySelector('legend').textContent, [...f.querySelectorAll('label')].map((l) => l.textContent.trim())]));
  assert.deepEqual(questions, [
    ['threads_gil', 'Threads + GIL will be…', ['Faster than sequential', 'About the same', 'Slower']],
    ['threads', 'Threads (no GIL) will be…', ['Faster than sequential', 'About the same', 'Slower']],
  ]);
  // Run before answering: refused, said, and the keyboard goes to the question.
  await pressRun(page);
  assert.match(await alertSays(page, /prediction first/), /Make your prediction first/);
  assert.equal(await page.getAttribute('section.results', 'data-runs-ended'), '0');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'predict-threads_gil-faster');
  // The keyboard: an arrow key moves to and picks the next answer.
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.isChecked('#predict-threads_gil-same'), true);
  // A tap: the label picks its answer.
  await page.click('label[for=predict-threads-faster]');
  assert.equal(await page.isChecked('#predict-threads-faster'), true);
  await pressRun(page);
  await readResults(page, 90_000);
  const judged = await page.$$eval('.prediction li', (ls) => ls.map((l) => [l.dataset.about, l.dataset.held, l.textContent]));
  assert.equal(judged.length, 2);
  assert.equal(judged[0][0], 'threads_gil');
  assert.match(judged[0][2], /You said Threads \+ GIL would be about as fast as sequential: it took \d+\.\d\d× the sequential time \(speed-up \d+\.\d\d×\), (faster than|about as fast as|slower than) sequential\. (As you|Not what you) predicted\./);
  assert.match(judged[1][2], /You said Threads \(no GIL\) would be faster than sequential: it took/);
  // The verdict on the claim is still there, below.
  assert.ok(await page.locator('.verdict').count());

  // The shared link with results carries the prediction; whoever opens it sees it.
  const link = await page.inputValue('#share-link');
  assert.match(link, /[?&]r=/);
  assert.match(await page.textContent('.send-instructor'), /Send to your instructor/);
  const { page: other } = await open(served.browser(), link);
  assert.match(await other.textContent('.their-prediction'), /^Their prediction: Threads \+ GIL: same \((right|wrong|cannot tell)\); Threads \(no GIL\): faster \((right|wrong|cannot tell)\)\.$/);
  await other.close();
  assert.deepEqual(errors, []);
  await page.close();
});

test('the results document carries the prediction; a bad one is refused naming its field', async () => {
  const { page, errors } = await open(served.browser(), served.url());
  const exp = { workload: { kind: 'race', increments: 200000 }, workers: 2, models: ['threads', 'processes'], repeats: 1 };
  const r = await page.evaluate((e) => window.threadlab.run({ ...e, prediction: 'yes' }), exp);
  assert.equal(r.prediction.length, 1);
  const [p] = r.prediction;
  assert.equal(p.about, 'outcome');
  assert.equal(p.answer, 'yes');
  assert.match(p.question, /Will threads that add to one shared counter without a lock get the right total\?/);
  assert.ok([true, false, null].includes(p.held));
  assert.match(p.text, /^You answered “yes” to/);
  const err = await page.evaluate((e) => window.threadlab.run({ ...e, prediction: 'faster' }).catch((x) => ({ name: x.name, message: x.message, field: x.field })), exp);
  assert.deepEqual(err, { name: 'InvalidExperiment', message: '`prediction.outcome` must be yes or no (got "faster")', field: 'prediction.outcome' });
  assert.deepEqual(errors, []);
  await page.close();
});

test('an embedded lesson asks first and tells the host page the prediction with the results', async () => {
  const page = await served.browser().newPage({ viewport: { width: 1000, height: 900 } });
  const src = `${served.url().replace('127.0.0.1', 'localhost')}?lesson=threads-io&ms=20&repeats=1&embed=1&predict=1`;
  await page.goto(`${plain.url}course`);
  await page.setContent(`<!doctype html><title>Course</title><h1>Week 3</h1>
    <script>window.got = []; addEventListener('message', (e) => window.got.push(e.data));</script>
    <iframe src="${src}" style="width:800px;height:700px;border:0" allow="cross-origin-isolated" title="ThreadLab"></iframe>`);
  const frame = await (await page.waitForSelector('iframe')).contentFrame();
  await frame.waitForFunction(() => window.threadlab !== undefined, null, { timeout: 30_000 });
  await page.waitForFunction(() => window.got.some((m) => m?.type === 'threadlab:ready'));
  await frame.waitForSelector('.predict fieldset.question');
  assert.equal(await frame.locator('.predict fieldset.question').count(), 2);
  await frame.click('label[for=predict-threads_gil-faster]');
  await frame.click('label[for=predict-processes-faster]');
  // The host runs "the experiment shown": the learner's prediction goes with it.
  await page.evaluate(() => document.querySelector('iframe').contentWindow.postMessage({ type: 'threadlab:run' }, '*'));
  await page.waitForFunction(() => window.got.some((m) => m?.type === 'threadlab:results'), null, { timeout: 60_000 });
  const [{ results }] = await page.evaluate(() => window.got.filter((m) => m?.type === 'threadlab:results'));
  assert.deepEqual(results.prediction.map((p) => [p.about, p.answer]), [['threads_gil', 'faster'], ['processes', 'faster']]);
  assert.ok(results.prediction.every((p) => /^You said .* would be faster than sequential: /.test(p.text)));
  assert.equal(await frame.locator('.prediction li').count(), 2);
  // A host's own prediction, refused by field: an error message back.
  await page.evaluate(() => document.querySelector('iframe').contentWindow.postMessage({ type: 'threadlab:run', prediction: { threads_gil: 'quick' } }, '*'));
  await page.waitForFunction(() => window.got.some((m) => m?.type === 'threadlab:error'), null, { timeout: 20_000 });
  const [error] = await page.evaluate(() => window.got.filter((m) => m?.type === 'threadlab:error'));
  assert.match(error.message, /`prediction.threads_gil` must be faster, same or slower \(got "quick"\)/);
  await page.close();
});

test('predict=1 stays in every link the page hands out: the address, Share, the results link, the embed code, and an embed\'s way out', async () => {
  const query = 'workload=sleep&ms=10&tasks=4&workers=4&models=sequential,threads_gil&repeats=1&predict=1';
  const { page, errors } = await open(served.browser(), `${served.url()}?${query}`);
  await page.waitForSelector('.predict fieldset.question');
  const keeps = (url) => new URL(url).searchParams.get('predict') === '1';
  assert.ok(keeps(page.url()), `the address: ${page.url()}`);
  assert.ok(keeps(await page.inputValue('#share-link')), `Share: ${await page.inputValue('#share-link')}`);
  // The embed code asks readers to predict, as the page does.
  await page.click('.embed-code summary');
  assert.equal(await page.isChecked('#embed-predict'), true);
  const snippet = await page.inputValue('#embed-html');
  const src = snippet.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');
  assert.ok(keeps(src) && new URL(src).searchParams.get('embed') === '1', src);
  // Beside it, the way to a class wall for the answers that come back.
  assert.equal(new URL(await page.getAttribute('a.open-wall', 'href')).search, '?wall=1');
  // Unticked, the embed code stops asking; the page's own link still does.
  await page.click('#embed-predict');
  await page.waitForFunction(() => !/predict=1/.test(document.querySelector('#embed-html').value));
  assert.ok(keeps(await page.inputValue('#share-link')));
  // After a run: the link with the results (and the one sent to an instructor) too.
  await page.click('label[for=predict-threads_gil-faster]');
  await pressRun(page);
  await readResults(page, 60_000);
  await page.waitForFunction(() => /[?&]r=/.test(document.querySelector('#share-link').value));
  const withResults = await page.inputValue('#share-link');
  assert.ok(keeps(withResults), withResults);
  assert.ok(keeps(page.url()), page.url());
  // Whoever opens it is asked first too, and sees the sharer's prediction.
  const { page: other } = await open(served.browser(), withResults);
  await other.waitForSelector('.predict fieldset.question');
  assert.match(await other.textContent('.predict-title'), /Run starts once you have answered/);
  assert.match(await other.textContent('.their-prediction'), /^Their prediction: Threads \+ GIL: faster/);
  await other.close();

  // A lesson embedded to ask first: its way out to the full page keeps asking (and is no embed).
  const { page: embedded } = await open(served.browser(), `${served.url()}?lesson=threads-io&ms=20&repeats=1&embed=1&predict=1`);
  await embedded.waitForSelector('.predict fieldset.question');
  const out = await embedded.getAttribute('.open-full a', 'href');
  assert.ok(keeps(out) && new URL(out).searchParams.get('lesson') === 'threads-io' && !new URL(out).searchParams.has('embed'), out);
  await embedded.close();
  assert.deepEqual(errors, []);
  await page.close();
});
