// <lenet-teach classes="✓,✗,★" set="URL" size="200">: teach LeNet-5 classes of your own in a lesson. Draw
// on the element's pad, add the drawing to a class, and once every class has a few drawings, Train: a
// worker (teach-worker.js) keeps the shipped modern model's stroke detectors and retrains the rest for
// these classes in seconds; the pad then says which class a drawing is, with a bar per class.
//   classes   the class names, comma-separated (2 to 64; each at most 32 bytes)
//   set       the URL of a class-set file (class-set.js: names and drawings, as the page's "Teach it new
//             things" panel downloads it): its classes and drawings to start from, instead of `classes`
//   size      the pad's side in CSS pixels (default 200)
// "Download drawings" saves the classes and drawings as a class-set file, for a `set` attribute or the page.
// Test hooks on the element: data-state (loading, ready, training, trained, error), data-examples (the
// count of each class, comma-separated), data-prediction (the class name), data-classified (strokes in
// the drawing last classified), data-trainings (trainings finished).
import { decodeClassSet, encodeClassSet, flattenClassSet, CLASS_SET_EXTENSION } from '../class-set.js';
import { ClassificationView } from '../classify.js';
import { DrawingPad } from '../draw.js';
import { checkClassNames, checkExamples, LIMITS, toExampleBytes } from '../teach-classes.js';
import { teachInWorker } from '../teach-worker.js';
import { applySize } from './attributes.js';
import { runtime } from './context.js';
import { el, setStatus } from './dom.js';
import { BASE_CSS, adoptStyles } from './styles.js';

const CSS = `${BASE_CSS}
.wrap { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.pad { display: flex; flex-direction: column; gap: 6px; max-width: var(--size); }
.pad canvas { width: var(--size); height: var(--size); border: 1px solid var(--line); border-radius: 8px; background: #fff; touch-action: none; cursor: crosshair; }
.tools { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.classes { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; min-width: 12em; }
.classes li { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.thumbs { display: contents; }
.thumb { position: relative; padding: 0; border-radius: 4px; line-height: 0; }
.thumb canvas { width: 28px; height: 28px; }
.short { color: #b42318; }
.result { display: flex; flex-direction: column; gap: 6px; min-width: 150px; }
.verdict { display: flex; align-items: baseline; gap: 8px; min-height: 2.6em; }
.digit { font-size: 2.4em; font-weight: 700; line-height: 1; color: var(--accent); }
.sure { color: #5a6477; font-size: 0.9em; }
ol.bars { list-style: none; margin: 0; padding: 0; display: grid; gap: 2px; }
ol.bars li { display: grid; grid-template-columns: minmax(1em, 5em) 1fr 3em; gap: 6px; align-items: center; font-size: 0.85em; }
.bar-label { overflow-wrap: anywhere; }
.bar-track { height: 0.7em; background: #edf1f7; border-radius: 3px; overflow: hidden; }
.bar-fill { display: block; height: 100%; width: 0; background: #9fb3d1; }
li.best .bar-fill { background: var(--accent); }
.bar-value { text-align: right; font-variant-numeric: tabular-nums; color: #5a6477; }
progress { width: 100%; }
`;

// The classes attribute as a list of names ('' gives none).
const parseNames = (text) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export class LeNetTeach extends HTMLElement {
  static observedAttributes = ['classes', 'set', 'size'];
  #ui = null;
  #pad = null;
  #view = null;
  #api = null;
  #classes = []; // [{ name, examples: [Uint8Array(784)] }]
  #net = null; // the network taught here, once trained
  #source = null; // what the classes came from (the attribute's text or the set's URL)
  #busy = false;

  connectedCallback() {
    if (!this.#ui) this.#build();
    applySize(this);
    this.#load();
  }

  attributeChangedCallback(name) {
    if (!this.#ui) return;
    if (name === 'size') applySize(this);
    else this.#load();
  }

  /** The classes and their drawings: [{ name, examples: [Uint8Array(784)] }] (a copy). */
  get classes() { return this.#classes.map((c) => ({ name: c.name, examples: c.examples.slice() })); }

  #build() {
    const shadow = this.attachShadow({ mode: 'open' });
    adoptStyles(shadow, CSS);
    const canvas = el('canvas', { width: 280, height: 280, part: 'canvas', role: 'img', 'aria-label': 'Drawing pad: draw an example of a class, or a drawing to classify' });
    const clear = el('button', { type: 'button', text: 'Clear', part: 'button' });
    const undo = el('button', { type: 'button', text: 'Undo', part: 'button' });
    const list = el('ul', { class: 'classes', 'aria-label': 'Your classes and their drawings' });
    const train = el('button', { type: 'button', text: 'Train', part: 'button', class: 'train' });
    const save = el('button', { type: 'button', text: 'Download drawings', part: 'button', class: 'save' });
    const progress = el('progress', { max: 1, value: 0, hidden: true, 'aria-label': 'Training progress' });
    const status = el('p', { class: 'status', role: 'status' });
    const digit = el('output', { class: 'digit', 'aria-live': 'polite' });
    const sure = el('span', { class: 'sure' });
    const bars = el('ol', { class: 'bars', part: 'probabilities', 'aria-label': 'Probability of each class' });
    const pre = el('canvas', { class: 'px', width: 28, height: 28, hidden: true });
    shadow.append(el('div', { class: 'wrap' },
      el('div', { class: 'pad' }, canvas, el('div', { class: 'tools' }, clear, undo), list,
        el('div', { class: 'tools' }, train, save), progress, status),
      el('div', { class: 'result' }, el('div', { class: 'verdict' }, digit, sure), bars, pre)));
    this.#ui = { list, train, save, progress, status };
    this.#view = new ClassificationView({ digit, confidence: sure, bars, preprocessed: pre });
    this.#pad = new DrawingPad(canvas);
    this.#pad.addEventListener('release', () => this.#classify());
    this.#pad.addEventListener('clear', () => this.#classify());
    clear.addEventListener('click', () => this.#pad.clear());
    undo.addEventListener('click', () => this.#pad.undo());
    train.addEventListener('click', () => this.#train());
    save.addEventListener('click', () => this.#download());
  }

  #say(text, error = false) {
    setStatus(this.#ui.status, text, error);
  }

  #fail(text) {
    this.dataset.state = 'error';
    this.#say(text, true);
    this.#render();
  }

  // The classes from `set` (a class-set file) or `classes`; drawings of a class that keeps its name stay.
  async #load() {
    const url = this.getAttribute('set');
    const source = url ? `set:${url}` : `classes:${this.getAttribute('classes') ?? ''}`;
    if (source === this.#source) return;
    this.#source = source;
    this.#net = null;
    this.dataset.state = 'loading';
    this.#say(url ? 'Loading the class set…' : 'Loading…');
    try {
      let classes;
      if (url) {
        const res = await fetch(new URL(url, document.baseURI));
        if (!res.ok) throw new Error(`the class set ${url} could not be fetched (HTTP ${res.status})`);
        classes = decodeClassSet(new Uint8Array(await res.arrayBuffer()));
      } else {
        const old = new Map(this.#classes.map((c) => [c.name, c.examples]));
        classes = checkClassNames(parseNames(this.getAttribute('classes'))).map((name) => ({ name, examples: old.get(name) ?? [] }));
      }
      this.#api ??= await runtime().lenet();
      if (this.#source !== source) return; // the attributes changed while this loaded
      this.#classes = classes;
      this.dataset.state = 'ready';
      this.#say(`Draw an example of a class, then press "Add to" that class: at least ${LIMITS.minExamples} of each, then Train.`);
    } catch (e) {
      if (this.#source !== source) return;
      this.#classes = [];
      this.#fail(`<lenet-teach> cannot start: ${e.message}.`);
      return;
    }
    this.#render();
    this.#classify();
  }

  #add(c) {
    if (this.#pad.empty) {
      this.#say(`Draw an example of ${c.name} first, then press "Add to ${c.name}".`, true);
      return;
    }
    c.examples.push(toExampleBytes(this.#api.preprocess(this.#pad.imageData(), 28)));
    this.#pad.clear();
    this.#say(`${c.examples.length} drawing${c.examples.length === 1 ? '' : 's'} of ${c.name}.`);
    this.#render();
  }

  #remove(c, i) {
    c.examples.splice(i, 1);
    this.#say(`Deleted drawing ${i + 1} of ${c.name}.`);
    this.#render();
  }

  async #train() {
    if (this.#busy) return;
    const { names, images, labels } = flattenClassSet(this.#classes);
    try {
      checkExamples(names, images, labels);
    } catch (e) {
      this.#say(`Cannot train yet: ${e.message}.`, true);
      return;
    }
    this.#busy = true;
    const before = this.dataset.state;
    this.dataset.state = 'training';
    const { progress } = this.#ui;
    progress.hidden = false;
    progress.value = 0;
    this.#say(`Training on ${labels.length} drawings…`);
    this.#render();
    try {
      // the shipped modern model's layers, as the runtime already holds them (embedded or fetched)
      const base = (await runtime().network('modern')).save();
      const r = await teachInWorker({ bytes: base, names, images, labels, options: {} }, (p) => {
        progress.value = p.fraction;
        this.#say(`Training: ${Math.round(p.fraction * 100)} %`);
      });
      this.#net?.dispose();
      this.#net = this.#api.load(r.bytes);
      this.dataset.trainings = String(Number(this.dataset.trainings ?? 0) + 1);
      this.dataset.state = 'trained';
      this.#say(`Trained in ${r.seconds.toFixed(1)} s. Draw on the pad: it says which of ${names.join(', ')} it is.`);
    } catch (e) {
      this.dataset.state = this.#net ? 'trained' : before === 'error' ? 'ready' : before;
      this.#say(`Training failed: ${e.message}. Your drawings are kept.`, true);
    } finally {
      this.#busy = false;
      progress.hidden = true;
      this.#render();
      this.#classify();
    }
  }

  #download() {
    const a = el('a', { href: URL.createObjectURL(new Blob([encodeClassSet(this.#classes)])), download: `classes${CLASS_SET_EXTENSION}` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  #classify() {
    const net = this.#net;
    const names = this.#classes.map((c) => c.name);
    const seen = net && !this.#pad.empty ? net.predictDrawing(this.#pad.imageData()) : null;
    if (seen) {
      this.#view.show(seen.probabilities, seen.input, net.inputSize, names);
      this.dataset.prediction = this.#view.digit.textContent;
    } else {
      this.#view.clear(names);
      if (!net) this.#view.confidence.textContent = names.length ? 'Not trained yet' : '';
      this.dataset.prediction = '';
    }
    this.dataset.classified = String(this.#pad.strokes.length);
  }

  #render() {
    const { list, train, save } = this.#ui;
    const ready = this.dataset.state !== 'loading' && this.#classes.length > 0;
    list.replaceChildren(...this.#classes.map((c) => {
      const add = el('button', { type: 'button', part: 'button', text: `Add to ${c.name}`, disabled: !ready || this.#busy });
      add.addEventListener('click', () => this.#add(c));
      const short = c.examples.length < LIMITS.minExamples;
      const count = el('span', { class: short ? 'short' : '', text: `${c.examples.length} drawn` });
      const thumbs = c.examples.map((bytes, i) => {
        const canvas = el('canvas', { class: 'px', width: 28, height: 28 });
        const ctx = canvas.getContext('2d');
        const img = ctx.createImageData(28, 28);
        for (let p = 0; p < 784; p++) img.data.set([255 - bytes[p], 255 - bytes[p], 255 - bytes[p], 255], 4 * p);
        ctx.putImageData(img, 0, 0);
        const del = el('button', { type: 'button', class: 'thumb', title: 'Delete', 'aria-label': `Delete drawing ${i + 1} of ${c.name}`, disabled: this.#busy }, canvas);
        del.addEventListener('click', () => this.#remove(c, i));
        return del;
      });
      return el('li', {}, add, count, el('span', { class: 'thumbs' }, ...thumbs));
    }));
    train.disabled = !ready || this.#busy;
    train.textContent = this.#net ? 'Train again' : 'Train';
    save.disabled = !ready;
    this.dataset.examples = this.#classes.map((c) => c.examples.length).join(',');
  }
}
