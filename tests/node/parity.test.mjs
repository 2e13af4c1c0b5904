// One engine everywhere: the WASM SIMD build, the WASM scalar build and the native tool train the same
// network on the same data to the same losses, predict the same, and read each other's model files.
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
const relClose = (a, b, tol = 1e-4) => Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b));

function nativeTrain(preset, seed, out) {
  const json = execFileSync(tool, ['train', '--preset', preset, '--seed', String(seed), '--train-limit', String(STEPS * BATCH),
    '--test-limit', '200', '--epochs', '1', '--batch', String(BATCH), '--no-shuffle', '--json', '--out', out], { cwd: root, encoding: 'utf8' });
  return JSON.parse(json);
}

for (const preset of ['modern', 'lecun1998']) {
  test(`${preset}: SIMD, scalar WASM and the native tool agree after ${STEPS} steps`, async () => {
    assert.ok(fs.existsSync(tool), `${tool} is missing: run npm run build`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-parity-'));
    const nativeModel = path.join(dir, 'native.bin');
    const native = nativeTrain(preset, 7, nativeModel);
    assert.equal(native.steps, STEPS);

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
      const testImages = side === 32 ? pad32(test200.images) : test200.images;
      const probs = net.predictBatch(testImages);
      // The native model, loaded here, predicts what this network predicts.
      const fromNative = lenet.load(new Uint8Array(fs.readFileSync(nativeModel)));
      const nativeProbs = fromNative.predictBatch(testImages);
      for (let k = 0; k < 200; k++) {
        assert.equal(argmax(probs, k * 10, 10), argmax(nativeProbs, k * 10, 10), `${lenet.build}: image ${k} predicted differently`);
      }
      let worst = 0;
      for (let i = 0; i < probs.length; i++) worst = Math.max(worst, Math.abs(probs[i] - nativeProbs[i]));
      assert.ok(worst < 1e-3, `${lenet.build}: probabilities differ from the native model's by ${worst}`);
      // The other way round: this network's file, evaluated by the native tool.
      const wasmModel = path.join(dir, `${lenet.build}.bin`);
      fs.writeFileSync(wasmModel, net.save());
      const evalNative = JSON.parse(execFileSync(tool, ['eval', '--model', wasmModel, '--limit', '200', '--json'], { cwd: root, encoding: 'utf8' }));
      const evalHere = net.evaluate(testImages, test200.labels);
      assert.equal(evalNative.accuracy.toFixed(4), evalHere.accuracy.toFixed(4));
      assert.ok(relClose(evalNative.loss, evalHere.loss, 1e-4), `eval loss native ${evalNative.loss} vs ${evalHere.loss}`);
      results[lenet.build] = { losses, mean: losses.reduce((a, b) => a + b, 0) / STEPS };
      net.dispose();
      fromNative.dispose();
    }
    const { simd, nosimd } = results;
    assert.ok(relClose(simd.losses[STEPS - 1], nosimd.losses[STEPS - 1]),
      `loss after ${STEPS} steps: SIMD ${simd.losses[STEPS - 1]} vs scalar ${nosimd.losses[STEPS - 1]}`);
    assert.ok(relClose(simd.mean, native.epochs[0].loss), `mean loss: SIMD ${simd.mean} vs native ${native.epochs[0].loss}`);
    assert.ok(relClose(nosimd.mean, native.epochs[0].loss), `mean loss: scalar ${nosimd.mean} vs native ${native.epochs[0].loss}`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
}
