// What every worker bootstrap shares: the first message carries the compiled
// module (a Module cannot travel as text) and starts the engine; every other
// message is protocol text (src/protocol.rs), answered by the engine's
// Worker, or protocol text with a task's share of the input beside it
// ({text, input}: an ArrayBuffer, cloned or transferred). The JS reads none
// of it.
//
// The handler is synchronous, so an exception (a wasm trap, by design or by
// bug) becomes the worker's error event on the page, which then never
// reuses it; an async handler would only reject a promise nobody sees.
export function serve(start) {
  let worker;
  self.onmessage = ({ data }) => {
    if (typeof data === 'string') {
      postMessage(worker.handle(data));
      return;
    }
    if (data?.input instanceof ArrayBuffer && typeof data.text === 'string') {
      postMessage(worker.handle_with_input(data.text, new Uint8Array(data.input)));
      return;
    }
    start(data).then(
      (w) => {
        worker = w;
        postMessage(worker.hello());
      },
      (e) =>
        setTimeout(() => {
          throw e;
        }),
    );
  };
}
