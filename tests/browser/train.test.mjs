// Training in the page's worker: one epoch of `modern` from scratch reaches 95 % held-out accuracy with
// progress, curves and the epoch report, and the page's classifier (and its feature maps) follows the
// weights; drawing keeps being classified while the worker trains; pause holds the run and resume carries
// on. Nothing here depends on how fast the machine is: each check waits for a state of the panel, and the
// runs that must still be going when a check happens are LONG_RUN (see helpers.mjs), stopped with Reset.
// Leaves a screenshot in build/artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  LONG_RUN, STROKES, browserSuite, drawWithMouse, pauseTraining, prediction, redraw, repo, resumeTraining, startTraining,
  trainerState, waitForDone, waitForTraining,
} from './helpers.mjs';

const suite = browserSuite();
const seven = STROKES.digits.find((d) => d.set === 'mouse' && d.label === 7);

// The first C1 feature map of the drawing on the pad, as the page painted it.
const c1Map = (page) => page.locator('#maps-C1 canvas').first().evaluate((c) => c.toDataURL());

test('one epoch of modern from scratch reaches >= 95 % held-out accuracy', { timeout: 600_000 }, async () => {
  const { page, close } = await suite.open();
  // A 7 classified by the shipped model stays on the pad through the run: its C1 maps before training are
  // what the maps after training must differ from.
  await drawWithMouse(page, seven);
  const mapsShipped = await c1Map(page);
  const blank = await page.evaluate(() => Object.assign(document.createElement('canvas'), { width: 28, height: 28 }).toDataURL());
  assert.notEqual(mapsShipped, blank);
  // Every progress line the panel shows, as it shows it.
  await page.evaluate(() => {
    window.progressLines = [];
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) window.progressLines.push(n.textContent);
    }).observe(document.getElementById('progress-text'), { childList: true });
  });

  const started = Date.now();
  await startTraining(page, { preset: 'modern', epochs: 1, images: 12000 });
  await waitForDone(page);
  const seconds = (Date.now() - started) / 1000;
  const accuracy = Number(await page.getByTestId('test-accuracy').textContent());
  console.log(`# one epoch (12,000 digits): ${seconds.toFixed(1)} s including data load, held-out accuracy ${accuracy} %`);
  assert.ok(accuracy >= 95, `held-out accuracy after one epoch: ${accuracy} %`);

  // The page is cross-origin isolated, so the worker trains on the threaded build, by default on every core
  // but one (left to the page).
  assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.equal(Number(await page.getByTestId('train-progress').getAttribute('data-threads')), Math.max(1, Math.min(cores - 1, 4)),
    'training threads');

  // Progress: each report a line with the rate and the time left, the digits done rising to the whole
  // subset, one loss point per report; the bar full at the end.
  const lines = (await page.evaluate(() => window.progressLines)).filter((l) => /^Epoch/.test(l));
  assert.ok(lines.length >= 1, 'at least the last batch reports progress');
  for (const l of lines) assert.match(l, /^Epoch 1 of 1 · [\d,]+ \/ 12,000 digits · [\d,]+ digits\/s.* · .* left$/);
  const done = lines.map((l) => Number(l.match(/· ([\d,]+) \//)[1].replace(/,/g, '')));
  assert.ok(done.every((d, i) => i === 0 || d > done[i - 1]), `digits done rise: ${done}`);
  assert.equal(done.at(-1), 12000);
  assert.equal(await page.locator('#progress-bar').evaluate((b) => b.value), 1);
  assert.equal(Number(await page.locator('#chart-loss').getAttribute('data-points')), lines.length, 'a loss point per report');
  // The worker tests on held-out digits at fixed steps within the epoch, and on all of them at its end.
  const testPoints = Number(await page.locator('#chart-acc').getAttribute('data-test-points'));
  assert.ok(testPoints >= 2, `held-out accuracy has ${testPoints} points (within the epoch and at its end)`);

  // The report: the matrix counts the held-out digits and agrees with the accuracy; the gallery shows some
  // of the misclassified ones.
  const matrixTotal = await page.$$eval('#confusion td', (tds) => tds.reduce((s, td) => s + Number(td.textContent), 0));
  assert.ok(matrixTotal >= 1000, `confusion matrix counts ${matrixTotal} test digits`);
  const diag = await page.$$eval('#confusion td.diag', (tds) => tds.reduce((s, td) => s + Number(td.textContent), 0));
  assert.ok(Math.abs(diag / matrixTotal * 100 - accuracy) < 0.11, 'the matrix agrees with the accuracy shown');
  const gallery = await page.locator('#gallery figure').count();
  assert.ok(gallery > 0 && gallery <= matrixTotal - diag, `gallery shows ${gallery} misclassified digits`);

  // The classifier on the page follows training: the trained model is in use, and the 7 still on the pad
  // is shown through it.
  assert.match(await page.locator('#model-info').textContent(), /Trained here/);
  assert.equal(await page.evaluate(() => document.body.dataset.classified), String(seven.strokes.length));
  assert.notEqual(await prediction(page), '');
  const mapsTrained = await c1Map(page);
  assert.notEqual(mapsTrained, blank);
  assert.notEqual(mapsTrained, mapsShipped, 'C1 feature maps changed from the shipped model\'s to the trained one\'s');

  mkdirSync(join(repo, 'build/artifacts'), { recursive: true });
  await page.screenshot({ path: join(repo, 'build/artifacts/page-after-training.png'), fullPage: true });
  await close();
});

test('drawing is classified while the worker trains', { timeout: 300_000 }, async () => {
  const { page, close } = await suite.open();
  await startTraining(page, { preset: 'modern', ...LONG_RUN });
  const barBefore = await waitForTraining(page);
  // Each stroke is classified (drawWithMouse waits for the page's count of classified strokes), from a
  // point where the run is provably mid-way to one where it still is: the main thread kept classifying
  // while the worker trained.
  const { digit } = await redraw(page, seven);
  assert.notEqual(digit, '', 'a drawing is classified during training');
  assert.equal(await trainerState(page), 'training', `still training after the drawing (LONG_RUN: ${LONG_RUN.epochs} epochs)`);
  // and the worker carries on, past where it was before the drawing
  await waitForTraining(page, { above: barBefore });
  await page.getByTestId('train-reset').click();
  assert.equal(await trainerState(page), 'idle');
  await close();
});

test('pause holds the run and resume continues it, on all cores', { timeout: 300_000 }, async () => {
  const { page, close } = await suite.open();
  await startTraining(page, { images: 3000, epochs: LONG_RUN.epochs, threads: 'all' });
  await waitForTraining(page);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.equal(Number(await page.getByTestId('train-progress').getAttribute('data-threads')), Math.min(cores, 4));
  if (cores > 1) assert.match(await page.locator('#progress-text').textContent(), /on \d+ threads/);

  await pauseTraining(page);
  // The worker posts 'paused' after its last report before the pause, so from here the bar must stand
  // still: it does while a digit is drawn and classified (the page works while paused, too).
  const value = await page.locator('#progress-bar').evaluate((b) => b.value);
  assert.ok(value > 0 && value < 1, `paused mid-run at ${value}`);
  await redraw(page, seven);
  assert.equal(await page.locator('#progress-bar').evaluate((b) => b.value), value, 'no progress while paused');
  assert.match(await page.locator('#progress-text').textContent(), /^Paused\. Epoch/);
  assert.equal(await trainerState(page), 'paused');

  await resumeTraining(page);
  await waitForTraining(page, { above: value });
  await page.getByTestId('train-reset').click();
  await close();
});

test("choosing a preset fills the form with that preset's settings from web/train-defaults.js", async () => {
  const { TRAIN_DEFAULTS } = await import('../../web/train-defaults.js');
  const { page, close } = await suite.open();
  const form = page.locator('#train-form');
  for (const preset of ['classic', 'lecun1998', 'modern']) {
    await form.getByLabel('Preset').selectOption(preset);
    const shown = await form.evaluate((f) => Object.fromEntries(
      ['optimizer', 'learningRate', 'batchSize', 'dropout', 'schedule'].map((k) => [k, f.elements[k].value])));
    const want = Object.fromEntries(Object.entries(TRAIN_DEFAULTS[preset]).map(([k, v]) => [k, String(v)]));
    assert.deepEqual(shown, want, preset);
  }
  await close();
});
