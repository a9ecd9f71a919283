// The page's entry: the runner and the exports (window hooks the UI calls),
// then the UI's shell. A module of its own, not inline: the content security
// policy allows scripts from this origin only (scripts/headers.mjs).
import './runner.js';
import './export.js';
import init from '../pkg/ui/threadlab_ui.js';

init().catch((e) => {
  document.getElementById('app').textContent = `ThreadLab could not start: ${e.message}`;
});
