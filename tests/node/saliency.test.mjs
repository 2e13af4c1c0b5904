// web/saliency.js, the pure part of "explain and probe" that the page and the lesson elements share: the
// diverging colours (whose sign the browser tests read back), the scale, the runner-up, the fallback for a
// network sure to float precision, and the words of a search's result.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import {
  FLAT, LOWER, RAISE, best, describeFooling, difference, explainDecision, fullScale, runnerUp, signOfPixel, signedPixels,
} from '../../web/saliency.js';
import { mnist, root } from './helpers.mjs';

test('signedPixels: red for positive, blue for negative, grey for zero over the faint image; the sign reads back', () => {
  const field = Float32Array.from([2, -2, 0, 1, -0.5, 0.1, 100, 0.002]);
  const under = Float32Array.from([0, 0, 1, 0, 1, 0, 0, 0]);
  const px = signedPixels(field, under, { scale: 2 });
  const at = (i) => Array.from(px.subarray(4 * i, 4 * i + 4));
  assert.deepEqual(at(0), [...RAISE, 255], 'full scale: the full colour');
  assert.deepEqual(at(1), [...LOWER, 255]);
  assert.deepEqual(at(2), [185, 185, 185, 255], 'zero: the ink shows as faint grey');
  assert.deepEqual(at(6), [...RAISE, 255], 'beyond the scale: clipped');
  for (let i = 0; i < field.length; i++) {
    const [r, g, b] = at(i);
    // zero, and a value too weak to tint the grey, read back as 0
    assert.equal(signOfPixel(r, g, b), i === 2 || i === 7 ? 0 : Math.sign(field[i]), `pixel ${i}`);
  }
  // half the scale: halfway from the grey to the colour
  at(3).slice(0, 3).forEach((v, c) => assert.ok(Math.abs(v - (255 + (RAISE[c] - 255) / 2)) <= 0.5, `channel ${c}: ${v}`));
  assert.throws(() => signedPixels(field, new Float32Array(3)), /the image has 3 values, the field 8/);
  // an all-zero field paints the image alone
  assert.ok(Array.from(signedPixels(new Float32Array(2), Float32Array.from([0, 1]))).every((v, i) => v === [255, 255, 255, 255, 185, 185, 185, 255][i]));
});

test('fullScale: the 99th percentile of |value|, so one outlier does not fade the rest', () => {
  const field = new Float32Array(1000).fill(1);
  field[3] = -500;
  assert.equal(fullScale(field), 1);
  assert.equal(fullScale(Float32Array.from([0, 0, 0, -3])), 3, 'the largest when the percentile is zero');
  assert.equal(fullScale(new Float32Array(0)), 0);
});

test('best, runnerUp (by raw scores, lower is better for RBF distances), difference', () => {
  const p = Float32Array.from([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(best(p), 2);
  assert.equal(runnerUp(p, 2), 0, 'equal probabilities: the first');
  const logits = Float32Array.from([1, 2, 30, 9, 0, 0, 0, 0, 0, 0]);
  assert.equal(runnerUp(p, 2, logits), 3);
  const distances = Float32Array.from([90, 95, 0.1, 120, 88, 99, 100, 101, 102, 103]);
  assert.equal(runnerUp(p, 2, distances, true), 4);
  const { change, largest } = difference(Float32Array.from([0.5, 0.2]), Float32Array.from([0.25, 0.6]));
  assert.equal(change[0], 0.25);
  assert.ok(Math.abs(change[1] + 0.4) < 1e-6 && largest === Math.abs(change[1]));
});

test('describeFooling: says the target and its probability, or that the search did not get there', () => {
  const p = Float32Array.from([0.01, 0, 0, 0.7, 0, 0, 0, 0, 0.29, 0]);
  assert.equal(describeFooling({ success: true, probabilities: p, steps: 12 }, 3, 0.237),
    'Fooled: it now says 3 (70.0 %) after 12 steps; no pixel changed by more than 24 % of full ink.');
  assert.equal(describeFooling({ success: false, probabilities: p, steps: 300 }, 8, 1),
    'Not fooled within 300 steps: it still says 3 (70.0 %); 8 has 29.0 %.');
  // A class model's names in the words (the page passes net.classes()).
  const q = Float32Array.from([0.2, 0.7, 0.1]);
  assert.equal(describeFooling({ success: true, probabilities: q, steps: 2 }, 1, 0.05, ['✓', '✗', '★']),
    'Fooled: it now says ✗ (70.0 %) after 2 steps; no pixel changed by more than 5 % of full ink.');
  assert.equal(describeFooling({ success: false, probabilities: q, steps: 9 }, 2, 0.5, ['✓', '✗', '★']),
    'Not fooled within 9 steps: it still says ✗ (70.0 %); ★ has 10.0 %.');
});

test('explainDecision: the gradient of log p(digit), or for a network sure to float precision the contrast with the runner-up', async () => {
  const lenet = await loadLeNet();
  const digits = mnist('t10k', 4);
  const load = (name) => lenet.load(readFileSync(path.join(root, `models/${name}.bin`)));
  let contrasts = 0;
  for (const name of ['modern', 'lecun1998']) {
    const net = load(name);
    for (let k = 0; k < 4; k++) {
      const x = Float32Array.from(digits.images.subarray(k * 784, (k + 1) * 784), (v) => v / 255);
      const probs = net.predict(x);
      const scores = net.featureMaps().output.data;
      const rbf = name === 'lecun1998';
      const why = explainDecision(net, x, probs, { scores, lowerIsBetter: rbf });
      assert.equal(why.digit, digits.labels[k]);
      const own = net.inputGradient(x, why.digit);
      if (why.versus === null) {
        assert.deepEqual(why.gradient, own);
      } else {
        contrasts++;
        const sure = probs.every((v, i) => i === why.digit || v < FLAT);
        assert.ok(sure || own.every((v) => Math.abs(v) < FLAT), `${name} ${k}: only where p(digit) = 1 to float precision`);
        assert.equal(why.versus, runnerUp(probs, why.digit, scores, rbf));
        assert.deepEqual(why.gradient, net.inputGradient(x, why.versus).map((v) => -v));
        assert.ok(why.gradient.some((v) => Math.abs(v) > 1e-3), `${name} ${k}: the contrast has a slope`);
      }
    }
    net.dispose();
  }
  assert.ok(contrasts > 0, 'lecun1998 is sure of some MNIST digits to float precision');
});
