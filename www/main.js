// The page's entry: the runner (window hooks the UI calls), then the UI's
// shell (the exports, www/export.js, come with the lab: runner.js's
// loadLab). A module of its own, not inline: the content security policy
// allows scripts from this origin only (scripts/headers.mjs).
import './runner.js';
import init from '../pkg/ui/threadlab_ui.js';

// The landing markup the page is sent with (scripts/assets.mjs), or its
// masthead alone at a link (www/theme.js), is on the screen before the app
// starts: fetching, compiling and first drawing the app hold the main
// thread, and would otherwise come before that text's first paint. The app
// starts once a frame with the whole page in it has been presented (the
// browser reports the largest text it painted), or 100 ms after that frame
// was asked for, if nothing larger came. Not waited for where that markup
// is hidden (an embed) or the tab is (it draws no frames).
const landing = document.querySelector('#app > .prerendered');
const largest = PerformanceObserver.supportedEntryTypes?.includes('largest-contentful-paint');
const painted = landing && getComputedStyle(landing).display !== 'none' && document.visibilityState === 'visible'
  ? new Promise((resolve) => requestAnimationFrame(() => {
    const asked = performance.now();
    setTimeout(resolve, 100);
    if (!largest) return;
    const seen = new PerformanceObserver((list) => {
      if (list.getEntries().some((e) => e.startTime >= asked)) {
        seen.disconnect();
        resolve();
      }
    });
    seen.observe({ type: 'largest-contentful-paint', buffered: true });
  }))
  : Promise.resolve();

painted.then(() => init()).catch((e) => {
  document.getElementById('app').textContent = `ThreadLab could not start: ${e.message}`;
});
