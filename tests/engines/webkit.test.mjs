// The smoke checks (smoke.mjs) in WebKit: Debian's WebKitGTK MiniBrowser, driven by its WebKitWebDriver
// (webkit2gtk-driver) through selenium-webdriver, on an Xvfb display of its own. Pointer input goes
// through WebDriver actions.
//
// Twice: under LANG=C.UTF-8, where WebKitGTK reports navigator.language 'C', a tag Intl refuses (the page
// once stopped at "Loading the network…" there), and under LANG=en_US.UTF-8.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Builder } from 'selenium-webdriver';
import { Origin } from 'selenium-webdriver/lib/input.js';

import { repo, startServer } from '../browser/helpers.mjs';
import { lesson, loadAndClassify, trainSaveReload } from './smoke.mjs';

const DRIVER = process.env.WEBKIT_DRIVER || '/usr/bin/WebKitWebDriver';
const MINIBROWSER = process.env.WEBKIT_MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

// Children this file starts and the sessions it opens, ended in after() whatever happened.
const children = [];
const sessions = [];
function start(cmd, args, env) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  child.output = () => out;
  children.push(child);
  return child;
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', r);
    child.kill('SIGTERM');
  });
}

// An X display of our own: Xvfb picks a free display number and writes it to stdout (-displayfd).
async function startXvfb() {
  const xvfb = start('Xvfb', ['-displayfd', '1', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp']);
  const display = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start:\n${xvfb.output()}`)), 20_000);
    xvfb.stdout.on('data', () => {
      const m = xvfb.output().match(/^(\d+)\n/);
      if (m) {
        clearTimeout(timer);
        resolve(`:${m[1]}`);
      }
    });
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}:\n${xvfb.output()}`)));
  });
  return display;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// WebKitWebDriver on a free local port, with LANG set for the MiniBrowser it starts; resolves once it
// answers /status.
async function startDriver(display, lang) {
  const port = await freePort();
  const driver = start(DRIVER, [`--port=${port}`, '--host=local'], { DISPLAY: display, LANG: lang, LC_ALL: '' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${url}/status`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited with ${driver.exitCode}:\n${driver.output()}`);
    if (i > 200) throw new Error(`WebKitWebDriver did not answer on ${url}:\n${driver.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, process: driver };
}

// The smoke checks' browser interface (see smoke.mjs) over a selenium session.
function adapter(session, name) {
  const at = (x, y) => ({ x: Math.round(x), y: Math.round(y), origin: Origin.VIEWPORT, duration: 0 });
  return {
    name,
    goto: (url) => session.get(url),
    reload: () => session.navigate().refresh(),
    run: (fn, ...args) => session.executeScript(fn, ...args),
    async strokes(strokes) {
      const actions = session.actions({ async: true });
      for (const points of strokes) {
        actions.move(at(...points[0])).press();
        for (const p of points.slice(1)) actions.move(at(...p));
        actions.release();
      }
      await actions.perform();
    },
    click: (x, y) => session.actions({ async: true }).move(at(x, y)).click().perform(),
  };
}

let site;
let dist;
let display;
before(async () => {
  assert.ok(existsSync(DRIVER) && existsSync(MINIBROWSER),
    `${DRIVER} or ${MINIBROWSER} is missing: scripts/setup.sh installs webkit2gtk-driver`);
  [site, dist, display] = await Promise.all([startServer(), startServer({ root: join(repo, 'dist') }), startXvfb()]);
});

after(async () => {
  for (const s of sessions) await s.quit().catch(() => {});
  await Promise.all(children.map(stop));
  await site?.stop();
  await dist?.stop();
});

for (const lang of ['C.UTF-8', 'en_US.UTF-8']) {
  const name = `webkit (LANG=${lang})`;
  let driver;
  let session;
  let browser;
  let found;

  test(`${name}: the page loads and classifies drawn digits`, { timeout: 120_000 }, async () => {
    driver = await startDriver(display, lang);
    session = await new Builder().usingServer(driver.url).withCapabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    }).build();
    sessions.push(session);
    await session.manage().window().setRect({ width: 1280, height: 900 });
    browser = adapter(session, name);
    found = await loadAndClassify(browser, site.url);
    const e = found.engine;
    const version = (await session.getCapabilities()).get('browserVersion');
    console.log(`# ${name} ${version}: crossOriginIsolated ${e.crossOriginIsolated}, SharedArrayBuffer ${e.sharedArrayBuffer}, navigator.language ${e.language}`);
    if (lang === 'C.UTF-8') assert.equal(e.language, 'C', 'WebKitGTK reports LANG=C.UTF-8 as navigator.language C (what this run is for)');
  });

  test(`${name}: a short training run, saved in the browser and loaded again after a reload`, { timeout: 300_000 }, async () => {
    assert.ok(found, 'the page loaded');
    const run = await trainSaveReload(browser, found);
    console.log(`# ${name}: trained 1,000 digits on ${run.threads} thread(s), held-out accuracy ${run.accuracy} %`);
  });

  test(`${name}: the lesson page (dist/embed.html): elements render, the pad classifies, the trainer trains`, { timeout: 180_000 }, async () => {
    assert.ok(session, 'the browser started');
    await lesson(browser, `${dist.url}embed.html`);
    // one MiniBrowser at a time on this display
    await session.quit();
    sessions.splice(sessions.indexOf(session), 1);
    await stop(driver.process);
  });
}
