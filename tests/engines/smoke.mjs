// The smoke checks every browser engine runs, written once against a small driver-neutral interface
// (firefox.test.mjs drives Firefox over WebDriver BiDi with puppeteer-core, webkit.test.mjs drives
// WebKitGTK's MiniBrowser over WebDriver with selenium-webdriver):
//
//   browser.name                  'firefox', 'webkit (LANG=C.UTF-8)', …, for messages
//   browser.goto(url)             navigates and waits for the load event
//   browser.reload()
//   browser.run(fn, ...args)      runs a self-contained function in the page, returns its JSON result
//   browser.strokes(strokes)      real pointer input: each stroke a list of [x, y] viewport CSS pixels,
//                                 pressed at the first point, moved through the rest, released
//   browser.click(x, y)           a real click at viewport CSS pixels
//
// Every wait polls the page's own state (its data-* hooks and texts), never a time: the timeouts are
// only upper bounds against a hang.
import assert from 'node:assert/strict';

import { STROKES, densify } from '../browser/helpers.mjs';

export const DIGITS = STROKES.digits.filter((d) => d.set === 'mouse');
const digit = (label) => DIGITS.find((d) => d.label === label);

export async function waitFor(browser, what, fn, args = [], timeout = 30_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await browser.run(fn, ...args);
    if (value) return value;
    if (Date.now() > end) {
      // What the page (or the lesson page's elements) showed, so that a failure in CI says why.
      const seen = await browser.run(() => {
        const element = (e) => `${e.localName}${e.id ? `#${e.id}` : ''} ${JSON.stringify({ ...e.dataset })} ${
          e.shadowRoot?.querySelector('.status')?.textContent ?? ''}`;
        return {
          ready: document.body.dataset.ready, error: document.getElementById('error')?.textContent,
          status: document.getElementById('engine-status')?.textContent,
          progress: document.getElementById('progress-text')?.textContent,
          elements: [...document.querySelectorAll('lenet-pad, lenet-trainer')].map(element),
        };
      }).catch((e) => e.message);
      throw new Error(`${browser.name}: no ${what} within ${timeout / 1000} s (page: ${JSON.stringify(seen)})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The centre of an element (a CSS selector, and inside that element's shadow root if `inner` is given),
// scrolled into view first; viewport CSS pixels.
async function centreOf(browser, selector, inner) {
  const box = await boxOf(browser, selector, inner);
  return [box.x + box.width / 2, box.y + box.height / 2];
}

async function boxOf(browser, selector, inner) {
  const box = await browser.run((sel, inside) => {
    let el = document.querySelector(sel);
    if (el && inside) el = el.shadowRoot?.querySelector(inside);
    if (!el) return null;
    el.scrollIntoView({ block: 'center', inline: 'center' });
    const r = el.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  }, selector, inner ?? null);
  assert.ok(box, `${browser.name}: ${selector}${inner ? ` ${inner}` : ''} is on the page`);
  return box;
}

// Replays a traced MNIST digit over a canvas with the pointer, as a person would draw it.
async function drawOn(browser, box, d) {
  const map = ([x, y]) => [box.x + (x / STROKES.unit) * box.width, box.y + (y / STROKES.unit) * box.height];
  await browser.strokes(d.strokes.map((s) => densify(s.map(map), 6)));
}

// ---------------------------------------------------------------- the page (index.html)

async function pageReady(browser) {
  await waitFor(browser, 'started page', () => document.body.dataset.ready, [], 60_000);
  const state = await browser.run(() => ({
    ready: document.body.dataset.ready,
    error: document.getElementById('error').textContent,
    status: document.getElementById('engine-status').textContent,
  }));
  assert.equal(state.ready, 'true', `${browser.name}: the page started (${JSON.stringify(state)})`);
  assert.equal(state.error, '', `${browser.name}: no error shown at start`);
  return state;
}

// Draws the digit on the page's pad (cleared first) and returns the predicted digit and probabilities.
async function classifyOnPage(browser, d) {
  await browser.run(() => document.querySelector('[data-testid="clear"]').click());
  await waitFor(browser, 'cleared pad', () => document.body.dataset.classified === '0');
  await drawOn(browser, await boxOf(browser, '[data-testid="draw-canvas"]'), d);
  await waitFor(browser, `classification of the ${d.strokes.length}-stroke ${d.label}`,
    (n) => document.body.dataset.classified === String(n), [d.strokes.length], 20_000);
  return browser.run(() => ({
    digit: document.querySelector('[data-testid="prediction"]').textContent.trim(),
    probabilities: [...document.querySelectorAll('[data-testid="probabilities"] li')].map((li) => Number(li.dataset.p)),
  }));
}

// The C1 filters of the model in use, as the page paints them.
function filters(browser) {
  return browser.run(() => [...document.querySelectorAll('#filters-C1 canvas')]
    .map((c) => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).join(',')).join(';'));
}

// Loads the page and classifies two digits with the shipped model. Returns what the engine offers
// (cross-origin isolation, SharedArrayBuffer, language) and the shipped model's C1 filters.
export async function loadAndClassify(browser, url) {
  await browser.goto(url);
  const state = await pageReady(browser);
  assert.match(state.status, /WebAssembly SIMD build · Shipped modern model/, `${browser.name}: engine status`);
  const engine = await browser.run(() => ({
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    language: navigator.language,
    cores: navigator.hardwareConcurrency || 1,
  }));
  const four = await classifyOnPage(browser, digit(4));
  assert.equal(four.digit, '4', `${browser.name}: the drawn 4`);
  assert.ok(Math.abs(four.probabilities.reduce((s, p) => s + p, 0) - 1) < 1e-3, `${browser.name}: probabilities sum to 1`);
  assert.equal((await classifyOnPage(browser, digit(7))).digit, '7', `${browser.name}: the drawn 7`);
  return { engine, shippedFilters: await filters(browser) };
}

// A short training run (1,000 digits, one epoch, every core the page may use) to its 'Done' state; then
// the trained model is saved in the browser (IndexedDB, through the Models panel), the page reloaded, and
// the model it loads at start must be the trained one. Returns the number of training threads.
export async function trainSaveReload(browser, { engine, shippedFilters }) {
  await browser.run(() => {
    const f = document.getElementById('train-form').elements;
    const set = (name, value) => {
      f[name].value = value;
      f[name].dispatchEvent(new Event('change', { bubbles: true }));
    };
    set('preset', 'modern'); // fills in the preset's own settings first
    set('subset', '1000');
    set('epochs', '1');
    set('threads', 'all');
  });
  await browser.click(...await centreOf(browser, '[data-testid="train-start"]'));
  await waitFor(browser, "training's Done", () => /^Done/.test(document.getElementById('progress-text').textContent), [], 240_000);
  const run = await browser.run(() => ({
    threads: Number(document.getElementById('train-progress').dataset.threads),
    accuracy: Number(document.querySelector('[data-testid="test-accuracy"]').textContent),
    model: document.getElementById('model-info').textContent,
    error: document.getElementById('error').textContent,
    fallback: document.getElementById('train-progress').dataset.fallback ?? '',
    charts: document.querySelectorAll('.charts .uplot canvas').length,
    lossPoints: Number(document.getElementById('chart-loss').dataset.points),
  }));
  // A threaded start that hung (Firefox can: web/training.js) is replaced by a one-thread run, and the
  // error area says so; that is the only message training may leave.
  const threaded = engine.crossOriginIsolated && engine.sharedArrayBuffer && run.fallback !== 'one-thread';
  if (run.fallback) assert.match(run.error, /^The threaded build did not start: its worker stopped answering for 20 s .* on one thread instead\.$/, browser.name);
  else assert.equal(run.error, '', `${browser.name}: no error while training`);
  assert.equal(run.charts, 2, `${browser.name}: both training charts are drawn`);
  assert.ok(run.lossPoints >= 2, `${browser.name}: the loss chart has ${run.lossPoints} points`);
  assert.equal(run.threads, threaded ? Math.min(engine.cores, 4) : 1,
    `${browser.name}: training threads (cross-origin isolated ${engine.crossOriginIsolated}, SharedArrayBuffer ${engine.sharedArrayBuffer})`);
  // chance is 10 %: a run that learned nothing stays near it (seed 1 reaches about 70 % on 1,000 digits)
  assert.ok(run.accuracy >= 40 && run.accuracy <= 100, `${browser.name}: held-out accuracy after 1,000 digits: ${run.accuracy} %`);
  assert.match(run.model, /Trained here/, `${browser.name}: the trained model classifies`);

  // The model is compared by its C1 filters as the page paints them (5x5 pixels each, from the weights):
  // unlike a drawing's probabilities they do not depend on where the pad sits in the page's layout.
  const trained = await filters(browser);
  assert.notEqual(trained, shippedFilters, `${browser.name}: the trained model is not the shipped one`);
  await browser.click(...await centreOf(browser, '[data-testid="model-save"]'));
  await waitFor(browser, 'saved model', () => /^Saved in this browser/.test(document.getElementById('models-status').textContent));

  await browser.reload();
  await pageReady(browser);
  const after = await browser.run(() => ({
    select: document.getElementById('model-select').value,
    model: document.getElementById('model-info').textContent,
  }));
  assert.equal(after.select, 'saved', `${browser.name}: the saved model is loaded at start`);
  assert.match(after.model, /Trained here/, `${browser.name}: the saved model is the trained one`);
  assert.equal(await filters(browser), trained, `${browser.name}: the reloaded model has the trained model's weights`);
  assert.match((await classifyOnPage(browser, digit(4))).digit, /^\d$/, `${browser.name}: the reloaded model classifies`);
  return run;
}

// ---------------------------------------------------------------- the lesson page (dist/embed.html)

// Every <lenet-pad>, <lenet-maps> and <lenet-trainer> renders; the first pad classifies a drawing and the
// maps follow it; the trainer trains (a first evaluation on its held-out digits) and pauses.
export async function lesson(browser, url) {
  await browser.goto(url);
  await waitFor(browser, 'lesson elements', () => {
    const pads = [...document.querySelectorAll('lenet-pad')];
    return pads.length > 0 && pads.every((p) => p.dataset.state === 'ready' || p.dataset.state === 'error');
  }, [], 60_000);
  const rendered = await browser.run(() => ({
    pads: [...document.querySelectorAll('lenet-pad')].map((p) => `${p.id}:${p.dataset.state}:${p.shadowRoot?.querySelectorAll('canvas').length}`),
    maps: [...document.querySelectorAll('lenet-maps')].map((m) => m.shadowRoot?.querySelectorAll('canvas').length ?? 0),
    trainer: document.querySelector('lenet-trainer')?.shadowRoot?.querySelectorAll('button, canvas').length ?? 0,
  }));
  assert.ok(rendered.pads.every((p) => /:ready:\d+$/.test(p) && Number(p.split(':')[2]) >= 2),
    `${browser.name}: every pad ready with its canvases: ${rendered.pads}`);
  assert.equal(rendered.maps.length, 7, `${browser.name}: the lesson's seven <lenet-maps>`);
  assert.ok(rendered.maps.every((n) => n >= 1), `${browser.name}: every <lenet-maps> laid out: ${rendered.maps}`);
  assert.ok(rendered.trainer >= 9, `${browser.name}: <lenet-trainer> rendered (${rendered.trainer} buttons and canvases)`);

  const d = digit(4);
  await drawOn(browser, await boxOf(browser, 'lenet-pad#digit', 'canvas.pad-canvas'), d);
  await waitFor(browser, 'classification on the lesson pad',
    (n) => document.getElementById('digit').dataset.classified === String(n), [d.strokes.length], 20_000);
  assert.equal(await browser.run(() => document.getElementById('digit').dataset.prediction), '4', `${browser.name}: the lesson pad's 4`);
  await waitFor(browser, 'feature maps of the drawing', () => [...document.querySelectorAll('lenet-maps')].every((m) => m.dataset.shown));

  const train = () => centreOf(browser, 'lenet-trainer', 'button.train');
  await browser.click(...await train());
  await waitFor(browser, "the trainer's first evaluation", () => document.querySelector('lenet-trainer').dataset.accuracy !== undefined,
    [], 120_000);
  await browser.click(...await train());
  await waitFor(browser, 'the trainer paused', () => document.querySelector('lenet-trainer').dataset.state === 'paused');
  const trainer = await browser.run(() => {
    const t = document.querySelector('lenet-trainer');
    const status = t.shadowRoot.querySelector('.status');
    return { steps: Number(t.dataset.steps), accuracy: Number(t.dataset.accuracy), status: status.textContent,
      error: status.classList.contains('error') };
  });
  assert.ok(trainer.steps >= 50, `${browser.name}: trainer steps ${trainer.steps}`);
  assert.ok(trainer.accuracy > 0 && trainer.accuracy <= 1, `${browser.name}: trainer accuracy ${trainer.accuracy}`);
  // Nothing, or (with more than two cores, where a threaded start can hang in Firefox) the note that a hung
  // threaded start was replaced by a one-thread run (web/training.js); never an error.
  assert.ok(!trainer.error && (trainer.status === '' || /on one thread instead/.test(trainer.status)),
    `${browser.name}: the trainer shows no error: ${trainer.status}`);
}
