// <lenet-trainer preset="classic" data="URL" batch="32" learning-rate="0.005" seed="1" size="200">:
// trains a fresh network on the MNIST subset (training-run.js: in short slices of the main thread, so the
// page stays responsive; training pauses while the element is off the page). Shows steps, loss, test
// accuracy on 500 held-out digits and the six C1 filters as they form. Batch size, learning rate and
// dropout default to the page's settings for the preset (web/train-defaults.js); the seed fixes both the
// initial weights and the order of the batches, so a lesson shows the same run every time. Test hooks:
// data-state (idle, loading, training, paused, error), data-steps, data-accuracy.
import { loadSubset } from '../data-loader.js';
import { paintMap } from '../images.js';
import { TRAIN_DEFAULTS } from '../train-defaults.js';
import { applySize } from './attributes.js';
import { dataBase, runtime } from './context.js';
import { el, setStatus } from './dom.js';
import { BASE_CSS, adoptStyles } from './styles.js';
import { TrainingRun } from './training-run.js';

const CSS = `${BASE_CSS}
.tools { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.chart { display: block; width: calc(var(--size) * 1.6); height: calc(var(--size) * 0.45); margin-top: 6px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.numbers { font-variant-numeric: tabular-nums; }
.filters { margin-top: 6px; }
`;

export class LeNetTrainer extends HTMLElement {
  static observedAttributes = ['preset', 'size', 'batch', 'learning-rate', 'seed'];
  #ui = null;
  #api = null;
  #data = null;
  #run = null; // the training (training-run.js), from the first Train or Reset with the data loaded
  #losses = [];

  connectedCallback() {
    if (!this.#ui) this.#build();
    applySize(this);
    this.dataset.state ??= 'idle';
  }

  disconnectedCallback() {
    if (this.#run?.running) this.#pause();
  }

  attributeChangedCallback(name) {
    if (!this.#ui) return;
    if (name === 'size') applySize(this);
    if (name === 'preset' || name === 'batch' || name === 'learning-rate' || name === 'seed') this.#reset();
  }

  /** The network being trained (null before the first step). */
  get network() { return this.#run?.network ?? null; }

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
    train.addEventListener('click', () => (this.#run?.running ? this.#pause() : this.#start()));
    reset.addEventListener('click', () => this.#reset());
  }

  #loadData() {
    return loadSubset(new URL(this.getAttribute('data') || 'mnist-subset.bin.gz', this.hasAttribute('data') ? document.baseURI : dataBase()).href);
  }

  async #start() {
    if (this.dataset.state === 'loading') return;
    try {
      if (!this.#data || !this.#run) {
        this.dataset.state = 'loading';
        setStatus(this.#ui.status, 'Loading the network and the MNIST digits…');
        this.#ui.train.disabled = true;
        const [api, data] = await Promise.all([runtime().lenet(), this.#data ?? this.#loadData()]);
        this.#api = api;
        this.#data = data;
        if (!this.#run) this.#create();
        this.#ui.train.disabled = false;
      }
    } catch (e) {
      this.#ui.train.disabled = false;
      this.dataset.state = 'error';
      setStatus(this.#ui.status, `Cannot train: ${e.message}`, true);
      return;
    }
    setStatus(this.#ui.status, '');
    this.#run.start();
    this.dataset.state = 'training';
    this.#ui.train.textContent = 'Pause';
  }

  #pause() {
    this.#run?.pause();
    this.dataset.state = 'paused';
    this.#ui.train.textContent = 'Train';
  }

  #reset() {
    const wasRunning = this.#run?.running;
    if (wasRunning) this.#pause();
    this.#run?.dispose();
    this.#run = null;
    this.#losses = [];
    this.dataset.steps = '0';
    delete this.dataset.accuracy;
    this.#ui.numbers.textContent = 'not trained yet';
    this.#drawChart();
    for (const c of this.#ui.filterCanvases) c.getContext('2d').clearRect(0, 0, 5, 5);
    if (this.#data && this.#api) this.#create();
    if (wasRunning) this.#start();
    else this.dataset.state = 'idle';
  }

  // The run's settings: the attributes where they are usable, else the page's for the preset.
  #create() {
    const preset = this.getAttribute('preset') || 'classic';
    const d = TRAIN_DEFAULTS[preset] ?? TRAIN_DEFAULTS.classic;
    const seed = Number.parseInt(this.getAttribute('seed') ?? '1', 10);
    const batch = Number.parseInt(this.getAttribute('batch') ?? '', 10);
    const rate = Number(this.getAttribute('learning-rate') ?? NaN);
    this.#run = new TrainingRun(this.#api, this.#data, {
      preset,
      seed: Number.isInteger(seed) && seed >= 0 ? seed : 1,
      optimizer: d.optimizer,
      learningRate: Number.isFinite(rate) && rate > 0 && rate <= 10 ? rate : d.learningRate,
      batchSize: Math.max(1, Math.min(256, batch || d.batchSize)),
      dropout: d.dropout,
    }, (progress, error) => this.#progress(progress, error));
    this.dataset.steps = '0';
    this.#drawFilters();
  }

  #progress({ steps, losses, accuracy }, error) {
    for (const l of losses) this.#losses.push(l);
    if (accuracy !== undefined) this.dataset.accuracy = accuracy.toFixed(4);
    if (error) {
      this.#pause();
      this.dataset.state = 'error';
      setStatus(this.#ui.status, `Training stopped: ${error.message}`, true);
      return;
    }
    this.dataset.steps = String(steps);
    const recent = this.#losses.slice(-20);
    const loss = recent.reduce((s, v) => s + v, 0) / recent.length;
    const acc = this.dataset.accuracy ? ` · test accuracy ${(Number(this.dataset.accuracy) * 100).toFixed(1)} %` : '';
    this.#ui.numbers.textContent = `step ${steps} · loss ${loss.toFixed(3)}${acc}`;
    this.#drawChart();
    this.#drawFilters();
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
  #drawFilters() {
    const w = this.#run.filters(); // [6,1,5,5]
    this.#ui.filterCanvases.forEach((c, i) => paintMap(c, w.data, 5, 5, { offset: i * 25, palette: 'signed' }));
  }
}
