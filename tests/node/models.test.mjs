// The shipped models (models/*.bin), loaded through the JavaScript API, reach the test accuracy that
// models/models.json documents (and models/README.md states) on all 10,000 MNIST test images; their
// float16 copies (dist/models/*.h16, what the widget downloads) keep that accuracy exactly, as the README says.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import { decodeHalfModel, encodeHalfModel } from '../../web/widget/half-model.js';
import { argmax, mnist, pad32, root } from './helpers.mjs';

const documented = JSON.parse(fs.readFileSync(path.join(root, 'models/models.json'), 'utf8'));
const testSet = mnist('t10k', 10000);
const MODEL_HEADER = 96; // models/README.md: the parameters follow the 96-byte header as float32

for (const [name, entry] of Object.entries(documented)) {
  test(`shipped ${name} model reaches its documented ${(entry.testAccuracy * 100).toFixed(2)} % in WebAssembly`, async () => {
    const file = path.join(root, 'models', `${name}.bin`);
    assert.ok(fs.existsSync(file), `${file} is missing`);
    for (const simd of [true, false]) {
      const lenet = await loadLeNet({ simd });
      const net = lenet.load(new Uint8Array(fs.readFileSync(file)));
      assert.equal(net.config().preset, name);
      const images = net.inputSize === 32 ? pad32(testSet.images) : testSet.images;
      const { accuracy, count } = net.evaluate(images, testSet.labels);
      assert.equal(count, 10000);
      // The native tool measured the documented figure; WebAssembly may round one borderline digit the
      // other way, hence one image of slack and no more.
      assert.ok(accuracy >= entry.testAccuracy - 1e-4, `${lenet.build}: ${accuracy} < documented ${entry.testAccuracy}`);
      net.dispose();
    }
  });

  test(`${name}: the float16 copy the widget downloads keeps the test accuracy exactly, digit for digit`, async () => {
    const bin = new Uint8Array(fs.readFileSync(path.join(root, 'models', `${name}.bin`)));
    const h16File = path.join(root, 'dist/models', `${name}.h16`);
    assert.ok(fs.existsSync(h16File), `${h16File} is missing: run npm run build (scripts/build-dist.mjs)`);
    const h16 = new Uint8Array(fs.readFileSync(h16File));
    assert.deepEqual(Buffer.from(h16), Buffer.from(encodeHalfModel(bin)), `dist/models/${name}.h16 is not the float16 form of models/${name}.bin (stale dist/?)`);
    // Decoded as the widget decodes it: the same header, every parameter rounded to float16 (11 significant
    // bits, so within 2^-11 of itself, or 2^-25 below float16's normal range) and many of them changed.
    const expanded = decodeHalfModel(h16);
    assert.equal(expanded.length, bin.length);
    assert.deepEqual(expanded.subarray(0, MODEL_HEADER), bin.subarray(0, MODEL_HEADER));
    const w32 = new DataView(bin.buffer, bin.byteOffset), w16 = new DataView(expanded.buffer, expanded.byteOffset);
    let changed = 0, outside = 0;
    for (let off = MODEL_HEADER; off < bin.length - 4; off += 4) {
      const a = w32.getFloat32(off, true), b = w16.getFloat32(off, true);
      if (a !== b) changed++;
      if (!(Math.abs(a - b) <= Math.max(Math.abs(a) * 2 ** -11, 2 ** -25))) outside++;
    }
    const params = (bin.length - MODEL_HEADER - 4) / 4;
    assert.equal(outside, 0, `${outside} parameters moved by more than float16 rounding`);
    assert.ok(changed > params / 2, `only ${changed} of ${params} parameters changed: not a float16 copy`);

    for (const simd of [true, false]) {
      const lenet = await loadLeNet({ simd });
      const full = lenet.load(bin), half = lenet.load(expanded);
      const images = full.inputSize === 32 ? pad32(testSet.images) : testSet.images;
      const pa = full.predictBatch(images), ph = half.predictBatch(images);
      let correctFull = 0, correctHalf = 0, flipped = 0, worst = 0;
      for (let k = 0; k < 10000; k++) {
        const da = argmax(pa, k * 10, 10), dh = argmax(ph, k * 10, 10);
        correctFull += da === testSet.labels[k];
        correctHalf += dh === testSet.labels[k];
        flipped += da !== dh;
        for (let j = k * 10; j < k * 10 + 10; j++) worst = Math.max(worst, Math.abs(pa[j] - ph[j]));
      }
      console.log(`# ${name} (${lenet.build}): float32 ${correctFull}/10000, float16 ${correctHalf}/10000 correct, ` +
        `${flipped} digits changed, probabilities differ by up to ${worst.toExponential(2)}`);
      // Measured: the same correct count and the same digit for all 10,000 images, for every shipped model.
      assert.equal(correctHalf, correctFull, `${lenet.build}: float16 ${correctHalf} correct vs float32 ${correctFull}`);
      assert.equal(flipped, 0, `${lenet.build}: float16 predicts ${flipped} test digits differently`);
      full.dispose();
      half.dispose();
    }
  });
}
