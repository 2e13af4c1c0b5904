// The browser half of bench/browser-threads.mjs: a module worker in a cross-origin isolated page (served
// from a copy of build/site with this file beside the page's modules). It trains LeNet-5 on the page's
// MNIST subset with three sides in alternating rounds -- the default single-threaded SIMD build, the
// threaded build on one thread, and the threaded build on every thread it may use -- and posts
// samples/s per side and round.
import { loadLeNet } from './lenet.js';
import { loadSubset, SUBSET_URL } from './data-loader.js';
import { padImages } from './images.js';

const BATCH = 128;

self.onmessage = async ({ data: { presets, rounds, seconds } }) => {
  try {
    const single = await loadLeNet({ threads: false });
    const threaded = await loadLeNet({ threads: true });
    const threads = Math.min(threaded.maxThreads, self.navigator.hardwareConcurrency || 1);
    const data = await loadSubset(SUBSET_URL);
    const results = {};
    for (const preset of presets) {
      const sides = [
        { key: 'singleThreadBuild', lenet: single, threads: 1 },
        { key: 'threadedBuild1', lenet: threaded, threads: 1 },
        { key: `threadedBuild${threads}`, lenet: threaded, threads },
      ];
      for (const s of sides) {
        s.net = s.lenet.create({ preset, batchSize: BATCH });
        s.net.setThreads(s.threads);
        s.rates = [];
      }
      const side = sides[0].net.inputSize;
      const images = padImages(data.train.images, data.train.count, data.side, side);
      const px = side * side;
      const batches = Math.floor(data.train.count / BATCH);
      const step = (net, b) => net.trainBatch(images.subarray((b % batches) * BATCH * px, ((b % batches) + 1) * BATCH * px),
        data.train.labels.subarray((b % batches) * BATCH, ((b % batches) + 1) * BATCH));
      for (const s of sides) step(s.net, 0); // warm: buffers, pool threads
      for (let r = 0; r < rounds; r++) {
        for (const s of sides) {
          let n = 0;
          const t0 = performance.now();
          while (performance.now() - t0 < seconds * 1000) step(s.net, n++);
          s.rates.push((n * BATCH) / ((performance.now() - t0) / 1000));
        }
      }
      results[preset] = Object.fromEntries(sides.map((s) => [s.key, { threads: s.threads, rates: s.rates }]));
      for (const s of sides) s.net.dispose();
    }
    self.postMessage({ ok: true, threads, hardwareConcurrency: self.navigator.hardwareConcurrency, results });
  } catch (e) {
    self.postMessage({ ok: false, error: e?.message || String(e) });
  }
};
