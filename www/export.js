// Exports: only what only JS can do. It makes a chart's SVG stand alone
// (computed styles written as presentation attributes: no CSS, and nothing
// a content security policy refuses where the file is opened), draws it on a canvas for a PNG, and hands a
// file to the browser. What goes in the files (JSON, CSV, the Perfetto
// trace) and their names are made in Rust (src/export.rs).

/** The styles a chart's look depends on, copied from the page's CSS. */
const STYLES = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity', 'font-family', 'font-size', 'font-weight', 'font-style'];

/** `svg` as a standalone SVG document: no page CSS needed to draw it. */
function standalone(svg) {
  const clone = svg.cloneNode(true);
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [clone, ...clone.querySelectorAll('*')];
  from.forEach((el, i) => {
    const cs = getComputedStyle(el);
    for (const p of STYLES) to[i].setAttribute(p, cs.getPropertyValue(p));
  });
  const { width, height } = svg.getBoundingClientRect();
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(Math.round(width)));
  clone.setAttribute('height', String(Math.round(height)));
  // The page's background behind it, so that it reads in any viewer.
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', getComputedStyle(document.body).backgroundColor);
  clone.insertBefore(bg, clone.firstChild);
  return { text: new XMLSerializer().serializeToString(clone), width, height };
}

function chart(selector) {
  const svg = document.querySelector(selector);
  if (!svg) throw new Error(`there is no chart ${selector} to export`);
  return svg;
}

/** Hands `data` (text or a Blob) to the browser as the file `name`. */
function download(name, data, type) {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

/** The chart `selector` as an SVG file. */
function svg(selector, name) {
  download(name, standalone(chart(selector)).text, 'image/svg+xml');
}

/** The chart `selector` as a PNG file, at twice its size on screen. */
async function png(selector, name) {
  const { text, width, height } = standalone(chart(selector));
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * 2);
  canvas.height = Math.round(height * 2);
  canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the chart could not be drawn'))), 'image/png'));
  download(name, blob);
}

/** Today, as YYYY-MM-DD (file names). */
function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Traces handed to the Perfetto hand-over page (perfetto.html), by id. */
const traces = new Map();
let channel = null;

/**
 * Opens the hand-over page in a new tab, which asks this page for the
 * trace over a BroadcastChannel and passes it on to ui.perfetto.dev (this
 * page, cross-origin isolated, cannot talk to that site's window itself).
 */
function openInPerfetto(text, title, fileName) {
  const id = crypto.randomUUID();
  traces.set(id, { buffer: new TextEncoder().encode(text).buffer, title, fileName });
  // The last few only: a trace is asked for once, right after this click.
  for (const old of [...traces.keys()].slice(0, -4)) traces.delete(old);
  if (!channel) {
    channel = new BroadcastChannel('threadlab-perfetto');
    channel.onmessage = ({ data }) => {
      const t = data?.type === 'want' && traces.get(data.id);
      if (t) channel.postMessage({ type: 'trace', id: data.id, ...t, buffer: t.buffer.slice(0) });
    };
  }
  // No opener: the two pages talk over the channel only.
  window.open(new URL(`perfetto.html#${id}`, document.baseURI), '_blank', 'noopener');
}

window.threadlabExport = { download, svg, png, today, openInPerfetto };
