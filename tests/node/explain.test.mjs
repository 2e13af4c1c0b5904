// Explaining and probing a decision through the JavaScript API: net.inputGradient() and net.adversarial().
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import { argmax, mnist, pad32, root } from './helpers.mjs';

const lenet = await loadLeNet();
const digits = mnist('t10k', 8);
const shipped = (name) => lenet.load(readFileSync(path.join(root, `models/${name}.bin`)));
const image = (k) => digits.images.subarray(k * 784, (k + 1) * 784);

test('inputGradient: the gradient of log p(digit) at the network input size, for every shipped model', () => {
  for (const name of ['modern', 'classic', 'lecun1998']) {
    const net = shipped(name);
    const side = net.inputSize;
    const x = Float32Array.from(image(0), (v) => v / 255);
    // The runner-up class: the shipped models are sure of the label (p = 1 in float), so its log p is flat.
    const p0 = net.predict(x);
    p0[digits.labels[0]] = -1;
    const label = argmax(p0);
    const g = net.inputGradient(x, label);
    assert.equal(g.length, side * side, name);
    assert.ok(g.every(Number.isFinite), name);
    assert.ok(g.some((v) => v !== 0), name);
    // bytes count as value/255; a 32x32 image gives the same gradient as the 28x28 one it pads
    assert.deepEqual(net.inputGradient(image(0), label), g, name);
    assert.deepEqual(net.inputGradient(pad32(image(0)), label), g, name);
    // A step along the gradient raises log p(label); one against it lowers it (the sign is right).
    const offset = (side - 28) / 2;
    const along = (sign) => {
      const y = Float32Array.from(x);
      let norm = 0;
      for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) norm += g[(r + offset) * side + c + offset] ** 2;
      const k = (sign * 0.05) / Math.sqrt(norm);
      for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) y[r * 28 + c] += k * g[(r + offset) * side + c + offset];
      return Math.log(net.predict(y)[label]);
    };
    const base = Math.log(net.predict(x)[label]);
    assert.ok(along(1) > base && along(-1) < base, `${name}: ${along(-1)} < ${base} < ${along(1)}`);
    net.dispose();
  }
});

test('adversarial: images that the network really classifies as their targets', () => {
  for (const name of ['modern', 'classic', 'lecun1998']) {
    const net = shipped(name);
    for (let k = 0; k < 4; k++) {
      const x = Float32Array.from(image(k), (v) => v / 255);
      const target = (digits.labels[k] + 1 + k) % 10;
      const r = net.adversarial(x, target, { maxSteps: 300, stepSize: 0.02 });
      assert.ok(r.success, `${name}: image ${k} -> ${target} in ${r.steps} steps`);
      assert.equal(r.image.length, 784);
      assert.ok(r.image.every((v) => v >= 0 && v <= 1));
      assert.equal(argmax(net.predict(r.image)), target, `${name}: predict agrees`);
      assert.deepEqual(net.predict(r.image), r.probabilities);
      let largest = 0;
      for (let i = 0; i < 784; i++) largest = Math.max(largest, Math.abs(r.image[i] - x[i]));
      assert.ok(largest <= 0.02 * r.steps + 1e-6);
      console.log(`# ${name}: ${digits.labels[k]} -> ${target} in ${r.steps} steps, largest pixel change ${largest.toFixed(3)}`);
    }
    const once = net.adversarial(image(0), (digits.labels[0] + 5) % 10, { maxSteps: 1, stepSize: 0.001 });
    assert.equal(once.success, false);
    assert.equal(argmax(once.probabilities), digits.labels[0]);
    net.dispose();
  }
});

test('bad digits, lengths and values are refused with a message; the network stays usable', () => {
  const net = shipped('modern');
  const x = image(0);
  assert.throws(() => net.inputGradient(x, 10), /class 10 is out of range 0..9/);
  assert.throws(() => net.inputGradient(x, 1.5), /digit must be an integer/);
  assert.throws(() => net.inputGradient(new Float32Array(100), 1), /100 values for 1 image/);
  const nan = new Float32Array(784);
  nan[3] = NaN;
  assert.throws(() => net.inputGradient(nan, 1), /image 0, pixel 3 is NaN/);
  assert.throws(() => net.adversarial(x, -1), /class -1 is out of range/);
  assert.throws(() => net.adversarial(x, 3, { maxSteps: 0 }), /maxSteps must be 1..10000/);
  assert.throws(() => net.adversarial(x, 3, { stepSize: 2 }), /stepSize must be in \(0, 1\]/);
  assert.throws(() => net.adversarial(x, 3, { stepSize: '0.1' }), /stepSize must be a number/);
  assert.equal(argmax(net.predict(x)), digits.labels[0]);
  net.dispose();
});

test("c3ConnectionTable: the paper's Table I, as the lecun1998 network uses it", () => {
  const table = lenet.c3ConnectionTable();
  assert.equal(table.length, 96);
  // Table I: maps 0-5 take three contiguous S2 maps, 6-11 four contiguous, 12-14 four non-contiguous,
  // 15 all six; 60 connections in all.
  assert.equal(table.reduce((a, b) => a + b, 0), 60);
  assert.deepEqual(Array.from(table.subarray(0, 6)), [1, 1, 1, 0, 0, 0]);
  assert.deepEqual(Array.from(table.subarray(12 * 6, 13 * 6)), [1, 1, 0, 1, 1, 0]);
  assert.deepEqual(Array.from(table.subarray(15 * 6)), [1, 1, 1, 1, 1, 1]);
  // The shipped lecun1998 model's C3 weights are zero exactly where the table says "not connected".
  const net = shipped('lecun1998');
  const w = net.weights('C3').data;
  for (let oc = 0; oc < 16; oc++)
    for (let c = 0; c < 6; c++) {
      const block = w.subarray((oc * 6 + c) * 25, (oc * 6 + c + 1) * 25);
      assert.equal(block.some((v) => v !== 0), table[oc * 6 + c] === 1, `C3 map ${oc} from S2 map ${c}`);
    }
  net.dispose();
});
