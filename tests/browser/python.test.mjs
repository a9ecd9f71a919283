// The python workload as a learner meets it: the code editor (line numbers,
// Tab, the syntax error marked as it is typed), Run on every model, what
// each task returned and printed, tracebacks, the globals, links, embeds.
import { test } from 'node:test';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { servedPage, open, pressRun, readResults, alertSays } from './harness.mjs';

const served = servedPage(before, after);

/** The page with the Python workload chosen (the lab takes over to check the code). */
async function python(query = '') {
  const { page, errors } = await open(served.browser(), `${served.url()}?${query}`);
  if (!query.includes('workload=python')) await page.selectOption('#workload', 'python');
  await page.waitForSelector('.code-editor textarea#size');
  return { page, errors };
}

/** Replaces the editor's text as typing would (select all, type). */
async function typeCode(page, code) {
  await page.click('#size');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // Typed line by line: Enter, then the line's own indent (no auto-indent).
  await page.keyboard.insertText(code);
}

test('the editor numbers its lines, indents with Tab, lets the keyboard out, and marks a syntax error before Run', async () => {
  const { page } = await python();
  assert.equal(await page.$$eval('.code-editor .gutter span', (s) => s.length), 5, 'the default task has five lines');
  await typeCode(page, 'def task(i):\n    x = (1 +\n    return x\n');
  await page.waitForSelector('#size[aria-invalid=true]');
  const message = await page.textContent('#size-error');
  assert.match(message, /line 2, column \d+/);
  assert.match(await page.getAttribute('#size', 'aria-describedby'), /size-error/);
  assert.equal(await page.textContent('.code-editor .gutter span.bad'), '2');
  // Run refuses with the same message; nothing runs.
  await page.click('button.run');
  assert.equal(await alertSays(page, message), message);
  assert.equal(await page.getAttribute('section.results', 'data-runs-ended'), '0');
  // Fixed: the mark goes once the learner pauses.
  await typeCode(page, 'def task(i):\n    return i\n');
  await page.waitForSelector('#size:not([aria-invalid])');
  assert.equal(await page.locator('.code-editor .gutter span.bad').count(), 0);
  // Tab indents by four spaces; Escape then Tab leaves the editor.
  await page.click('#size');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Tab');
  assert.match(await page.inputValue('#size'), / {4}$/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'size');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  assert.notEqual(await page.evaluate(() => document.activeElement.id), 'size', 'Escape then Tab leaves the field');
});
