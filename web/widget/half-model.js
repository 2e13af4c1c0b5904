// The widget's compact model file: a model file (models/README.md) with its float32 parameters stored as
// float16, so the widget's download stays small (gzip cannot shrink trained float32 weights: a 247 kB
// model gzips to 228 kB; this file gzips to about 105 kB). The widget expands it back to an ordinary
// model file before lenet.load(), so the engine's own checks still run on what it loads.
//
//   offset   size    field
//   0        8       magic "LENET5h\n"
//   8        96      the model file's header verbatim (magic, version, configuration, frozen bits,
//                    steps, parameter count P)
//   104      2*P     the P parameters as IEEE float16, high bytes of all P first, then the low bytes
//                    (two byte planes: gzip finds the repetition in the exponents that way)
//   104+2P   4       CRC-32 of every byte before it
//
// float16 keeps 11 significant bits; the trained weights lie within +-1, so each changes by less than
// 2^-11 of itself. tests/browser/widget.test.mjs checks that the expanded models keep their MNIST accuracy.
// Plain ES module: the page, Node and scripts/build-dist.mjs all import it.

export const HALF_MAGIC = 'LENET5h\n';
const MODEL_MAGIC = 'LENET5\r\n';
const MODEL_HEADER = 96;
const HALF_HEADER = 8 + MODEL_HEADER;

let crcTable = null;

/** CRC-32 (IEEE 802.3, as zip and PNG) of bytes. */
export function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function startsWith(bytes, text) {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

export function isHalfModel(bytes) { return startsWith(bytes, HALF_MAGIC); }

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

// Round to nearest even, as a float16 bit pattern. Subnormal halves are kept; overflow becomes infinity,
// which lenet.load() then refuses (a parameter must be finite).
function toHalf(value) {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // a carry into the exponent is still right
  return sign | h;
}

function fromHalf(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

function parameterCount(bytes, what) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(what === 'model' ? 92 : 8 + 92, true);
}

/** An ordinary model file's bytes -> the compact file's bytes. */
export function encodeHalfModel(model) {
  if (!startsWith(model, MODEL_MAGIC)) throw new Error('half model: the input is not a LeNet-5 model file (bad magic)');
  const p = parameterCount(model, 'model');
  if (model.length !== MODEL_HEADER + 4 * p + 4) throw new Error(`half model: a model of ${p} parameters should be ${MODEL_HEADER + 4 * p + 4} bytes, not ${model.length}`);
  const view = new DataView(model.buffer, model.byteOffset, model.byteLength);
  const out = new Uint8Array(HALF_HEADER + 2 * p + 4);
  for (let i = 0; i < 8; i++) out[i] = HALF_MAGIC.charCodeAt(i);
  out.set(model.subarray(0, MODEL_HEADER), 8);
  for (let i = 0; i < p; i++) {
    const h = toHalf(view.getFloat32(MODEL_HEADER + 4 * i, true));
    out[HALF_HEADER + i] = h >>> 8;
    out[HALF_HEADER + p + i] = h & 0xff;
  }
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** The compact file's bytes -> an ordinary model file for lenet.load(). Throws an Error saying what is wrong. */
export function decodeHalfModel(bytes) {
  if (!isHalfModel(bytes)) throw new Error('half model: bad magic');
  if (bytes.length < HALF_HEADER + 4) throw new Error(`half model: ${bytes.length} bytes is too short for the header`);
  const p = parameterCount(bytes, 'half');
  const expected = HALF_HEADER + 2 * p + 4;
  if (bytes.length !== expected) throw new Error(`half model: header says ${p} parameters (${expected} bytes) but the file holds ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(expected - 4, true) !== crc32(bytes.subarray(0, expected - 4))) throw new Error('half model: checksum mismatch (the file is damaged)');
  const model = new Uint8Array(MODEL_HEADER + 4 * p + 4);
  model.set(bytes.subarray(8, HALF_HEADER));
  const out = new DataView(model.buffer);
  for (let i = 0; i < p; i++) {
    const h = (bytes[HALF_HEADER + i] << 8) | bytes[HALF_HEADER + p + i];
    out.setFloat32(MODEL_HEADER + 4 * i, fromHalf(h), true);
  }
  out.setUint32(model.length - 4, crc32(model.subarray(0, model.length - 4)), true);
  return model;
}
