// The shipped models (models/*.bin), loaded through the JavaScript API, reach the test accuracy that
// models/models.json documents (and models/README.md states) on all 10,000 MNIST test images; their
// float16 copies (dist/models/*.float16.bin, written by the engine's save({ float16: true }), what the
// widget downloads) keep that accuracy exactly, as the README says, and every shipped file loads through
// lenet.load.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import { argmax, mnist, pad32, root } from './helpers.mjs';

const documented = JSON.parse(fs.readFileSync(path.join(root, 'models/models.json'), 'utf8'));
const testSet = mnist('t10k', 10000);
const MODEL_HEADER = 96; // docs/model-format.md: the parameters follow the 96-byte header as float32

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
    const f16File = path.join(root, 'dist/models', `${name}.float16.bin`);
    assert.ok(fs.existsSync(f16File), `${f16File} is missing: run npm run build (scripts/build-dist.mjs)`);
    const f16 = new Uint8Array(fs.readFileSync(f16File));
    const engine = await loadLeNet();
    const source = engine.load(bin);
    assert.deepEqual(Buffer.from(f16), Buffer.from(source.save({ float16: true })),
      `dist/models/${name}.float16.bin is not the engine's float16 save of models/${name}.bin (stale dist/?)`);
    source.dispose();
    assert.ok(f16.length < bin.length * 0.55, `${f16.length} bytes against ${bin.length}: not float16 storage`);
    // Read by the one loader and saved back as float32: the same header, every parameter rounded to
    // float16 (11 significant bits, so within 2^-11 of itself, or 2^-25 below float16's normal range) and
    // many of them changed.
    const loaded = engine.load(f16);
    const expanded = loaded.save();
    loaded.dispose();
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

    const documentedCorrect = Math.round(entry.testAccuracy * 10000);
    for (const simd of [true, false]) {
      const lenet = await loadLeNet({ simd });
      const full = lenet.load(bin), half = lenet.load(f16);
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
      // Measured: the documented count, and the same correct count and the same digit for all 10,000 images
      // with float16 parameters, for every shipped model.
      assert.equal(correctFull, documentedCorrect, `${lenet.build}: float32 ${correctFull} correct, documented ${documentedCorrect}`);
      assert.equal(correctHalf, correctFull, `${lenet.build}: float16 ${correctHalf} correct vs float32 ${correctFull}`);
      assert.equal(flipped, 0, `${lenet.build}: float16 predicts ${flipped} test digits differently`);
      full.dispose();
      half.dispose();
    }
  });
}

// Every model file the build ships goes through the engine's one loader: models/*.bin (the page's site),
// dist/models/* (the lesson elements) and the model embedded in dist/lenet-widget.single.js. Nothing else
// decodes a model file, so a file only another reader understood would fail here.
test('every shipped model file, float32 or float16, loads with lenet.load and is a known preset', async () => {
  const lenet = await loadLeNet();
  const files = [];
  for (const dir of ['models', 'dist/models']) {
    assert.ok(fs.existsSync(path.join(root, dir)), `${dir} is missing: run npm run build`);
    for (const f of fs.readdirSync(path.join(root, dir)).filter((n) => !n.endsWith('.json') && !n.endsWith('.md'))) {
      files.push({ where: `${dir}/${f}`, bytes: new Uint8Array(fs.readFileSync(path.join(root, dir, f))) });
    }
  }
  const single = fs.readFileSync(path.join(root, 'dist/lenet-widget.single.js'), 'utf8');
  // Base64 of at least 1,000 characters: a model, not some other string property of the bundle.
  const embedded = [...single.matchAll(/^ {2}(\w+): '([A-Za-z0-9+/=]{1000,})',$/gm)];
  assert.ok(embedded.length >= 1, 'lenet-widget.single.js embeds a model');
  for (const [, name, base64] of embedded) files.push({ where: `lenet-widget.single.js: ${name}`, bytes: new Uint8Array(Buffer.from(base64, 'base64')) });

  const presets = Object.keys(documented);
  const seen = [];
  for (const { where, bytes } of files) {
    const net = lenet.load(bytes);
    const preset = net.config().preset;
    assert.ok(presets.includes(preset) && path.basename(where).replace(/^.*: /, '').startsWith(preset), `${where}: preset ${preset}`);
    seen.push(`${where}:${bytes.length < 200_000 ? 'float16' : 'float32'}`);
    net.dispose();
  }
  console.log(`# loaded ${seen.join(' ')}`);
  for (const p of presets) {
    for (const f of [`models/${p}.bin`, `dist/models/${p}.bin`, `dist/models/${p}.float16.bin`]) {
      assert.ok(files.some((x) => x.where === f), `${f} is shipped`);
    }
  }
  assert.equal(files.length, 3 * presets.length + embedded.length, `only model files are shipped: ${files.map((f) => f.where).join(' ')}`);

  // A damaged float16 file is refused by the same loader, with what is wrong.
  const f16 = files.find((f) => f.where.endsWith('.float16.bin')).bytes.slice();
  f16[300] ^= 0x40;
  assert.throws(() => lenet.load(f16), /checksum/);
  assert.throws(() => lenet.load(f16.subarray(0, f16.length - 1)), /truncated/);
});
