// The MNIST subset file the page trains on (written by scripts/prepare-data.mjs, gzip'd on disk):
//
//   offset  size              field
//   0       4                 magic "LNDS"
//   4       4                 uint32 LE version (1)
//   8       4                 uint32 LE train count
//   12      4                 uint32 LE test count
//   16      4                 uint32 LE side (28 or 32)
//   20      train*side*side   train images, uint8, row-major, 0 = background
//           train             train labels, uint8 0..9
//           test*side*side    test images
//           test              test labels
//
// Plain ES module without Node or DOM APIs: the page, the worker and Node all import it.

export const SUBSET_MAGIC = 'LNDS';
export const SUBSET_VERSION = 1;
export const SUBSET_HEADER_BYTES = 20;

const SIDES = [28, 32];

function checkSet(name, set, side) {
  const { images, labels, count } = set;
  if (!Number.isInteger(count) || count < 1) throw new Error(`dataset: ${name} count ${count} is not a positive integer`);
  if (!(images instanceof Uint8Array) || !(labels instanceof Uint8Array)) {
    throw new Error(`dataset: ${name} images and labels must be Uint8Arrays`);
  }
  if (images.length !== count * side * side) {
    throw new Error(`dataset: ${name} has ${images.length} image bytes; ${count} images of ${side}x${side} need ${count * side * side}`);
  }
  if (labels.length !== count) throw new Error(`dataset: ${name} has ${labels.length} labels for ${count} images`);
  const bad = labels.findIndex((l) => l > 9);
  if (bad >= 0) throw new Error(`dataset: ${name} label ${labels[bad]} at index ${bad} is outside 0..9`);
}

// { train: {images, labels, count}, test: {...}, side } -> the file's bytes (uncompressed).
export function encodeSubset({ train, test, side }) {
  if (!SIDES.includes(side)) throw new Error(`dataset: side ${side} is not 28 or 32`);
  checkSet('train', train, side);
  checkSet('test', test, side);
  const pixels = side * side;
  const out = new Uint8Array(SUBSET_HEADER_BYTES + (train.count + test.count) * (pixels + 1));
  for (let i = 0; i < 4; i++) out[i] = SUBSET_MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(4, SUBSET_VERSION, true);
  view.setUint32(8, train.count, true);
  view.setUint32(12, test.count, true);
  view.setUint32(16, side, true);
  let at = SUBSET_HEADER_BYTES;
  for (const part of [train.images, train.labels, test.images, test.labels]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// The file's bytes (Uint8Array or ArrayBuffer, uncompressed) -> { train, test, side }; the image and label
// arrays are views into `bytes`, not copies. Throws an Error saying what is wrong.
export function parseSubset(bytes) {
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) throw new Error('dataset: expected a Uint8Array or ArrayBuffer');
  if (bytes.length < SUBSET_HEADER_BYTES) {
    throw new Error(`dataset: ${bytes.length} bytes is too short for the ${SUBSET_HEADER_BYTES}-byte header`);
  }
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== SUBSET_MAGIC) {
    const hint = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (it is still gzip-compressed)' : '';
    throw new Error(`dataset: bad magic ${JSON.stringify(magic)}, expected "${SUBSET_MAGIC}"${hint}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== SUBSET_VERSION) throw new Error(`dataset: version ${version} is not supported (expected ${SUBSET_VERSION})`);
  const trainCount = view.getUint32(8, true);
  const testCount = view.getUint32(12, true);
  const side = view.getUint32(16, true);
  if (!SIDES.includes(side)) throw new Error(`dataset: side ${side} is not 28 or 32`);
  if (trainCount < 1 || testCount < 1) {
    throw new Error(`dataset: needs at least one training and one test digit, has ${trainCount} and ${testCount}`);
  }
  const pixels = side * side;
  // Counts are < 2^32 and pixels <= 1024, so these stay exact doubles.
  const expected = SUBSET_HEADER_BYTES + (trainCount + testCount) * (pixels + 1);
  if (bytes.length !== expected) {
    throw new Error(`dataset: header says ${trainCount} train + ${testCount} test digits of ${side}x${side} = ` +
      `${expected} bytes but the file holds ${bytes.length}`);
  }
  let at = SUBSET_HEADER_BYTES;
  const take = (n) => bytes.subarray(at, (at += n));
  const train = { count: trainCount, images: take(trainCount * pixels), labels: take(trainCount) };
  const test = { count: testCount, images: take(testCount * pixels), labels: take(testCount) };
  checkSet('train', train, side);
  checkSet('test', test, side);
  return { train, test, side };
}
