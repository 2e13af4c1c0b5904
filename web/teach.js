// "Teach it your handwriting": collect the visitor's drawings with their labels, fine-tune the classifier
// layers (C5, F6, output) with C1..S4 frozen, and show the accuracy on those drawings before and after.
import { Trainer } from './training.js';

const MIN_EXAMPLES = 5;

export class TeachPanel {
  // els: keys (container), counts, run, revert, forget, result
  constructor(els, { lenet, pad, model, report, onTuned }) {
    this.els = els;
    this.lenet = lenet;
    this.pad = pad;
    this.model = model;
    this.report = report;
    this.onTuned = onTuned;
    this.examples = []; // { image: Float32Array(784), label }
    this.previous = null; // { bytes, info } before the last fine-tuning
    for (let d = 0; d < 10; d++) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'key';
      b.textContent = String(d);
      b.setAttribute('aria-label', `The drawing is a ${d}: add it as an example`);
      b.addEventListener('click', () => this.add(d));
      els.keys.append(b);
    }
    els.run.addEventListener('click', () => this.run());
    els.revert.addEventListener('click', () => this.revert());
    els.forget.addEventListener('click', () => {
      this.examples = [];
      this.#counts();
    });
    this.#counts();
  }

  add(digit) {
    const image = this.pad.empty ? null : this.lenet.preprocess(this.pad.imageData(), 28);
    if (!image) {
      this.report(`Draw a ${digit} on the pad first, then press ${digit}.`);
      return;
    }
    this.examples.push({ image, label: digit });
    this.pad.clear();
    this.#counts();
  }

  #counts() {
    const n = new Array(10).fill(0);
    for (const e of this.examples) n[e.label]++;
    const { counts, run, forget } = this.els;
    counts.textContent = this.examples.length
      ? `${this.examples.length} example${this.examples.length > 1 ? 's' : ''}: ` +
        n.map((c, d) => (c ? `${c}× ${d}` : null)).filter(Boolean).join(', ')
      : `No examples yet. Add at least ${MIN_EXAMPLES}; two or three of each digit works well.`;
    run.disabled = this.examples.length < MIN_EXAMPLES || !this.#digitModel();
    forget.disabled = this.examples.length === 0;
  }

  // This panel teaches the ten digits; a model of classes of the visitor's own is taught in "Teach it new
  // things", where its names are.
  #digitModel() {
    const names = this.model.net?.classes();
    return !!names && names.length === 10 && names.every((n, i) => n === String(i));
  }

  async run() {
    const { els, model } = this;
    if (!model.net) return;
    if (!this.#digitModel()) {
      els.result.textContent = 'The model in use classifies your own classes, not digits: switch back to the ' +
        'digits to teach it your handwriting.';
      return;
    }
    const n = this.examples.length;
    const images = new Float32Array(n * 784);
    const labels = new Uint8Array(n);
    this.examples.forEach((e, i) => {
      images.set(e.image, i * 784);
      labels[i] = e.label;
    });
    const before = { bytes: model.bytes(), info: model.info };
    els.run.disabled = true;
    els.result.textContent = `Fine-tuning on your ${n} examples…`;
    try {
      const r = await Trainer.finetune(before.bytes.slice(), images, labels);
      const base = before.info.label.replace(/ \+ your handwriting$/, '');
      const info = { source: 'custom', label: `${base} + your handwriting` };
      model.loadBytes(r.bytes, info);
      this.onTuned?.(r.bytes, info);
      this.previous = before;
      els.revert.disabled = false;
      els.result.textContent = `Accuracy on your ${n} examples: before ${(r.before * 100).toFixed(0)} %, ` +
        `after ${(r.after * 100).toFixed(0)} % (${r.steps} steps, ${(r.ms / 1000).toFixed(1)} s). ` +
        'The fine-tuned model now classifies your drawings.';
    } catch (e) {
      this.report(`Fine-tuning failed: ${e.message}. The model is unchanged.`);
      els.result.textContent = '';
    } finally {
      this.#counts();
    }
  }

  revert() {
    if (!this.previous) return;
    try {
      this.model.loadBytes(this.previous.bytes, this.previous.info);
      this.els.result.textContent = 'Back to the model before fine-tuning.';
    } catch (e) {
      this.report(`Could not undo the fine-tuning: ${e.message}.`);
    }
    this.previous = null;
    this.els.revert.disabled = true;
  }

  // Enable the button once a model exists.
  refresh() {
    this.#counts();
  }
}
