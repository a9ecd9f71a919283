// The hand-over page between ThreadLab and the Perfetto UI (perfetto.html).
// ThreadLab's page is cross-origin isolated (COOP same-origin, for shared
// memory), so a window it opens on another site has no opener to talk to.
// This page is served without isolation: it asks the ThreadLab page for the
// trace over a BroadcastChannel (same origin), then, on a click (a popup
// needs one), opens ui.perfetto.dev and sends it there with Perfetto's
// documented handshake: 'PING' until 'PONG', then {perfetto: {buffer, title,
// fileName}}.
const PERFETTO = 'https://ui.perfetto.dev';
const id = location.hash.slice(1);
const status = document.getElementById('status');
const open = document.getElementById('open');
const say = (text) => (status.textContent = text);

/** Waits for the trace `id` from the ThreadLab page that opened this one. */
function fetchTrace() {
  return new Promise((resolve, reject) => {
    const channel = new BroadcastChannel('threadlab-perfetto');
    const timer = setTimeout(() => {
      channel.close();
      reject(new Error('The ThreadLab page that made this trace is closed or reloaded: export the trace again.'));
    }, 5000);
    channel.onmessage = ({ data }) => {
      if (data?.type !== 'trace' || data.id !== id || !(data.buffer instanceof ArrayBuffer)) return;
      clearTimeout(timer);
      channel.close();
      resolve(data);
    };
    channel.postMessage({ type: 'want', id });
  });
}

/** Opens the Perfetto UI and hands it `trace` once it answers. */
function handOver(trace) {
  const win = window.open(`${PERFETTO}/#!/`);
  if (!win) {
    say('The browser blocked the new tab: allow pop-ups for this page, or download the trace below.');
    return;
  }
  say('Waiting for the Perfetto UI to load…');
  let tries = 0;
  const ping = setInterval(() => {
    if (++tries > 600) {
      clearInterval(ping);
      say('The Perfetto UI did not answer within a minute: download the trace below and open it there.');
      return;
    }
    win.postMessage('PING', PERFETTO);
  }, 100);
  window.addEventListener('message', function pong(e) {
    if (e.source !== win || e.origin !== PERFETTO || e.data !== 'PONG') return;
    clearInterval(ping);
    window.removeEventListener('message', pong);
    // A copy: the buffer stays here for another try.
    win.postMessage({ perfetto: { buffer: trace.buffer.slice(0), title: trace.title, fileName: trace.fileName } }, PERFETTO);
    say(`Sent "${trace.title}" to the Perfetto UI.`);
  });
}

if (!/^[\w-]{1,64}$/.test(id)) {
  say('No trace asked for: open this page from ThreadLab\'s "Open in Perfetto" button.');
} else {
  fetchTrace().then(
    (trace) => {
      const kb = (trace.buffer.byteLength / 1024).toFixed(0);
      say(`Trace ready: "${trace.title}", ${kb} KB.`);
      const link = document.getElementById('download');
      link.href = URL.createObjectURL(new Blob([trace.buffer], { type: 'application/json' }));
      link.download = trace.fileName;
      document.getElementById('fallback').hidden = false;
      open.hidden = false;
      open.onclick = () => handOver(trace);
    },
    (e) => say(e.message),
  );
}
