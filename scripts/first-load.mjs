// The page's first download: its budget and how it is counted, one
// definition for the bench (scripts/bench.mjs, section first_load) and the
// test that fails when the page outgrows it (tests/browser/lab.test.mjs).

/** The most the page may fetch, as served (brotli), before Run is usable. */
export const FIRST_LOAD_MAX_BYTES = 250_000;

/**
 * Every file `page` fetched up to `untilMs` (performance.now()), the page
 * itself included: `{url, raw, served, transfer}` (body bytes decoded, as
 * sent, and on the wire).
 */
export function fetchedBy(page, untilMs) {
  return page.evaluate((untilMs) => {
    const entries = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')].filter((e) => e.startTime <= untilMs);
    return entries.map((e) => ({ url: e.name.replace(location.origin, ''), raw: e.decodedBodySize, served: e.encodedBodySize, transfer: e.transferSize }));
  }, untilMs);
}
