// Shared by the browser tests and scripts: one fixture (a served site, Debian's Chromium, pages that log
// what goes wrong), pen strokes replayed on a canvas, and the training panel driven by its states.
//
// ## The fixture
//
//   import { browserSuite } from './helpers.mjs';
//   const suite = browserSuite();            // at the top of a test file: before its tests, starts
//                                            // scripts/serve.mjs and Chromium; after them, stops both
//   test('...', async () => {
//     const { page, log, context, close } = await suite.open();  // a new context and page on the site,
//                                                                // once the page says it is ready
//     ...
//     await close();   // asserts no console error, page error or off-origin request; closes the context
//   });
//
// browserSuite(options) and, for scripts that are not tests, `await startSuite(options)` (the same object,
// started at once; call its stop()) take:
//   server   options for startServer ({ root, assemble }), a function returning them (called when the
//            suite starts, so it may build a site), or false for no server. Default {}: build/site.
//   browser  false for no browser (a server-only suite). Default: Chromium.
// The suite holds `server` ({ url, stop() }) and `browser` once started, and open(options):
//   url       the page (default the suite server's root); `path` instead: relative to it
//   viewport  default 1280 x 900;  context: more options for browser.newContext (touch, mobile, ...)
//   ready     wait for the page's body[data-ready="true"] (default true; false for pages without it)
//   origins   origins the page may load from (default the page's own); requests elsewhere are aborted
//             and listed in log.foreign
//   warnings  count console warnings as errors too (default false)
//   beforeGoto(page)  runs before navigation (to listen to the very first requests)
// It resolves to { page, context, log: { errors, foreign, failed }, close({ clean = true }) }.
//
// ## Drawing and training
//
// drawWithMouse and finger(...).draw replay a digit's strokes and wait for the page's data-classified hook;
// redraw clears first and returns { digit, probs }. The training helpers wait for the panel's states
// (trainerState), never for a time: startTraining fills the form and presses Start; waitForTraining waits
// for a progress report that is not the run's last; pauseTraining/resumeTraining press the button and wait
// for the state to change; waitForDone waits for the end. LONG_RUN is a run no test can outlast (see there).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');

export const STROKES = JSON.parse(readFileSync(join(here, 'strokes.json'), 'utf8'));

export const DESKTOP = { width: 1280, height: 900 };

// Starts the static server (assembling build/site first unless assemble is false). Resolves to
// { url, stop() }.
export function startServer({ assemble = true, root } = {}) {
  const args = [join(repo, 'scripts/serve.mjs')];
  if (root) args.push('--root', root);
  else if (!assemble) args.push('--no-assemble');
  const proc = spawn(process.execPath, args, { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve.mjs did not start:\n${out}`)), 60_000);
    const onData = (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/localhost:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolveStart({
          url: `http://127.0.0.1:${m[1]}/`,
          output: () => out,
          stop: () => new Promise((r) => {
            if (proc.exitCode !== null) return r();
            proc.once('exit', r);
            proc.kill('SIGTERM');
          }),
        });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (c) => (out += c));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve.mjs exited with ${code}:\n${out}`));
    });
  });
}

// A copy of build/site at build/<name> with extra files beside the page's modules ([source, name] pairs,
// sources relative to the repository), for tests and benchmarks that need a worker of their own.
export function siteWith(name, extras) {
  const root = join(repo, 'build', name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  cpSync(join(repo, 'build/site'), root, { recursive: true });
  for (const [src, as] of extras) cpSync(join(repo, src), join(root, as));
  return root;
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// A page in `context` that records console errors (and warnings if asked), uncaught page errors, failed
// requests and any request that leaves the allowed origins (those are also aborted, so nothing can leave).
export async function openPage(context, url, { errors = [], origins = [new URL(url).origin], warnings = false, ready = true,
  beforeGoto } = {}) {
  const log = { errors, foreign: [], failed: [] };
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('blob:') || u.startsWith('data:') || origins.includes(new URL(u).origin)) return route.continue();
    log.foreign.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  const noted = (m) => m.type() === 'error' || (warnings && m.type() === 'warning');
  page.on('console', (m) => {
    if (noted(m)) log.errors.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => log.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('worker', (w) => w.on('console', (m) => {
    if (noted(m)) log.errors.push(`worker console ${m.type()}: ${m.text()}`);
  }));
  await beforeGoto?.(page);
  await page.goto(url);
  if (ready) await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  return { page, log };
}

// The fixture (see the top of this file), started now.
export async function startSuite({ server = {}, browser = true } = {}) {
  const suite = { server: null, browser: null };
  const serverOptions = typeof server === 'function' ? server() : server;
  if (serverOptions) suite.server = await startServer(serverOptions);
  if (browser) suite.browser = await launch();
  suite.open = async ({ url, path, viewport = DESKTOP, context: contextOptions = {}, ...pageOptions } = {}) => {
    const target = url ?? new URL(path ?? '', suite.server.url).href;
    const context = await suite.browser.newContext({ viewport, ...contextOptions });
    // Every wait is for a state; this only bounds a hang, generously for a busy or one-core machine.
    context.setDefaultTimeout(60_000);
    const { page, log } = await openPage(context, target, pageOptions);
    const close = async ({ clean = true } = {}) => {
      if (clean) {
        assert.deepEqual(log.errors, [], 'console and page errors');
        assert.deepEqual(log.foreign, [], 'requests leaving the origin');
      }
      await context.close();
    };
    return { page, context, log, close };
  };
  suite.stop = async () => {
    await suite.browser?.close();
    await suite.server?.stop();
  };
  return suite;
}

// The fixture for a test file: started before its tests, stopped after them.
export function browserSuite(options) {
  const suite = {};
  before(async () => Object.assign(suite, await startSuite(options)));
  after(async () => suite.stop?.());
  return suite;
}

// The fixture for tests of the page and the built lesson folder together: suite.site (build/site),
// suite.dist (dist/) and suite.browser, started before the file's tests and stopped after them.
export function siteAndLessonSuite() {
  const suite = {};
  before(async () => {
    [suite.site, suite.dist] = await Promise.all([startServer(), startServer({ root: join(repo, 'dist') })]);
    suite.browser = await launch();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.site?.stop();
    await suite.dist?.stop();
  });
  return suite;
}

// ---- pen strokes ---------------------------------------------------------------------------------------

// Points along a polyline every `step` page pixels, as a pen reports them.
export function densify(points, step) {
  const out = [points[0]];
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / step));
    for (let k = 1; k <= n; k++) out.push([x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n]);
  }
  return out;
}

// A digit's strokes as page-coordinate polylines over a canvas's box, one point every `step` pixels. The
// 28x28 field is laid over the whole canvas, so a 20x20 digit fills about 70 % of it, as a person draws.
export function strokePaths(box, digit, step = 6) {
  const unit = STROKES.unit;
  const map = ([x, y]) => [box.x + (x / unit) * box.width, box.y + (y / unit) * box.height];
  return digit.strokes.map((stroke) => densify(stroke.map(map), step));
}

// Presses, moves and lifts the mouse along each path.
export async function mouseStrokes(page, paths) {
  for (const pts of paths) {
    await page.mouse.move(...pts[0]);
    await page.mouse.down();
    for (const p of pts.slice(1)) await page.mouse.move(...p);
    await page.mouse.up();
  }
}

// Scrolls the pad into view (as a person would) and draws on it, the mouse reporting a point every `step`
// pixels. The pad joins the points it gets with straight lines, so a larger step draws the same polylines
// with fewer events.
export async function drawWithMouse(page, digit, { step = 6 } = {}) {
  const canvas = page.getByTestId('draw-canvas');
  await canvas.scrollIntoViewIfNeeded();
  await mouseStrokes(page, strokePaths(await canvas.boundingBox(), digit, step));
  await classified(page, digit.strokes.length, digit.label);
}

// Waits until the page has classified a drawing of `strokes` finished strokes (the page's data-classified
// hook; '0' after a clear).
export async function classified(page, strokes, label = '') {
  try {
    await page.waitForFunction((n) => document.body.dataset.classified === String(n), strokes, { timeout: 30_000 });
  } catch (e) {
    const seen = await page.evaluate(() => document.body.dataset.classified);
    throw new Error(`the page did not classify the ${strokes}-stroke drawing ${label} (it shows ${seen}): ${e.message}`);
  }
}

// A finger through the DevTools protocol, as on a phone: touchStart, touchMove..., touchEnd. The events
// carry timestamps from the finger's own clock, so the browser judges the gestures by those, not by how
// fast this machine sends them: moves 16 ms apart, and the finger rests on the last point for 128 ms
// before it lifts. A finger lifted while moving starts a fling, and Chromium swallows a tap that comes
// right after one (the tap would have stopped the fling), so Clear would not clear.
export function finger(page, cdp) {
  let clock = Date.now() / 1000;
  const at = (dt) => {
    clock = Math.max(clock + dt, Date.now() / 1000);
    return clock;
  };
  const point = ([x, y]) => ({ x, y, id: 1, radiusX: 2, radiusY: 2, force: 0.5 });
  const send = (type, touchPoints, dt) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints, timestamp: at(dt) });
  // The page's drawings, and tap(locator) on its middle.
  return {
    async stroke(pts) {
      await send('touchStart', [point(pts[0])], 0.2);
      for (const p of pts.slice(1)) await send('touchMove', [point(p)], 0.016);
      for (let i = 0; i < 8; i++) await send('touchMove', [point(pts.at(-1))], 0.016);
      await send('touchEnd', [], 0.016);
    },
    async draw(digit) {
      for (const pts of strokePaths(await page.getByTestId('draw-canvas').boundingBox(), digit)) await this.stroke(pts);
      await classified(page, digit.strokes.length, digit.label);
    },
    async tap(locator) {
      const b = await locator.boundingBox();
      const p = [b.x + b.width / 2, b.y + b.height / 2];
      await send('touchStart', [point(p)], 1);
      await send('touchEnd', [], 0.05);
    },
  };
}

// One digit with a finger of its own (kept for callers that hold a CDP session).
export function drawWithTouch(page, digit, cdp) {
  return finger(page, cdp).draw(digit);
}

// Clears the pad, draws the digit with the mouse and returns what the page says: { digit, probs }.
export async function redraw(page, digit, options) {
  await page.getByTestId('clear').click();
  await classified(page, 0);
  await drawWithMouse(page, digit, options);
  return { digit: await prediction(page), probs: await probabilities(page) };
}

// The predicted digit once the page has classified the finished drawing ('' if none).
export async function prediction(page) {
  return (await page.getByTestId('prediction').textContent()).trim();
}

// Full-precision probabilities from the bars' data-p attributes.
export async function probabilities(page) {
  return page.$$eval('[data-testid="probabilities"] li', (lis) => lis.map((li) => Number(li.dataset.p)));
}

export function maxDiff(a, b) {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

// Non-blank pixels of the preprocessed 28x28 view (it is white when nothing is shown).
export async function preprocessedInk(page) {
  return page.$eval('[data-testid="preprocessed"]', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 200) ink++;
    return ink;
  });
}

// ---- the training panel --------------------------------------------------------------------------------

// A run that no test outlasts: 100 epochs of the 12,000-digit subset, 1.2 million digits, minutes of
// training wherever this runs. Tests that need training to be still going start it, wait for a progress
// report that is not final (waitForTraining), check what they need and press Reset; none of them waits for
// its end. Its length is a number of digits, not a time.
export const LONG_RUN = { epochs: 100, images: 12000 };

// The panel's state as its controls show it: 'idle', 'loading', 'training', 'paused' (also after a
// divergence), or 'done'.
export function trainerState(page) {
  return page.evaluate(panel);
}

// Runs in the page. Without `above`: the state. With it: the progress bar's value if the panel is
// training, shows a progress report and the bar stands above `above` and below 1 (mid-run), else false.
function panel(above) {
  const pause = document.querySelector('[data-testid="train-pause"]');
  const text = document.getElementById('progress-text').textContent;
  let state = 'idle';
  if (/^Done/.test(text)) state = 'done';
  else if (pause.textContent === 'Resume') state = 'paused';
  else if (document.getElementById('train-form').classList.contains('running')) state = pause.disabled ? 'loading' : 'training';
  if (above === undefined) return state;
  const bar = document.getElementById('progress-bar').value;
  return state === 'training' && /digits\/s/.test(text) && bar > above && bar < 1 ? bar : false;
}

// Fills the training form (only the fields given) and presses Start. Resolves to the time of the press
// (Date.now()), for benchmarks.
export async function startTraining(page, { preset, epochs, images, threads, learningRate } = {}) {
  const form = page.locator('#train-form');
  if (preset) await form.getByLabel('Preset').selectOption(preset);
  if (epochs) await form.getByLabel('Epochs').fill(String(epochs));
  if (images) await form.getByLabel('Training images').selectOption(String(images));
  if (threads) await form.getByLabel('Threads').selectOption(threads);
  if (learningRate) await form.getByLabel('Learning rate').fill(String(learningRate));
  const pressed = Date.now();
  await page.getByTestId('train-start').click();
  return pressed;
}

// Waits for the panel to be training with a progress report that is not the run's last (bar between 0 and
// 1): the worker is provably mid-run. Resolves to the bar's value then.
export async function waitForTraining(page, { above = 0, timeout = 120_000 } = {}) {
  return (await page.waitForFunction(panel, above, { timeout })).jsonValue();
}

export async function pauseTraining(page) {
  assert.equal(await trainerState(page), 'training', 'pausing a run that is training');
  await page.getByTestId('train-pause').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="train-pause"]').textContent === 'Resume');
}

// Resolves once the run has left the paused state (training again, or already at its end).
export async function resumeTraining(page) {
  await page.getByTestId('train-pause').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="train-pause"]').textContent !== 'Resume');
}

export async function waitForDone(page, timeout = 240_000) {
  await page.waitForFunction(() => /^Done/.test(document.getElementById('progress-text').textContent), null, { timeout });
}
