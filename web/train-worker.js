// The training Web Worker, so the page never freezes: the page's training panel and the lesson element
// <lenet-trainer> both train here. The training loop itself is the engine's training session
// (net.startTraining(): shuffling by seed, batching, schedule, held-out evaluation, divergence); this
// worker only paces it, pauses it and turns its reports into messages. It runs the session a few batches
// at a time and returns to its message loop in between (through a MessageChannel, which unlike setTimeout
// is not clamped to 4 ms), so 'pause' is handled within a fraction of a second.
//
// In:  { type: 'start', options }   options: preset, optimizer, learningRate, batchSize, dropout,
//                                    schedule ('constant' | 'decay': linear to 10 % by the end),
//                                    epochs, subset, seed, threads ('spare': all cores but one, 'all', 'one'),
//                                    dataUrl (default: the page's subset), testsPerEpoch (4), quickTest (500),
//                                    gallery (40: misclassified digits per epoch report),
//                                    watch (a layer name: its weights ride on every progress report, for
//                                    <lenet-trainer>'s filters as they form)
//      { type: 'pause' } | { type: 'resume', learningRate? } | { type: 'ping' } (answered by 'pong')
//      { type: 'finetune', bytes, images: Float32Array(N*28*28), labels: Uint8Array(N) }
// Out: loading, ready, pong, data-progress, data-ready, started, progress, test, weights, epoch, paused, resumed, diverged,
//      done, finetuned, failed (see post() calls below). Weights travel as saved model bytes (net.save()).
import { canUseThreads, loadLeNet } from './lenet.js';
import { loadSubset, SUBSET_URL } from './data-loader.js';
import { networkOptions, sessionOptions } from './train-defaults.js';

const FROZEN = ['C1', 'S2', 'C3', 'S4'];
const PROGRESS_MS = 250;
const WEIGHTS_MS = 1000;
// A run() of the session is kept near this long, so a pause takes effect promptly whatever the speed.
const SLICE_MS = 60;

const lenets = new Map(); // threaded (true/false) -> the promise of that build's API
const dataPromises = new Map();
let paused = false;
let wake = null;
let session = null;

function post(msg, transfer = []) {
  self.postMessage(msg, transfer);
}

// The threaded build where the page is cross-origin isolated (scripts/serve.mjs sends the headers) and
// more than one thread is wanted; this worker may block while the threads of a step run, the page's main
// thread never does. 'loading' says which build is starting: the Trainer (training.js) watches a threaded
// start, which can hang for good in Firefox, and replaces this worker by a one-thread one if it does.
function getLeNet(threaded) {
  if (!lenets.has(threaded)) {
    post({ type: 'loading', threaded });
    const p = loadLeNet({ threads: threaded }).then((l) => {
      post({ type: 'ready', build: l.build, maxThreads: l.maxThreads });
      return l;
    });
    p.catch(() => lenets.delete(threaded)); // let a later start try again
    lenets.set(threaded, p);
  }
  return lenets.get(threaded);
}

function getData(url) {
  if (!dataPromises.has(url)) {
    const p = loadSubset(url, (loaded, total) => post({ type: 'data-progress', loaded, total }))
      .then((d) => {
        post({ type: 'data-ready', train: d.train.count, test: d.test.count });
        return d;
      });
    p.catch(() => dataPromises.delete(url)); // let a later start try again
    dataPromises.set(url, p);
  }
  return dataPromises.get(url);
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

// An epoch's report from the session's full held-out evaluation: the confusion matrix and the first
// misclassified digits, as the original pictures.
function epochReport(test, side, predicted, gallery) {
  const matrix = new Int32Array(100);
  const mistakes = [];
  const pix = side * side;
  for (let n = 0; n < test.count; n++) {
    const label = test.labels[n], guess = predicted[n];
    matrix[label * 10 + guess]++;
    if (guess !== label && mistakes.length < gallery) {
      mistakes.push({ image: test.images.slice(n * pix, (n + 1) * pix), side, label, predicted: guess });
    }
  }
  return { matrix, mistakes };
}

async function train(options) {
  // Two cores train about 1.8 times as fast (bench); more threads than cores would only take turns. By
  // default one core is left to the page, so drawing stays smooth while training runs.
  const cores = self.navigator?.hardwareConcurrency || 1;
  const wanted = options.threads === 'all' ? cores : options.threads === 'one' ? 1 : cores - 1;
  const [lenet, data] = await Promise.all([
    getLeNet(wanted > 1 && canUseThreads()),
    getData(options.dataUrl ?? SUBSET_URL),
  ]);
  session?.net.dispose();
  session = null;
  const net = lenet.create(networkOptions(options));
  net.setThreads(Math.max(1, Math.min(lenet.maxThreads, wanted)));
  const pix = data.side * data.side;
  const trainCount = Math.min(options.subset ?? data.train.count, data.train.count);
  const s = net.startTraining(
    { images: data.train.images.subarray(0, trainCount * pix), labels: data.train.labels.subarray(0, trainCount) },
    sessionOptions(options, { images: data.test.images, labels: data.test.labels }),
  );
  session = { net, s, rate: options.learningRate }; // rate: the base rate, lowered by a resume after divergence
  const current = session;

  let steps = 1;
  let epoch = 1;
  let busyMs = 0; // training time, excluding pauses and evaluations, for samples/s
  let trained = 0;
  let window = { loss: 0, correct: 0, count: 0 };
  let lastProgress = 0;
  let lastWeights = performance.now();
  post({ type: 'started', config: net.config(), trainCount, testCount: data.test.count, threads: net.threads });

  while (!s.finished) {
    await gate();
    if (session !== current) return; // a new start replaced this run
    const t0 = performance.now();
    let r;
    try {
      r = s.run(steps);
    } catch (e) {
      if (e.name !== 'DivergenceError') throw e;
      // The engine is back at its last state whose loss was sane, weights and optimizer state: hand that
      // model to the page and wait for a resume with a smaller learning rate (or a reset). The session is
      // still at the batch that failed, so no digits are skipped.
      paused = true;
      const bytes = net.save();
      post({ type: 'diverged', message: e.message, epoch, learningRate: current.rate, bytes }, [bytes.buffer]);
      continue;
    }
    const ms = performance.now() - t0;
    epoch = r.epochEnd ? r.epoch + 1 : r.epoch;
    // Pace: about SLICE_MS per call (evaluations make some calls longer; they do not count).
    if (!r.heldOut) {
      busyMs += ms;
      steps = Math.max(1, Math.min(64, Math.round(steps * (ms > 0 ? SLICE_MS / ms : 2))));
    }
    trained += r.samples;
    window.loss += r.loss * r.samples;
    window.correct += r.correct;
    window.count += r.samples;
    const x = r.epoch - 1 + r.done / r.perEpoch;
    const now = performance.now();
    if (window.count > 0 && (now - lastProgress >= PROGRESS_MS || r.epochEnd)) {
      const rate = trained / (busyMs / 1000);
      post({
        type: 'progress', epoch: r.epoch, epochs: options.epochs, done: r.done, perEpoch: r.perEpoch, x,
        fraction: r.fraction, samplesPerSec: rate, etaSeconds: ((1 - r.fraction) * options.epochs * r.perEpoch) / rate,
        loss: window.loss / window.count, accuracy: window.correct / window.count, steps: r.steps,
        learningRate: r.learningRate, watched: options.watch ? net.weights(options.watch) : undefined,
      });
      window = { loss: 0, correct: 0, count: 0 };
      lastProgress = now;
    }
    if (r.heldOut && !r.heldOut.full) {
      post({ type: 'test', x, epoch: r.epoch, accuracy: r.heldOut.accuracy, count: r.heldOut.count, full: false, steps: r.steps });
    }
    if (r.epochEnd) {
      const { matrix, mistakes } = epochReport(data.test, data.side, r.heldOut.predicted, options.gallery ?? 40);
      const bytes = net.save();
      // Memory figures for long sessions (the soak script reads them off the page).
      const memory = { wasmHeap: lenet.heapBytes(), malloc: lenet.mallocBytes() };
      const total = r.heldOut.count;
      post({ type: 'epoch', epoch: r.epoch, x: r.epoch, accuracy: r.heldOut.accuracy, matrix, mistakes,
        wrong: total - r.heldOut.correct, total, bytes, memory, steps: r.steps },
      [bytes.buffer, matrix.buffer, ...mistakes.map((m) => m.image.buffer)]);
      lastWeights = performance.now();
    } else if (now - lastWeights >= WEIGHTS_MS) {
      const bytes = net.save();
      post({ type: 'weights', x, epoch: r.epoch, steps: r.steps, bytes }, [bytes.buffer]);
      lastWeights = performance.now();
    }
  }
  const bytes = net.save();
  post({ type: 'done', bytes }, [bytes.buffer]);
}

// Fine-tunes C5, F6 and the output on the visitor's own examples, C1-S4 frozen: up to 150 steps, stopping
// early once every example is right with a small loss. Shifts of up to 2 px make a handful of examples
// teach the digit rather than the exact pixels.
async function finetune({ bytes, images, labels }) {
  const lenet = await getLeNet(false);
  const tuned = lenet.load(bytes);
  try {
    const n = labels.length;
    const own = Uint8Array.from(images, (v) => Math.round(v * 255));
    const before = tuned.evaluate(own, labels);
    tuned.freeze(FROZEN);
    if (tuned.config().optimizer === 'adam') tuned.setLearningRate(0.001);
    const s = tuned.startTraining({ images: own, labels }, {
      epochs: 150, seed: 7, augment: { shift: 2, degrees: 0, scale: 0 },
    });
    const t0 = performance.now();
    while (!s.finished) {
      s.run(10);
      const r = tuned.evaluate(own, labels);
      if (r.correct === n && r.loss < 0.05) break;
      await nextTurn();
    }
    s.dispose();
    const after = tuned.evaluate(own, labels);
    tuned.unfreeze(FROZEN);
    const out = tuned.save();
    post({ type: 'finetuned', before: before.accuracy, after: after.accuracy, count: n, steps: tuned.steps,
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
      case 'ping': // the Trainer's watch while the threaded build starts (training.js)
        post({ type: 'pong' });
        break;
      case 'pause':
        paused = true;
        post({ type: 'paused' });
        break;
      case 'resume':
        if (session && Number.isFinite(msg.learningRate) && msg.learningRate > 0) {
          session.s.setLearningRate(msg.learningRate);
          session.rate = msg.learningRate;
        }
        paused = false;
        wake?.();
        wake = null;
        post({ type: 'resumed', learningRate: session?.rate });
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
