// Colour contrast in both themes: every text and control the page shows,
// before and after a run, passes WCAG AA as axe-core checks it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { servedPage } from './harness.mjs';

const served = servedPage(before, after);
// Evaluated, not added as a script tag: the page's content security policy
// refuses inline scripts (and that refusal would fail the test).
const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function contrastProblems(page) {
  await page.evaluate(axe);
  const r = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'rule', values: ['color-contrast'] } }));
  return r.violations.flatMap((v) => v.nodes.map((n) => `${n.target.join(' ')}: ${n.any.map((c) => c.message).join('; ')}`));
}

for (const scheme of ['light', 'dark']) {
  test(`every colour pair passes WCAG AA in the ${scheme} theme, before and after a run`, async () => {
    const context = await served.browser().newContext({ viewport: { width: 1280, height: 900 }, colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(served.url());
    await page.waitForFunction(() => window.threadlab !== undefined, null, { timeout: 30_000 });
    assert.deepEqual(await contrastProblems(page), [], `${scheme}: the landing page`);
    await page.evaluate(() => window.threadlab.run({ workload: { kind: 'sleep', ms: 5 }, tasks: 4, workers: 2, repeats: 1 }));
    await page.waitForSelector('#results-heading');
    assert.deepEqual(await contrastProblems(page), [], `${scheme}: the results`);
    await context.close();
  });
}
