// The custom elements. Each keeps its markup and styles in an open Shadow DOM, so host-page CSS does not
// reach in and theirs does not leak out; hosts theme them through --lenet-* custom properties.
//
// <lenet-pad>      draw a digit, see what LeNet-5 makes of it.
//   model     a shipped model name (modern, classic, lecun1998) or the URL of a model file (.bin)
//   preset    the shipped model to use when there is no model attribute (default modern)
//   show      any of: probabilities preprocessed feature-maps   (default: probabilities)
//   layer     C1 S2 C3 S4 C5 F6 OUTPUT: whose feature maps 'feature-maps' shows (default C1)
//   size      the drawing pad's side in CSS pixels (default 200)
//   Fires 'lenet-classify' (bubbles, composed) with detail { digit, probabilities, image, side, maps },
//   or detail null when the pad is cleared. Test hooks on the element: data-state (loading, ready,
//   error), data-prediction, data-classified (strokes in the drawing last classified).
//
// <lenet-maps for="PAD-ID" layer="C3" size="56">
//   one layer's feature maps for the drawing on another pad: a lesson explains a layer next to it.
//
// <lenet-trainer preset="classic" data="URL" batch="32" learning-rate="0.005" seed="1" size="200">
//   trains a fresh network on the MNIST subset in short slices of the main thread (the page stays
//   responsive; training pauses while the element is off the page). Shows steps, loss, test accuracy
//   on 500 held-out digits and the six C1 filters as they form. Batch size, learning rate and dropout
//   default to the page's settings for the preset (web/train-defaults.js); the seed fixes both the
//   initial weights and the order of the batches, so a lesson shows the same run every time. Test
//   hooks: data-state (idle, loading, training, paused, error), data-steps, data-accuracy.
import { paintMap } from '../images.js';
import { DrawingPad } from '../draw.js';
import { parseSubset } from '../dataset.js';
import { TRAIN_DEFAULTS, seededRandom } from '../train-defaults.js';
import { MAPS_CSS, PAD_CSS, TRAINER_CSS, adoptStyles } from './styles.js';

const LAYERS = ['C1', 'S2', 'C3', 'S4', 'C5', 'F6', 'OUTPUT'];
const SHOWS = ['probabilities', 'preprocessed', 'feature-maps'];
// Vectors drawn as grids of [rows, columns]: F6's 84 units as the paper's 7-wide, 12-tall bitmaps (the RBF
// codes, laid out row by row as in cpp/layers/layers.cpp), C5's 120 as 10x12.
const GRIDS = { C5: [10, 12], F6: [12, 7], OUTPUT: [1, 10] };
const PAD_PIXELS = 280;
const PAD_TILE = 48; // CSS width of one feature map inside a pad // the canvas's own resolution; draw.js's 20 px stroke is MNIST-like at this size

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k in node && !k.includes('-')) node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

function layerName(value) {
  const name = String(value || 'C1').toUpperCase();
  return LAYERS.includes(name) ? name : 'C1';
}

function sizeAttr(element, fallback) {
  const n = Number.parseFloat(element.getAttribute('size'));
  return Number.isFinite(n) && n >= 40 && n <= 2000 ? n : fallback;
}

// LeNet-5's activations have the same shapes in every preset; knowing them up front lets an element lay
// out its maps before the first drawing, so nothing on the host page moves when they fill in.
const SHAPES = { C1: [6, 28, 28], S2: [6, 14, 14], C3: [16, 10, 10], S4: [16, 5, 5], C5: [120], F6: [84], OUTPUT: [10] };

function describe(layer, shape) {
  if (shape.length === 3) return `${layer}: ${shape[0]} feature maps of ${shape[1]}×${shape[2]}`;
  if (layer === 'OUTPUT') return 'OUTPUT: one unit per digit';
  return `${layer}: ${shape[0]} units`;
}

// One layer's activations as canvases: a [C,H,W] tensor as C maps, a vector as one grid. All share the
// layer's value range, so a bright map is a strong response compared with its neighbours.
class MapsView {
  constructor(container) {
    this.container = container;
    this.key = '';
    this.canvases = [];
  }

  // Lays out (once per layer, shape and size) the canvases for `shape`; tile is a map's CSS width.
  layout(layer, shape, tile) {
    const key = `${layer}:${shape.join('x')}:${tile}`;
    if (key === this.key) return;
    this.key = key;
    const maps = shape.length === 3 ? shape[0] : 1;
    const [h, w] = shape.length === 3 ? [shape[1], shape[2]] : GRIDS[layer] ?? [1, shape[0]];
    // a vector's cells: about `tile` tall in all, each 10..28 px
    const cell = Math.max(10, Math.min(28, tile / h));
    const width = shape.length === 3 ? tile : Math.round(cell * w);
    this.canvases = [];
    const figures = [];
    for (let i = 0; i < maps; i++) {
      const c = el('canvas', { class: 'px', width: w, height: h, role: 'img', 'aria-label': `${layer} map ${i + 1}` });
      c.style.setProperty('--aspect', `${w} / ${h}`);
      c.style.setProperty('--tile', `${width}px`);
      this.canvases.push(c);
      const fig = el('figure', {}, c);
      if (layer === 'OUTPUT') {
        const labels = el('figcaption', { class: 'digits' });
        for (let d = 0; d < 10; d++) labels.append(el('span', { text: String(d) }));
        fig.append(labels);
      } else if (shape.length === 3) fig.append(el('figcaption', { text: String(i + 1) }));
      figures.push(fig);
    }
    this.dims = [h, w];
    this.container.replaceChildren(...figures);
  }

  blank() {
    for (const c of this.canvases) c.getContext('2d').clearRect(0, 0, c.width, c.height);
  }

  show(layer, tensor, tile) {
    this.layout(layer, tensor.shape, tile);
    const { data } = tensor;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const [h, w] = this.dims;
    this.canvases.forEach((c, i) => paintMap(c, data, w, h, { offset: i * h * w, lo, hi, palette: 'heat' }));
  }
}

export function defineElements(runtime, { dataBase }) {
  class LeNetPad extends HTMLElement {
    static observedAttributes = ['model', 'preset', 'show', 'size', 'layer'];
    #ui = null;
    #pad = null;
    #api = null;
    #net = null;
    #source = '';
    #frame = 0;
    #result = null;
    #maps = null;

    #build() {
      const shadow = this.attachShadow({ mode: 'open' });
      adoptStyles(shadow, PAD_CSS);
      const canvas = el('canvas', { class: 'pad-canvas', width: PAD_PIXELS, height: PAD_PIXELS, part: 'canvas', role: 'img', 'aria-label': 'Drawing pad: draw a digit with the mouse, a pen or a finger' });
      const clear = el('button', { type: 'button', text: 'Clear', part: 'button', class: 'clear' });
      const undo = el('button', { type: 'button', text: 'Undo', part: 'button', class: 'undo' });
      const status = el('p', { class: 'status', role: 'status', text: 'Loading the network…' });
      const digit = el('output', { class: 'digit', 'aria-live': 'polite' });
      const sure = el('span', { class: 'sure', text: 'Draw a digit' });
      const bars = el('ol', { class: 'bars', part: 'probabilities', 'aria-label': 'Probability of each digit' });
      const rows = [];
      for (let d = 0; d < 10; d++) {
        const fill = el('span', { class: 'fill' });
        const value = el('span', { class: 'value' });
        const li = el('li', {}, el('span', { text: String(d) }), el('span', { class: 'track' }, fill), value);
        li.dataset.digit = String(d);
        bars.append(li);
        rows.push({ li, fill, value });
      }
      const pre = el('canvas', { class: 'px', width: 28, height: 28, part: 'preprocessed', role: 'img', 'aria-label': 'The 28×28 image the network sees' });
      const preBox = el('div', { class: 'pre' }, pre, el('span', { text: 'what the network sees' }));
      const mapsHead = el('div', { class: 'head' });
      const mapsBox = el('div', { class: 'maps' });
      const layerMaps = el('div', { class: 'layer-maps' }, mapsHead, mapsBox);
      const result = el('div', { class: 'result' }, el('div', { class: 'verdict' }, digit, sure), bars, preBox);
      shadow.append(el('div', { class: 'wrap' },
        el('div', { class: 'pad' }, canvas, el('div', { class: 'tools' }, clear, undo), status), result, layerMaps));
      this.#ui = { canvas, status, digit, sure, bars, rows, pre, preBox, layerMaps, mapsHead };
      this.#maps = new MapsView(mapsBox);

      this.#pad = new DrawingPad(canvas);
      this.#pad.addEventListener('change', () => this.#schedule());
      this.#pad.addEventListener('release', () => this.#classify());
      this.#pad.addEventListener('clear', () => this.#classify());
      clear.addEventListener('click', () => this.#pad.clear());
      undo.addEventListener('click', () => this.#pad.undo());
    }

    connectedCallback() {
      if (!this.#ui) this.#build();
      this.#layout();
      this.#useModel();
    }

    disconnectedCallback() {
      cancelAnimationFrame(this.#frame);
      this.#frame = 0;
    }

    attributeChangedCallback(name) {
      if (!this.#ui) return;
      if (name === 'model' || name === 'preset') this.#useModel();
      else {
        this.#layout();
        this.#render();
      }
    }

    /** The last classification: { digit, probabilities, image, side, maps }, or null. */
    get result() { return this.#result; }

    /** The drawing pad (web/draw.js): clear(), undo(), strokes. */
    get pad() { return this.#pad; }

    #shows() {
      const attr = this.getAttribute('show');
      const list = (attr ?? 'probabilities').split(/\s+/).filter((s) => SHOWS.includes(s));
      return new Set(list);
    }

    #layout() {
      const show = this.#shows();
      this.style.setProperty('--lenet-size', `${sizeAttr(this, 200)}px`);
      this.#ui.bars.hidden = !show.has('probabilities');
      this.#ui.preBox.hidden = !show.has('preprocessed');
      this.#ui.layerMaps.hidden = !show.has('feature-maps');
    }

    #useModel() {
      const source = this.getAttribute('model') || this.getAttribute('preset') || 'modern';
      if (source === this.#source) return;
      this.#source = source;
      this.#net = null;
      this.dataset.state = 'loading';
      this.#status('Loading the network…');
      Promise.all([runtime.lenet(), runtime.network(source)]).then(([api, net]) => {
        if (this.#source !== source) return; // the attribute changed while this one loaded
        this.#api = api;
        this.#net = net;
        this.dataset.state = 'ready';
        this.#status('');
        this.#classify();
      }, (e) => {
        if (this.#source !== source) return;
        this.dataset.state = 'error';
        this.#status(`The network could not be loaded: ${e.message}`, true);
      });
    }

    #status(text, error = false) {
      this.#ui.status.textContent = text;
      this.#ui.status.classList.toggle('error', error);
    }

    // While the pen moves: at most one prediction per frame.
    #schedule() {
      if (this.#frame) return;
      this.#frame = requestAnimationFrame(() => {
        this.#frame = 0;
        this.#classify(false);
      });
    }

    #classify(final = true) {
      if (final && this.#frame) {
        cancelAnimationFrame(this.#frame);
        this.#frame = 0;
      }
      if (!this.#net) return;
      const side = this.#net.inputSize;
      let result = null;
      try {
        const seen = this.#pad.empty ? null : this.#net.predictDrawing(this.#pad.imageData());
        if (seen) {
          const { probabilities, input: image } = seen;
          const maps = this.#net.featureMaps();
          let digit = 0;
          for (let d = 1; d < 10; d++) if (probabilities[d] > probabilities[digit]) digit = d;
          result = { digit, probabilities, image, side, maps };
        }
      } catch (e) {
        this.#status(`Could not classify the drawing: ${e.message}`, true);
        return;
      }
      this.#result = result;
      this.#render();
      this.dataset.prediction = result ? String(result.digit) : '';
      if (final) this.dataset.classified = String(this.#pad.strokes.length);
      this.dispatchEvent(new CustomEvent('lenet-classify', { detail: result, bubbles: true, composed: true }));
    }

    #render() {
      const ui = this.#ui;
      const r = this.#result;
      const layer = layerName(this.getAttribute('layer'));
      if (!r) {
        ui.digit.textContent = '';
        ui.sure.textContent = 'Draw a digit';
        for (const { li, fill, value } of ui.rows) {
          delete li.dataset.p;
          li.classList.remove('best');
          fill.style.width = '0%';
          value.textContent = '';
        }
        const ctx = ui.pre.getContext('2d');
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, 28, 28);
        ui.mapsHead.textContent = describe(layer, SHAPES[layer]); // the same text as when shown: nothing moves
        this.#maps.layout(layer, SHAPES[layer], PAD_TILE);
        this.#maps.blank();
        return;
      }
      const p = r.probabilities;
      ui.digit.textContent = String(r.digit);
      ui.sure.textContent = `${(p[r.digit] * 100).toFixed(1)} % sure`;
      ui.rows.forEach(({ li, fill, value }, d) => {
        li.dataset.p = String(p[d]);
        li.classList.toggle('best', d === r.digit);
        li.setAttribute('aria-label', `${d}: ${(p[d] * 100).toFixed(1)} percent`);
        fill.style.width = `${Math.max(0, Math.min(1, p[d])) * 100}%`;
        value.textContent = p[d] >= 0.995 ? '100%' : p[d] < 0.001 ? '0%' : `${(p[d] * 100).toFixed(p[d] < 0.1 ? 1 : 0)}%`;
      });
      paintMap(ui.pre, r.image, r.side, r.side, { lo: 0, hi: 1, palette: 'ink' });
      if (!ui.layerMaps.hidden) {
        const tensor = r.maps[layer === 'OUTPUT' ? 'output' : layer];
        ui.mapsHead.textContent = describe(layer, tensor.shape);
        this.#maps.show(layer, tensor, PAD_TILE);
      }
    }
  }

  class LeNetMaps extends HTMLElement {
    static observedAttributes = ['for', 'layer', 'size'];
    #head = null;
    #view = null;
    #root = null;
    #onClassify = (e) => {
      if (e.target?.id === this.getAttribute('for')) this.#show(e.detail);
    };

    connectedCallback() {
      if (!this.#view) {
        const shadow = this.attachShadow({ mode: 'open' });
        adoptStyles(shadow, MAPS_CSS);
        this.#head = el('div', { class: 'head', part: 'caption' });
        const box = el('div', { class: 'maps', part: 'maps' });
        shadow.append(this.#head, box);
        this.#view = new MapsView(box);
      }
      // The pad's events bubble to the document (or the shadow root both live in), so the pad may be
      // defined before or after this element.
      this.#root = this.getRootNode();
      this.#root.addEventListener('lenet-classify', this.#onClassify);
      this.#refresh();
    }

    disconnectedCallback() {
      this.#root?.removeEventListener('lenet-classify', this.#onClassify);
      this.#root = null;
    }

    attributeChangedCallback() {
      if (this.#view) this.#refresh();
    }

    #refresh() {
      const id = this.getAttribute('for');
      const pad = id && this.#root?.getElementById ? this.#root.getElementById(id) : null;
      this.#show(pad?.result ?? null);
    }

    #show(result) {
      const layer = layerName(this.getAttribute('layer'));
      if (!result) {
        this.#head.textContent = describe(layer, SHAPES[layer]);
        this.dataset.shown = '';
        this.#view.layout(layer, SHAPES[layer], sizeAttr(this, 56));
        this.#view.blank();
        return;
      }
      const tensor = result.maps[layer === 'OUTPUT' ? 'output' : layer];
      this.#head.textContent = describe(layer, tensor.shape);
      this.#view.show(layer, tensor, sizeAttr(this, 56));
      this.dataset.shown = layer;
    }
  }

  class LeNetTrainer extends HTMLElement {
    static observedAttributes = ['preset', 'size', 'batch', 'learning-rate', 'seed'];
    static EVAL_EVERY = 50;
    static EVAL_COUNT = 500;
    static SLICE_MS = 12; // training per slice of the main thread, below one 60 Hz frame
    #ui = null;
    #api = null;
    #net = null;
    #data = null;
    #running = false;
    #timer = 0;
    #losses = [];
    #batch = null;
    #test = null;
    #random = null; // draws the training samples, from the seed

    connectedCallback() {
      if (!this.#ui) this.#build();
      this.style.setProperty('--lenet-size', `${sizeAttr(this, 200)}px`);
      this.dataset.state ??= 'idle';
    }

    disconnectedCallback() {
      if (this.#running) this.#pause();
    }

    attributeChangedCallback(name) {
      if (!this.#ui) return;
      if (name === 'size') this.style.setProperty('--lenet-size', `${sizeAttr(this, 200)}px`);
      if (name === 'preset' || name === 'batch' || name === 'learning-rate' || name === 'seed') this.#reset();
    }

    /** The network being trained (null before the first step). */
    get network() { return this.#net; }

    #build() {
      const shadow = this.attachShadow({ mode: 'open' });
      adoptStyles(shadow, TRAINER_CSS);
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
      train.addEventListener('click', () => (this.#running ? this.#pause() : this.#start()));
      reset.addEventListener('click', () => this.#reset());
    }

    #status(text, error = false) {
      this.#ui.status.textContent = text;
      this.#ui.status.classList.toggle('error', error);
    }

    async #loadData() {
      const url = new URL(this.getAttribute('data') || 'mnist-subset.bin.gz', this.hasAttribute('data') ? document.baseURI : dataBase).href;
      const res = await fetch(url);
      if (!res.ok) throw new Error(`the training data ${url} is not available (HTTP ${res.status})`);
      const packed = res.body.pipeThrough(new DecompressionStream('gzip'));
      return parseSubset(new Uint8Array(await new Response(packed).arrayBuffer()));
    }

    async #start() {
      if (this.dataset.state === 'loading') return;
      try {
        if (!this.#data || !this.#net) {
          this.dataset.state = 'loading';
          this.#status('Loading the network and the MNIST digits…');
          this.#ui.train.disabled = true;
          const [api, data] = await Promise.all([runtime.lenet(), this.#data ?? this.#loadData()]);
          this.#api = api;
          this.#data = data;
          if (!this.#net) this.#create();
          this.#ui.train.disabled = false;
        }
      } catch (e) {
        this.#ui.train.disabled = false;
        this.dataset.state = 'error';
        this.#status(`Cannot train: ${e.message}`, true);
        return;
      }
      this.#status('');
      this.#running = true;
      this.dataset.state = 'training';
      this.#ui.train.textContent = 'Pause';
      this.#timer = setTimeout(() => this.#slice(), 0);
    }

    #pause() {
      this.#running = false;
      clearTimeout(this.#timer);
      this.dataset.state = 'paused';
      this.#ui.train.textContent = 'Train';
    }

    #reset() {
      const wasRunning = this.#running;
      if (wasRunning) this.#pause();
      this.#net?.dispose();
      this.#net = null;
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

    #create() {
      const preset = this.getAttribute('preset') || 'classic';
      const d = TRAIN_DEFAULTS[preset] ?? TRAIN_DEFAULTS.classic;
      const seed = Number.parseInt(this.getAttribute('seed') ?? '1', 10);
      const s = Number.isInteger(seed) && seed >= 0 ? seed : 1;
      const batch = Math.max(1, Math.min(256, Number.parseInt(this.getAttribute('batch') ?? '', 10) || d.batchSize));
      const rate = Number(this.getAttribute('learning-rate') ?? NaN);
      const learningRate = Number.isFinite(rate) && rate > 0 && rate <= 10 ? rate : d.learningRate;
      this.#net = this.#api.create({ preset, seed: s, optimizer: d.optimizer, learningRate, batchSize: batch, dropout: d.dropout });
      this.#random = seededRandom(s);
      const side = this.#net.inputSize;
      this.#batch = { size: batch, images: new Uint8Array(batch * side * side), labels: new Uint8Array(batch) };
      const { test } = this.#data;
      const n = Math.min(LeNetTrainer.EVAL_COUNT, test.count);
      this.#test = { images: new Uint8Array(n * side * side), labels: test.labels.slice(0, n) };
      for (let i = 0; i < n; i++) this.#place(this.#test.images, i, test.images, i, side);
      this.dataset.steps = '0';
      this.#drawFilters();
    }

    // Copies image `from` of the 28x28 set into slot `to` of a side x side buffer, centred (32 = 28 + 2*2).
    #place(dst, to, src, from, side) {
      const s = this.#data.side;
      const border = (side - s) >> 1;
      for (let y = 0; y < s; y++) {
        dst.set(src.subarray(from * s * s + y * s, from * s * s + (y + 1) * s), to * side * side + (y + border) * side + border);
      }
    }

    #slice() {
      if (!this.#running) return;
      const { train } = this.#data;
      const side = this.#net.inputSize;
      const b = this.#batch;
      const start = performance.now();
      try {
        do {
          for (let i = 0; i < b.size; i++) {
            const k = Math.floor(this.#random() * train.count);
            this.#place(b.images, i, train.images, k, side);
            b.labels[i] = train.labels[k];
          }
          const stats = this.#net.trainBatch(b.images, b.labels);
          this.#losses.push(stats.loss);
          if (this.#net.steps % LeNetTrainer.EVAL_EVERY === 0) {
            const r = this.#net.evaluate(this.#test.images, this.#test.labels);
            this.dataset.accuracy = r.accuracy.toFixed(4);
          }
        } while (performance.now() - start < LeNetTrainer.SLICE_MS);
      } catch (e) {
        this.#pause();
        this.dataset.state = 'error';
        this.#status(`Training stopped: ${e.message}`, true);
        return;
      }
      this.dataset.steps = String(this.#net.steps);
      const recent = this.#losses.slice(-20);
      const loss = recent.reduce((s, v) => s + v, 0) / recent.length;
      const acc = this.dataset.accuracy ? ` · test accuracy ${(Number(this.dataset.accuracy) * 100).toFixed(1)} %` : '';
      this.#ui.numbers.textContent = `step ${this.#net.steps} · loss ${loss.toFixed(3)}${acc}`;
      this.#drawChart();
      this.#drawFilters();
      this.#timer = setTimeout(() => this.#slice(), 0);
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

    #drawFilters() {
      if (!this.#net) return;
      const w = this.#net.weights('C1'); // [6,1,5,5]
      this.#ui.filterCanvases.forEach((c, i) => paintMap(c, w.data, 5, 5, { offset: i * 25, palette: 'signed' }));
    }
  }

  for (const [name, cls] of [['lenet-pad', LeNetPad], ['lenet-maps', LeNetMaps], ['lenet-trainer', LeNetTrainer]]) {
    if (!customElements.get(name)) customElements.define(name, cls);
  }
}
