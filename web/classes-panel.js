// "Teach it new things": classes of the visitor's own (symbols, letters, shapes), each taught by a few
// drawings on the page's pad, trained in a worker in seconds (teach-classes.js through teach-worker.js),
// then the page classifies by those names until the visitor goes back to the digits. The class set
// (names and drawings) and the network trained on it are kept in this browser (class-store.js) and travel
// as files: a class set (class-set.js) and the usual model .bin.
//
// Nothing bad input does loses work: every refusal leaves the classes, their drawings and the model in
// use as they were, and says why.
import { CLASS_SET_EXTENSION, decodeClassSet, encodeClassSet, flattenClassSet } from './class-set.js';
import { loadClassSet, saveClassSet } from './class-store.js';
import { fetchShipped } from './model.js';
import { LIMITS, checkExamples, toExampleBytes } from './teach-classes.js';
import { teachInWorker } from './teach-worker.js';

const BASE_MODEL = 'modern';
const MAX_FILE = 16 * 1024 * 1024;
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const encoder = new TextEncoder();

const isDigits = (names) => names.length === 10 && names.every((n, i) => n === DIGITS[i]);
const sameSet = (a, b) => a.length === b.length && a.every((n) => b.includes(n));
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function element(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

function download(bytes, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export class ClassesPanel {
  // root: the panel's section (index.html, #classes). lenet: the API; pad: the DrawingPad; model: the
  // page's CurrentModel; report(message): the page's error area; onTaught(bytes, info): a network of the
  // visitor's classes is now in use.
  constructor(root, { lenet, pad, model, report, onTaught }) {
    this.root = root;
    this.lenet = lenet;
    this.pad = pad;
    this.model = model;
    this.report = report;
    this.onTaught = onTaught;
    const $ = (id) => root.querySelector(`#${id}`);
    this.els = {
      form: $('classes-new'), name: $('classes-name'), list: $('classes-list'), train: $('classes-train'),
      use: $('classes-use'), digits: $('classes-digits'), progress: $('classes-progress'), status: $('classes-status'),
      save: $('classes-save'), download: $('classes-download'), upload: $('classes-upload'),
      modelDownload: $('classes-model-download'), modelUpload: $('classes-model-upload'),
    };
    this.classes = [];        // [{ name, examples: [Uint8Array(784)] }]
    this.taught = null;       // { bytes, names } the network last trained on (or loaded for) these classes
    this.digitModel = null;   // { bytes, info } the digit model to go back to
    this.training = false;
    this.trainings = 0;
    this.baseBytes = null;

    const { els } = this;
    els.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.addClass(els.name.value);
    });
    els.train.addEventListener('click', () => this.train());
    els.use.addEventListener('click', () => this.useClasses());
    els.digits.addEventListener('click', () => this.useDigits());
    els.save.addEventListener('click', () => this.save());
    els.download.addEventListener('click', () => this.downloadSet());
    els.upload.addEventListener('change', () => this.#fromInput(els.upload, (f) => this.uploadSet(f)));
    els.modelDownload.addEventListener('click', () => this.downloadModel());
    els.modelUpload.addEventListener('change', () => this.#fromInput(els.modelUpload, (f) => this.uploadModel(f)));
    model.addEventListener('change', () => this.#buttons());
    this.#render();
  }

  /** At start: the class set and network saved in this browser, if any (the page keeps the digits). */
  async restore() {
    let saved;
    try {
      saved = await loadClassSet();
    } catch (e) {
      this.#say(`Saved classes are unavailable: ${e.message}.`);
      return;
    }
    if (!saved) return;
    try {
      this.classes = decodeClassSet(saved.classSet);
      const names = this.classes.map((c) => c.name);
      this.taught = saved.model ? { bytes: saved.model, names: this.#modelNames(saved.model) } : null;
      this.#render();
      this.#say(`Your classes saved in this browser are back (${names.join(', ')}).` +
        (this.taught ? ' Press "Use my classes" to classify with them.' : ''));
    } catch (e) {
      this.report(`The classes saved in this browser could not be read: ${e.message}.`);
    }
  }

  // --- the class set ---

  addClass(raw) {
    const name = String(raw).trim();
    const { els } = this;
    if (!name) return this.#refuse('Type a name for the new class first (a symbol, a letter, a word).', els.name);
    if (this.classes.some((c) => c.name === name)) return this.#refuse(`There is already a class called ${name}.`, els.name);
    if (encoder.encode(name).length > LIMITS.nameBytes) return this.#refuse(`"${name}" is too long for a class name (at most ${LIMITS.nameBytes} bytes).`, els.name);
    if (this.classes.length >= LIMITS.maxClasses) return this.#refuse(`You have ${LIMITS.maxClasses} classes, the most a network here can learn.`, els.name);
    this.classes.push({ name, examples: [] });
    els.name.value = '';
    els.name.removeAttribute('aria-invalid');
    this.#render();
    this.#say(`Added the class ${name}. Draw one on the pad above, then press "Add drawing" beside it.`);
  }

  addExample(name) {
    const c = this.classes.find((k) => k.name === name);
    if (!c) return;
    const input = this.pad.empty ? null : this.lenet.preprocess(this.pad.imageData(), 28);
    if (!input) return this.#refuse(`Draw an example of ${name} on the pad first, then press "Add drawing".`);
    c.examples.push(toExampleBytes(input));
    this.pad.clear();
    this.#render();
    this.#say(`${plural(c.examples.length, 'drawing')} of ${name}.`);
  }

  deleteExample(name, index) {
    const c = this.classes.find((k) => k.name === name);
    if (!c) return;
    c.examples.splice(index, 1);
    this.#render();
    this.#say(`Deleted drawing ${index + 1} of ${name}.`);
  }

  deleteClass(name) {
    this.classes = this.classes.filter((c) => c.name !== name);
    this.#render();
    this.#say(`Deleted the class ${name}.`);
  }

  // --- training and switching ---

  async train() {
    if (this.training) return;
    const { names, images, labels } = flattenClassSet(this.classes);
    try {
      checkExamples(names, images, labels);
    } catch (e) {
      return this.#refuse(`Cannot train yet: ${e.message}.`);
    }
    const { els } = this;
    this.training = true;
    this.#buttons();
    els.progress.hidden = false;
    els.progress.value = 0;
    this.#say(`Training on ${plural(labels.length, 'drawing')} of ${names.length} classes…`);
    try {
      this.baseBytes ??= await fetchShipped(BASE_MODEL);
      const r = await teachInWorker({ bytes: this.baseBytes.slice(), names, images, labels, options: {} }, (p) => {
        els.progress.value = p.fraction;
        this.#say(`Training: ${Math.round(p.fraction * 100)} % · loss ${p.loss.toFixed(3)} · ${Math.round(p.accuracy * 100)} % of the warped drawings right`);
      });
      this.taught = { bytes: r.bytes, names: r.names };
      // hooks for tests and the bench: trainings finished so far, and the worker's own training time
      this.root.dataset.trainings = String(++this.trainings);
      this.root.dataset.trainSeconds = r.seconds.toFixed(3);
      this.#use();
      this.#say(`Trained on ${plural(labels.length, 'drawing')} in ${r.seconds.toFixed(1)} s (${Math.round(r.accuracy * 100)} % of them ` +
        `classified right). The pad now tells ${names.join(', ')} apart; "Back to the digits" any time.`);
    } catch (e) {
      this.report(`Training your classes failed: ${e.message}. Your classes and the model in use are unchanged.`);
      this.#say('');
    } finally {
      this.training = false;
      els.progress.hidden = true;
      this.#buttons();
    }
  }

  useClasses() {
    if (!this.taught) return;
    if (this.#use()) this.#say(`Classifying as ${this.taught.names.join(', ')}.`);
  }

  // Puts the taught network in use, remembering the digit model to come back to.
  #use() {
    const current = this.model.net;
    if (current && isDigits(current.classes())) this.digitModel = { bytes: this.model.bytes(), info: this.model.info };
    const info = { source: 'custom', label: `Your classes (${this.taught.names.join(', ')})` };
    try {
      this.model.loadBytes(this.taught.bytes, info);
    } catch (e) {
      this.report(`Your classes' model could not be used: ${e.message}. The model in use is unchanged.`);
      return false;
    }
    this.onTaught?.(this.taught.bytes, info);
    return true;
  }

  async useDigits() {
    try {
      if (this.digitModel) this.model.loadBytes(this.digitModel.bytes, this.digitModel.info);
      else this.model.loadBytes(await fetchShipped(BASE_MODEL), { source: 'shipped', label: `Shipped ${BASE_MODEL} model` });
      this.#say('Back to the digits. "Use my classes" switches again.');
    } catch (e) {
      this.report(`Could not go back to the digits: ${e.message}. The model in use is unchanged.`);
    }
  }

  // --- keeping and sharing ---

  async save() {
    if (!this.classes.length) return this.#refuse('There are no classes to save yet.');
    const { els } = this;
    els.save.disabled = true;
    try {
      const r = await saveClassSet(encodeClassSet(this.classes), this.taught?.bytes ?? null);
      this.#say(`Saved ${plural(this.classes.length, 'class', 'classes')}${this.taught ? ' and the network trained on them' : ''} ` +
        `in this browser (${Math.ceil(r.size / 1024)} KB). They come back when you do.`);
    } catch (e) {
      this.report(`${e.message}. What was saved before, if anything, is unchanged.`);
    } finally {
      els.save.disabled = false;
    }
  }

  downloadSet() {
    if (!this.classes.length) return this.#refuse('There are no classes to download yet.');
    download(encodeClassSet(this.classes), `my-classes${CLASS_SET_EXTENSION}`);
    this.#say(`Downloaded my-classes${CLASS_SET_EXTENSION}: share it, and "Load class set" brings it back.`);
  }

  downloadModel() {
    if (!this.taught) return this.#refuse('Train your classes first: there is no model of them yet.');
    download(this.taught.bytes, 'my-classes.bin');
    this.#say('Downloaded my-classes.bin (a model file with your class names inside).');
  }

  async uploadSet(file) {
    try {
      const classes = decodeClassSet(new Uint8Array(await file.arrayBuffer()));
      this.classes = classes;
      const names = classes.map((c) => c.name);
      // a network of other classes is not theirs (the one in use, if any, stays in use)
      if (this.taught && !sameSet(this.taught.names, names)) this.taught = null;
      this.#render();
      const drawings = classes.reduce((s, c) => s + c.examples.length, 0);
      this.#say(`Loaded ${file.name}: ${names.join(', ')} with ${plural(drawings, 'drawing')}. Press Train to teach them.`);
    } catch (e) {
      this.report(`Could not load ${file.name}: ${e.message}. Your classes are unchanged.`);
    }
  }

  async uploadModel(file) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let names;
    try {
      names = this.#modelNames(bytes);
    } catch (e) {
      return this.report(`Could not load ${file.name}: ${e.message}. Your classes and the model in use are unchanged.`);
    }
    const mine = this.classes.map((c) => c.name);
    if (isDigits(names)) {
      return this.report(`${file.name} is a digit model (0-9), not one of your classes: load it under "Keep your model". Nothing changed.`);
    }
    if (mine.length && !sameSet(names, mine)) {
      return this.report(`${file.name} was trained on ${names.join(', ')}, not on your classes (${mine.join(', ')}). ` +
        'Load the class set it belongs to first, or train again. Nothing changed.');
    }
    if (!mine.length) this.classes = names.map((name) => ({ name, examples: [] }));
    this.taught = { bytes, names };
    this.#render();
    if (this.#use()) this.#say(`Loaded ${file.name}: classifying as ${names.join(', ')}.`);
  }

  // --- the view ---

  // A model file's class names; throws what is wrong with the file.
  #modelNames(bytes) {
    const net = this.lenet.load(bytes);
    try {
      return net.classes();
    } finally {
      net.dispose();
    }
  }

  async #fromInput(input, handle) {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    if (file.size > MAX_FILE) {
      this.report(`${file.name} is ${(file.size / 1e6).toFixed(0)} MB: too large to be a class set or a model. Nothing changed.`);
      return;
    }
    await handle(file);
  }

  #refuse(message, field) {
    this.report(message);
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  }

  #say(text) {
    this.els.status.textContent = text;
  }

  #buttons() {
    const { els } = this;
    const inUse = this.model.net ? this.model.net.classes() : DIGITS;
    // enabled without enough drawings too: pressing it says what is missing
    els.train.disabled = this.training;
    els.use.disabled = !this.taught || (!isDigits(inUse) && sameSet(inUse, this.taught.names));
    els.digits.disabled = isDigits(inUse);
    els.download.disabled = this.classes.length === 0;
    els.save.disabled = this.classes.length === 0;
    els.modelDownload.disabled = !this.taught;
    els.train.textContent = this.taught ? 'Train again' : 'Train';
    // a hook for tests: training, trained (a network of these classes exists) or idle
    this.root.dataset.state = this.training ? 'training' : this.taught ? 'trained' : 'idle';
  }

  #render() {
    const { list } = this.els;
    list.replaceChildren(...this.classes.map((c) => {
      const thumbs = element('ul', { class: 'thumbs', 'aria-label': `Drawings of ${c.name}` });
      c.examples.forEach((bytes, i) => {
        const canvas = element('canvas', { width: '28', height: '28', role: 'img', 'aria-label': `${c.name}, drawing ${i + 1}` });
        const ctx = canvas.getContext('2d');
        const img = ctx.createImageData(28, 28);
        for (let p = 0; p < 784; p++) {
          const v = 255 - Math.round(bytes[p] * 0.92);
          img.data.set([v, v, v, 255], 4 * p);
        }
        ctx.putImageData(img, 0, 0);
        const del = element('button', { type: 'button', class: 'thumb-delete', 'aria-label': `Delete drawing ${i + 1} of ${c.name}`, text: '×' });
        del.addEventListener('click', () => this.deleteExample(c.name, i));
        thumbs.append(element('li', {}, canvas, del));
      });
      const add = element('button', { type: 'button', class: 'class-add', 'aria-label': `Add drawing to ${c.name}`, text: 'Add drawing' });
      add.addEventListener('click', () => this.addExample(c.name));
      const remove = element('button', { type: 'button', class: 'class-delete', 'aria-label': `Delete class ${c.name}`, text: 'Delete class' });
      remove.addEventListener('click', () => this.deleteClass(c.name));
      const short = c.examples.length < LIMITS.minExamples;
      const count = element('span', { class: `class-count${short ? ' short' : ''}`,
        text: `${plural(c.examples.length, 'drawing')}${short ? ` (at least ${LIMITS.minExamples})` : ''}` });
      const head = element('div', { class: 'class-head' }, element('h3', { class: 'class-name', text: c.name }), count, add, remove);
      const li = element('li', { class: 'class-item' }, head, thumbs);
      li.dataset.name = c.name;
      li.dataset.examples = String(c.examples.length);
      return li;
    }));
    list.hidden = this.classes.length === 0;
    this.#buttons();
  }
}
