// The page's numbers for the README, measured in headless Chromium on this machine (a benchmark, not a
// test: it asserts nothing). Prints JSON and writes build/artifacts/bench-page.json:
//   firstClassificationMs  opening the page -> a drawn digit classified by the shipped model
//   trainTo97             training `modern` from scratch in the page until the held-out accuracy shown
//                         reaches 97 % (seconds, counting from the Start click, dataset download included)
//   transferBytes         what the page downloads before the dataset: JS, CSS, wasm and the model
//
//   node tests/browser/bench-page.mjs [--target 97] [--epochs 5] [--threads all|spare|one]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { STROKES, drawWithMouse, prediction, repo, startSuite, startTraining } from './helpers.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const target = arg('--target', 97);
const epochs = arg('--epochs', 5);
// --threads all|spare|one: the page's Threads setting for the training run (default all: the fastest)
const threadsChoice = process.argv.includes('--threads') ? process.argv[process.argv.indexOf('--threads') + 1] : 'all';

const suite = await startSuite();
try {
  // Every response's body size by path, and the requests still in flight.
  const sizes = new Map();
  const bodies = [];
  const inflight = new Set();
  let settle = null;
  const finished = (r) => {
    inflight.delete(r);
    if (!inflight.size) settle?.();
  };
  let t0;
  const { page, log, close } = await suite.open({
    beforeGoto: (p) => {
      p.on('request', (r) => inflight.add(r));
      p.on('requestfinished', finished);
      p.on('requestfailed', finished);
      // a response without a body (a redirect, an aborted request) counts nothing
      p.on('response', (r) => bodies.push(r.body().then((b) => sizes.set(new URL(r.url()).pathname, b.length), () => {})));
      t0 = Date.now();
    },
  });
  const readyMs = Date.now() - t0;
  await drawWithMouse(page, STROKES.digits.find((d) => d.set === 'mouse' && d.label === 3));
  const drawn = await prediction(page);
  const firstClassificationMs = Date.now() - t0;
  const replayMs = firstClassificationMs - readyMs;

  // everything the page asked for so far has arrived, and every body has been read
  if (inflight.size) await new Promise((r) => (settle = r));
  await Promise.all(bodies);
  const transfer = [...sizes].filter(([p]) => !p.startsWith('/data/'));
  const transferBytes = transfer.reduce((s, [, n]) => s + n, 0);

  const start = await startTraining(page, { preset: 'modern', epochs, threads: threadsChoice });
  const reached = await page.waitForFunction((t) => {
    const v = Number(document.querySelector('[data-testid="test-accuracy"]').textContent || 0);
    const done = /^Done/.test(document.querySelector('#progress-text').textContent);
    return v >= t || done ? { v, done, title: document.querySelector('[data-testid="test-accuracy"]').title } : false;
  }, target, { timeout: 600_000, polling: 100 }).then((h) => h.jsonValue());
  const trainSeconds = (Date.now() - start) / 1000;
  const progress = await page.locator('#progress-text').textContent();

  const result = {
    browser: suite.browser.version(),
    build: (await page.locator('#engine-status').textContent()).split(' · ')[0],
    crossOriginIsolated: await page.evaluate(() => globalThis.crossOriginIsolated === true),
    trainingThreads: Number(await page.locator('#train-progress').getAttribute('data-threads')),
    readyMs,
    firstClassificationMs,
    strokeReplayMs: replayMs,
    firstPrediction: drawn,
    transferBytes,
    transfer: Object.fromEntries(transfer),
    trainTo97: { targetPercent: target, reached: reached.v >= target, seconds: trainSeconds, accuracyPercent: reached.v,
      measuredOn: reached.title, progress },
  };
  mkdirSync(join(repo, 'build/artifacts'), { recursive: true });
  writeFileSync(join(repo, 'build/artifacts/bench-page.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  for (const e of log.errors) console.error(e);
  await close({ clean: false });
} finally {
  await suite.stop();
}
