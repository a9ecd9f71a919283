// A process worker (also the sequential worker): its own instance of the
// single-threaded engine, its own memory. It shares nothing with the page or
// other workers: only protocol text comes and goes (see worker.js).
//
// The engine's JS is a static import, so it loads with this script, while
// the page posts the compiled module, rather than after it (start-up).
import { serve } from './worker.js';
import { initSync, Worker } from '../pkg/single/threadlab_engine.js';

serve(async ({ module, id }) => {
  // Instantiate from the module the page compiled once.
  initSync({ module });
  return new Worker(id);
});
