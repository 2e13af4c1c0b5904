// The long-session soak (issue 5): train `modern` in the page for 30 epochs of the subset, with a pause and
// resume every 5 epochs and a switch of the classifying model (classic, then back to the training) every 10,
// drawing and classifying all along; after each epoch sample the training worker's wasm heap and malloc'd
// bytes, the page's wasm heap, and the page's JS heap (after a garbage collection). Memory must stop growing
// after the first epochs. A script, not a test (it takes minutes); it prints JSON and exits 1 on growth.
//   node tests/browser/soak.mjs [--epochs 30] [--images 12000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { STROKES, drawWithMouse, launch, openPage, repo, startServer } from './helpers.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const EPOCHS = arg('--epochs', 30);
const IMAGES = arg('--images', 12000);

const server = await startServer();
const browser = await launch();
const samples = [];
let failure = null;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page, log } = await openPage(context, server.url);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const form = page.locator('#train-form');
  await form.getByLabel('Preset').selectOption('modern');
  await form.getByLabel('Epochs').fill(String(EPOCHS));
  await form.getByLabel('Training images').selectOption(String(IMAGES));
  await form.getByLabel('Threads').selectOption('all'); // the threaded build on every core
  await page.getByTestId('train-start').click();
  const digit = STROKES.digits.find((d) => d.set === 'mouse' && d.label === 4);
  const started = Date.now();
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    await page.waitForFunction((e) => Number(document.getElementById('train-progress').dataset.epoch) >= e, epoch,
      { timeout: 600_000, polling: 250 });
    if (epoch % 5 === 0 && epoch < EPOCHS) {
      await page.getByTestId('train-pause').click(); // pause ...
      await page.waitForTimeout(300);
      await page.getByTestId('train-pause').click(); // ... and resume
    }
    if (epoch % 10 === 0 && epoch < EPOCHS) {
      await page.locator('#model-select').selectOption('classic');
      await page.waitForFunction(() => /classic/.test(document.querySelector('#model-info').textContent));
      await page.locator('#model-select').selectOption('custom');
    }
    await page.getByTestId('clear').click();
    await drawWithMouse(page, digit);
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
  await context.close();
} finally {
  await browser.close();
  await server.stop();
}

// Growth after the first epochs: wasm figures must be flat from epoch 2 on; the JS heap may wander with the
// charts' data (a few numbers per epoch) but not climb by more than 25 %.
const after = samples.filter((s) => s.epoch >= 2);
const flat = (key) => after.every((s) => s[key] === after[0][key]);
const summary = {
  epochs: EPOCHS,
  images: IMAGES,
  seconds: samples.at(-1)?.seconds,
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
