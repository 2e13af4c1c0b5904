// The JavaScript API (web/lenet.js) on both WebAssembly builds: every function, and its errors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { canUseThreads, hasSimd, loadLeNet } from '../../web/lenet.js';
import { mnist, pad32, root, withChecksum } from './helpers.mjs';

const builds = {};
async function build(simd) {
  builds[simd] ??= await loadLeNet({ simd });
  return builds[simd];
}

const data = mnist('t10k', 256);

test('threads: the threaded build is for isolated browser pages; elsewhere one thread, with clear errors', async () => {
  assert.equal(canUseThreads(), false, 'Node cannot run the web-only threaded build');
  await assert.rejects(loadLeNet({ threads: true }), /the threaded build runs in browsers only/);
  await assert.rejects(loadLeNet({ threads: 2 }), /options.threads must be/);
  const auto = await loadLeNet({ threads: 'auto' });
  assert.equal(auto.build, 'simd');
  assert.equal(auto.maxThreads, 1);
  const net = auto.create({ seed: 4 });
  assert.equal(net.threads, 1);
  net.setThreads(1);
  assert.throws(() => net.setThreads(2), /threads 2 is outside 1\.\.1 \(this WebAssembly build has no threads/);
  assert.throws(() => net.setThreads(1.5), /threads must be an integer/);
  assert.equal(net.threads, 1);
  const r = net.trainBatch(data.images.subarray(0, 16 * 784), data.labels.subarray(0, 16));
  assert.equal(r.count, 16);
  net.dispose();
});

test('loadLeNet picks SIMD where the engine has it and says which build runs', async () => {
  assert.equal(hasSimd(), true, 'Node 20 supports WebAssembly SIMD128');
  assert.equal((await loadLeNet()).build, 'simd');
  assert.equal((await build(true)).build, 'simd');
  assert.equal((await build(false)).build, 'nosimd');
  await assert.rejects(loadLeNet({ simd: 'maybe' }), /options.simd must be/);
  // Where the builds are: baseUrl, wasmUrl, or the bytes themselves.
  const wasmDir = pathToFileURL(path.join(root, 'build/wasm/'));
  assert.equal((await loadLeNet({ simd: false, baseUrl: wasmDir })).build, 'nosimd');
  const wasmBinary = fs.readFileSync(new URL('lenet-simd.wasm', wasmDir));
  const fromBytes = await loadLeNet({ simd: true, baseUrl: wasmDir, wasmUrl: 'no-such-file.wasm', wasmBinary });
  assert.equal(fromBytes.build, 'simd');
  const small = fromBytes.create({ seed: 3 });
  assert.equal(small.predict(data.images.subarray(0, 784)).length, 10);
  small.dispose();
  await assert.rejects(loadLeNet({ simd: true, baseUrl: wasmDir, wasmUrl: 'no-such-file.wasm' }), /no-such-file\.wasm/);
  await assert.rejects(loadLeNet({ baseUrl: pathToFileURL(path.join(root, 'no-such-dir/')) }), /no-such-dir/);
});

for (const simd of [true, false]) {
  const label = simd ? 'simd' : 'nosimd';

  test(`${label}: presets, create, train, evaluate, predict`, async () => {
    const lenet = await build(simd);
    const presets = lenet.presets();
    assert.deepEqual(Object.keys(presets), ['modern', 'classic', 'lecun1998']);
    assert.equal(presets.modern.learningRate, 0.001);
    assert.equal(presets.lecun1998.output, 'rbf');
    for (const preset of ['modern', 'classic', 'lecun1998']) {
      const net = lenet.create({ preset, seed: 5 });
      const side = net.inputSize;
      const images = side === 32 ? pad32(data.images) : data.images;
      const before = net.evaluate(images, data.labels);
      for (let i = 0; i < 15; i++) net.trainBatch(images.subarray(0, 64 * side * side), data.labels.subarray(0, 64));
      const after = net.evaluate(images, data.labels);
      assert.ok(after.loss < before.loss, `${preset}: loss ${before.loss} -> ${after.loss}`);
      assert.ok(after.accuracy > before.accuracy, `${preset}: accuracy ${before.accuracy} -> ${after.accuracy}`);
      assert.equal(after.count, 256);
      assert.equal(net.steps, 15);
      const p = net.predict(images.subarray(0, side * side));
      assert.equal(p.length, 10);
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      const batch = net.predictBatch(images.subarray(0, 5 * side * side));
      assert.equal(batch.length, 50);
      for (let i = 0; i < 10; i++) assert.ok(Math.abs(batch[i] - p[i]) < 1e-6);
      // Float input in [0, 1] is the same as bytes / 255.
      const f = Float32Array.from(images.subarray(0, side * side), (v) => v / 255);
      const pf = net.predict(f);
      for (let i = 0; i < 10; i++) assert.ok(Math.abs(pf[i] - p[i]) < 1e-6);
      assert.equal(net.config().preset, preset);
      net.dispose();
    }
  });

  test(`${label}: every network takes 28x28 images and places them as padding by hand would`, async () => {
    const lenet = await build(simd);
    const images28 = data.images.subarray(0, 32 * 784), labels = data.labels.subarray(0, 32);
    const images32 = pad32(images28);
    for (const preset of ['modern', 'classic', 'lecun1998']) {
      const a = lenet.create({ preset, seed: 3, dropout: 0 });
      const b = lenet.create({ preset, seed: 3, dropout: 0 });
      assert.deepEqual(a.predictBatch(images28), b.predictBatch(images32), preset);
      assert.deepEqual(a.evaluate(images28, labels), b.evaluate(images32, labels), preset);
      assert.deepEqual(a.trainBatch(images28, labels), b.trainBatch(images32, labels), preset);
      assert.deepEqual(a.save(), b.save(), preset);
      assert.throws(() => a.predict(new Uint8Array(900)), /900 values for 1 image\(s\): expected 784 \(28x28\) or 1024 \(32x32\)/);
      a.dispose();
      b.dispose();
    }
  });

  test(`${label}: feature maps, weights, freeze, save and load`, async () => {
    const lenet = await build(simd);
    const net = lenet.create({ preset: 'modern', seed: 2 });
    net.predict(data.images.subarray(0, 784));
    const maps = net.featureMaps();
    assert.deepEqual(maps.C1.shape, [6, 28, 28]);
    assert.deepEqual(maps.S2.shape, [6, 14, 14]);
    assert.deepEqual(maps.C3.shape, [16, 10, 10]);
    assert.deepEqual(maps.S4.shape, [16, 5, 5]);
    assert.deepEqual(maps.C5.shape, [120]);
    assert.deepEqual(maps.F6.shape, [84]);
    assert.deepEqual(maps.output.shape, [10]);
    assert.equal(maps.C1.data.length, 6 * 28 * 28);
    assert.deepEqual(net.weights('C1').shape, [6, 1, 5, 5]);
    assert.deepEqual(net.weights('C3').shape, [16, 6, 5, 5]);
    assert.deepEqual(net.weights('OUTPUT').shape, [10, 84]);
    assert.deepEqual(net.biases('C1').shape, [6]);

    net.freeze(['C1', 'S2', 'C3', 'S4']);
    assert.deepEqual(net.frozen(), ['C1', 'S2', 'C3', 'S4']);
    const c1 = net.weights('C1').data;
    const f6 = net.weights('F6').data;
    net.trainBatch(data.images.subarray(0, 32 * 784), data.labels.subarray(0, 32));
    assert.deepEqual(net.weights('C1').data, c1);
    assert.notDeepEqual(net.weights('F6').data, f6);
    net.unfreeze('C1');
    assert.deepEqual(net.frozen(), ['S2', 'C3', 'S4']);

    const bytes = net.save();
    assert.ok(bytes instanceof Uint8Array);
    const copy = lenet.load(bytes);
    assert.deepEqual(copy.save(), bytes);
    assert.deepEqual(copy.config(), net.config());
    assert.deepEqual(copy.predict(data.images.subarray(784, 1568)), net.predict(data.images.subarray(784, 1568)));
    assert.deepEqual(copy.frozen(), ['S2', 'C3', 'S4']);
    net.setLearningRate(0.0005);
    assert.equal(net.config().learningRate, 0.0005);
    copy.dispose();
    net.dispose();
  });

  test(`${label}: preprocess a drawing; an empty drawing is null`, async () => {
    const lenet = await build(simd);
    const w = 200;
    const h = 150;
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let y = 20; y < 130; y++) for (let x = 150; x < 160; x++) rgba[(y * w + x) * 4 + 3] = 255; // a black bar, transparent page
    const x28 = lenet.preprocess({ data: rgba, width: w, height: h });
    assert.equal(x28.length, 784);
    const x32 = lenet.preprocess({ data: rgba, width: w, height: h }, 32);
    assert.equal(x32.length, 1024);
    // The bar is 20 px tall, centred by mass near pixel 14.
    let mass = 0;
    let my = 0;
    for (let i = 0; i < 784; i++) { mass += x28[i]; my += x28[i] * Math.floor(i / 28); }
    assert.ok(Math.abs(my / mass - 14) < 1, `centre of mass row ${my / mass}`);
    assert.equal(lenet.preprocess({ data: new Uint8ClampedArray(w * h * 4), width: w, height: h }), null);
    const gray = new Uint8Array(30 * 30).fill(255);
    gray[15 * 30 + 15] = 0;
    gray[16 * 30 + 15] = 0;
    assert.equal(lenet.preprocess({ data: gray, width: 30, height: 30 }).length, 784);
    assert.throws(() => lenet.preprocess({ data: rgba, width: w, height: h + 1 }), /do not make a 200x151/);
    assert.throws(() => lenet.preprocess({ data: rgba, width: 0, height: h }), /positive integers/);
    assert.throws(() => lenet.preprocess({ data: rgba, width: w, height: h }, 30), /28 or 32/);
    assert.equal(lenet.preprocess({ data: new Uint8Array(4).fill(255), width: 1, height: 1 }), null);
    assert.equal(lenet.preprocess({ data: new Uint8Array(1), width: 1, height: 1 }), null);
    assert.throws(() => lenet.preprocess({ data: new Uint8Array(1e8), width: 1e4, height: 1e4 }), /10000x10000 is too large/);
    assert.throws(() => lenet.preprocess({ data: new Float32Array(900), width: 30, height: 30 }), /Uint8Array or Uint8ClampedArray/);
    assert.throws(() => lenet.preprocess(null), TypeError);
  });

  test(`${label}: predictDrawing is preprocess then predict, in one call, at each network's input size`, async () => {
    const lenet = await build(simd);
    const w = 120;
    const h = 90;
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let y = 10; y < 80; y++) for (let x = 40 + (y >> 2); x < 52 + (y >> 2); x++) rgba.set([20, 20, 20, 255], (y * w + x) * 4);
    const drawing = { data: rgba, width: w, height: h };
    for (const preset of ['modern', 'classic']) {
      const net = lenet.create({ preset, seed: 3 });
      const side = net.inputSize;
      const r = net.predictDrawing(drawing);
      const image = lenet.preprocess(drawing, side);
      assert.deepEqual(r.input, image, `${preset}: the image the network saw`);
      assert.deepEqual(r.probabilities, net.predict(image), `${preset}: the same probabilities to the bit`);
      assert.ok(Math.abs(r.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      // The feature maps are this drawing's, as after predict().
      const maps = net.featureMaps();
      net.predictDrawing(drawing);
      assert.deepEqual(net.featureMaps().C1.data, maps.C1.data);
      // Nothing drawn: null, and the network still works; bad drawings: the same errors as preprocess().
      assert.equal(net.predictDrawing({ data: new Uint8ClampedArray(w * h * 4), width: w, height: h }), null);
      assert.throws(() => net.predictDrawing({ data: rgba, width: w, height: h + 1 }), /do not make a 120x91/);
      assert.throws(() => net.predictDrawing({ data: new Float32Array(16), width: 4, height: 4 }), /Uint8Array or Uint8ClampedArray/);
      assert.throws(() => net.predictDrawing(null), /predictDrawing\(\) takes ImageData/);
      assert.deepEqual(net.predictDrawing(drawing).probabilities, r.probabilities);
      // A big drawing (over the 1 MiB staging kept for reuse) works and gives its bytes back.
      const big = new Uint8ClampedArray(800 * 600 * 4);
      for (let y = 100; y < 500; y++) for (let x = 380; x < 420; x++) big[(y * 800 + x) * 4 + 3] = 255;
      const malloc0 = lenet.mallocBytes();
      assert.equal(net.predictDrawing({ data: big, width: 800, height: 600 }).probabilities.length, 10);
      assert.ok(lenet.mallocBytes() - malloc0 < 1 << 20, 'the staging of a big drawing is freed');
      net.dispose();
      assert.throws(() => net.predictDrawing(drawing), /disposed/);
    }
  });

  test(`${label}: bad input gets a clear Error and the network stays usable`, async () => {
    const lenet = await build(simd);
    const net = lenet.create({ preset: 'modern', seed: 9 });
    const images = data.images.subarray(0, 8 * 784);
    const labels = data.labels.subarray(0, 8);
    net.trainBatch(images, labels);
    const saved = net.save();
    const probe = net.predict(images.subarray(0, 784));

    assert.throws(() => net.trainBatch(images.subarray(0, 700), labels.subarray(0, 1)), /700 values for 1 image\(s\): expected 784 \(28x28\) or 1024 \(32x32\)/);
    assert.throws(() => net.trainBatch(images, labels.subarray(0, 7)), /6272 values for 7 image/);
    const badLabels = labels.slice();
    badLabels[3] = 10;
    assert.throws(() => net.trainBatch(images, badLabels), /label 10 at index 3 is out of range 0..9/);
    const nan = new Float32Array(784);
    nan[100] = NaN;
    assert.throws(() => net.predict(nan), /image 0, pixel 100 is NaN/);
    const inf = new Float32Array(2 * 784);
    inf[784 + 5] = Infinity;
    assert.throws(() => net.trainBatch(inf, labels.subarray(0, 2)), /image 1, pixel 5 is infinite/);
    assert.throws(() => net.predict([1, 2, 3]), TypeError);
    assert.throws(() => net.predictBatch(images.subarray(0, 1000)), /1000 values for some image\(s\): expected a whole number of 28x28 \(784\) or 32x32 \(1024\) images/);
    assert.throws(() => net.trainBatch(images, Array.from(labels)), /labels must be a Uint8Array/);
    assert.throws(() => net.weights('C9'), /unknown layer 'C9'/);
    assert.throws(() => net.freeze(['C1', 'X']), /unknown layer 'X'/);
    assert.deepEqual(net.frozen(), []); // nothing half-applied
    assert.throws(() => net.setLearningRate(-1), /learningRate must be a finite number > 0/);
    assert.throws(() => net.setLearningRate(NaN), /learningRate/);
    assert.deepEqual(net.save(), saved);
    assert.deepEqual(net.predict(images.subarray(0, 784)), probe);

    // Model files: each kind of damage named; the network in use untouched.
    assert.throws(() => lenet.load(saved.subarray(0, 100)), /truncated/);
    assert.throws(() => lenet.load(new Uint8Array(0)), /empty/);
    const flipped = saved.slice();
    flipped[5000] ^= 1;
    assert.throws(() => lenet.load(flipped), /checksum mismatch/);
    const magic = saved.slice();
    magic[0] = 0x4d;
    assert.throws(() => lenet.load(magic), /not a LeNet-5 model file/);
    const version = saved.slice();
    version[8] = 7;
    assert.throws(() => lenet.load(version), /version 7 is not supported/);
    assert.throws(() => lenet.load('model.bin'), TypeError);
    const longer = new Uint8Array(saved.length + 1000);
    longer.set(saved);
    assert.throws(() => lenet.load(longer), /1000 unexpected bytes after the checksum/);
    // Damage behind a valid checksum (docs/model-format.md: config block at 16, parameters at 96).
    const nanWeight = saved.slice();
    new DataView(nanWeight.buffer).setFloat32(96 + 4 * 10, NaN, true);
    assert.throws(() => lenet.load(withChecksum(nanWeight)), /parameter 10 is NaN/);
    const infWeight = saved.slice();
    new DataView(infWeight.buffer).setFloat32(96 + 4 * 20, -Infinity, true);
    assert.throws(() => lenet.load(withChecksum(infWeight)), /parameter 20 is/);
    const wrongShape = saved.slice();
    wrongShape[16 + 1] = 2; // pooling: trainable subsampling needs 44 more parameters than the file holds
    assert.throws(() => lenet.load(withChecksum(wrongShape)), /holds 61706 parameters, but its configuration needs 61750/);
    const badCode = saved.slice();
    badCode[16] = 9;
    assert.throws(() => lenet.load(withChecksum(badCode)), /unknown activation code 9/);
    const badInput = saved.slice();
    new DataView(badInput.buffer).setUint32(16 + 20, 30, true);
    assert.throws(() => lenet.load(withChecksum(badInput)), /inputSize must be 28 or 32/);
    // Hundreds of MB are refused before they are copied into (never shrinking) wasm memory.
    const heap = lenet.heapBytes();
    assert.throws(() => lenet.load(new Uint8Array(300e6)), /300000000 bytes, too large/);
    assert.equal(lenet.heapBytes(), heap);
    assert.deepEqual(net.save(), saved);

    // Options.
    assert.throws(() => lenet.create({ preset: 'lenet7' }), /unknown preset 'lenet7'/);
    assert.throws(() => lenet.create({ learningrate: 0.1 }), /unknown option 'learningrate'/);
    assert.throws(() => lenet.create({ learningRate: '0.1' }), /learningRate must be a number/);
    assert.throws(() => lenet.create({ inputSize: 30 }), /inputSize must be 28 or 32/);
    assert.throws(() => lenet.create({ dropout: 1 }), /dropout must be in \[0, 1\)/);
    assert.throws(() => lenet.create({ activation: 'gelu' }), /unknown activation 'gelu'/);
    assert.throws(() => lenet.create({ optimizer: 'rmsprop' }), /unknown optimizer 'rmsprop'/);
    assert.throws(() => lenet.create({ seed: -1 }), /seed must be an integer/);
    const custom = lenet.create({ preset: 'classic', optimizer: 'momentum', learningRate: 0.05, batchSize: 32, dropout: 0.25, inputSize: 28, pooling: 'max', activation: 'tanh', output: 'mse' });
    assert.deepEqual(
      [custom.config().optimizer, custom.config().learningRate, custom.config().batchSize, custom.config().dropout, custom.config().inputSize, custom.config().pooling, custom.config().activation, custom.config().output, custom.config().preset],
      ['momentum', 0.05, 32, 0.25, 28, 'max', 'tanh', 'mse', 'custom'],
    );
    custom.dispose();

    // A diverging learning rate: a DivergenceError, and the weights of the last good step.
    const wild = lenet.create({ preset: 'modern', learningRate: 100, seed: 1 });
    const wildBefore = wild.save();
    assert.throws(() => wild.trainBatch(images, labels), (e) => e.name === 'DivergenceError' && /training diverged at step 1/.test(e.message));
    assert.deepEqual(wild.save(), wildBefore);
    for (const p of wild.predict(images.subarray(0, 784))) assert.ok(Number.isFinite(p));
    wild.dispose();

    // Disposed networks refuse politely; dispose is idempotent.
    net.dispose();
    net.dispose();
    assert.equal(net.disposed, true);
    assert.throws(() => net.predict(images.subarray(0, 784)), /network has been disposed/);
    assert.throws(() => net.save(), /network has been disposed/);
  });
}

test('no leak: 2,000 create/train/predict/error/dispose cycles leave the heap as it was', async () => {
  const lenet = await build(true);
  const images = data.images.subarray(0, 4 * 784);
  const labels = data.labels.subarray(0, 4);
  const badLabels = labels.slice();
  badLabels[1] = 12;
  const cycle = () => {
    const net = lenet.create({ preset: 'modern', batchSize: 4 });
    net.trainBatch(images, labels);
    net.predict(images.subarray(0, 784));
    net.featureMaps();
    const bytes = net.save();
    // The error paths free what they allocated too.
    assert.throws(() => net.trainBatch(images, badLabels), /label 12/);
    bytes[200] ^= 1;
    assert.throws(() => lenet.load(bytes), /checksum/);
    net.dispose();
  };
  for (let i = 0; i < 20; i++) cycle();
  const heap = lenet.heapBytes();
  const used = lenet.mallocBytes();
  for (let i = 0; i < 2000; i++) cycle();
  assert.equal(lenet.heapBytes(), heap, 'wasm memory grew');
  assert.equal(lenet.mallocBytes(), used, 'malloc in use changed');
});
