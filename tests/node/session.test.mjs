// The training session through the JavaScript API: the loop the page's worker and the lesson element run.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import { mnist } from './helpers.mjs';

const lenet = await loadLeNet();
const train = mnist('train', 1500);
const heldOut = mnist('t10k', 300);

function runToEnd(session, steps = 16) {
  const reports = [];
  while (!session.finished) reports.push(session.run(steps));
  return reports;
}

test('a session trains every preset on 28x28 MNIST, evaluates as it goes, and ends', () => {
  for (const preset of ['modern', 'classic', 'lecun1998']) {
    const net = lenet.create({ preset, seed: 2, batchSize: 32, learningRate: preset === 'lecun1998' ? 0.003 : 0.005 });
    // Four stacked sigmoids (classic) sit on a plateau for the first couple of hundred steps; lecun1998's
    // RBF output starts slowly too.
    const epochs = { modern: 2, classic: 6, lecun1998: 4 }[preset];
    const session = net.startTraining(train, { heldOut, seed: 2, epochs, evalsPerEpoch: 2, evalLimit: 100, schedule: 'linear' });
    const reports = runToEnd(session);
    const quick = reports.filter((r) => r.heldOut && !r.heldOut.full);
    const ends = reports.filter((r) => r.epochEnd);
    assert.equal(quick.length, 2 * epochs, `${preset}: two quick evaluations per epoch`);
    assert.ok(quick.every((r) => r.heldOut.count === 100));
    assert.deepEqual(ends.map((r) => [r.epoch, r.heldOut.count, r.heldOut.full]),
      Array.from({ length: epochs }, (_, i) => [i + 1, 300, true]));
    assert.ok(ends.every((r) => r.heldOut.predicted.length === 300) && quick.every((r) => !r.heldOut.predicted));
    const last = reports.at(-1);
    assert.ok(last.finished && last.fraction === 1 && last.steps === epochs * Math.ceil(1500 / 32));
    assert.ok(last.learningRate < 0.2 * reports[0].learningRate, `${preset}: the linear schedule decays`);
    const { accuracy, correct, predicted } = session.evaluate({ predictions: true });
    assert.equal(predicted.length, 300);
    assert.equal(predicted.reduce((s, p, i) => s + (p === heldOut.labels[i]), 0), correct);
    assert.deepEqual(ends.at(-1).heldOut.predicted, predicted);
    console.log(`# ${preset}: held-out accuracy after ${epochs} epochs of 1,500: ${(100 * accuracy).toFixed(1)} %`);
    assert.ok(accuracy > 0.5, `${preset} learns (chance is 10 %)`);
    assert.throws(() => session.run(1), /the training session has finished/);
    session.dispose();
    net.dispose();
  }
});

test('the same seed gives the same session; the training set may be 32x32 too', () => {
  const once = (images, augment = false) => {
    const net = lenet.create({ preset: 'classic', seed: 4, batchSize: 50 });
    const session = net.startTraining({ images, labels: train.labels }, { seed: 9, augment });
    runToEnd(session, 7);
    const bytes = net.save();
    net.dispose();
    return bytes;
  };
  const pad = new Uint8Array(1500 * 1024);
  for (let k = 0; k < 1500; k++)
    for (let r = 0; r < 28; r++) pad.set(train.images.subarray(k * 784 + r * 28, k * 784 + r * 28 + 28), k * 1024 + (r + 2) * 32 + 2);
  const a = once(train.images);
  assert.deepEqual(once(train.images), a);
  assert.deepEqual(once(pad), a);
  const augmented = once(train.images, true);
  assert.deepEqual(once(train.images, true), augmented);
  assert.notDeepEqual(augmented, a);
});

test('after a divergence the session carries on from the same batch at a smaller rate', () => {
  const net = lenet.create({ preset: 'modern', seed: 1, batchSize: 32, learningRate: 50 });
  const session = net.startTraining(train, { heldOut });
  let done = 0;
  let error;
  for (let i = 0; i < 20 && !error; i++) {
    try {
      done = session.run(1).done;
    } catch (e) {
      error = e;
    }
  }
  assert.equal(error?.name, 'DivergenceError');
  session.setLearningRate(0.001);
  assert.equal(session.run(1).done, done + 32);
  const last = runToEnd(session).at(-1);
  assert.ok(Number.isFinite(last.heldOut.loss));
  net.dispose();
});

test('bad sets and options are refused with a message, and the network stays usable', () => {
  const net = lenet.create({ preset: 'modern' });
  assert.throws(() => net.startTraining(train, { epoch: 2 }), /unknown training option 'epoch'/);
  assert.throws(() => net.startTraining(train, { epochs: 0 }), /epochs must be 1..100000/);
  assert.throws(() => net.startTraining(train, { epochs: 1.5 }), /epochs must be an integer/);
  assert.throws(() => net.startTraining(train, { schedule: 'cosine' }), /unknown schedule 'cosine'/);
  assert.throws(() => net.startTraining(train, { augment: { shear: 1 } }), /unknown augmentation range 'shear'/);
  assert.throws(() => net.startTraining(train, { augment: { stroke: 2 } }), /max_stroke <= 1/);
  assert.throws(() => net.startTraining({ images: train.images.subarray(0, 700), labels: train.labels.subarray(0, 1) }),
    /train.images: 700 values for 1 image/);
  assert.throws(() => net.startTraining({ images: new Float32Array(784), labels: new Uint8Array(1) }), /Uint8Array/);
  const bad = train.labels.slice(0, 64);
  bad[5] = 10;
  assert.throws(() => net.startTraining({ images: train.images.subarray(0, 64 * 784), labels: bad }),
    /training set: label 10 of sample 5 is out of range 0..9/);
  assert.equal(net.predict(train.images.subarray(0, 784)).length, 10);
  const session = net.startTraining(train);
  net.dispose();
  assert.throws(() => session.run(1), /disposed/);
});
