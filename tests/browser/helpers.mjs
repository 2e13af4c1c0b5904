// Shared by the browser tests: start serve.mjs on a free port, launch Debian's Chromium through
// playwright-core, watch the console and every request, and replay pen strokes on the drawing canvas.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');

export const STROKES = JSON.parse(readFileSync(join(here, 'strokes.json'), 'utf8'));

// Starts the static server (assembling build/site first unless assemble is false). Resolves to
// { url, stop() }.
export function startServer({ assemble = true, root } = {}) {
  const args = [join(repo, 'scripts/serve.mjs')];
  if (root) args.push('--root', root);
  else if (!assemble) args.push('--no-assemble');
  const proc = spawn(process.execPath, args, { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve.mjs did not start:\n${out}`)), 20_000);
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

// A page that records console errors, uncaught page errors, failed requests and any request that
// leaves the origin (those are also aborted, so nothing can leave).
export async function openPage(context, url, { errors = [] } = {}) {
  const origin = new URL(url).origin;
  const log = { errors, foreign: [], failed: [] };
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('blob:') || u.startsWith('data:') || new URL(u).origin === origin) return route.continue();
    log.foreign.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') log.errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => log.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('worker', (w) => w.on('console', (m) => {
    if (m.type() === 'error') log.errors.push(`worker console: ${m.text()}`);
  }));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return { page, log };
}

// The canvas's box and a mapping from the digit's 28x28 units to page coordinates. The 28x28 field is
// laid over the whole pad, so the 20x20 digit fills about 70 % of it, as a person would draw.
async function canvasMap(page) {
  const box = await page.getByTestId('draw-canvas').boundingBox();
  const unit = STROKES.unit;
  return (x, y) => [box.x + (x / unit) * box.width, box.y + (y / unit) * box.height];
}

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

export async function drawWithMouse(page, digit) {
  const map = await canvasMap(page);
  for (const stroke of digit.strokes) {
    const pts = densify(stroke.map(([x, y]) => map(x, y)), 6);
    await page.mouse.move(...pts[0]);
    await page.mouse.down();
    for (const p of pts.slice(1)) await page.mouse.move(...p);
    await page.mouse.up();
  }
  await classified(page, digit);
}

// Waits until the page has classified the whole drawing (the page's data-classified hook).
async function classified(page, digit) {
  try {
    await page.waitForFunction((n) => document.body.dataset.classified === String(n), digit.strokes.length, { timeout: 10_000 });
  } catch (e) {
    const seen = await page.evaluate(() => document.body.dataset.classified);
    throw new Error(`the page did not classify the ${digit.strokes.length}-stroke drawing of ${digit.label} (it shows ${seen}): ${e.message}`);
  }
}

// Touch through the DevTools protocol, as a finger on a phone: touchStart, touchMove..., touchEnd.
export async function drawWithTouch(page, digit, cdp) {
  const map = await canvasMap(page);
  for (const stroke of digit.strokes) {
    const pts = densify(stroke.map(([x, y]) => map(x, y)), 6);
    const point = ([x, y]) => ({ x, y, id: 1, radiusX: 2, radiusY: 2, force: 0.5 });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point(pts[0])] });
    for (const p of pts.slice(1)) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [point(p)] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  }
  await classified(page, digit);
}

// The predicted digit once the page has classified the finished drawing ('' if none).
export async function prediction(page) {
  return (await page.getByTestId('prediction').textContent()).trim();
}

// Full-precision probabilities from the bars' data-p attributes.
export async function probabilities(page) {
  return page.$$eval('[data-testid="probabilities"] li', (lis) => lis.map((li) => Number(li.dataset.p)));
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
