// "Teach it new things" below the page: the class-set file (web/class-set.js) round trip and every kind of
// damage refused with a message that says what is wrong, and teach-classes.js: its checks of names,
// examples and options (each refused before anything trains), and a teaching of drawn symbols whose model
// file carries the class names and classifies the drawings it learned from.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { CLASS_SET_MAGIC, decodeClassSet, encodeClassSet, flattenClassSet } from '../../web/class-set.js';
import { loadLeNet } from '../../web/lenet.js';
import { LIMITS, TEACH_SETTINGS, checkClassNames, checkExamples, teachClasses, toExampleBytes } from '../../web/teach-classes.js';
import { rasterize, symbolSet } from '../browser/symbols.mjs';
import { root } from './helpers.mjs';

const lenet = await loadLeNet();
const BASE = new Uint8Array(readFileSync(path.join(root, 'models/modern.bin')));

// Drawn symbols (tests/browser/symbols.mjs) painted as the pad paints them and preprocessed by the engine.
function drawn(names, count, stream) {
  return names.map((name) => ({
    name,
    examples: symbolSet([name], count, stream).map((d) => toExampleBytes(lenet.preprocess(rasterize(d.strokes), 28))),
  }));
}

const SET = drawn(['✓', '✗', '★'], 4, 'node');
const FILE = encodeClassSet(SET);

const refused = (bytes, pattern) => assert.throws(() => decodeClassSet(bytes), (e) => {
  assert.match(e.message, /^not a usable class set: /);
  assert.match(e.message, pattern);
  return true;
});

// The file with its header replaced (a valid checksum, so only the header's content is judged).
function withHeader(header, images = new Uint8Array(0)) {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(16 + json.length + images.length + 4);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(CLASS_SET_MAGIC));
  view.setUint32(8, 1, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(images, 16 + json.length);
  // the checksum as class-set.js computes it, taken from a file it wrote
  const crc = (bytes) => {
    let c = ~0;
    for (const b of bytes) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  view.setUint32(out.length - 4, crc(out.subarray(0, out.length - 4)), true);
  return out;
}

test('a class set survives the round trip: names (any script), drawings byte for byte, order kept', () => {
  const classes = [...SET, { name: 'Ω long name', examples: [] }];
  const back = decodeClassSet(encodeClassSet(classes));
  assert.deepEqual(back.map((c) => c.name), ['✓', '✗', '★', 'Ω long name']);
  back.forEach((c, k) => {
    assert.equal(c.examples.length, classes[k].examples.length);
    c.examples.forEach((e, i) => assert.deepEqual(e, classes[k].examples[i]));
  });
  // an ArrayBuffer reads the same, and a subarray of a larger buffer too (as a fetch or a File may give)
  assert.deepEqual(decodeClassSet(FILE.slice().buffer), decodeClassSet(FILE));
  const padded = new Uint8Array(FILE.length + 10);
  padded.set(FILE, 5);
  assert.deepEqual(decodeClassSet(padded.subarray(5, 5 + FILE.length)), decodeClassSet(FILE));
  // the self-check of withHeader: a header written by hand reads like one encodeClassSet wrote
  assert.deepEqual(decodeClassSet(withHeader({ side: 28, classes: [{ name: 'a', examples: 0 }] })), [{ name: 'a', examples: [] }]);
  const flat = flattenClassSet(back);
  assert.deepEqual(flat.names, ['✓', '✗', '★', 'Ω long name']);
  assert.deepEqual([...flat.labels], [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  assert.deepEqual(flat.images.subarray(5 * 784, 6 * 784), SET[1].examples[1]);
});

test('every damaged byte and every truncation of a class set is refused', () => {
  // a flipped bit anywhere: the header, the images or the checksum itself
  for (let at = 0; at < FILE.length; at += at < 200 ? 1 : 97) {
    const bad = FILE.slice();
    bad[at] ^= 0x10;
    assert.throws(() => decodeClassSet(bad), /^Error: not a usable class set: /, `byte ${at} flipped`);
  }
  for (const length of [0, 3, 8, 15, 19, 40, FILE.length - 785, FILE.length - 4, FILE.length - 1]) {
    refused(FILE.subarray(0, length), /truncated|not 28x28|wrong kind/);
  }
  refused(FILE.subarray(0, 100), /truncated/);
  refused(FILE.subarray(0, FILE.length - 1), /truncated/);
  const longer = new Uint8Array(FILE.length + 784);
  longer.set(FILE);
  refused(longer, /more than its 12 28x28 examples/);
});

test('a class set that is another file or says the wrong things is refused, with what is wrong', () => {
  refused(new Uint8Array(BASE), /model file/);
  refused(new TextEncoder().encode('✓,✗,★\nnot a class set at all'), /wrong kind of file/);
  const v2 = FILE.slice();
  new DataView(v2.buffer).setUint32(8, 2, true);
  refused(v2, /format version 2/);
  const huge = FILE.slice();
  new DataView(huge.buffer).setUint32(12, 1 << 20, true);
  refused(huge, /header of 1048576 bytes/);
  refused(withHeader('{"side": 28, "classes": ['), /not valid JSON/);
  refused(withHeader('null'), /no list of classes/);
  refused(withHeader({ side: 28 }), /no list of classes/);
  refused(withHeader({ side: 32, classes: [{ name: 'a', examples: 0 }] }), /32 pixels square/);
  refused(withHeader({ side: 28, classes: [] }), /no classes/);
  refused(withHeader({ side: 28, classes: [{ name: 'a', examples: 0 }, { name: 'a', examples: 0 }] }), /'a' appears twice/);
  refused(withHeader({ side: 28, classes: [{ name: ' ', examples: 0 }] }), /class 1 has no name/);
  refused(withHeader({ side: 28, classes: [{ examples: 0 }] }), /class 1 has no name/);
  refused(withHeader({ side: 28, classes: [{ name: ' a', examples: 0 }] }), /starts or ends with a space/);
  refused(withHeader({ side: 28, classes: [{ name: '★'.repeat(11), examples: 0 }] }), /longer than 32 bytes/);
  refused(withHeader({ side: 28, classes: [{ name: 'a', examples: -1 }] }), /bad example count \(-1\)/);
  refused(withHeader({ side: 28, classes: [{ name: 'a', examples: 1.5 }] }), /bad example count/);
  refused(withHeader({ side: 28, classes: [{ name: 'a', examples: 2001 }] }), /2001 examples, at most 2000/);
  const names = Array.from({ length: 65 }, (_, i) => ({ name: `c${i}`, examples: 0 }));
  refused(withHeader({ side: 28, classes: names }), /65 classes, at most 64/);
  // images of another size: 32x32 drawings under a header that says 28x28
  refused(withHeader({ side: 28, classes: [{ name: 'a', examples: 2 }] }, new Uint8Array(2 * 1024)), /not 28x28/);
  // what cannot be written is not written
  assert.throws(() => encodeClassSet([{ name: 'a', examples: [new Uint8Array(1024)] }]), /28x28 bytes/);
  assert.throws(() => encodeClassSet([{ name: 'a', examples: [] }, { name: 'a', examples: [] }]), /appears twice/);
  assert.throws(() => decodeClassSet('LENETCS\n'), TypeError);
});

test('teach-classes.js refuses, before training, what it cannot teach, and says why', async () => {
  assert.throws(() => checkClassNames([]), /no classes yet: add at least two/);
  assert.throws(() => checkClassNames(['✓']), /only one class \(✓\): add at least one more/);
  assert.throws(() => checkClassNames(['a', 'a']), /'a' is used twice/);
  assert.throws(() => checkClassNames(['a', '']), /class 2 has an empty name/);
  assert.throws(() => checkClassNames(['a', 'b ']), /starts or ends with a space/);
  assert.throws(() => checkClassNames(['a', 'x'.repeat(33)]), /too long \(at most 32 bytes\)/);
  assert.throws(() => checkClassNames(Array.from({ length: 65 }, (_, i) => `c${i}`)), /65 classes: at most 64/);
  assert.throws(() => checkClassNames('a,b'), /must be a list/);
  assert.deepEqual(checkClassNames(['✓', '✗']), ['✓', '✗']);

  const { names, images, labels } = flattenClassSet(SET);
  assert.deepEqual(checkExamples(names, images, labels), [4, 4, 4]);
  const short = flattenClassSet([SET[0], { name: '✗', examples: SET[1].examples.slice(0, 2) }, { name: '★', examples: [] }]);
  assert.throws(() => checkExamples(short.names, short.images, short.labels),
    new RegExp(`at least ${LIMITS.minExamples} examples: draw more of ✗ \\(2\\), ★ \\(0\\)`));
  assert.throws(() => checkExamples(names, images.subarray(784), labels), /bytes of images for 12 labels/);
  assert.throws(() => checkExamples(names, images, Uint8Array.from(labels, (l) => (l === 2 ? 3 : l))), /label 3, but there are only 3 classes/);
  assert.throws(() => checkExamples(names, Array.from(images), labels), /Uint8Array/);

  // teachClasses rejects the same before it trains: no network is made, no progress is reported
  let progress = 0;
  const hooks = { onProgress: () => progress++ };
  await assert.rejects(teachClasses(lenet, BASE, ['✓'], images.subarray(0, 4 * 784), labels.subarray(0, 4), {}, hooks), /only one class/);
  await assert.rejects(teachClasses(lenet, BASE, short.names, short.images, short.labels, {}, hooks), /draw more of/);
  await assert.rejects(teachClasses(lenet, BASE, names, images, labels, { epochs: 0 }, hooks), /epochs must be/);
  await assert.rejects(teachClasses(lenet, BASE, names, images, labels, { learningRate: -1 }, hooks), /learningRate/);
  await assert.rejects(teachClasses(lenet, BASE, names, images, labels, { trainFrom: 'C9' }, hooks), /trainFrom must be one of/);
  await assert.rejects(teachClasses(lenet, BASE, names, images, labels, { speed: 'fast' }, hooks), /unknown teach option 'speed'/);
  await assert.rejects(teachClasses(lenet, BASE.subarray(0, 100), names, images, labels, {}, hooks), /base model could not be loaded/);
  assert.equal(progress, 0);
});

test('teachClasses: a network of the named classes, progress to the end, and the drawings it learned classified', async () => {
  const { names, images, labels } = flattenClassSet(SET);
  const fractions = [];
  const r = await teachClasses(lenet, BASE, names, images, labels, { epochs: 20 }, {
    onProgress: ({ fraction, epoch, epochs }) => {
      assert.equal(epochs, 20);
      fractions.push(fraction);
    },
  });
  assert.equal(fractions.length, 20);
  assert.equal(fractions.at(-1), 1);
  assert.ok(fractions.every((f, i) => i === 0 || f > fractions[i - 1]), 'progress only grows');
  assert.deepEqual(r.names, names);
  assert.deepEqual(r.counts, [4, 4, 4]);
  assert.equal(r.epochs, 20);
  assert.ok(r.steps > 0);
  const net = lenet.load(r.bytes);
  assert.deepEqual(net.classes(), names);
  const fit = net.evaluate(images, labels);
  assert.equal(fit.accuracy, r.accuracy);
  assert.equal(fit.accuracy, 1, 'the examples it learned from');
  // C1 to S4 are the base model's, unchanged: the teaching only retrained from C5 up
  const base = lenet.load(BASE);
  assert.deepEqual(net.weights('C3').data, base.weights('C3').data);
  assert.notDeepEqual(net.weights('C5').data, base.weights('C5').data);
  net.dispose();
  base.dispose();
  // (the engine's first training keeps a few buffers for later ones: measured on a second)
  const before = lenet.mallocBytes();
  await teachClasses(lenet, BASE, names, images, labels, { epochs: 1 });
  assert.equal(lenet.mallocBytes(), before, 'teachClasses frees what it made');
  assert.equal(TEACH_SETTINGS.trainFrom, 'C5');
});
