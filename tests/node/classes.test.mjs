// New classes through the JavaScript API: create with class names, withClasses from a trained model,
// names in the model file, float16 files; the errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import { argmax, mnist, root } from './helpers.mjs';

const lenet = await loadLeNet();
const SYMBOLS = ['✓', '✗', '★'];

// MNIST's 0, 1 and 2 standing in for three new classes.
function threeClasses(set, n, offset = 0) {
  const all = mnist(set, n * 4, offset);
  const images = [], labels = [];
  for (let k = 0; k < all.count && labels.length < n; k++) {
    if (all.labels[k] > 2) continue;
    images.push(all.images.subarray(k * 784, (k + 1) * 784));
    labels.push(all.labels[k]);
  }
  const out = new Uint8Array(labels.length * 784);
  images.forEach((img, i) => out.set(img, i * 784));
  return { images: out, labels: Uint8Array.from(labels) };
}

test('create({ classes: names }): K outputs, named; the names survive save and load, float16 too', () => {
  const net = lenet.create({ preset: 'modern', classes: SYMBOLS, seed: 3 });
  assert.deepEqual(net.classes(), SYMBOLS);
  assert.equal(net.config().classes, 3);
  assert.equal(net.config().preset, 'custom');
  const x = mnist('t10k', 1).images;
  assert.equal(net.predict(x).length, 3);
  assert.equal(net.predictBatch(mnist('t10k', 4).images).length, 12);
  const back = lenet.load(net.save());
  assert.deepEqual(back.classes(), SYMBOLS);
  assert.deepEqual(back.predict(x), net.predict(x));
  const half = net.save({ float16: true });
  assert.ok(half.length < net.save().length * 0.55, `${half.length} bytes against ${net.save().length}`);
  const h = lenet.load(half);
  assert.deepEqual(h.classes(), SYMBOLS);
  const p = h.predict(x), q = net.predict(x);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(p[i] - q[i]) < 0.01);
  assert.deepEqual(lenet.create({ preset: 'classic' }).classes(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  for (const n of [net, back, h]) n.dispose();
});

test('withClasses from the shipped model: the features stay, a fresh output learns the new classes', () => {
  const shipped = lenet.load(readFileSync(path.join(root, 'models/modern.bin')));
  // The shipped model's own rate is where its schedule ended (about 5e-5): a fresh output layer wants more.
  const derived = shipped.withClasses(SYMBOLS, { seed: 5, learningRate: 0.003 });
  assert.deepEqual(derived.classes(), SYMBOLS);
  assert.deepEqual(derived.frozen(), ['C1', 'S2', 'C3', 'S4', 'C5', 'F6']);
  for (const layer of ['C1', 'C3', 'C5', 'F6']) assert.deepEqual(derived.weights(layer), shipped.weights(layer), layer);
  assert.deepEqual(derived.weights('OUTPUT').shape, [3, 84]);
  const train = threeClasses('train', 24);  // eight examples per class
  const heldOut = threeClasses('t10k', 300, 500);
  const augment = { shift: 2, degrees: 12, scale: 0.12, stroke: 0.6 };
  const session = derived.startTraining(train, { heldOut, epochs: 30, augment, seed: 2 });
  let last;
  while (!session.finished) last = session.run(50);
  console.log(`# 3 new classes from 24 examples: held-out accuracy ${(100 * last.heldOut.accuracy).toFixed(1)} %`);
  assert.ok(last.heldOut.accuracy > 0.9, `held-out accuracy ${last.heldOut.accuracy}`);
  for (const layer of ['C1', 'C3', 'C5', 'F6']) assert.deepEqual(derived.weights(layer), shipped.weights(layer), layer);
  const p = derived.predict(heldOut.images.subarray(0, 784));
  assert.equal(SYMBOLS[argmax(p)], SYMBOLS[heldOut.labels[0]]);
  // everything trainable, at a chosen rate
  const tuned = shipped.withClasses(['a', 'b'], { freeze: false, learningRate: 0.0001 });
  assert.deepEqual(tuned.frozen(), []);
  assert.equal(tuned.config().learningRate, 0.0001);
  for (const n of [shipped, derived, tuned]) n.dispose();
});

test('bad class names are refused with a message; the network in hand is untouched', () => {
  const net = lenet.create({ preset: 'modern' });
  assert.throws(() => lenet.create({ classes: ['a'] }), /classes must be 2..64/);
  assert.throws(() => lenet.create({ classes: Array.from({ length: 65 }, (_, i) => `c${i}`) }), /classes must be 2..64/);
  assert.throws(() => lenet.create({ classes: ['a', 'a'] }), /class name 'a' is used twice/);
  assert.throws(() => lenet.create({ classes: ['a', ''] }), /class 1 has an empty name/);
  assert.throws(() => lenet.create({ classes: ['a', 2] }), /array of names/);
  assert.throws(() => lenet.create({ classes: ['a', 'x'.repeat(33)] }), /longer than 32 bytes/);
  assert.throws(() => net.withClasses(['a']), /1 names given, 2..64 needed/);
  assert.throws(() => net.withClasses('ab'), /array of names/);
  const paper = lenet.create({ preset: 'lecun1998' });
  assert.throws(() => paper.withClasses(['a', 'b']), /RBF output's fixed codes are the ten digits/);
  assert.throws(() => lenet.create({ preset: 'lecun1998', classes: ['a', 'b'] }), /classes must be 10 with the rbf output/);
  assert.deepEqual(net.classes().length, 10);
  net.dispose();
  paper.dispose();
});
