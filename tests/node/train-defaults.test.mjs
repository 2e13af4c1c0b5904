// The training settings the page and the <lenet-trainer> element start from (web/train-defaults.js) make
// every preset learn for every seed tried, not only for the default one: the page's run (the training
// worker's session with the same networkOptions and sessionOptions: one pass over the 12,000-digit subset,
// the preset's schedule) and the element's loop
// (web/widget/elements.js: samples drawn with replacement from the seed, constant rate), run through the
// JavaScript API on the same MNIST digits the page serves (the first 12,000 training, first 500 test).
// With classic at its preset's 0.01 the page's loop ends at chance (13.4 %) for seed 8 and the element's
// loop leaves seeds 1, 3 and 4 at 10-44 %: these tests fail there.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import { padImages } from '../../web/images.js';
import { TRAIN_DEFAULTS, networkOptions, scheduledRate, seededRandom, sessionOptions, shuffle } from '../../web/train-defaults.js';
import { mnist } from './helpers.mjs';

const TRAIN = mnist('train', 12000);
const HELD_OUT = mnist('t10k', 500);
const lenet = await loadLeNet({ simd: true });

// The digits padded to each input side once, not once per run.
const padded = new Map();
function paddedTo(side) {
  if (!padded.has(side)) {
    padded.set(side, {
      images: padImages(TRAIN.images, TRAIN.count, 28, side),
      heldOut: padImages(HELD_OUT.images, HELD_OUT.count, 28, side),
    });
  }
  return padded.get(side);
}

function create(preset, seed) {
  const d = TRAIN_DEFAULTS[preset];
  const net = lenet.create({ preset, seed, optimizer: d.optimizer, learningRate: d.learningRate, batchSize: d.batchSize, dropout: d.dropout });
  const side = net.inputSize;
  return { net, d, pix: side * side, ...paddedTo(side) };
}

// One epoch as the page's worker trains it (web/train-worker.js); returns the held-out accuracy.
function pageRun(preset, seed) {
  const settings = { ...TRAIN_DEFAULTS[preset], preset, seed, epochs: 1 };
  const net = lenet.create(networkOptions(settings));
  try {
    const session = net.startTraining(TRAIN, sessionOptions(settings, HELD_OUT));
    let last;
    while (!session.finished) last = session.run(64);
    return last.heldOut.accuracy;
  } finally {
    net.dispose();
  }
}

// `steps` batches as <lenet-trainer> trains them; returns the held-out accuracy.
function elementRun(preset, seed, steps) {
  const { net, d, pix, images, heldOut } = create(preset, seed);
  try {
    const random = seededRandom(seed);
    const bi = new Uint8Array(d.batchSize * pix);
    const bl = new Uint8Array(d.batchSize);
    for (let s = 0; s < steps; s++) {
      for (let i = 0; i < d.batchSize; i++) {
        const k = Math.floor(random() * TRAIN.count);
        bi.set(images.subarray(k * pix, (k + 1) * pix), i * pix);
        bl[i] = TRAIN.labels[k];
      }
      net.trainBatch(bi, bl);
    }
    return net.evaluate(heldOut, HELD_OUT.labels).accuracy;
  } finally {
    net.dispose();
  }
}

const PAGE = { classic: { seeds: 10, least: 0.8 }, lecun1998: { seeds: 3, least: 0.9 }, modern: { seeds: 3, least: 0.96 } };

for (const [preset, { seeds, least }] of Object.entries(PAGE)) {
  test(`the page's ${preset} settings reach ${least * 100} % in one pass for seeds 1-${seeds}`, (t) => {
    const got = Array.from({ length: seeds }, (_, i) => pageRun(preset, i + 1));
    t.diagnostic(`${preset}: ${got.map((a) => (a * 100).toFixed(1)).join(' ')} %`);
    got.forEach((a, i) => assert.ok(a >= least, `seed ${i + 1}: ${(a * 100).toFixed(1)} %`));
  });
}

test('<lenet-trainer> classic reaches 75 % within 250 steps for seeds 1-6', (t) => {
  const got = Array.from({ length: 6 }, (_, i) => elementRun('classic', i + 1, 250));
  t.diagnostic(`classic: ${got.map((a) => (a * 100).toFixed(1)).join(' ')} %`);
  got.forEach((a, i) => assert.ok(a >= 0.75, `seed ${i + 1}: ${(a * 100).toFixed(1)} %`));
});

test('seededRandom: the same seed gives the same sequence, in [0, 1); shuffle is a permutation', () => {
  const a = seededRandom(42), b = seededRandom(42), c = seededRandom(43);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.notDeepEqual(xs, Array.from({ length: 1000 }, () => c()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.ok(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5) < 0.05);
  const order = Int32Array.from({ length: 100 }, (_, i) => i);
  shuffle(order, seededRandom(1));
  assert.deepEqual([...order].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.notDeepEqual([...order], Array.from({ length: 100 }, (_, i) => i));
  assert.equal(scheduledRate(0.01, 'constant', 0.7), 0.01);
  assert.ok(Math.abs(scheduledRate(0.01, 'decay', 1) - 0.001) < 1e-12);
});
