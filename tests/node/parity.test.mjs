// One engine everywhere: the WASM SIMD build, the WASM scalar build and the native tool train the same
// network on the same data to the same losses, predict the same, and read each other's model files.
// The native tool runs the same SIMD128 code (through SIMDe, products rounded as WebAssembly rounds them),
// so the SIMD build's model after training is the native tool's, bit for bit; the scalar build sums in
// another order and agrees up to float rounding.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import { argmax, mnist, pad32, root } from './helpers.mjs';

const tool = path.join(root, 'build/native/lenet');
const STEPS = 20;
const BATCH = 128;
const MODEL_HEADER = 96; // models/README.md: float32 parameters from here to the 4-byte checksum
const relDiff = (a, b) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
// The native tool prints its losses with 6 significant digits (%.6g): up to 5e-6 relative.
const PRINTED = 1e-5;

function nativeTrain(preset, seed, out) {
  const json = execFileSync(tool, ['train', '--preset', preset, '--seed', String(seed), '--train-limit', String(STEPS * BATCH),
    '--test-limit', '200', '--epochs', '1', '--batch', String(BATCH), '--no-shuffle', '--json', '--out', out], { cwd: root, encoding: 'utf8' });
  return JSON.parse(json);
}

function largestWeightDifference(a, b) {
  const va = new DataView(a.buffer, a.byteOffset, a.byteLength), vb = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let worst = 0;
  for (let i = MODEL_HEADER; i < a.length - 4; i += 4) worst = Math.max(worst, Math.abs(va.getFloat32(i, true) - vb.getFloat32(i, true)));
  return worst;
}

for (const preset of ['modern', 'classic', 'lecun1998']) {
  test(`${preset}: SIMD build = native tool (bit for bit) = scalar build (to rounding) after ${STEPS} steps`, async () => {
    assert.ok(fs.existsSync(tool), `${tool} is missing: run npm run build`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-parity-'));
    const nativeModel = path.join(dir, 'native.bin');
    const native = nativeTrain(preset, 7, nativeModel);
    assert.equal(native.steps, STEPS);
    const nativeBytes = new Uint8Array(fs.readFileSync(nativeModel));

    const train = mnist('train', STEPS * BATCH);
    const test200 = mnist('t10k', 200);
    const results = {};
    for (const simd of [true, false]) {
      const lenet = await loadLeNet({ simd });
      const net = lenet.create({ preset, seed: 7, batchSize: BATCH });
      const side = net.inputSize;
      const images = side === 32 ? pad32(train.images) : train.images;
      const losses = [];
      for (let s = 0; s < STEPS; s++) {
        losses.push(net.trainBatch(images.subarray(s * BATCH * side * side, (s + 1) * BATCH * side * side),
          train.labels.subarray(s * BATCH, (s + 1) * BATCH)).loss);
      }
      const saved = net.save();
      const weights = largestWeightDifference(saved, nativeBytes);
      if (simd) {
        assert.ok(Buffer.from(saved).equals(Buffer.from(nativeBytes)), `${lenet.build}: the model differs from the native tool's (weights by up to ${weights})`);
      } else {
        // Adam moves a weight by up to the learning rate (1e-3) per step; rounding stays far below that.
        assert.ok(weights < 1e-4, `${lenet.build}: weights differ from the native tool's by up to ${weights}`);
      }
      const testImages = side === 32 ? pad32(test200.images) : test200.images;
      const probs = net.predictBatch(testImages);
      // The native model, loaded here, predicts what this network predicts.
      const fromNative = lenet.load(nativeBytes);
      const nativeProbs = fromNative.predictBatch(testImages);
      let worst = 0;
      for (let k = 0; k < 200; k++) {
        assert.equal(argmax(probs, k * 10, 10), argmax(nativeProbs, k * 10, 10), `${lenet.build}: image ${k} predicted differently`);
        for (let i = k * 10; i < k * 10 + 10; i++) worst = Math.max(worst, Math.abs(probs[i] - nativeProbs[i]));
      }
      assert.ok(worst < 2e-5, `${lenet.build}: probabilities differ from the native model's by ${worst}`);
      // The other way round: this network's file, evaluated by the native tool.
      const wasmModel = path.join(dir, `${lenet.build}.bin`);
      fs.writeFileSync(wasmModel, saved);
      const evalNative = JSON.parse(execFileSync(tool, ['eval', '--model', wasmModel, '--limit', '200', '--json'], { cwd: root, encoding: 'utf8' }));
      const evalHere = net.evaluate(testImages, test200.labels);
      assert.equal(evalNative.accuracy.toFixed(4), evalHere.accuracy.toFixed(4));
      assert.ok(relDiff(evalNative.loss, evalHere.loss) < PRINTED, `eval loss native ${evalNative.loss} vs ${evalHere.loss}`);
      console.log(`# ${preset} (${lenet.build}): weights differ from native by up to ${weights}, probabilities by ${worst}`);
      results[lenet.build] = { losses, mean: losses.reduce((a, b) => a + b, 0) / STEPS };
      net.dispose();
      fromNative.dispose();
    }
    const { simd, nosimd } = results;
    // Every step's loss, not only the last: the scalar build sums in another order, nothing more.
    for (let s = 0; s < STEPS; s++) {
      assert.ok(relDiff(simd.losses[s], nosimd.losses[s]) < 1e-5, `loss of step ${s + 1}: SIMD ${simd.losses[s]} vs scalar ${nosimd.losses[s]}`);
    }
    assert.ok(relDiff(simd.mean, native.epochs[0].loss) < PRINTED, `mean loss: SIMD ${simd.mean} vs native ${native.epochs[0].loss}`);
    assert.ok(relDiff(nosimd.mean, native.epochs[0].loss) < PRINTED, `mean loss: scalar ${nosimd.mean} vs native ${native.epochs[0].loss}`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
}
