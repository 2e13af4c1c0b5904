// Divergence through the JavaScript API recovers: modern with Adam at 0.3 (which once threw on every later
// step, even at a small rate, because the weights it "restored" were already ruined) stops with a
// DivergenceError, the network is back at a state it went through whose held-out loss is at most 1.5 times
// the loss before the run, and after setLearningRate(1e-4) 30 steps train. Both WebAssembly builds, batches
// of 32 and 128 (the first fails on the loss of step 2, the second on the weights of step 3).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import { mnist } from './helpers.mjs';

const TRAIN = mnist('train', 128 * 12);
const HELD_OUT = mnist('t10k', 500);
const MAX_STEPS = 20;
const LATER_STEPS = 30;

function batch(size, k) {
  const start = (k * size) % (TRAIN.count - size + 1);
  return [TRAIN.images.subarray(start * 784, (start + size) * 784), TRAIN.labels.subarray(start, start + size)];
}

for (const simd of [true, false]) {
  for (const size of [32, 128]) {
    test(`${simd ? 'simd' : 'nosimd'}, batch ${size}: modern/adam/0.3 diverges, comes back to a sane state and trains on at 1e-4`, async () => {
      const lenet = await loadLeNet({ simd });
      const net = lenet.create({ preset: 'modern', optimizer: 'adam', learningRate: 0.3 });
      try {
        const before = net.evaluate(HELD_OUT.images, HELD_OUT.labels).loss;
        const saved = []; // saved[k]: the model after k steps
        let error = null;
        for (let k = 0; k < MAX_STEPS && !error; k++) {
          saved.push(net.save());
          try {
            net.trainBatch(...batch(size, k));
          } catch (e) {
            error = e;
          }
        }
        assert.ok(error, `no DivergenceError within ${MAX_STEPS} steps`);
        assert.equal(error.name, 'DivergenceError');
        assert.match(error.message, /^training diverged at step \d+: .*\(learning rate 0\.3\); the weights and optimizer state are back to the last good step/);
        // A state training went through, step count and all.
        assert.ok(net.steps < saved.length);
        assert.deepEqual(net.save(), saved[net.steps]);
        const after = net.evaluate(HELD_OUT.images, HELD_OUT.labels).loss;
        assert.ok(after <= 1.5 * before, `held-out loss ${after} after the error, ${before} before the run`);

        net.setLearningRate(1e-4);
        const steps = net.steps;
        for (let k = 0; k < LATER_STEPS; k++) {
          const r = net.trainBatch(...batch(size, k + 3));
          assert.ok(Number.isFinite(r.loss));
        }
        assert.equal(net.steps, steps + LATER_STEPS);
        assert.ok(net.evaluate(HELD_OUT.images, HELD_OUT.labels).loss <= 1.5 * before);
      } finally {
        net.dispose();
      }
    });
  }
}
