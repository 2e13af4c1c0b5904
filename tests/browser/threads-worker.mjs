// Worker half of threads.test.mjs: exercises the threaded build (lenet-mt) through the JavaScript API in a
// cross-origin isolated page and posts what it saw; the test makes the assertions.
import { canUseThreads, loadLeNet } from './lenet.js';

const N = 64;

function batch(seed) {
  // Deterministic pseudo-digits: a few bright strokes on a dark field, labels 0..9.
  let a = seed >>> 0;
  const rnd = () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return a / 4294967296;
  };
  const images = new Float32Array(N * 784);
  const labels = new Uint8Array(N);
  for (let k = 0; k < N; k++) {
    labels[k] = k % 10;
    for (let s = 0; s < 3; s++) {
      const r = 4 + Math.floor(rnd() * 20), c0 = 4 + Math.floor(rnd() * 10), len = 3 + labels[k];
      for (let c = c0; c < Math.min(28, c0 + len); c++) images[k * 784 + r * 28 + c] = 1;
    }
  }
  return { images, labels };
}

self.onmessage = async () => {
  const out = {};
  const attempt = (key, f) => {
    try {
      out[key] = { ok: true, value: f() };
    } catch (e) {
      out[key] = { ok: false, name: e?.name, message: e?.message ?? String(e) };
    }
  };
  try {
    out.canUseThreads = canUseThreads();
    const lenet = await loadLeNet({ threads: true });
    out.maxThreads = lenet.maxThreads;
    out.hardwareConcurrency = self.navigator.hardwareConcurrency;
    const b = batch(7);
    if (lenet.maxThreads < 2) {
      // One core (e.g. under taskset): more than one thread is refused with a message, and that is all.
      const net = lenet.create({ preset: 'modern', seed: 3 });
      attempt('tooManyThreads', () => net.setThreads(2));
      out.stillTrains = net.trainBatch(b.images, b.labels).count;
      net.dispose();
      self.postMessage(out);
      return;
    }

    // One step on two threads against the same step on one (no dropout): the same weights up to rounding.
    const one = lenet.create({ preset: 'modern', dropout: 0, seed: 3 });
    const two = lenet.create({ preset: 'modern', dropout: 0, seed: 3 });
    two.setThreads(2);
    out.threadsAfterSet = two.threads;
    const r1 = one.trainBatch(b.images, b.labels);
    const r2 = two.trainBatch(b.images, b.labels);
    out.losses = [r1.loss, r2.loss];
    let worst = 0;
    for (const layer of ['C1', 'C3', 'C5', 'F6', 'OUTPUT']) {
      const w1 = one.weights(layer).data, w2 = two.weights(layer).data;
      for (let i = 0; i < w1.length; i++) worst = Math.max(worst, Math.abs(w1[i] - w2[i]));
    }
    out.worstWeightDifference = worst;

    // Errors from inside a threaded step come out as Errors with the engine's message.
    const nan = b.images.slice();
    nan[40 * 784 + 9] = NaN;
    attempt('nanImage', () => two.trainBatch(nan, b.labels));
    attempt('tooManyThreads', () => two.setThreads(lenet.maxThreads + 1));
    const wild = lenet.create({ preset: 'modern', learningRate: 100, seed: 5 });
    wild.setThreads(2);
    const before = wild.save();
    let diverged = null;
    for (let s = 0; s < 50 && !diverged; s++) {
      try {
        wild.trainBatch(b.images, b.labels);
      } catch (e) {
        diverged = { name: e.name, message: e.message };
      }
    }
    out.diverged = diverged;
    out.stillPredicts = Array.from(wild.predict(b.images.subarray(0, 784))).every(Number.isFinite);
    // A drawing through the threaded build's shared memory, in one call and in two: the same numbers.
    const drawing = { data: new Uint8ClampedArray(300 * 200 * 4), width: 300, height: 200 };
    for (let y = 30; y < 170; y++) for (let x = 140 + (y >> 3); x < 160 + (y >> 3); x++) drawing.data[(y * 300 + x) * 4 + 3] = 255;
    const seen = two.predictDrawing(drawing);
    const image = lenet.preprocess(drawing, two.inputSize);
    const probs = two.predict(image);
    out.drawingMatches = seen !== null && seen.input.every((v, i) => v === image[i]) &&
      seen.probabilities.every((p, i) => p === probs[i]);
    out.savedAfterDivergence = wild.save().length === before.length;

    // The module's thread pool is shared: once its threads are all taken, another network is told so and
    // trains on one thread; when a network lets its threads go, they can be taken again.
    const extra = [];
    let refused = null;
    for (let i = 0; i < 8 && !refused; i++) {
      const net = lenet.create({ preset: 'modern', seed: 10 + i });
      extra.push(net);
      try {
        net.setThreads(2);
      } catch (e) {
        refused = { message: e.message, threads: net.threads };
        out.refusedStillTrains = net.trainBatch(b.images, b.labels).count;
      }
    }
    out.refused = refused;
    for (const n of extra) n.dispose();
    attempt('threadsAgain', () => {
      const again = lenet.create({ preset: 'modern' });
      again.setThreads(2);
      const t = again.threads;
      again.trainBatch(b.images, b.labels);
      again.dispose();
      return t;
    });
    one.dispose();
    two.dispose();
    wild.dispose();
  } catch (e) {
    out.fatal = e?.message ?? String(e);
  }
  self.postMessage(out);
};
