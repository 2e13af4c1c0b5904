// "Teach it new things" in Chromium, driven as a person would: classes named in the panel, symbols
// (symbols.mjs) drawn on the pad with the mouse and added to their class, the refusals (no classes, one
// class, too few drawings), training in the worker, held-out drawings classified by name (at least 90 %),
// back to the digits and again; the class set and its network kept in IndexedDB across a reload, the class
// set and the model downloaded and loaded back, damaged or wrong files refused with everything kept; and
// <lenet-teach> on a lesson page, training in a worker and classifying, and saying so where no worker starts.
// Every wait is for a state the page shows (data-trainings, data-state, the lists' counts), never a time.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { buildDist } from '../../scripts/build-dist.mjs';

import { decodeClassSet, encodeClassSet } from '../../web/class-set.js';
import { loadLeNet } from '../../web/lenet.js';
import { toExampleBytes } from '../../web/teach-classes.js';
import { STROKES, browserSuite, drawWithMouse, prediction, probabilities, repo, startServer } from './helpers.mjs';
import { addClass, addExample, classifyDrawing, drawOn, trainClasses } from './symbols-page.mjs';
import { SETS, rasterize, symbolDrawing, symbolSet } from './symbols.mjs';

const suite = browserSuite();
// the lesson page as a course gets it: dist/ (built afresh from web/), on a plain server of its own
let lesson;
before(async () => {
  buildDist({ log: () => {} });
  lesson = await startServer({ root: join(repo, 'dist') });
});
after(async () => lesson?.stop());
const FIVE = SETS.first; // ✓ ✗ ★ ♥ ○
const EXAMPLES = 8;
const HELD_OUT = 8;
const lenet = await loadLeNet();

const errorText = (page) => page.getByTestId('error').textContent();
async function errorSays(page, pattern) {
  await page.waitForFunction((src) => new RegExp(src).test(document.querySelector('[data-testid="error"]').textContent), pattern.source);
}
const classList = (page) => page.$$eval('#classes-list > li', (lis) => lis.map((li) => `${li.dataset.name}:${li.dataset.examples}`));
const barNames = (page) => page.$$eval('[data-testid="probabilities"] li', (lis) => lis.map((li) => li.dataset.name));
const digit = (d) => STROKES.digits.find((s) => s.set === 'mouse' && s.label === d);

// A class set drawn in Node (painted as the pad paints, preprocessed by the engine), as a file.
function classSetFile(names, count, stream) {
  return Buffer.from(encodeClassSet(names.map((name) => ({
    name,
    examples: symbolSet([name], count, stream).map((d) => toExampleBytes(lenet.preprocess(rasterize(d.strokes), 28))),
  }))));
}

test('the panel: classes drawn on the pad, the refusals, training in the worker, held-out symbols named, back to the digits', async (t) => {
  const { page, close } = await suite.open();
  const panel = page.locator('#classes');
  await panel.scrollIntoViewIfNeeded();
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));

  // nothing to train yet, then one class only: refused with what is missing
  await page.locator('#classes-train').click();
  await errorSays(page, /Cannot train yet: there are no classes yet: add at least two/);
  await page.locator('#classes-new button[type="submit"]').click();
  await errorSays(page, /Type a name for the new class first/);
  await addClass(page, FIVE[0]);
  await page.locator('#classes-name').fill(FIVE[0]);
  await page.locator('#classes-new button[type="submit"]').click();
  await errorSays(page, /There is already a class called ✓/);
  for (let i = 0; i < EXAMPLES; i++) await addExample(page, symbolDrawing(FIVE[0], i, 'train1'));
  await page.locator('#classes-train').click();
  await errorSays(page, /Cannot train yet: only one class \(✓\): add at least one more/);

  // an empty pad is not a drawing
  await addClass(page, FIVE[1]);
  await page.getByRole('button', { name: `Add drawing to ${FIVE[1]}`, exact: true }).click();
  await errorSays(page, /Draw an example of ✗ on the pad first/);
  await addExample(page, symbolDrawing(FIVE[1], 0, 'train1'));
  await page.locator('#classes-train').click();
  await errorSays(page, /at least 3 examples: draw more of ✗ \(1\)/);
  assert.equal(await panel.getAttribute('data-state'), 'idle', 'nothing trained');

  for (let i = 1; i < EXAMPLES; i++) await addExample(page, symbolDrawing(FIVE[1], i, 'train1'));
  for (const name of FIVE.slice(2)) {
    await addClass(page, name);
    for (let i = 0; i < EXAMPLES; i++) await addExample(page, symbolDrawing(name, i, 'train1'));
  }
  // the gallery: a thumbnail per drawing; one more drawn by mistake (a digit), deleted again
  await drawWithMouse(page, digit(3));
  await page.getByRole('button', { name: 'Add drawing to ★', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('#classes-list > li[data-name="★"]').dataset.examples === '9');
  assert.equal(await page.locator('#classes-list > li[data-name="★"] canvas').count(), 9);
  await page.getByRole('button', { name: 'Delete drawing 9 of ★', exact: true }).click();
  assert.deepEqual(await classList(page), FIVE.map((n) => `${n}:${EXAMPLES}`));
  assert.equal(await page.locator('#classes-list > li[data-name="★"] canvas').count(), EXAMPLES);

  await trainClasses(page);
  assert.equal(await panel.getAttribute('data-state'), 'trained');
  assert.ok(workers.some((u) => u.endsWith('/teach-worker.js')), `trained in the teaching worker (workers: ${workers.join(' ')})`);
  assert.match(await page.getByTestId('classes-status').textContent(), /^Trained on 40 drawings in [\d.]+ s/);

  // held-out drawings (another stream) by name; the bars are the five classes
  let correct = 0;
  const wrong = [];
  for (const name of FIVE) {
    for (let i = 0; i < HELD_OUT; i++) {
      const said = await classifyDrawing(page, symbolDrawing(name, i, 'test'));
      if (said === name) correct++;
      else wrong.push(`${name}->${said}`);
    }
  }
  const total = FIVE.length * HELD_OUT;
  t.diagnostic(`held out: ${correct}/${total} named right${wrong.length ? ` (wrong: ${wrong.join(' ')})` : ''}`);
  assert.ok(correct >= 0.9 * total, `held out: ${correct}/${total} right (wrong: ${wrong.join(' ')})`);
  assert.deepEqual(await barNames(page), FIVE);
  const probs = await probabilities(page);
  assert.equal(probs.length, 5);
  assert.ok(Math.abs(probs.reduce((s, p) => s + p, 0) - 1) < 1e-4);

  // back to the digits: ten bars, a digit read as before; and to the classes again
  await page.locator('#classes-digits').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="probabilities"] li').length === 10);
  await page.locator('#clear').click();
  await drawWithMouse(page, digit(7));
  assert.equal(await prediction(page), '7');
  assert.equal(await page.locator('#classes-use').isEnabled(), true);
  await page.locator('#classes-use').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="probabilities"] li').length === 5);
  assert.equal(await classifyDrawing(page, symbolDrawing('★', 20, 'test')), '★');
  assert.equal(await errorText(page), 'Cannot train yet: every class needs at least 3 examples: draw more of ✗ (1).',
    'no error since the last refusal');
  await close();
});

test('the panel keeps the class set and its network in the browser, and shares both as files; bad files change nothing', async () => {
  const { page, close } = await suite.open();
  await page.locator('#classes').scrollIntoViewIfNeeded();
  const three = ['○', '△', '□'];
  const file = classSetFile(three, 6, 'files');

  // a class set from a file: its classes and drawings
  await page.locator('#classes-upload').setInputFiles({ name: 'shapes.lenet-classes', mimeType: 'application/octet-stream', buffer: file });
  await page.waitForFunction(() => document.querySelectorAll('#classes-list > li').length === 3);
  assert.deepEqual(await classList(page), three.map((n) => `${n}:6`));
  await trainClasses(page);
  assert.deepEqual(await barNames(page), three);
  assert.equal(await classifyDrawing(page, symbolDrawing('△', 3, 'test')), '△');

  // downloaded: the same class set, and a model file with the names inside
  const [setDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#classes-download').click()]);
  assert.equal(setDownload.suggestedFilename(), 'my-classes.lenet-classes');
  assert.deepEqual(decodeClassSet(new Uint8Array(readFileSync(await setDownload.path()))), decodeClassSet(new Uint8Array(file)));
  const [modelDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#classes-model-download').click()]);
  const modelBytes = readFileSync(await modelDownload.path());
  const net = lenet.load(new Uint8Array(modelBytes));
  assert.deepEqual(net.classes(), three);
  net.dispose();

  // damaged and wrong files: refused, saying why; the classes and the network in use stay
  const damaged = Buffer.from(file);
  damaged[damaged.length - 100] ^= 0xff;
  await page.locator('#classes-upload').setInputFiles({ name: 'damaged.lenet-classes', mimeType: 'application/octet-stream', buffer: damaged });
  await errorSays(page, /Could not load damaged.lenet-classes: not a usable class set: checksum mismatch: the file is damaged\. Your classes are unchanged\./);
  await page.locator('#classes-upload').setInputFiles({ name: 'short.lenet-classes', mimeType: 'application/octet-stream', buffer: file.subarray(0, 500) });
  await errorSays(page, /Could not load short.lenet-classes: not a usable class set: the file is truncated/);
  await page.locator('#classes-upload').setInputFiles({ name: 'modern.bin', mimeType: 'application/octet-stream', buffer: readFileSync(new URL('../../models/modern.bin', import.meta.url)) });
  await errorSays(page, /Could not load modern.bin: not a usable class set: this is a model file/);
  await page.locator('#classes-model-upload').setInputFiles({ name: 'digits.bin', mimeType: 'application/octet-stream', buffer: readFileSync(new URL('../../models/modern.bin', import.meta.url)) });
  await errorSays(page, /digits.bin is a digit model \(0-9\), not one of your classes/);
  assert.deepEqual(await classList(page), three.map((n) => `${n}:6`));
  assert.deepEqual(await barNames(page), three);
  assert.equal(await classifyDrawing(page, symbolDrawing('□', 3, 'test')), '□');

  // kept in this browser: after a reload, the classes and drawings are back and "Use my classes" uses the network
  await page.locator('#classes-save').click();
  await page.waitForFunction(() => /^Saved 3 classes and the network trained on them/.test(document.querySelector('#classes-status').textContent));
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForFunction(() => document.querySelectorAll('#classes-list > li').length === 3);
  assert.deepEqual(await classList(page), three.map((n) => `${n}:6`));
  assert.equal(await page.locator('#classes').getAttribute('data-state'), 'trained');
  assert.equal((await barNames(page)).length, 10, 'the page starts with the digits');
  await page.locator('#classes-use').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="probabilities"] li').length === 3);
  assert.equal(await classifyDrawing(page, symbolDrawing('○', 3, 'test')), '○');

  // the model file loads back as a network of these classes (a fresh page: back to the digits first)
  await page.locator('#classes-digits').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="probabilities"] li').length === 10);
  await page.locator('#classes-model-upload').setInputFiles({ name: 'mine.bin', mimeType: 'application/octet-stream', buffer: modelBytes });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="probabilities"] li').length === 3);
  assert.deepEqual(await barNames(page), three);
  await close();
});

// <lenet-teach>: the element's pad, its "Add to" buttons and its state hooks.
const teachEl = (page) => page.locator('lenet-teach');
async function teachState(page, state) {
  await page.waitForFunction((s) => document.querySelector('lenet-teach').dataset.state === s, state);
}
async function drawOnElement(page, drawing) {
  await teachEl(page).getByRole('button', { name: 'Clear', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('lenet-teach').dataset.classified === '0');
  await drawOn(page, drawing, teachEl(page).locator('canvas[part="canvas"]'));
  await page.waitForFunction((n) => document.querySelector('lenet-teach').dataset.classified === String(n), drawing.strokes.length);
}

test('<lenet-teach> on a lesson page trains in a worker and classifies by its class names', async () => {
  const { page, close } = await suite.open({ url: `${lesson.url}embed.html`, ready: false });
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  const names = ['✓', '✗', '★'];
  await teachState(page, 'ready');
  await teachEl(page).scrollIntoViewIfNeeded();
  const count = () => teachEl(page).getAttribute('data-examples');
  assert.equal(await count(), '0,0,0');
  await teachEl(page).getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForFunction(() => /Cannot train yet: every class needs at least 3 examples/.test(document.querySelector('lenet-teach').shadowRoot.querySelector('.status').textContent));
  for (const [k, name] of names.entries()) {
    for (let i = 0; i < 6; i++) {
      await drawOnElement(page, symbolDrawing(name, i, 'element'));
      await teachEl(page).getByRole('button', { name: `Add to ${name}`, exact: true }).click();
      await page.waitForFunction(([k, n]) => document.querySelector('lenet-teach').dataset.examples.split(',')[k] === String(n), [k, i + 1]);
    }
  }
  assert.equal(await count(), '6,6,6');
  await teachEl(page).getByRole('button', { name: 'Delete drawing 6 of ★', exact: true }).click();
  assert.equal(await count(), '6,6,5');
  await teachEl(page).getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('lenet-teach').dataset.trainings === '1', null, { timeout: 300_000 });
  assert.equal(await teachEl(page).getAttribute('data-state'), 'trained');
  assert.ok(workers.some((u) => u.endsWith('/teach-worker.js')), `trained in a worker (workers: ${workers.join(' ')})`);
  let correct = 0;
  for (const name of names) {
    for (let i = 0; i < 4; i++) {
      await drawOnElement(page, symbolDrawing(name, i, 'test'));
      if ((await teachEl(page).getAttribute('data-prediction')) === name) correct++;
    }
  }
  assert.ok(correct >= 11, `${correct} of 12 held-out drawings named right`);
  const bars = await teachEl(page).locator('[part="probabilities"] li').evaluateAll((lis) => lis.map((li) => li.dataset.name));
  assert.deepEqual(bars, names);
  await close();
});

test('<lenet-teach> says what is wrong: one class, a damaged class set, no Worker; drawings are kept', async () => {
  const { page, close } = await suite.open({ url: `${lesson.url}embed.html`, ready: false });
  await teachState(page, 'ready');
  const status = () => teachEl(page).locator('.status').textContent();
  await teachEl(page).evaluate((e) => e.setAttribute('classes', 'A'));
  await teachState(page, 'error');
  assert.match(await status(), /cannot start: only one class \(A\): add at least one more/);

  // a class set from the page's format, served beside the lesson; a damaged one refused
  const good = classSetFile(['A', 'H'], 3, 'element');
  const damaged = Buffer.from(good);
  damaged[40] ^= 1;
  await page.route('**/good.lenet-classes', (r) => r.fulfill({ body: good }));
  await page.route('**/damaged.lenet-classes', (r) => r.fulfill({ body: damaged }));
  await teachEl(page).evaluate((e) => e.setAttribute('set', 'good.lenet-classes'));
  await teachState(page, 'ready');
  assert.equal(await teachEl(page).getAttribute('data-examples'), '3,3');
  await teachEl(page).evaluate((e) => e.setAttribute('set', 'damaged.lenet-classes'));
  await teachState(page, 'error');
  assert.match(await status(), /not a usable class set: /);
  await close();

  // no Worker: it says so instead of training on the page, and keeps the drawings
  const second = await suite.open({ url: `${lesson.url}embed.html`, ready: false, beforeGoto: async (p) => {
    await p.addInitScript(() => delete window.Worker);
    await p.route('**/three.lenet-classes', (r) => r.fulfill({ body: classSetFile(['✓', '✗', '★'], 3, 'element') }));
  } });
  const p2 = second.page;
  await p2.waitForFunction(() => document.querySelector('lenet-teach').dataset.state === 'ready');
  await p2.locator('lenet-teach').evaluate((e) => e.setAttribute('set', 'three.lenet-classes'));
  await p2.waitForFunction(() => document.querySelector('lenet-teach').dataset.examples === '3,3,3');
  await p2.locator('lenet-teach').getByRole('button', { name: 'Train', exact: true }).click();
  await p2.waitForFunction(() => /Training failed: the training worker could not start: this browser has no Web Workers\. Your drawings are kept\./
    .test(document.querySelector('lenet-teach').shadowRoot.querySelector('.status').textContent));
  assert.equal(await p2.locator('lenet-teach').getAttribute('data-state'), 'ready');
  assert.equal(await p2.locator('lenet-teach').getAttribute('data-examples'), '3,3,3');
  await second.close();
});

test('<lenet-teach> from the single-file build copied alone: no worker script beside it, and it says so', async () => {
  const root = join(repo, 'build/teach-single');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  cpSync(join(repo, 'dist/lenet-widget.single.js'), join(root, 'lenet-widget.single.js'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>single</title>' +
    '<link rel="icon" href="data:,"><script type="module" src="lenet-widget.single.js"></script></head>' +
    '<body><main><lenet-teach set="three.lenet-classes"></lenet-teach></main></body></html>');
  writeFileSync(join(root, 'three.lenet-classes'), classSetFile(['✓', '✗', '★'], 3, 'element'));
  const single = await startServer({ root });
  try {
    const { page, log, close } = await suite.open({ url: single.url, ready: false });
    await teachState(page, 'ready');
    assert.equal(await teachEl(page).getAttribute('data-examples'), '3,3,3');
    await teachEl(page).getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => /^Training failed: the training worker could not start or stopped: \S+\/teach-worker\.js and the WebAssembly beside it must be served with the page\. Your drawings are kept\.$/
      .test(document.querySelector('lenet-teach').shadowRoot.querySelector('.status').textContent));
    assert.equal(await teachEl(page).getAttribute('data-state'), 'ready');
    assert.equal(await teachEl(page).getAttribute('data-examples'), '3,3,3');
    // the one console error is the missing worker script's 404
    assert.ok(log.errors.length <= 1 && log.errors.every((e) => /404/.test(e)), log.errors.join(' | '));
    await close({ clean: false });
  } finally {
    await single.stop();
  }
});
