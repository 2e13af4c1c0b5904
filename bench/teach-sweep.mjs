// Chooses teachClasses' settings (web/teach-classes.js) by measurement, in Node: drawn symbols
// (tests/browser/symbols.mjs) painted as the pad paints them, preprocessed by the engine as the page does, N examples
// per class to train on and 40 held-out drawings per class from another stream. For each setting it
// prints the held-out accuracy (mean and worst over the seeds) for the two five-class sets and for all
// ten classes, and the training seconds. The page itself is measured by bench/teach.mjs; this is the
// quick loop for the choice.
//
//   node bench/teach-sweep.mjs [--examples 8] [--test 40] [--seeds 1,2,3] [--quick | --grid '[{...}, ...]']
// (each grid entry: options for teachClasses, e.g. {"epochs": 100, "learningRate": 0.01})
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadLeNet } from '../web/lenet.js';
import { TEACH_SETTINGS, teachClasses, toExampleBytes } from '../web/teach-classes.js';
import { SETS, SYMBOLS, rasterize, symbolSet } from '../tests/browser/symbols.mjs';
import { repo } from '../tests/browser/helpers.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const EXAMPLES = Number(arg('examples', 8));
const TEST = Number(arg('test', 40));
const SEEDS = arg('seeds', '1,2,3').split(',').map(Number);
const lenet = await loadLeNet();
const base = new Uint8Array(readFileSync(join(repo, 'models/modern.bin')));

// Drawings -> 28x28 bytes through the engine's preprocessing, cached per (class set, stream).
const cache = new Map();
function examples(names, count, stream) {
  const key = `${names.join('')}|${count}|${stream}`;
  if (!cache.has(key)) {
    const drawings = symbolSet(names, count, stream);
    const images = new Uint8Array(drawings.length * 784);
    drawings.forEach((d, i) => images.set(toExampleBytes(lenet.preprocess(rasterize(d.strokes), 28)), i * 784));
    const labels = Uint8Array.from(drawings, (d) => names.indexOf(d.label));
    cache.set(key, { images, labels });
  }
  return cache.get(key);
}

const CLASS_SETS = [SETS.first, SETS.second, SYMBOLS];

async function measure(options) {
  const rows = [];
  for (const names of CLASS_SETS) {
    const test = examples(names, TEST, 'test');
    for (const seed of SEEDS) {
      // the seed picks which drawings are the examples, and the training's own seed
      const train = examples(names, EXAMPLES, `train${seed}`);
      const r = await teachClasses(lenet, base, names, train.images, train.labels, { ...options, seed });
      const net = lenet.load(r.bytes);
      const acc = net.evaluate(test.images, test.labels).accuracy;
      net.dispose();
      rows.push({ set: names.join(''), seed, acc, seconds: r.seconds });
    }
  }
  return rows;
}

const sweeps = arg('grid') ? JSON.parse(arg('grid')) : process.argv.includes('--quick') ? [{}] : [
  {},
  { trainFrom: 'OUTPUT', learningRate: 0.003 }, { trainFrom: 'OUTPUT', learningRate: 0.01 }, { trainFrom: 'F6' },
  { trainFrom: 'C3' }, { trainFrom: 'C1', learningRate: 0.001 },
  { epochs: 30 }, { epochs: 100 }, { learningRate: 0.001 }, { learningRate: 0.003 },
  { augment: false }, { augment: { shift: 2, degrees: 20, scale: 0.2, stroke: 0.6 } },
  { augment: { shift: 1, degrees: 8, scale: 0.08, stroke: 0.3 } },
];

console.log(`${EXAMPLES} examples per class, ${TEST} held out per class, seeds ${SEEDS.join(',')}; defaults ${JSON.stringify(TEACH_SETTINGS)}`);
for (const options of sweeps) {
  const rows = await measure(options);
  const fmt = (names) => {
    const accs = rows.filter((r) => r.set === names.join('')).map((r) => r.acc);
    return `${(100 * accs.reduce((s, a) => s + a, 0) / accs.length).toFixed(1)} (worst ${(100 * Math.min(...accs)).toFixed(1)})`;
  };
  const secs = rows.map((r) => r.seconds);
  console.log(`${JSON.stringify(options).padEnd(64)} ${SETS.first.join('')}: ${fmt(SETS.first)} %  ${SETS.second.join('')}: ` +
    `${fmt(SETS.second)} %  all ten: ${fmt(SYMBOLS)} %  train ${Math.min(...secs).toFixed(2)}-${Math.max(...secs).toFixed(2)} s`);
}
