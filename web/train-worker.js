// The training loop, in a module Web Worker so the page never freezes. It trains in small steps and
// returns to its message loop between batches (through a MessageChannel, which unlike setTimeout is
// not clamped to 4 ms), so 'pause' is handled within one batch.
//
// In:  { type: 'start', options }   options: preset, optimizer, learningRate, batchSize, dropout,
//                                    schedule ('constant' | 'decay': linear to 10 % by the end),
//                                    epochs, subset, seed, threads ('spare': all cores but one, 'all', 'one')
//      { type: 'pause' } | { type: 'resume', learningRate? }
//      { type: 'finetune', bytes, images: Float32Array(N*28*28), labels: Uint8Array(N) }
// Out: ready, data-progress, data-ready, progress, test, weights, epoch, paused, resumed, diverged, done,
//      finetuned, failed (see post() calls below). Weights travel as saved model bytes (net.save()).
import { loadLeNet } from './lenet.js';
import { loadSubset, SUBSET_URL } from './data-loader.js';
import { padImages } from './images.js';
import { scheduledRate, seededRandom, shuffle } from './train-defaults.js';

const FROZEN = ['C1', 'S2', 'C3', 'S4'];
const QUICK_TEST = 500;      // held-out images for the evaluations within an epoch
const TESTS_PER_EPOCH = 4;   // within-epoch held-out evaluations (the epoch's end adds a full one)
const PROGRESS_MS = 250;
const WEIGHTS_MS = 1000;
const GALLERY = 40;

let lenetPromise = null;
let dataPromise = null;
let paused = false;
let wake = null;
let net = null;
let baseRate = 0; // the learning rate the schedule scales (changed by a resume after divergence)

function post(msg, transfer = []) {
  self.postMessage(msg, transfer);
}

function getLeNet() {
  // The threaded build where the page is cross-origin isolated (scripts/serve.mjs sends the headers);
  // this worker may block while the threads of a step run, the page's main thread never does.
  lenetPromise ??= loadLeNet({ threads: 'auto' }).then((l) => {
    post({ type: 'ready', build: l.build, maxThreads: l.maxThreads });
    return l;
  });
  return lenetPromise;
}

function getData() {
  dataPromise ??= loadSubset(SUBSET_URL, (loaded, total) => post({ type: 'data-progress', loaded, total }))
    .then((d) => {
      post({ type: 'data-ready', train: d.train.count, test: d.test.count });
      return d;
    })
    .catch((e) => {
      dataPromise = null; // let a later start try again
      throw e;
    });
  return dataPromise;
}

// One macrotask turn, so queued messages (pause) are handled.
const channel = new MessageChannel();
const turns = [];
channel.port1.onmessage = () => turns.shift()?.();
function nextTurn() {
  return new Promise((resolve) => {
    turns.push(resolve);
    channel.port2.postMessage(0);
  });
}

async function gate() {
  await nextTurn();
  while (paused) await new Promise((resolve) => (wake = resolve));
}

// Predicts the whole held-out set (images: padded to the network's input): accuracy, confusion matrix
// and the first misclassified digits, as the original dataSide x dataSide pictures.
function fullTest(test, images, dataSide) {
  const probs = net.predictBatch(images);
  const matrix = new Int32Array(100);
  const mistakes = [];
  let correct = 0;
  const pix = dataSide * dataSide;
  for (let n = 0; n < test.count; n++) {
    let best = 0;
    for (let d = 1; d < 10; d++) if (probs[n * 10 + d] > probs[n * 10 + best]) best = d;
    const label = test.labels[n];
    matrix[label * 10 + best]++;
    if (best === label) correct++;
    else if (mistakes.length < GALLERY) {
      mistakes.push({ image: test.images.slice(n * pix, (n + 1) * pix), side: dataSide, label, predicted: best });
    }
  }
  return { accuracy: correct / test.count, matrix, mistakes, wrong: test.count - correct, total: test.count };
}

async function train(options) {
  const lenet = await getLeNet();
  const data = await getData();
  net?.dispose();
  net = lenet.create({
    preset: options.preset,
    seed: options.seed,
    optimizer: options.optimizer,
    learningRate: options.learningRate,
    batchSize: options.batchSize,
    dropout: options.dropout,
  });
  baseRate = options.learningRate;
  // Two cores train about 1.8 times as fast (bench); more threads than cores would only take turns. By
  // default one core is left to the page, so drawing stays smooth while training runs.
  const cores = self.navigator?.hardwareConcurrency || 1;
  const wanted = options.threads === 'all' ? cores : options.threads === 'one' ? 1 : cores - 1;
  net.setThreads(Math.max(1, Math.min(lenet.maxThreads, wanted)));
  const side = net.config().inputSize;
  const dataSide = data.side;
  const pix = side * side;
  const trainCount = Math.min(options.subset, data.train.count);
  const trainImages = padImages(data.train.images.subarray(0, trainCount * dataSide * dataSide), trainCount, dataSide, side);
  const testImages = padImages(data.test.images, data.test.count, dataSide, side);
  const quickCount = Math.min(QUICK_TEST, data.test.count);
  const quickImages = testImages.subarray(0, quickCount * pix);
  const quickLabels = data.test.labels.subarray(0, quickCount);

  const bs = Math.min(options.batchSize, trainCount);
  const batchImages = new Uint8Array(bs * pix);
  const batchLabels = new Uint8Array(bs);
  const order = Int32Array.from({ length: trainCount }, (_, i) => i);
  const random = seededRandom(options.seed);
  const epochs = options.epochs;
  const total = epochs * trainCount;
  const testEvery = Math.ceil(trainCount / TESTS_PER_EPOCH);

  let busyMs = 0; // training time, excluding pauses and evaluations, for samples/s
  let trained = 0;
  let window = { loss: 0, correct: 0, count: 0 };
  let lastProgress = 0;
  let lastWeights = performance.now();
  post({ type: 'started', config: net.config(), trainCount, testCount: data.test.count, threads: net.threads });

  for (let epoch = 1; epoch <= epochs; epoch++) {
    shuffle(order, random);
    let nextTest = testEvery;
    for (let start = 0; start < trainCount; start += bs) {
      await gate();
      const count = Math.min(bs, trainCount - start);
      const imgs = count === bs ? batchImages : batchImages.subarray(0, count * pix);
      const labs = count === bs ? batchLabels : batchLabels.subarray(0, count);
      for (let i = 0; i < count; i++) {
        const k = order[start + i];
        imgs.set(trainImages.subarray(k * pix, (k + 1) * pix), i * pix);
        labs[i] = data.train.labels[k];
      }
      net.setLearningRate(scheduledRate(baseRate, options.schedule, trained / total));
      const t0 = performance.now();
      let stats;
      try {
        stats = net.trainBatch(imgs, labs);
      } catch (e) {
        if (e.name !== 'DivergenceError') throw e;
        // The engine is back at its last state whose loss was sane, weights and optimizer state: hand that
        // model to the page and wait for a resume with a smaller learning rate (or a reset). The batch that
        // failed is tried again then, so no digits are skipped.
        paused = true;
        const bytes = net.save();
        post({ type: 'diverged', message: e.message, epoch, learningRate: baseRate, bytes },
          [bytes.buffer]);
        start -= bs;
        continue;
      }
      busyMs += performance.now() - t0;
      trained += count;
      window.loss += stats.loss * count;
      window.correct += stats.correct;
      window.count += count;
      const done = start + count;
      const x = epoch - 1 + done / trainCount;
      const now = performance.now();
      if (now - lastProgress >= PROGRESS_MS || done === trainCount) {
        const rate = trained / (busyMs / 1000);
        post({
          type: 'progress', epoch, epochs, done, perEpoch: trainCount, x,
          fraction: trained / total,
          samplesPerSec: rate,
          etaSeconds: (total - trained) / rate,
          loss: window.loss / window.count,
          accuracy: window.correct / window.count,
        });
        window = { loss: 0, correct: 0, count: 0 };
        lastProgress = now;
      }
      if (done >= nextTest && done < trainCount) {
        nextTest += testEvery;
        const r = net.evaluate(quickImages, quickLabels);
        post({ type: 'test', x, epoch, accuracy: r.accuracy, count: quickCount, full: false });
      }
      if (now - lastWeights >= WEIGHTS_MS) {
        const bytes = net.save();
        post({ type: 'weights', x, epoch, bytes }, [bytes.buffer]);
        lastWeights = performance.now();
      }
    }
    const report = fullTest(data.test, testImages, dataSide);
    const bytes = net.save();
    // Memory figures for long sessions (the soak script reads them off the page).
    const memory = { wasmHeap: lenet.heapBytes(), malloc: lenet.mallocBytes() };
    post({ type: 'epoch', epoch, x: epoch, ...report, bytes, memory },
      [bytes.buffer, report.matrix.buffer, ...report.mistakes.map((m) => m.image.buffer)]);
    lastWeights = performance.now();
  }
  const bytes = net.save();
  post({ type: 'done', bytes }, [bytes.buffer]);
}

// Integer shift of a side x side image by (dx, dy), zeros coming in: a little augmentation so a handful
// of examples teach the digit, not the exact pixels.
function shifted(out, src, side, dx, dy) {
  out.fill(0);
  for (let y = 0; y < side; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= side) continue;
    for (let x = 0; x < side; x++) {
      const sx = x - dx;
      if (sx >= 0 && sx < side) out[y * side + x] = src[sy * side + sx];
    }
  }
}

async function finetune({ bytes, images, labels }) {
  const lenet = await getLeNet();
  const tuned = lenet.load(bytes);
  try {
    const side = tuned.config().inputSize;
    const n = labels.length;
    const pix = side * side;
    const own = padImages(images, n, 28, side);
    const before = tuned.evaluate(own, labels);
    tuned.freeze(FROZEN);
    if (tuned.config().optimizer === 'adam') tuned.setLearningRate(0.001);
    const batch = new Float32Array(n * pix);
    const random = seededRandom(7);
    const t0 = performance.now();
    let steps = 0;
    // Up to 150 steps or 4 s, stopping early once every example is right with a small loss.
    for (; steps < 150 && performance.now() - t0 < 4000; steps++) {
      for (let i = 0; i < n; i++) {
        const dx = Math.floor(random() * 5) - 2;
        const dy = Math.floor(random() * 5) - 2;
        shifted(batch.subarray(i * pix, (i + 1) * pix), own.subarray(i * pix, (i + 1) * pix), side, dx, dy);
      }
      tuned.trainBatch(batch, labels);
      if (steps % 10 === 9) {
        const r = tuned.evaluate(own, labels);
        if (r.correct === n && r.loss < 0.05) break;
        await nextTurn();
      }
    }
    const after = tuned.evaluate(own, labels);
    tuned.unfreeze(FROZEN);
    const out = tuned.save();
    post({ type: 'finetuned', before: before.accuracy, after: after.accuracy, count: n, steps,
      ms: performance.now() - t0, bytes: out }, [out.buffer]);
  } finally {
    tuned.dispose();
  }
}

self.onmessage = async ({ data: msg }) => {
  try {
    switch (msg.type) {
      case 'start':
        paused = false;
        await train(msg.options);
        break;
      case 'pause':
        paused = true;
        post({ type: 'paused' });
        break;
      case 'resume':
        if (net && Number.isFinite(msg.learningRate) && msg.learningRate > 0) {
          baseRate = msg.learningRate;
          net.setLearningRate(msg.learningRate);
        }
        paused = false;
        wake?.();
        wake = null;
        post({ type: 'resumed', learningRate: baseRate });
        break;
      case 'finetune':
        await finetune(msg);
        break;
      default:
        throw new Error(`unknown message ${JSON.stringify(msg.type)}`);
    }
  } catch (e) {
    post({ type: 'failed', during: msg.type, message: e?.message || String(e) });
  }
};

getLeNet().catch((e) => post({ type: 'failed', during: 'load', message: e?.message || String(e) }));
