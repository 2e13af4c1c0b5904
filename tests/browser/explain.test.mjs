// "Explain and probe" (issue 18) in headless Chromium: on the page, the saliency view, "Fool it", and for the
// lecun1998 model C3's connection table and the RBF codes; in the lesson (dist/embed.html), <lenet-explain>
// and <lenet-fool> following their pad. Every expected value is computed again inside the page, from a
// network of its own loaded through the JavaScript API, for the drawing on screen: the views must show what
// the network really computes for that drawing, not merely something.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';

import { buildDist } from '../../scripts/build-dist.mjs';
import { STROKES, densify, drawWithMouse, openPage, prediction, repo, siteAndLessonSuite } from './helpers.mjs';

const MOUSE = STROKES.digits.filter((d) => d.set === 'mouse');
const digit = (label) => MOUSE.find((d) => d.label === label);


function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
}

before(async () => {
  // the lesson is served from dist/: rebuild it if web/ changed since
  if (newest(join(repo, 'web')) > newest(join(repo, 'dist/lenet-widget.single.js'))) await buildDist({ log: () => {} });
});
const suite = siteAndLessonSuite();

// The page in a wide window (the saliency and Fool it panels beside the drawing), with the oracle installed.
async function openExplainPage() {
  const context = await suite.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const { page, log } = await openPage(context, suite.site.url);
  await installOracle(page, suite.site.url);
  return { context, page, log };
}

// ---- in the page: the JavaScript API on a network of the test's own, and canvas pixels -------------------

// Installs window.__expect(model, options) in the page: loads lenet.js (beside the page) and the model file
// once, and for the drawing on screen returns what the network computes: the prediction, the field the
// saliency view must show (the gradient of log p(digit); for a network sure to float precision, where the
// other digits' probabilities or that gradient are below 1e-20, minus the gradient of log p(runner-up), the
// runner-up by the output layer's raw scores) and, given a target, the
// search's result with the settings the page uses. options.pad: the id of a <lenet-pad> (else the page's own pad); options.half: the model as
// the lesson loads it, the float16 model file.
async function installOracle(page, baseUrl) {
  await page.evaluate(async (base) => {
    const { loadLeNet } = await import(new URL('lenet.js', base).href);
    const { FOOL_OPTIONS } = await import(new URL('saliency.js', base).href);
    const lenet = await loadLeNet();
    const nets = {};
    const argmax = (a) => a.reduce((b, v, i) => (v > a[b] ? i : b), 0);
    const fetchBytes = async (path) => new Uint8Array(await (await fetch(new URL(path, base))).arrayBuffer());
    window.__expect = async (model, { pad = null, half = false, target = null } = {}) => {
      if (!nets[model]) {
        nets[model] = lenet.load(await fetchBytes(`models/${model}${half ? '.float16' : ''}.bin`));
      }
      const net = nets[model];
      let image;
      if (pad) image = document.getElementById(pad).pad.imageData();
      else {
        const c = document.getElementById('pad');
        image = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      }
      const r = net.predictDrawing(image);
      const digit = argmax(r.probabilities);
      const rbf = net.config().output === 'rbf';
      const scores = net.featureMaps().output.data;
      const sure = r.probabilities.every((p, i) => i === digit || p < 1e-20);
      let field = sure ? null : net.inputGradient(r.input, digit);
      let versus = null;
      if (sure || field.every((v) => Math.abs(v) < 1e-20)) {
        let best = -1;
        for (let i = 0; i < 10; i++) {
          if (i !== digit && (best < 0 || (rbf ? scores[i] < scores[best] : scores[i] > scores[best]))) best = i;
        }
        versus = best;
        field = net.inputGradient(r.input, versus).map((v) => -v);
      }
      const out = { digit, versus, field: Array.from(field), scores: Array.from(scores),
        c3: Array.from(lenet.c3ConnectionTable()), codes: Array.from(net.weights('OUTPUT').data) };
      if (target !== null) {
        const a = net.adversarial(r.input, target, FOOL_OPTIONS);
        out.fool = { success: a.success, p: Array.from(a.probabilities), steps: a.steps };
      }
      return out;
    };
  }, baseUrl);
}

const expectFor = (page, model, options = {}) => page.evaluate(([m, o]) => window.__expect(m, o), [model, options]);

// The canvas's pixels as [r, g, b] triples. Read through a copy: reading the same canvas back again and again
// makes Chromium warn on the console, and the views themselves never read their canvases.
function pixels(locator) {
  return locator.evaluate((c) => {
    const copy = document.createElement('canvas');
    copy.width = c.width;
    copy.height = c.height;
    const ctx = copy.getContext('2d');
    ctx.drawImage(c, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const out = [];
    for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2]]);
    return out;
  });
}

// The sign a saliency pixel shows (red above blue: positive), as web/saliency.js paints it; 0 for grey.
const shownSign = ([r, , b]) => (r - b > 2 ? 1 : b - r > 2 ? -1 : 0);

// The saliency picture agrees with the field: no pixel shows the wrong sign, and every pixel of at least a
// tenth of the field's 99th-percentile magnitude shows its sign (so a grey or blank canvas fails).
function assertShowsField(px, field, where) {
  assert.equal(px.length, field.length, `${where}: one pixel per input value`);
  const sorted = field.map(Math.abs).sort((a, b) => a - b);
  const strong = sorted[Math.floor(0.99 * (sorted.length - 1))] * 0.1;
  let wrong = 0;
  let missing = 0;
  let coloured = 0;
  px.forEach((p, i) => {
    const s = shownSign(p);
    if (s !== 0) coloured++;
    if (s !== 0 && s !== Math.sign(field[i])) wrong++;
    if (s === 0 && Math.abs(field[i]) >= strong) missing++;
  });
  assert.equal(wrong, 0, `${where}: ${wrong} pixels show the opposite sign of the gradient`);
  assert.equal(missing, 0, `${where}: ${missing} strong pixels are not coloured`);
  assert.ok(coloured > field.length / 4, `${where}: ${coloured} of ${field.length} pixels coloured`);
}

const changed = (a, b) => a.filter((p, i) => p.some((v, k) => v !== b[i][k])).length;

async function noAxeFindings(page, where) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const findings = [...r.violations, ...r.incomplete].map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
  assert.deepEqual(findings, [], `axe on ${where}`);
}

// ---- the page --------------------------------------------------------------------------------------------

test('the page: the saliency view shows the gradient of the drawing on screen and follows the drawing', async () => {
  const { context, page, log } = await openExplainPage();
  const saliency = page.getByTestId('saliency');
  const blank = await pixels(saliency);
  assert.ok(blank.every((p) => p.every((v) => v === 255)), 'blank before a drawing');

  await drawWithMouse(page, digit(3));
  const shown3 = await pixels(saliency);
  const expect3 = await expectFor(page, 'modern');
  assert.equal(await prediction(page), '3');
  assert.equal(expect3.digit, 3);
  assert.equal(expect3.versus, null, 'the modern network is not sure to float precision here');
  assert.equal(await saliency.getAttribute('data-digit'), '3');
  assertShowsField(shown3, expect3.field, 'the 3');
  assert.match(await page.locator('#saliency-caption').textContent(), /Why 3/);
  assert.match(await saliency.getAttribute('aria-label'), /Why 3/);

  await page.getByTestId('clear').click();
  await page.waitForFunction(() => document.body.dataset.classified === '0');
  assert.ok((await pixels(saliency)).every((p) => p.every((v) => v === 255)), 'blank again after Clear');
  await drawWithMouse(page, digit(7));
  const shown7 = await pixels(saliency);
  const expect7 = await expectFor(page, 'modern');
  assert.equal(expect7.digit, 7);
  assert.equal(await saliency.getAttribute('data-digit'), '7');
  assertShowsField(shown7, expect7.field, 'the 7');
  assert.ok(changed(shown3, shown7) > shown7.length / 2, `the view changed with the drawing (${changed(shown3, shown7)} pixels)`);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the page: "Fool it" shows the target and its probability, and says when nothing is drawn', async () => {
  const { context, page, log } = await openExplainPage();
  const result = page.getByTestId('fool-result');

  await page.getByTestId('fool-run').click();
  assert.equal(await result.getAttribute('data-state'), 'empty');
  assert.match(await result.textContent(), /Draw a digit first/);
  assert.equal(await page.getByTestId('error').textContent(), '');

  await drawWithMouse(page, digit(4));
  assert.equal(await prediction(page), '4');
  assert.equal(await result.getAttribute('data-state'), 'idle', 'a new drawing resets the panel');
  // the target the page already predicts needs no search
  await page.getByTestId('fool-target').selectOption('4');
  await page.getByTestId('fool-run').click();
  assert.equal(await result.getAttribute('data-state'), 'already');

  const target = 9;
  await page.getByTestId('fool-target').selectOption(String(target));
  await page.getByTestId('fool-run').click();
  await page.waitForFunction(() => ['fooled', 'not-fooled'].includes(document.querySelector('[data-testid="fool-result"]').dataset.state),
    null, { timeout: 30_000 });
  const expected = await expectFor(page, 'modern', { target });
  assert.ok(expected.fool.success, 'the search reaches 9 from this 4');
  assert.equal(await result.getAttribute('data-state'), 'fooled');
  assert.equal(await result.getAttribute('data-target'), String(target));
  assert.equal(await result.getAttribute('data-predicted'), String(target));
  assert.equal(Number(await result.getAttribute('data-p')), expected.fool.p[target], 'the probability shown is the target\'s');
  assert.equal(Number(await result.getAttribute('data-steps')), expected.fool.steps);
  const text = await result.textContent();
  assert.ok(text.includes(`it now says ${target} (${(expected.fool.p[target] * 100).toFixed(1)} %)`), text);
  // the changed drawing and the change are drawn
  const image = await pixels(page.locator('#fool-image'));
  const change = await pixels(page.locator('#fool-change'));
  assert.ok(image.filter((p) => p[0] < 128).length > 20, 'the changed drawing has ink');
  assert.ok(change.filter((p) => shownSign(p) !== 0).length > 50, 'the change is coloured');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the page with lecun1998: C3 maps light up the S2 maps of their table row; the ten RBF codes beside F6', async () => {
  const { context, page, log } = await openExplainPage();
  assert.equal(await page.locator('#c3-table-box').isVisible(), false, 'no table for the modern network');
  assert.equal(await page.locator('#maps-C3 canvas[tabindex]').count(), 0);
  await page.locator('#model-select').selectOption('lecun1998');
  await page.waitForFunction(() => document.querySelector('#engine-status').textContent.includes('lecun1998'));
  await page.locator('#c3-table').waitFor({ state: 'visible' });
  await drawWithMouse(page, digit(2));
  assert.equal(await prediction(page), '2');
  const expected = await expectFor(page, 'lecun1998');

  // the table is Table I, row by row
  const rows = await page.$$eval('#c3-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.classList.contains('linked') ? 1 : 0))));
  assert.deepEqual(rows.flat(), expected.c3);

  const lit = () => page.evaluate(() => ({
    s2: [...document.querySelectorAll('#maps-S2 canvas')].map((c) => (c.classList.contains('feeds') ? 1 : 0)),
    c3: [...document.querySelectorAll('#maps-C3 canvas')].map((c) => (c.classList.contains('selected') ? 1 : 0)),
    rows: [...document.querySelectorAll('#c3-table tbody tr')].map((tr) => (tr.classList.contains('on') ? 1 : 0)),
    note: document.querySelector('#c3-note').textContent,
  }));
  const one = (i, n) => Array.from({ length: n }, (_, k) => (k === i ? 1 : 0));
  const tiles = page.locator('#maps-C3 canvas');
  for (let i = 0; i < 16; i++) {
    await tiles.nth(i).hover();
    const got = await lit();
    assert.deepEqual(got.s2, expected.c3.slice(i * 6, i * 6 + 6), `hovering C3 map ${i + 1}`);
    assert.deepEqual(got.c3, one(i, 16));
    assert.deepEqual(got.rows, one(i, 16), `table row of C3 map ${i + 1}`);
    assert.match(got.note, new RegExp(`^C3 map ${i + 1} reads S2 map`));
  }
  // the keyboard: focus the first C3 map, then Tab through all of them
  await page.mouse.move(5, 5);
  assert.deepEqual((await lit()).s2, [0, 0, 0, 0, 0, 0], 'nothing lit once the pointer leaves');
  await tiles.nth(0).focus();
  for (let i = 0; i < 16; i++) {
    if (i) await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => [...document.querySelectorAll('#maps-C3 canvas')].indexOf(document.activeElement)), i);
    const got = await lit();
    assert.deepEqual(got.s2, expected.c3.slice(i * 6, i * 6 + 6), `focusing C3 map ${i + 1}`);
    assert.deepEqual(got.rows, one(i, 16));
  }

  // the RBF codes: ten 7x12 bitmaps, dark exactly where the code is +1; distances under them, nearest = answer
  const codes = page.locator('#rbf-codes figure[data-digit]');
  assert.equal(await codes.count(), 10);
  for (let d = 0; d < 10; d++) {
    const px = await pixels(codes.nth(d).locator('canvas'));
    assert.equal(px.length, 84);
    assert.deepEqual(px.map((p) => (p[0] < 128 ? 1 : -1)), expected.codes.slice(d * 84, d * 84 + 84), `the code of ${d}`);
  }
  const distances = await codes.evaluateAll((figs) => figs.map((f) => Number(f.dataset.distance)));
  assert.deepEqual(distances, expected.scores, 'the distances are the RBF outputs');
  assert.equal(await page.locator('#rbf-codes figure.nearest').getAttribute('data-digit'), '2');
  assert.equal(await page.locator('#rbf-codes figure[data-digit="2"] figcaption span').textContent(), expected.scores[2].toFixed(1));

  // lecun1998 is sure of this 2 to float precision: the saliency weighs it against the runner-up
  assert.notEqual(expected.versus, null);
  assert.equal(await page.getByTestId('saliency').getAttribute('data-versus'), String(expected.versus));
  assertShowsField(await pixels(page.getByTestId('saliency')), expected.field, 'lecun1998\'s 2');

  await page.getByTestId('fool-target').selectOption('5');
  await page.getByTestId('fool-run').click();
  await page.waitForFunction(() => ['fooled', 'not-fooled'].includes(document.querySelector('[data-testid="fool-result"]').dataset.state),
    null, { timeout: 30_000 });
  await tiles.nth(12).focus();
  await noAxeFindings(page, 'the page with lecun1998\'s parts, a C3 map selected and a search shown');

  // back to a network without a table: the parts go, the maps leave the tab order
  await page.locator('#model-select').selectOption('modern');
  await page.waitForFunction(() => document.querySelector('#engine-status').textContent.includes('modern'));
  assert.equal(await page.locator('#c3-table-box').isVisible(), false);
  assert.equal(await page.locator('#rbf-box').isVisible(), false);
  assert.equal(await page.locator('#maps-C3 canvas[tabindex]').count(), 0);
  assert.equal(await page.locator('#maps-S2 canvas.feeds').count(), 0);
  assert.deepEqual(log.errors, []);
  await context.close();
});

// ---- the lesson ------------------------------------------------------------------------------------------

async function drawOnPad(page, padId, d) {
  const canvas = page.locator(`#${padId} canvas.pad-canvas`);
  await page.locator(`#${padId} button.clear`).click();
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const map = ([x, y]) => [box.x + (x / STROKES.unit) * box.width, box.y + (y / STROKES.unit) * box.height];
  for (const stroke of d.strokes) {
    const pts = densify(stroke.map(map), 6);
    await page.mouse.move(...pts[0]);
    await page.mouse.down();
    for (const p of pts.slice(1)) await page.mouse.move(...p);
    await page.mouse.up();
  }
  await page.waitForFunction(([id, n]) => document.getElementById(id).dataset.classified === String(n), [padId, d.strokes.length],
    { timeout: 10_000 });
  return page.$eval(`#${padId}`, (p) => p.dataset.prediction);
}

test('the lesson: <lenet-explain for> follows its pad, <lenet-fool for> fools its network', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(`${suite.dist.url}embed.html`);
  await page.waitForFunction(() => [...document.querySelectorAll('lenet-pad')].every((p) => p.dataset.state === 'ready'), null, { timeout: 30_000 });
  await installOracle(page, suite.dist.url);
  const explain = page.locator('lenet-explain[for="digit"]');
  const fool = page.locator('lenet-fool[for="digit"]');
  assert.equal(await explain.getAttribute('data-state'), 'idle');
  const canvasOf = explain.locator('canvas');

  // nothing drawn: the fooling element says so
  await fool.locator('button').click();
  assert.equal(await fool.getAttribute('data-state'), 'empty');
  assert.match(await fool.locator('.result').textContent(), /Draw a digit first/);

  const seen = [];
  for (const label of [5, 8]) {
    assert.equal(await drawOnPad(page, 'digit', digit(label)), String(label));
    await page.waitForFunction((l) => document.querySelector('lenet-explain').dataset.digit === String(l), label);
    const expected = await expectFor(page, 'lecun1998', { pad: 'digit', half: true });
    assert.equal(await explain.getAttribute('data-state'), 'shown');
    assert.equal(await explain.getAttribute('data-versus'), expected.versus === null ? null : String(expected.versus));
    const field = await explain.evaluate((e) => Array.from(e.gradient));
    assert.deepEqual(field, expected.field, `the ${label}: the element's field is the network's`);
    const px = await pixels(canvasOf);
    assertShowsField(px, expected.field, `the lesson's ${label}`);
    seen.push(px);
  }
  assert.ok(changed(seen[0], seen[1]) > seen[1].length / 2, 'the picture follows the drawing');
  // another pad on the page is not the one it follows
  const before8 = await explain.evaluate((e) => Array.from(e.gradient));
  assert.equal(await drawOnPad(page, 'today', digit(0)), '0');
  assert.equal(await explain.getAttribute('data-digit'), '8');
  assert.deepEqual(await explain.evaluate((e) => Array.from(e.gradient)), before8);
  assert.equal(changed(await pixels(canvasOf), seen[1]), 0);

  // fool the 8 into a 3
  await fool.locator('select').selectOption('3');
  await fool.locator('button').click();
  await page.waitForFunction(() => ['fooled', 'not-fooled'].includes(document.querySelector('lenet-fool').dataset.state), null, { timeout: 30_000 });
  const expected = await expectFor(page, 'lecun1998', { pad: 'digit', half: true, target: 3 });
  assert.equal(await fool.getAttribute('data-state'), expected.fool.success ? 'fooled' : 'not-fooled');
  assert.ok(expected.fool.success, 'this 8 becomes a 3 within the steps');
  assert.equal(await fool.getAttribute('data-target'), '3');
  assert.equal(await fool.getAttribute('data-prediction'), '3');
  assert.equal(Number(await fool.getAttribute('data-p')), expected.fool.p[3]);
  assert.ok((await fool.locator('.result').textContent()).includes(`it now says 3 (${(expected.fool.p[3] * 100).toFixed(1)} %)`));

  // a search capped at one step does not get there, and says so
  await fool.evaluate((e) => e.setAttribute('max-steps', '1'));
  await fool.locator('select').selectOption('0');
  await fool.locator('button').click();
  await page.waitForFunction(() => ['fooled', 'not-fooled'].includes(document.querySelector('lenet-fool').dataset.state), null, { timeout: 30_000 });
  assert.equal(await fool.getAttribute('data-state'), 'not-fooled');
  assert.equal(await fool.getAttribute('data-target'), '0');
  assert.equal(await fool.getAttribute('data-prediction'), '8');
  assert.match(await fool.locator('.result').textContent(), /^Not fooled within 1 step: it still says 8 \(\d+\.\d %\); 0 has \d+\.\d %\.$/);

  // a new drawing makes the search's result stale; clearing the pad empties the explanation
  await drawOnPad(page, 'digit', digit(1));
  assert.equal(await fool.getAttribute('data-state'), 'idle');
  await page.locator('#digit button.clear').click();
  await page.waitForFunction(() => document.querySelector('lenet-explain').dataset.state === 'idle');
  assert.ok((await pixels(canvasOf)).every((p) => p.every((v) => v === 255)), 'blank after Clear');
  assert.deepEqual(errors, []);
  await context.close();
});
