// The long-session soak (issue 5): train `modern` in the page for 30 epochs of the subset, with a pause and
// resume every 5 epochs and a switch of the classifying model (classic, then back to the training) every 10,
// drawing and classifying all along; after each epoch sample the training worker's wasm heap and malloc'd
// bytes, the page's wasm heap, and the page's JS heap (after a garbage collection). Memory must stop growing
// after the first epochs. A script, not a test (it takes minutes); it prints JSON and exits 1 on growth.
// Sampling does not hold training back: where it falls behind (a slow or busy machine, a small --images),
// a sample covers the epochs that passed, labelled with the latest, and a pause due while the run has
// already ended is left out; the summary counts the pauses and switches made.
//   node tests/browser/soak.mjs [--epochs 30] [--images 12000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  STROKES, redraw, repo, resumeTraining, startSuite, startTraining,
} from './helpers.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const EPOCHS = arg('--epochs', 30);
const IMAGES = arg('--images', 12000);

// Presses Pause if the run is training, checked and pressed in one turn of the page; then waits for the
// worker to confirm, or for the run's end if its last report was already on the way. True if it paused.
async function pauseIfTraining(page) {
  const pressed = await page.evaluate(() => {
    const pause = document.querySelector('[data-testid="train-pause"]');
    if (pause.disabled || pause.textContent !== 'Pause') return false;
    pause.click();
    return true;
  });
  if (!pressed) return false;
  await page.waitForFunction(() => document.querySelector('[data-testid="train-pause"]').textContent === 'Resume' ||
    /^Done/.test(document.getElementById('progress-text').textContent));
  return page.evaluate(() => document.querySelector('[data-testid="train-pause"]').textContent === 'Resume');
}

const suite = await startSuite();
const samples = [];
let failure = null;
let pauses = 0;
let switches = 0;
try {
  const { page, context, log, close } = await suite.open();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  // the threaded build on every core
  await startTraining(page, { preset: 'modern', epochs: EPOCHS, images: IMAGES, threads: 'all' });
  const digit = STROKES.digits.find((d) => d.set === 'mouse' && d.label === 4);
  const started = Date.now();
  const crossed = (every, from, to) => Math.floor(to / every) > Math.floor(from / every) && to < EPOCHS;
  for (let sampled = 0; sampled < EPOCHS;) {
    const epoch = await page.waitForFunction((e) => {
      const now = Number(document.getElementById('train-progress').dataset.epoch);
      return now > e ? now : false;
    }, sampled, { timeout: 600_000, polling: 250 }).then((h) => h.jsonValue());
    if (crossed(5, sampled, epoch) && await pauseIfTraining(page)) {
      pauses++;
      await resumeTraining(page);
    }
    if (crossed(10, sampled, epoch)) {
      await page.locator('#model-select').selectOption('classic');
      await page.waitForFunction(() => /classic/.test(document.querySelector('#model-info').textContent));
      await page.locator('#model-select').selectOption('custom');
      switches++;
    }
    sampled = epoch;
    await redraw(page, digit);
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const jsHeap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value;
    const mem = await page.evaluate(() => ({
      workerWasmHeap: Number(document.getElementById('train-progress').dataset.workerWasmHeap),
      workerMalloc: Number(document.getElementById('train-progress').dataset.workerMalloc),
      pageWasmHeap: Number(document.body.dataset.wasmHeap),
      pageMalloc: Number(document.body.dataset.wasmMalloc),
      accuracy: document.querySelector('[data-testid="test-accuracy"]').textContent.trim(),
    }));
    samples.push({ epoch, seconds: Math.round((Date.now() - started) / 1000), jsHeap, ...mem });
    console.error(JSON.stringify(samples.at(-1)));
  }
  if (log.errors.length) failure = `console errors: ${log.errors.join('; ')}`;
  await close({ clean: false });
} finally {
  await suite.stop();
}

// Growth after the first epochs: wasm figures must be flat from epoch 2 on; the JS heap may wander with the
// charts' data (a few numbers per epoch) but not climb by more than 25 %.
const after = samples.filter((s) => s.epoch >= 2);
const flat = (key) => after.every((s) => s[key] === after[0][key]);
const summary = {
  epochs: EPOCHS,
  images: IMAGES,
  seconds: samples.at(-1)?.seconds,
  samples: samples.length,
  pauses,
  switches,
  workerWasmHeapFlat: flat('workerWasmHeap'),
  workerMallocFlat: flat('workerMalloc'),
  pageWasmHeapFlat: flat('pageWasmHeap'),
  jsHeapFirst: after[0]?.jsHeap,
  jsHeapLast: after.at(-1)?.jsHeap,
  jsHeapMax: Math.max(...after.map((s) => s.jsHeap)),
};
const ok = !failure && summary.workerWasmHeapFlat && summary.workerMallocFlat && summary.pageWasmHeapFlat &&
  summary.jsHeapMax <= 1.25 * summary.jsHeapFirst;
const out = { ok, failure, summary, samples };
mkdirSync(join(repo, 'build/artifacts'), { recursive: true });
writeFileSync(join(repo, 'build/artifacts/soak.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify({ ok, failure, summary }, null, 2));
process.exit(ok ? 0 : 1);
