// How responsive the lesson page's main thread stays while <lenet-trainer> trains:
//
//   node bench/widget-responsiveness.mjs [--dist DIR] [--seconds 2] [--rounds 3] [--preset classic] [--plain]
//
// Serves DIR (default dist/, from scripts/build-dist.mjs) with scripts/serve.mjs (cross-origin isolated, so
// the worker runs the threaded build; --plain: a static server with no headers, as most lesson hosts
// are, and the single-threaded build), opens its lesson page
// (embed.html) in headless Chromium and counts MessageChannel round trips on the page's main thread: a
// message bounced between the two ports of one channel, each bounce a task the event loop must run, for a
// fixed window. Windows alternate: idle (trainer not started, later paused) and training (the trainer's
// data-state is 'training'; every window starts only once the state says so). The ratio is the mean
// training count over the mean idle count, measured in the same run; the page answers the rest of the
// round trips when it is not busy training itself. "longest gap" is the longest wait between two round
// trips in the window: what a click or a pen stroke would wait.
//
// A ratio is only meaningful with a core to spare: the ping-pong keeps the main thread busy, so pinned to
// one core (taskset -c 0) the worker and the page share it and the ratio is about what the scheduler
// gives each.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

import { launch, repo, startServer } from '../tests/browser/helpers.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const dist = resolve(arg('dist', join(repo, 'dist')));
const seconds = Number(arg('seconds', '2'));
const rounds = Number(arg('rounds', '3'));
const preset = arg('preset', 'classic');
if (!existsSync(join(dist, 'embed.html'))) {
  console.error(`${dist}/embed.html is missing: run node scripts/build-dist.mjs`);
  process.exit(1);
}

// In the page: round trips in `ms`, and the longest gap between two of them.
function pingPong(ms) {
  return new Promise((done) => {
    const { port1, port2 } = new MessageChannel();
    let count = 0;
    let gap = 0;
    let last = performance.now();
    const end = last + ms;
    port2.onmessage = () => port2.postMessage(0);
    port1.onmessage = () => {
      const now = performance.now();
      count++;
      gap = Math.max(gap, now - last);
      last = now;
      if (now < end) port1.postMessage(0);
      else {
        port1.close();
        port2.close();
        done({ count, gap });
      }
    };
    port1.postMessage(0);
  });
}

// MIME types only, like the static server of tests/browser/widget.test.mjs.
function plainServer(root) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
  const server = createServer((req, res) => {
    const file = resolve(root, `.${decodeURIComponent(new URL(req.url, 'http://x').pathname)}`);
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({
    url: `http://127.0.0.1:${server.address().port}/`,
    stop: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }),
  })));
}

const server = process.argv.includes('--plain') ? await plainServer(dist) : await startServer({ root: dist });
const browser = await launch();
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${server.url}embed.html`);
  await page.waitForFunction(() => [...document.querySelectorAll('lenet-pad')].every((p) => ['ready', 'error'].includes(p.dataset.state)),
    null, { timeout: 120_000 });
  await page.$eval('lenet-trainer', (t, p) => t.setAttribute('preset', p), preset);
  const state = (s) => page.waitForFunction((want) => document.querySelector('lenet-trainer').dataset.state === want, s, { timeout: 300_000 });
  const window = () => page.evaluate(pingPong, seconds * 1000);
  const idle = [];
  const training = [];
  for (let r = 0; r < rounds; r++) {
    idle.push(await window());
    await page.locator('lenet-trainer button.train').click();
    await state('training');
    const steps = Number(await page.$eval('lenet-trainer', (t) => t.dataset.steps));
    training.push({ ...(await window()), steps: Number(await page.$eval('lenet-trainer', (t) => t.dataset.steps)) - steps });
    await page.locator('lenet-trainer button.train').click();
    await state('paused');
  }
  const mean = (a) => a.reduce((s, x) => s + x.count, 0) / a.length;
  const build = await page.evaluate(() => (window.crossOriginIsolated ? 'cross-origin isolated' : 'not isolated'));
  console.log(`lesson page ${server.url}embed.html (${dist}), <lenet-trainer preset="${preset}">, ${build}, ${rounds} x ${seconds} s windows`);
  for (let r = 0; r < rounds; r++) {
    console.log(`  round ${r + 1}: idle ${idle[r].count} round trips (longest gap ${idle[r].gap.toFixed(1)} ms), ` +
      `training ${training[r].count} (longest gap ${training[r].gap.toFixed(1)} ms, ${training[r].steps} steps trained)`);
  }
  console.log(`ratio training/idle: ${(mean(training) / mean(idle)).toFixed(3)}`);
} finally {
  await browser.close();
  await server.stop();
}
