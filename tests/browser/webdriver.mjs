// A small W3C WebDriver client over fetch, and WebKitGTK's driver
// (WebKitWebDriver) driving its MiniBrowser on a virtual X display (Xvfb):
// what the WebKit leg needs, without a WebDriver library. Only the commands
// the leg uses: a session, navigation, scripts (sync and async), finding and
// clicking an element, frames, windows.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const SETUP = 'run `bash scripts/setup.sh --browser` (installs firefox-esr, webkit2gtk-driver, xvfb and xauth from Debian)';
// The W3C element reference key.
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/**
 * WebKitGTK's MiniBrowser: $MINIBROWSER, else where Debian puts it
 * (/usr/lib/<triplet>/webkit2gtk-4.1/, -4.0/ or webkitgtk-6.0/), newest first.
 */
export function miniBrowser() {
  if (process.env.MINIBROWSER) return process.env.MINIBROWSER;
  const dirs = (dir) => {
    try {
      return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
    } catch {
      return [];
    }
  };
  const found = ['/usr/lib', '/usr/libexec', ...dirs('/usr/lib')]
    .flatMap(dirs)
    .filter((d) => /\/webkit(2)?gtk-[\d.]+$/.test(d))
    .map((d) => join(d, 'MiniBrowser'))
    .filter((f) => existsSync(f))
    .sort()
    .reverse();
  return found[0] ?? null;
}

/** The first binary of `names` on PATH, or null. */
export function which(...names) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    for (const name of names) if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** A WebDriver error answered by the driver, with its W3C error code. */
export class WebDriverError extends Error {
  constructor(command, { error, message }) {
    super(`${command}: ${error}: ${message}`);
    this.name = 'WebDriverError';
    this.code = error;
  }
}

/** An error thrown by a script run in the page, as the page named it. */
export class PageError extends Error {
  constructor({ name, message }) {
    super(message);
    this.name = name ?? 'Error';
  }
}

/** One WebDriver session: one browser window and its page. */
export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  async command(method, path, body) {
    const url = `${this.base}/session/${this.id}${path}`;
    const response = await fetch(url, {
      method,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      // Never longer than the script timeout, and a margin.
      signal: AbortSignal.timeout((this.timeout ?? 30_000) + 15_000),
    });
    const { value } = await response.json();
    if (!response.ok) throw new WebDriverError(`${method} ${path}`, value);
    return value;
  }

  /** Navigates and waits for the page's load event (the driver's page load strategy). */
  goto(url) {
    return this.command('POST', '/url', { url });
  }

  url() {
    return this.command('GET', '/url');
  }

  /**
   * Runs `fn(arg)` in the page (it may return a promise) and returns its
   * value as JSON; an exception in the page is thrown here with its name.
   */
  async evaluate(fn, arg = null) {
    const script = `const done = arguments[arguments.length - 1];
      Promise.resolve().then(() => (${fn})(arguments[0])).then(
        (value) => done({ value: value === undefined ? null : value }),
        (e) => done({ error: { name: e && e.name, message: String(e && e.message !== undefined ? e.message : e) } }));`;
    const { value, error } = await this.command('POST', '/execute/async', { script, args: [arg] });
    if (error) throw new PageError(error);
    return value;
  }

  /** Polls `fn(arg)` in the page until it returns something truthy (errors, as during a reload, count as not yet). */
  async waitFor(fn, arg = null, { timeout = 30_000, what = String(fn) } = {}) {
    const end = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        const value = await this.evaluate(fn, arg);
        if (value) return value;
      } catch (e) {
        last = e;
      }
      if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
      await sleep(100);
    }
  }

  /** The element `css` selects (the first), as a W3C element reference. */
  async find(css) {
    return this.command('POST', '/element', { using: 'css selector', value: css });
  }

  /** Clicks the element `css` selects, as the driver's pointer would (scrolled into view first). */
  async click(css) {
    const element = await this.find(css);
    await this.command('POST', `/element/${element[ELEMENT]}/click`, {});
  }

  /** Runs the next commands in the iframe `css` selects (null: back to the top-level page). */
  async frame(css) {
    const id = css === null ? null : await this.find(css);
    await this.command('POST', '/frame', { id });
  }

  async windows() {
    return this.command('GET', '/window/handles');
  }

  async window() {
    return this.command('GET', '/window');
  }

  async switchTo(handle) {
    await this.command('POST', '/window', { handle });
  }

  /** Sets the script timeout (for a long `evaluate`). */
  async timeouts(ms) {
    await this.command('POST', '/timeouts', { script: ms, pageLoad: ms });
    this.timeout = ms;
  }

  async close() {
    await this.command('DELETE', '');
  }
}

/**
 * WebKitGTK under a virtual display: starts Xvfb (on a display it picks
 * itself: -displayfd) and WebKitWebDriver on a free port, with `env` added
 * to the browser's environment (JSC_useSharedArrayBuffer). `session()`
 * opens a MiniBrowser window with a fresh, ephemeral profile; `close()`
 * stops both processes. Throws, saying how to install them, when a binary
 * is missing.
 */
export async function webkit({ env = {} } = {}) {
  const driver = which('WebKitWebDriver');
  const browser = miniBrowser();
  const xvfb = which('Xvfb');
  const missing = [!driver && 'WebKitWebDriver', !browser && 'MiniBrowser (webkit2gtk-driver)', !xvfb && 'Xvfb'].filter(Boolean);
  if (missing.length) throw new Error(`${missing.join(', ')} not found: ${SETUP}`);

  const children = [];
  const stop = () => {
    for (const child of children.reverse()) if (child.exitCode === null) child.kill();
  };
  process.once('exit', stop);
  try {
    const x = spawn(xvfb, ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    children.push(x);
    let xerr = '';
    x.stderr.on('data', (d) => (xerr += d));
    const display = await new Promise((resolve, reject) => {
      x.stdio[3].once('data', (d) => resolve(String(d).trim()));
      x.once('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${xerr.slice(-500)}`)));
    });
    // Said with any failure to start a browser: a display that went away.
    const xstate = () => (x.exitCode === null && x.signalCode === null ? `Xvfb :${display} running` : `Xvfb :${display} exited (${x.exitCode ?? x.signalCode}): ${xerr.slice(-300)}`);
    const port = await freePort();
    const log = [];
    const d = spawn(driver, [`--port=${port}`], { env: { ...process.env, DISPLAY: `:${display}`, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(d);
    for (const s of [d.stdout, d.stderr]) s.on('data', (b) => log.push(String(b)));
    const base = `http://127.0.0.1:${port}`;
    const ready = Date.now() + 15_000;
    for (;;) {
      const status = await fetch(`${base}/status`).then((r) => r.json(), () => null);
      if (status?.value?.ready) break;
      if (d.exitCode !== null || Date.now() > ready) throw new Error(`WebKitWebDriver did not start: ${log.join('').slice(-500)}`);
      await sleep(100);
    }
    return {
      display,
      /** A new session (a new MiniBrowser, fresh profile), its scripts allowed `timeout` ms. */
      async session({ timeout = 120_000 } = {}) {
        const response = await fetch(`${base}/session`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json; charset=utf-8' },
          body: JSON.stringify({ capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: browser, args: ['--automation'] } } } }),
          signal: AbortSignal.timeout(30_000),
        }).catch((e) => {
          throw new Error(`no new MiniBrowser session within 30 s (${e.message}); ${xstate()}; the driver said: ${log.join('').slice(-1000)}`);
        });
        const { value } = await response.json();
        if (!response.ok) throw new WebDriverError(`POST /session (${xstate()})`, value);
        const session = new Session(base, value.sessionId);
        session.capabilities = value.capabilities;
        await session.timeouts(timeout);
        return session;
      },
      close() {
        process.off('exit', stop);
        stop();
      },
    };
  } catch (e) {
    stop();
    throw e;
  }
}
