// A process worker (also the sequential worker): its own instance of the
// single-threaded engine, its own memory. It shares nothing with the page or
// other workers: only protocol text comes and goes (see worker.js).
import { serve } from './worker.js';

serve(async ({ module, id }) => {
  const engine = await import('../pkg/single/threadlab_engine.js');
  // Instantiate from the module the page compiled once.
  engine.initSync({ module });
  return new engine.Worker(id);
});
