// <lenet-trainer preset="classic" data="URL" batch="32" learning-rate="0.005" seed="1" size="200">:
// trains a fresh network on the MNIST subset in a Web Worker, the page's own training worker
// (../train-worker.js, driven through ../training.js), so the lesson page's main thread only draws what
// the worker reports. Training pauses while the element is off the page. Shows steps, loss, test accuracy
// on 500 held-out digits and the six C1 filters as they form. Batch size, learning rate and dropout
// default to the page's settings for the preset (web/train-defaults.js), at a constant rate; the seed
// fixes both the initial weights and the order of the batches, so a lesson shows the same run every time.
// Where no worker can start (a host's Content-Security-Policy, a file:// page), the status line says so.
// Test hooks: data-state (idle, loading, training, paused, done, error), data-steps, data-accuracy.
// Property: model, the trained network's latest saved model file (bytes for lenet.load), or null.
import { paintMap } from '../images.js';
import { TRAIN_DEFAULTS } from '../train-defaults.js';
import { Trainer } from '../training.js';
import { applySize } from './attributes.js';
import { dataBase, runtime } from './context.js';
import { el, setStatus } from './dom.js';
import { BASE_CSS, adoptStyles } from './styles.js';

// A lesson trains until the reader pauses it: this many passes over the digits outlast any reading.
const EPOCHS = 1000;
// Held-out checks per pass: every 54 steps on the shipped 12,000 digits at batch 32.
const TESTS_PER_EPOCH = 7;
const TEST_COUNT = 500;

const CSS = `${BASE_CSS}
.tools { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.chart { display: block; width: calc(var(--size) * 1.6); height: calc(var(--size) * 0.45); margin-top: 6px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.numbers { font-variant-numeric: tabular-nums; }
.filters { margin-top: 6px; }
`;

export class LeNetTrainer extends HTMLElement {
  static observedAttributes = ['preset', 'size', 'batch', 'learning-rate', 'seed'];
  #ui = null;
  #trainer = null; // ../training.js's Trainer: the worker, its states and messages
  #rate = 0; // the run's learning rate, halved by each Train after a divergence
  #model = null;
  #losses = [];

  connectedCallback() {
    if (!this.#ui) this.#build();
    applySize(this);
    this.dataset.state ??= 'idle';
  }

  disconnectedCallback() {
    this.#trainer?.pause();
  }

  attributeChangedCallback(name) {
    if (!this.#ui) return;
    if (name === 'size') applySize(this);
    if (name === 'preset' || name === 'batch' || name === 'learning-rate' || name === 'seed') this.#reset();
  }

  /** The trained network's latest model file (saved every second and at each pass's end), or null. */
  get model() { return this.#model ? this.#model.slice() : null; }

  #build() {
    const shadow = this.attachShadow({ mode: 'open' });
    adoptStyles(shadow, CSS);
    const train = el('button', { type: 'button', text: 'Train', part: 'button', class: 'train' });
    const reset = el('button', { type: 'button', text: 'Reset', part: 'button', class: 'reset' });
    const numbers = el('span', { class: 'numbers', 'aria-live': 'polite', text: 'not trained yet' });
    const chart = el('canvas', { class: 'chart', width: 320, height: 90, role: 'img', 'aria-label': 'Training loss' });
    const filtersHead = el('div', { class: 'head', text: 'C1 filters (5×5 weights: orange positive, blue negative)' });
    const filters = el('div', { class: 'maps filters' });
    const status = el('p', { class: 'status', role: 'status' });
    shadow.append(el('div', { class: 'tools' }, train, reset, numbers), chart, filtersHead, filters, status);
    this.#ui = { train, reset, numbers, chart, filters, status };
    this.#ui.filterCanvases = Array.from({ length: 6 }, (_, i) => {
      const c = el('canvas', { class: 'px', width: 5, height: 5, role: 'img', 'aria-label': `C1 filter ${i + 1}` });
      c.style.setProperty('--tile', '40px');
      filters.append(c);
      return c;
    });
    train.addEventListener('click', () => this.#press());
    reset.addEventListener('click', () => this.#reset());
  }

  // Train / Pause: what it does depends on where the worker is.
  #press() {
    const state = this.#trainer?.state ?? 'idle';
    if (state === 'training') this.#trainer.pause();
    else if (state === 'paused') this.#trainer.resume();
    else if (state === 'diverged') {
      this.#rate /= 2;
      setStatus(this.#ui.status, '');
      this.#trainer.resume(this.#rate);
    } else if (state === 'idle' || state === 'done') this.#start();
  }

  // The run's settings: the attributes where they are usable, else the page's for the preset.
  #options() {
    const preset = this.getAttribute('preset') || 'classic';
    const d = TRAIN_DEFAULTS[preset] ?? TRAIN_DEFAULTS.classic;
    const seed = Number.parseInt(this.getAttribute('seed') ?? '1', 10);
    const batch = Number.parseInt(this.getAttribute('batch') ?? '', 10);
    const rate = Number(this.getAttribute('learning-rate') ?? NaN);
    const data = new URL(this.getAttribute('data') || 'mnist-subset.bin.gz', this.hasAttribute('data') ? document.baseURI : dataBase());
    return {
      preset: TRAIN_DEFAULTS[preset] ? preset : 'classic',
      seed: Number.isInteger(seed) && seed >= 0 ? seed : 1,
      optimizer: d.optimizer,
      learningRate: Number.isFinite(rate) && rate > 0 && rate <= 10 ? rate : d.learningRate,
      batchSize: Math.max(1, Math.min(256, batch || d.batchSize)),
      dropout: d.dropout,
      schedule: 'constant',
      epochs: EPOCHS,
      testsPerEpoch: TESTS_PER_EPOCH,
      quickTest: TEST_COUNT,
      gallery: 0,
      dataUrl: data.href,
      watch: 'C1',
    };
  }

  #start() {
    this.#clear();
    const options = this.#options();
    this.#rate = options.learningRate;
    const trainer = new Trainer({ makeWorker: runtime().trainingWorker });
    this.#trainer = trainer;
    const on = (type, fn) => trainer.addEventListener(type, (e) => {
      if (trainer === this.#trainer) fn(e.detail);
    });
    on('state', ({ state }) => this.#state(state));
    on('data-progress', ({ loaded, total }) => {
      if (total) setStatus(this.#ui.status, `Loading the MNIST digits… ${Math.round((100 * loaded) / total)} %`);
    });
    // A threaded start that hung was replaced by a one-thread run (../training.js): say so while it trains.
    let note = '';
    on('fallback', ({ message }) => (note = message));
    on('started', () => setStatus(this.#ui.status, note));
    on('progress', (p) => this.#progress(p));
    on('test', ({ accuracy, steps }) => this.#accuracy(accuracy, steps));
    on('epoch', ({ accuracy, steps, bytes }) => {
      this.#model = bytes;
      this.#accuracy(accuracy, steps);
    });
    on('weights', ({ bytes }) => (this.#model = bytes));
    on('done', ({ bytes }) => (this.#model = bytes));
    on('diverged', ({ message, bytes }) => {
      this.#model = bytes;
      this.#fail(`Training stopped: ${message} Train goes on at half the learning rate.`);
    });
    on('failed', ({ message }) => this.#fail(`Cannot train: ${message}`));
    on('crashed', ({ message }) => this.#fail(`Cannot train: ${message} Training runs in a Web Worker, which this page could not run.`));
    setStatus(this.#ui.status, 'Loading the network and the MNIST digits…');
    trainer.start(options);
  }

  // The element's states follow the worker's: loading, training, paused; diverged is an error that Train
  // recovers from; a failed or crashed worker leaves 'error' with the reason in the status line.
  #state(state) {
    this.dataset.state = state === 'diverged' ? 'error' : state;
    this.#ui.train.textContent = state === 'training' ? 'Pause' : 'Train';
    this.#ui.train.disabled = state === 'loading';
  }

  #fail(message) {
    this.dataset.state = 'error';
    this.#ui.train.disabled = false;
    this.#ui.train.textContent = 'Train';
    setStatus(this.#ui.status, message, true);
  }

  #reset() {
    const wasRunning = this.#trainer?.state === 'training' || this.#trainer?.state === 'loading';
    const old = this.#trainer;
    this.#trainer = null;
    old?.reset();
    this.#clear();
    this.#state('idle');
    setStatus(this.#ui.status, '');
    if (wasRunning) this.#start();
  }

  #clear() {
    this.#losses = [];
    this.#model = null;
    this.dataset.steps = '0';
    delete this.dataset.accuracy;
    this.#ui.numbers.textContent = 'not trained yet';
    this.#drawChart();
    for (const c of this.#ui.filterCanvases) c.getContext('2d').clearRect(0, 0, 5, 5);
  }

  // steps: when the check was made; progress reports come a few a second, so this may be later than theirs.
  #accuracy(accuracy, steps) {
    this.dataset.accuracy = accuracy.toFixed(4);
    this.dataset.steps = String(steps);
    this.#numbers();
  }

  // loss: the mean over the steps since the last report (a few a second).
  #progress({ steps, loss, watched }) {
    this.#losses.push(loss);
    this.dataset.steps = String(steps);
    this.#numbers();
    this.#drawChart();
    if (watched) this.#drawFilters(watched);
  }

  #numbers() {
    const recent = this.#losses.slice(-5);
    if (!recent.length) return;
    const loss = recent.reduce((s, v) => s + v, 0) / recent.length;
    const acc = this.dataset.accuracy ? ` · test accuracy ${(Number(this.dataset.accuracy) * 100).toFixed(1)} %` : '';
    this.#ui.numbers.textContent = `step ${this.dataset.steps} · loss ${loss.toFixed(3)}${acc}`;
  }

  #drawChart() {
    const c = this.#ui.chart;
    const ctx = c.getContext('2d');
    ctx.clearRect(0, 0, c.width, c.height);
    const l = this.#losses;
    if (l.length < 2) return;
    // at most one point per pixel column: means over equal runs of steps
    const cols = Math.min(c.width, l.length);
    const points = [];
    for (let i = 0; i < cols; i++) {
      const a = Math.floor((i * l.length) / cols);
      const z = Math.max(a + 1, Math.floor(((i + 1) * l.length) / cols));
      let s = 0;
      for (let k = a; k < z; k++) s += l[k];
      points.push(s / (z - a));
    }
    const hi = Math.max(...points);
    ctx.strokeStyle = getComputedStyle(this).getPropertyValue('--lenet-accent').trim() || '#2b6cb0';
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach((v, i) => {
      const x = (i / Math.max(1, cols - 1)) * (c.width - 4) + 2;
      const y = c.height - 4 - (v / (hi || 1)) * (c.height - 8);
      if (i) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
    });
    ctx.stroke();
  }

  // Each filter on its own scale: a filter still close to zero shows its pattern next to a grown one.
  #drawFilters(w) { // C1's weights, [6,1,5,5]
    this.#ui.filterCanvases.forEach((c, i) => paintMap(c, w.data, 5, 5, { offset: i * 25, palette: 'signed' }));
  }
}
