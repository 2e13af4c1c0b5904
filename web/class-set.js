// A class set: the visitor's own classes (names) and the drawings that teach them, as one file a teacher
// can hand to a class. Plain ES module (the page, the lesson element and Node use it).
//
//   offset      size     field
//   0           8        magic "LENETCS\n"
//   8           4        format version, u32 little-endian (1)
//   12          4        J: bytes of the JSON header, u32 little-endian (at most 65536)
//   16          J        the header, UTF-8 JSON: { "side": 28, "classes": [ { "name": "✓", "examples": 8 }, ... ] }
//   16+J        784*E    the examples, 28x28 bytes each (0 = paper, 255 = ink, row by row, as the network
//                        sees a drawing), class by class in the header's order; E = the sum of "examples"
//   16+J+784E   4        CRC-32 (IEEE, as zip and PNG) of every byte before it, u32 little-endian
//
// A class set may be unfinished (one class, or classes without drawings yet): the page saves work in
// progress; training asks for more (teach-classes.js). Names: 1 to 64 distinct, non-empty, without
// spaces at either end, at most 32 UTF-8 bytes (what a model file can hold).
import { crc32 } from './crc32.js';

export const CLASS_SET_MAGIC = 'LENETCS\n';
export const CLASS_SET_VERSION = 1;
export const CLASS_SET_EXTENSION = '.lenet-classes';
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const MAX_HEADER = 65536;
const MAX_CLASSES = 64;
const MAX_EXAMPLES = 2000;
const MAX_NAME_BYTES = 32;
const MODEL_MAGIC = 'LENET5';

const encoder = new TextEncoder();

function fail(message) {
  throw new Error(`not a usable class set: ${message}`);
}

// Names of a class set: the rules of the file (looser than training's: one class is fine here).
function checkNames(names) {
  if (names.length === 0) fail('it has no classes');
  if (names.length > MAX_CLASSES) fail(`${names.length} classes, at most ${MAX_CLASSES}`);
  const seen = new Set();
  for (const [i, name] of names.entries()) {
    if (typeof name !== 'string' || name.trim() === '') fail(`class ${i + 1} has no name`);
    if (name !== name.trim()) fail(`class name '${name}' starts or ends with a space`);
    if (encoder.encode(name).length > MAX_NAME_BYTES) fail(`class name '${name}' is longer than ${MAX_NAME_BYTES} bytes`);
    if (seen.has(name)) fail(`the class name '${name}' appears twice`);
    seen.add(name);
  }
}

/**
 * classes: [{ name, examples: [Uint8Array(784), ...] }] -> the file's bytes. Throws on what the format
 * cannot hold.
 */
export function encodeClassSet(classes) {
  if (!Array.isArray(classes)) throw new TypeError('encodeClassSet takes a list of { name, examples }');
  checkNames(classes.map((c) => c?.name));
  let total = 0;
  for (const c of classes) {
    if (!Array.isArray(c.examples)) throw new TypeError(`class '${c.name}': examples must be a list of 28x28 byte images`);
    for (const e of c.examples) {
      if (!(e instanceof Uint8Array) || e.length !== PIXELS) throw new Error(`class '${c.name}': every example must be 28x28 bytes`);
    }
    total += c.examples.length;
  }
  if (total > MAX_EXAMPLES) fail(`${total} examples, at most ${MAX_EXAMPLES}`);
  const header = encoder.encode(JSON.stringify({ side: SIDE, classes: classes.map((c) => ({ name: c.name, examples: c.examples.length })) }));
  if (header.length > MAX_HEADER) fail('the header is too long');
  const out = new Uint8Array(16 + header.length + total * PIXELS + 4);
  const view = new DataView(out.buffer);
  out.set(encoder.encode(CLASS_SET_MAGIC), 0);
  view.setUint32(8, CLASS_SET_VERSION, true);
  view.setUint32(12, header.length, true);
  out.set(header, 16);
  let at = 16 + header.length;
  for (const c of classes) {
    for (const e of c.examples) {
      out.set(e, at);
      at += PIXELS;
    }
  }
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

/**
 * The file's bytes (Uint8Array or ArrayBuffer) -> [{ name, examples: [Uint8Array(784), ...] }]. Throws
 * an Error saying what is wrong: truncated, not a class set (or a model file), another version, a damaged
 * file, a bad header, images of another size.
 */
export function decodeClassSet(input) {
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input;
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeClassSet takes the file as a Uint8Array or ArrayBuffer');
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic.startsWith(MODEL_MAGIC)) fail('this is a model file (.bin), not a class set');
  if (bytes.length < 8 || magic !== CLASS_SET_MAGIC) {
    if (bytes.length < 8 && CLASS_SET_MAGIC.startsWith(magic)) fail(`the file is truncated (${bytes.length} bytes)`);
    fail(`it does not start with ${JSON.stringify(CLASS_SET_MAGIC)} (wrong kind of file)`);
  }
  if (bytes.length < 20) fail(`the file is truncated (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CLASS_SET_VERSION) fail(`format version ${version}; this page reads version ${CLASS_SET_VERSION}`);
  const headerBytes = view.getUint32(12, true);
  if (headerBytes > MAX_HEADER) fail(`a header of ${headerBytes} bytes, at most ${MAX_HEADER}`);
  if (16 + headerBytes + 4 > bytes.length) fail(`the file is truncated (${bytes.length} bytes, the header alone needs ${16 + headerBytes + 4})`);
  let header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerBytes)));
  } catch (e) {
    fail(`its header is not valid JSON (${e.message})`);
  }
  if (header === null || typeof header !== 'object' || !Array.isArray(header.classes)) fail('its header has no list of classes');
  if (header.side !== SIDE) fail(`its images are ${JSON.stringify(header.side)} pixels square; this page uses ${SIDE}x${SIDE}`);
  checkNames(header.classes.map((c) => c?.name));
  let total = 0;
  for (const c of header.classes) {
    if (!Number.isInteger(c.examples) || c.examples < 0) fail(`class '${c.name}' has a bad example count (${JSON.stringify(c.examples)})`);
    total += c.examples;
  }
  if (total > MAX_EXAMPLES) fail(`${total} examples, at most ${MAX_EXAMPLES}`);
  const expected = 16 + headerBytes + total * PIXELS + 4;
  if (bytes.length < expected) {
    const images = bytes.length - 16 - headerBytes - 4;
    fail(`the file is truncated or its images are not 28x28: ${total} examples need ${total * PIXELS} bytes, it holds ${Math.max(0, images)}`);
  }
  if (bytes.length > expected) fail(`${bytes.length - expected} bytes more than its ${total} 28x28 examples: the images are not 28x28, or the file is damaged`);
  const sum = view.getUint32(expected - 4, true);
  if (sum !== crc32(bytes.subarray(0, expected - 4))) fail('checksum mismatch: the file is damaged');
  let at = 16 + headerBytes;
  return header.classes.map((c) => {
    const examples = [];
    for (let i = 0; i < c.examples; i++, at += PIXELS) examples.push(bytes.slice(at, at + PIXELS));
    return { name: c.name, examples };
  });
}

/** [{ name, examples }] -> { names, images: Uint8Array(N*784), labels: Uint8Array(N) }, for teachClasses. */
export function flattenClassSet(classes) {
  const total = classes.reduce((s, c) => s + c.examples.length, 0);
  const images = new Uint8Array(total * PIXELS);
  const labels = new Uint8Array(total);
  let n = 0;
  classes.forEach((c, k) => {
    for (const e of c.examples) {
      images.set(e, n * PIXELS);
      labels[n++] = k;
    }
  });
  return { names: classes.map((c) => c.name), images, labels };
}
