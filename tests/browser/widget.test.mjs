// The drop-in elements (issue 6) in headless Chromium, served from dist/ by a plain node:http static
// server with no special headers (no cross-origin isolation, no CSP) unless a test says otherwise:
// the lesson page loads cleanly, two pads on one page classify replayed MNIST stroke digits, the wasm is
// fetched once, it works inside a cross-origin iframe and under the project's strict CSP, the single-file
// build works with every .wasm file gone, the trainer learns in a Web Worker (served and single-file builds;
// a page that refuses the worker gets the trainer's message), and the widget's transfer is under budget.
// Builds dist/ (scripts/build-dist.mjs) when it is missing or older than its inputs.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, relative, resolve, sep } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { buildDist, widgetTransfer } from '../../scripts/build-dist.mjs';
import { loadLeNet } from '../../web/lenet.js';
import { STROKES, browserSuite, mouseStrokes, repo, startServer, strokePaths } from './helpers.mjs';

const DIST = join(repo, 'dist');
const BUDGET = 300 * 1024;

// ---- dist, fresh ---------------------------------------------------------------------------------------

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
}

async function ensureDist() {
  const stamp = newest(join(DIST, 'lenet-widget.single.js'));
  const inputs = ['web', 'models', 'scripts/build-dist.mjs', 'build/wasm/lenet-simd.wasm', 'build/wasm/lenet-nosimd.wasm',
    'build/wasm/lenet-simd.mjs', 'build/wasm/lenet-nosimd.mjs'].map((p) => newest(join(repo, p)));
  if (!stamp || Math.max(...inputs) > stamp) await buildDist({ log: () => {} });
}

// ---- a plain static server: MIME types only, no other headers -----------------------------------------

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.gz': 'application/gzip',
};

// extra: { '/path': html } pages served from memory. Counts every request by path.
function plainServer(root, extra = {}) {
  const requests = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push(path);
    if (extra[path]) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(extra[path]);
      return;
    }
    const file = resolve(root, `.${path}`);
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({
    url: `http://127.0.0.1:${server.address().port}/`,
    requests,
    count: (suffix) => requests.filter((p) => p.endsWith(suffix)).length,
    stop: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }),
  })));
}

// ---- the browser side -------------------------------------------------------------------------------------

const suite = browserSuite({ server: false });
let dist;
let noWasmDir;
let noWasm;

// A page whose only element is a trainer; the init script counts WebAssembly compiles on the page's main
// thread (a worker has its own WebAssembly object, which the count does not see).
const ONE_TRAINER = (script) => '<!doctype html><meta charset="utf-8"><title>one trainer</title>' +
  `<script type="module" src="${script}"></script><lenet-trainer preset="classic"></lenet-trainer>`;
const COUNT_WASM = () => {
  window.__mainThreadWasm = 0;
  for (const name of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming']) {
    const real = WebAssembly[name];
    WebAssembly[name] = function counted(...args) {
      window.__mainThreadWasm++;
      return real.apply(this, args);
    };
  }
};

before(async () => {
  await ensureDist();
  dist = await plainServer(DIST, {
    '/one-pad.html': '<!doctype html><meta charset="utf-8"><title>one pad</title>' +
      '<script type="module" src="widget/lenet-elements.js"></script><lenet-pad id="p"></lenet-pad>',
    '/one-trainer.html': ONE_TRAINER('widget/lenet-elements.js'),
    '/one-trainer-single.html': ONE_TRAINER('lenet-widget.single.js'),
  });
  // dist without a single .wasm file, for the single-file build
  noWasmDir = mkdtempSync(join(tmpdir(), 'lenet-nowasm-'));
  cpSync(DIST, noWasmDir, { recursive: true, filter: (src) => !src.endsWith('.wasm') });
  noWasm = await plainServer(noWasmDir);
});

after(async () => {
  await dist?.stop();
  await noWasm?.stop();
  if (noWasmDir) rmSync(noWasmDir, { recursive: true, force: true });
});

// A lesson page (no data-ready hook: the elements say when they are ready) on which console warnings count
// as errors too; requests leaving the origins are aborted, so the page must work offline.
function open(url, options = {}) {
  return suite.open({ url, ready: false, warnings: true, ...options });
}

async function padsReady(frame, selector = 'lenet-pad') {
  await frame.waitForFunction((sel) => {
    const pads = [...document.querySelectorAll(sel)];
    return pads.length > 0 && pads.every((p) => p.dataset.state === 'ready' || p.dataset.state === 'error');
  }, selector, { timeout: 60_000 });
  const states = await frame.$$eval(selector, (pads) => pads.map((p) => `${p.id}:${p.dataset.state}`));
  assert.ok(states.every((s) => s.endsWith(':ready')), `pads ready: ${states.join(' ')}`);
}

// Clears the pad, replays the digit's strokes with the mouse, waits for the pad's own hook saying the
// whole drawing was classified, and returns its prediction. frame: a Page or a Frame.
async function drawOn(page, frame, padId, digit) {
  const canvas = frame.locator(`#${padId} canvas.pad-canvas`);
  await frame.locator(`#${padId} button.clear`).click();
  await frame.waitForFunction((id) => document.getElementById(id).dataset.classified === '0', padId);
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await mouseStrokes(page, strokePaths(box, digit, 5));
  try {
    await frame.waitForFunction(([id, n]) => document.getElementById(id).dataset.classified === String(n), [padId, digit.strokes.length], { timeout: 30_000 });
  } catch (e) {
    const seen = await frame.$eval(`#${padId}`, (p) => JSON.stringify({ ...p.dataset, strokes: p.pad.strokes.length }));
    throw new Error(`#${padId} did not classify the ${digit.strokes.length}-stroke ${digit.label}: ${seen}: ${e.message}`);
  }
  // classifying must not move the pad under the pen (host-page layout stays put)
  assert.deepEqual(await canvas.boundingBox(), box, `#${padId} moved while drawing`);
  return frame.$eval(`#${padId}`, (p) => p.dataset.prediction);
}

const MOUSE_DIGITS = STROKES.digits.filter((d) => d.set === 'mouse');

async function classifyAll(page, frame, padId, digits = MOUSE_DIGITS) {
  const results = [];
  for (const d of digits) results.push(`${d.label}->${await drawOn(page, frame, padId, d)}`);
  return { results, correct: results.filter((r) => r[0] === r[3]).length };
}

test('embed.html loads from a plain static server: no errors, nothing off-origin, one wasm fetch, every layer shown', async () => {
  const before = dist.requests.length;
  const { page, log, close } = await open(`${dist.url}embed.html`);
  await padsReady(page);
  assert.equal(await page.$$eval('lenet-pad', (p) => p.length), 3);
  assert.equal(await page.$$eval('lenet-maps', (m) => m.length), 7);
  assert.equal(await page.$eval('lenet-trainer', (t) => t.dataset.state), 'idle');

  const digit = MOUSE_DIGITS.find((d) => d.label === 3);
  assert.equal(await drawOn(page, page, 'digit', digit), '3');
  const shown = await page.$$eval('lenet-maps', (all) => all.map((m) => [m.dataset.shown, m.shadowRoot.querySelectorAll('canvas').length]));
  assert.deepEqual(shown, [['C1', 6], ['S2', 6], ['C3', 16], ['S4', 16], ['C5', 1], ['F6', 1], ['OUTPUT', 1]]);
  // the maps are the network's real activations for this drawing: C1 is not blank
  const c1Spread = await page.$eval('lenet-maps[layer="C1"]', (m) => {
    const d = m.shadowRoot.querySelector('canvas').getContext('2d').getImageData(0, 0, 28, 28).data;
    let lo = 255;
    let hi = 0;
    for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i + 1]); hi = Math.max(hi, d[i + 1]); }
    return hi - lo;
  });
  assert.ok(c1Spread > 60, `C1's first map has contrast (${c1Spread})`);

  const mine = dist.requests.slice(before);
  assert.equal(mine.filter((p) => p.endsWith('.wasm')).length, 1, `one .wasm request: ${mine.join(' ')}`);
  assert.equal(mine.filter((p) => /lenet-(no)?simd\.mjs$/.test(p)).length, 1, 'one Emscripten module request');
  assert.equal(mine.filter((p) => p === '/models/lecun1998.float16.bin').length, 1, 'the model two pads share is fetched once');
  assert.equal(mine.filter((p) => p.endsWith('train-worker.js')).length, 0, 'no training worker before Train is pressed');
  assert.deepEqual(log.failed, []);
  await page.screenshot({ path: join(tmpdir(), 'lenet-embed.png'), fullPage: true });
  await close();
});

test('two elements on one page each classify the replayed stroke digits (at least 9 of 10)', async () => {
  const { page, close } = await open(`${dist.url}embed.html`);
  await padsReady(page);
  const paper = await classifyAll(page, page, 'paper');
  const today = await classifyAll(page, page, 'today');
  assert.ok(paper.correct >= 9, `lecun1998 pad: ${paper.correct}/10 (${paper.results.join(' ')})`);
  assert.ok(today.correct >= 9, `modern pad: ${today.correct}/10 (${today.results.join(' ')})`);
  // drawing on one pad leaves the other alone
  assert.equal(await page.$eval('#paper', (p) => p.pad.strokes.length), MOUSE_DIGITS[9].strokes.length);
  await close();
});

test('inside a cross-origin iframe on a course page', async () => {
  const host = await plainServer(join(repo, 'web'), {
    '/host.html': `<!doctype html><meta charset="utf-8"><title>host</title><h1>a course page</h1>
      <iframe id="lesson" src="${dist.url}embed.html" width="1200" height="800"></iframe>`,
  });
  try {
    const { page, close } = await open(`${host.url}host.html`,
      { viewport: { width: 1280, height: 1000 }, origins: [new URL(host.url).origin, new URL(dist.url).origin] });
    assert.notEqual(new URL(host.url).origin, new URL(dist.url).origin);
    const inner = await (await page.$('#lesson')).contentFrame();
    await padsReady(inner);
    assert.equal(await drawOn(page, inner, 'digit', MOUSE_DIGITS.find((d) => d.label === 7)), '7');
    await close();
  } finally {
    await host.stop();
  }
});

test('under the project\'s strict Content-Security-Policy (scripts/serve.mjs): no violations', async () => {
  // serve.mjs sends default-src 'self' with 'wasm-unsafe-eval' and no 'unsafe-inline': a <style> element
  // or inline script in the page or the elements would be refused, and Chromium logs that as an error
  const csp = await startServer({ root: DIST });
  try {
    const { page, close } = await open(`${csp.url}embed.html`);
    await padsReady(page);
    assert.equal(await drawOn(page, page, 'digit', MOUSE_DIGITS.find((d) => d.label === 2)), '2');
    assert.equal(await drawOn(page, page, 'today', MOUSE_DIGITS.find((d) => d.label === 5)), '5');
    // the served build's worker is a module script of the page's own origin, which the policy allows;
    // the page is cross-origin isolated there, so with more than two cores (one is left to the page) the
    // worker runs the threaded build (dist/lenet-mt.*)
    const t = await trainUntilTested(page);
    assert.equal(t.status, '');
    assert.ok(Number(t.steps) >= 50, JSON.stringify(t));
    await close();
  } finally {
    await csp.stop();
  }
});

test('the single-file build works with every .wasm file absent', async () => {
  assert.ok(!readdirSync(noWasmDir).some((n) => n.endsWith('.wasm')), 'the copy has no .wasm');
  const { page, log, close } = await open(`${noWasm.url}embed-single.html`);
  await padsReady(page);
  const paper = await drawOn(page, page, 'paper', MOUSE_DIGITS[4]);
  const today = await drawOn(page, page, 'today', MOUSE_DIGITS[4]);
  assert.deepEqual([paper, today], ['4', '4']);
  assert.equal(noWasm.count('.wasm'), 0);
  assert.equal(noWasm.requests.filter((p) => /lenet-(no)?simd\.mjs$|lenet\.js$|widget\/.*\.js$/.test(p)).length, 0,
    `only the single file is loaded: ${noWasm.requests.join(' ')}`);
  assert.equal(noWasm.count('/models/modern.float16.bin'), 0, 'the modern model is embedded');
  assert.deepEqual(log.failed, []);
  await close();
});

// Presses Train and waits for the trainer's first held-out accuracy (and with `model`, for its first saved
// model too: the worker sends one a second), then pauses it and waits for the worker to say it has paused.
// Returns the trainer's hooks and status line.
async function trainUntilTested(page, { model = false } = {}) {
  const frame = page;
  await frame.locator('lenet-trainer button.train').click();
  await frame.waitForFunction((needModel) => {
    const t = document.querySelector('lenet-trainer');
    return (t.dataset.accuracy !== undefined && (!needModel || t.model !== null)) || t.dataset.state === 'error';
  }, model, { timeout: 300_000 });
  const status = () => frame.$eval('lenet-trainer', (t) => t.shadowRoot.querySelector('.status').textContent);
  assert.notEqual(await frame.$eval('lenet-trainer', (t) => t.dataset.state), 'error', await status());
  await frame.locator('lenet-trainer button.train').click();
  await frame.waitForFunction(() => document.querySelector('lenet-trainer').dataset.state === 'paused');
  return frame.$eval('lenet-trainer', (t) => ({ ...t.dataset, status: t.shadowRoot.querySelector('.status').textContent, model: t.model?.length ?? 0 }));
}

test('the trainer learns in a Web Worker: test accuracy passes 80 %, and a pad classifies while it trains', async () => {
  const { page, close } = await open(`${dist.url}embed.html`);
  await padsReady(page);
  const trainer = () => page.$eval('lenet-trainer', (t) => ({ state: t.dataset.state, steps: Number(t.dataset.steps) }));
  await page.locator('lenet-trainer button.train').click();
  await page.waitForFunction(() => Number(document.querySelector('lenet-trainer').dataset.accuracy) >= 0.8, null, { timeout: 300_000 });
  assert.deepEqual(page.workers().map((w) => new URL(w.url()).pathname), ['/train-worker.js'], 'one training worker');
  // The lesson trains until the reader pauses it, so it is training before and after the drawing, and its
  // steps go on between: the worker trained while the page classified the strokes.
  const before = await trainer();
  assert.equal(before.state, 'training');
  assert.equal(await drawOn(page, page, 'digit', MOUSE_DIGITS.find((d) => d.label === 3)), '3');
  const after = await trainer();
  assert.equal(after.state, 'training');
  assert.ok(after.steps > before.steps, `training went on while the pad classified: steps ${before.steps} -> ${after.steps}`);
  await page.locator('lenet-trainer button.train').click();
  await page.waitForFunction(() => document.querySelector('lenet-trainer').dataset.state === 'paused');
  // held-out checks come every 54 steps of the shipped digits at batch 32
  assert.ok(after.steps >= 50, `steps ${after.steps}`);
  // Reset ends the worker; Train starts a fresh one, which repeats the seeded run.
  await page.locator('lenet-trainer button.reset').click();
  await page.waitForFunction(() => document.querySelector('lenet-trainer').dataset.state === 'idle');
  assert.equal(page.workers().length, 0, 'Reset ended the worker');
  await close();
});

test('no training on the main thread: a page with only a trainer compiles no WebAssembly there, the worker does it all', async () => {
  for (const [path, worker] of [['one-trainer.html', /\/train-worker\.js$/], ['one-trainer-single.html', /^blob:/]]) {
    const { page, log, close } = await open(`${dist.url}${path}`, { beforeGoto: (p) => p.addInitScript(COUNT_WASM) });
    await page.waitForFunction(() => document.querySelector('lenet-trainer')?.shadowRoot);
    const t = await trainUntilTested(page, { model: true });
    assert.ok(Number(t.steps) >= 50 && Number(t.accuracy) > 0, `${path}: ${JSON.stringify(t)}`);
    assert.equal(t.status, '', `${path}: no message`);
    assert.ok(t.model > 100_000, `${path}: the trained model's bytes reach the page (${t.model})`);
    assert.equal(await page.evaluate(() => window.__mainThreadWasm), 0, `${path}: WebAssembly compiled on the main thread`);
    const urls = page.workers().map((w) => w.url());
    assert.equal(urls.length, 1, `${path}: ${urls}`);
    assert.match(urls[0], worker);
    assert.deepEqual(log.failed, []);
    await close();
  }
});

test('the single-file build trains in a worker made from a Blob, with every .wasm file absent', async () => {
  const before = noWasm.requests.length;
  const { page, close } = await open(`${noWasm.url}embed-single.html`);
  await padsReady(page);
  const t = await trainUntilTested(page);
  assert.ok(Number(t.steps) >= 50 && Number(t.accuracy) > 0, JSON.stringify(t));
  const workers = page.workers().map((w) => w.url());
  assert.ok(workers.length === 1 && workers[0].startsWith('blob:'), `workers: ${workers.join(' ')}`);
  const scripts = noWasm.requests.slice(before).filter((p) => /\.(m?js|wasm)$/.test(p));
  assert.deepEqual(scripts, ['/lenet-widget.single.js'], `the worker fetched no script and no wasm: ${noWasm.requests.slice(before).join(' ')}`);
  assert.ok(noWasm.requests.slice(before).includes('/data/mnist-subset.bin.gz'), 'the worker fetched the digits');
  await close();
});

test('where the page refuses the worker (CSP without blob: workers), the single-file trainer says so and the pads still work', async () => {
  const csp = await startServer({ root: noWasmDir });
  try {
    const { page, log, close } = await open(`${csp.url}embed-single.html`);
    await padsReady(page);
    await page.locator('lenet-trainer button.train').click();
    await page.waitForFunction(() => document.querySelector('lenet-trainer').dataset.state === 'error');
    const status = await page.$eval('lenet-trainer', (t) => t.shadowRoot.querySelector('.status').textContent);
    assert.match(status, /Web Worker/, status);
    assert.equal(await drawOn(page, page, 'digit', MOUSE_DIGITS.find((d) => d.label === 7)), '7');
    // The browser reports the refused worker itself; nothing else went wrong.
    assert.ok(log.errors.length > 0 && log.errors.every((e) => /Content Security Policy|worker/i.test(e)), log.errors.join('\n'));
    await close({ clean: false });
  } finally {
    await csp.stop();
  }
});

test(`a page with one <lenet-pad> transfers less than ${BUDGET / 1024} KB (gzip)`, async (t) => {
  const before = dist.requests.length;
  const { page, close } = await open(`${dist.url}one-pad.html`);
  await padsReady(page);
  assert.equal(await drawOn(page, page, 'p', MOUSE_DIGITS[0]), '0');
  const files = [...new Set(dist.requests.slice(before))].filter((p) => p !== '/one-pad.html').sort();
  let total = 0;
  for (const f of files) total += gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length;
  const reported = widgetTransfer(DIST);
  assert.deepEqual(files, reported.rows.map((r) => `/${r.file}`).sort(), 'build-dist reports the files the page really fetches');
  assert.equal(total, reported.gzip);
  t.diagnostic(`widget transfer: ${files.length} files, ${total} bytes gzip -9 (${relative(repo, DIST)}: ${files.join(' ')})`);
  assert.ok(total < BUDGET, `${total} bytes`);
  await close();
});
