// "Teach it your handwriting": one writer's style (style-strokes.mjs: ones with a long flag, which the
// shipped model reads as sevens, and the crossed sevens such a writer uses), drawn on the pad and added as
// examples, fine-tunes the classifier layers with C1..S4 frozen. The shipped model gets most of the ones
// wrong; after teaching, those and other ones of the same style that were never shown are right more
// often, the crossed sevens and MNIST digits never taught stay right, and C1..S4 are the same bit for bit.
// Undo gives back the exact model, and Download .bin gives a file that loads again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import { STROKES, browserSuite, classified, drawWithMouse, prediction, redraw } from './helpers.mjs';
import { personalStyle } from './style-strokes.mjs';

const suite = browserSuite();
const { teach, heldOut } = personalStyle({ perDigit: 5 });
const mnist = STROKES.digits.filter((d) => d.set === 'mouse'); // never taught

// Every digit is a polyline: a point every 15 px draws the same lines as every 6 px, in fewer events.
const PEN = { step: 15 };

// The page's answer for each digit, and how many it got right.
async function classifyAll(page, digits) {
  const got = [];
  for (const d of digits) got.push((await redraw(page, d, PEN)).digit);
  return { got: got.join(''), correct: got.filter((g, i) => g === String(digits[i].label)).length };
}

const ones = (digits) => digits.filter((d) => d.label === 1);
const sevens = (digits) => digits.filter((d) => d.label === 7);

async function download(page) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator('#model-download').click()]);
  return readFileSync(await file.path());
}

const LAYERS = ['C1', 'S2', 'C3', 'S4', 'C5', 'F6', 'OUTPUT'];

// Each layer's weights and biases in a model file, as bytes.
async function parameters(bytes) {
  const net = (await loadLeNet()).load(bytes);
  try {
    return Object.fromEntries(LAYERS.map((l) => [l, Buffer.concat([net.weights(l).data, net.biases(l).data]
      .map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)))]));
  } finally {
    net.dispose();
  }
}

test('teaching a personal style: its ones are learnt, held-out ones too, C1..S4 untouched', { timeout: 900_000 }, async () => {
  const { page, close } = await suite.open();
  const run = page.locator('#teach-run');
  assert.ok(await run.isDisabled(), 'nothing to fine-tune on yet');
  const shipped = await download(page);

  // Before: the shipped model on the held-out examples, and on each teaching example as it is drawn.
  const heldBefore = { ones: await classifyAll(page, ones(heldOut)), sevens: await classifyAll(page, sevens(heldOut)) };
  const taughtBefore = [];
  await page.getByTestId('clear').click();
  for (const digit of teach) {
    await drawWithMouse(page, digit, PEN);
    taughtBefore.push(await prediction(page));
    await page.locator('#teach-keys button').nth(digit.label).click();
    await classified(page, 0);
    assert.equal(await prediction(page), '', 'adding an example clears the pad');
  }
  const teachOnesBefore = taughtBefore.filter((g, i) => teach[i].label === 1);
  const teachOnesRight = teachOnesBefore.filter((g) => g === '1').length;
  console.log(`# shipped model: taught ones ${teachOnesBefore.join('')}, held-out ones ${heldBefore.ones.got}, ` +
    `held-out crossed sevens ${heldBefore.sevens.got}`);
  // the style is one the shipped model gets wrong: most of its ones, taught and held out, are misread
  assert.ok(teachOnesRight < teachOnesBefore.length / 2, `shipped model on the taught ones: ${teachOnesBefore.join('')}`);
  assert.ok(heldBefore.ones.correct < ones(heldOut).length / 2, `shipped model on the held-out ones: ${heldBefore.ones.got}`);
  assert.match(await page.locator('#teach-counts').textContent(), /^10 examples: 5× 1, 5× 7$/);

  await run.click();
  await page.waitForFunction(() => /after/.test(document.querySelector('#teach-result').textContent), null, { timeout: 60_000 });
  const text = await page.locator('#teach-result').textContent();
  console.log(`# ${text}`);
  const [, beforePct, afterPct] = text.match(/before (\d+) %, after (\d+) %/).map(Number);
  assert.ok(afterPct > beforePct, text);
  assert.match(await page.locator('#model-info').textContent(), /your handwriting/);

  // After: the same drawings through the fine-tuned model.
  const taughtAfter = await classifyAll(page, ones(teach));
  const heldAfter = { ones: await classifyAll(page, ones(heldOut)), sevens: await classifyAll(page, sevens(heldOut)) };
  const mnistAfter = await classifyAll(page, mnist);
  console.log(`# fine-tuned: taught ones ${taughtAfter.got}, held-out ones ${heldAfter.ones.got}, ` +
    `held-out crossed sevens ${heldAfter.sevens.got}, MNIST digits never taught ${mnistAfter.got}`);
  assert.ok(taughtAfter.correct > teachOnesRight, `taught ones: ${teachOnesBefore.join('')} -> ${taughtAfter.got}`);
  assert.ok(heldAfter.ones.correct > heldBefore.ones.correct, `held-out ones: ${heldBefore.ones.got} -> ${heldAfter.ones.got}`);
  assert.ok(heldAfter.ones.correct > ones(heldOut).length / 2, `held-out ones after teaching: ${heldAfter.ones.got}`);
  // learnt as a difference between ones and sevens, not as "everything is a one"
  assert.ok(heldAfter.sevens.correct >= heldBefore.sevens.correct, `crossed sevens: ${heldBefore.sevens.got} -> ${heldAfter.sevens.got}`);
  assert.ok(mnistAfter.correct >= 9, `MNIST digits after teaching: ${mnistAfter.got}`);

  // C1..S4 as shipped, bit for bit; the classifier layers changed.
  const tuned = await download(page);
  const [a, b] = [await parameters(shipped), await parameters(tuned)];
  for (const l of ['C1', 'S2', 'C3', 'S4']) assert.ok(a[l].equals(b[l]), `${l} unchanged by fine-tuning`);
  assert.ok(['C5', 'F6', 'OUTPUT'].some((l) => !a[l].equals(b[l])), 'fine-tuning changed the classifier layers');

  // Undo gives back the model before teaching, byte for byte; its download loads again.
  await page.locator('#teach-revert').click();
  assert.match(await page.locator('#model-info').textContent(), /^Shipped modern/);
  const reverted = await download(page);
  assert.ok(reverted.equals(shipped), 'undo restores the exact model');
  await page.getByTestId('model-upload').setInputFiles({ name: 'downloaded.bin', mimeType: 'application/octet-stream', buffer: reverted });
  await page.waitForFunction(() => /downloaded\.bin/.test(document.querySelector('#model-info').textContent));
  assert.equal(await page.getByTestId('error').textContent(), '');
  await close();
});
