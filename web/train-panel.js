// The training panel: reads the options form, drives the Trainer, and shows progress, curves, held-out
// accuracy and the end-of-epoch report. Weights coming from the worker are handed to onWeights.
import { TrainingCharts } from './charts.js';
import { EpochReport } from './epoch-report.js';
import { TRAIN_DEFAULTS } from './train-defaults.js';
import { Trainer } from './training.js';

const fmt = new Intl.NumberFormat('en');

function duration(seconds) {
  if (!Number.isFinite(seconds)) return '…';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  return `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
}

function numberField(form, name, { min, max, integer }) {
  const input = form.elements[name];
  const v = Number(input.value);
  const label = input.closest('label')?.firstChild?.textContent.trim() || name;
  if (input.value.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    input.setAttribute('aria-invalid', 'true');
    throw new Error(`${label} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
  }
  input.removeAttribute('aria-invalid');
  return v;
}

export class TrainPanel {
  // els: form, start, pause, reset, bar, text, accuracy, accuracyUnit, lossChart, accChart, confusion,
  //      gallery, reportHint.  report(message) shows an error; onWeights(bytes, info) takes new weights.
  constructor(els, { report, onWeights, onState }) {
    this.els = els;
    this.report = report;
    this.onWeights = onWeights;
    this.onState = onState;
    this.trainer = new Trainer();
    this.charts = new TrainingCharts(els.lossChart, els.accChart);
    this.epochReport = new EpochReport({ confusion: els.confusion, gallery: els.gallery, hint: els.reportHint });
    this.options = null;

    els.start.addEventListener('click', () => this.start());
    els.pause.addEventListener('click', () => this.togglePause());
    els.reset.addEventListener('click', () => this.reset());
    els.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.start();
    });
    els.form.elements.preset.addEventListener('change', () => this.#presetDefaults());
    const t = this.trainer;
    t.addEventListener('state', () => this.#buttons());
    t.addEventListener('data-progress', ({ detail: d }) => {
      const mb = (n) => (n / 1e6).toFixed(1);
      els.bar.max = 1;
      els.bar.value = d.total ? d.loaded / d.total : 0;
      els.text.textContent = `Downloading the MNIST training digits: ${mb(d.loaded)}${d.total ? ` of ${mb(d.total)}` : ''} MB`;
    });
    t.addEventListener('data-ready', ({ detail: d }) => {
      els.text.textContent = `Loaded ${fmt.format(d.train)} training and ${fmt.format(d.test)} test digits. Starting…`;
    });
    t.addEventListener('started', ({ detail: d }) => {
      els.bar.value = 0;
      this.threads = d.threads ?? 1;
      els.text.textContent = `Training ${d.config.preset} on ${fmt.format(d.trainCount)} digits…`;
      document.getElementById('train-progress').dataset.threads = String(this.threads);
    });
    t.addEventListener('progress', ({ detail: d }) => {
      els.bar.value = d.fraction;
      els.text.textContent = `Epoch ${d.epoch} of ${d.epochs} · ${fmt.format(d.done)} / ${fmt.format(d.perEpoch)} digits · ` +
        `${fmt.format(Math.round(d.samplesPerSec))} digits/s${this.threads > 1 ? ` on ${this.threads} threads` : ''} · ` +
        `${duration(d.etaSeconds)} left`;
      this.charts.add({ x: d.x, loss: d.loss, trainAcc: d.accuracy * 100 });
    });
    t.addEventListener('test', ({ detail: d }) => {
      this.#accuracy(d.accuracy, `held-out accuracy on ${d.count} test digits at epoch ${d.x.toFixed(2)}`);
      this.charts.add({ x: d.x, testAcc: d.accuracy * 100 });
    });
    t.addEventListener('weights', ({ detail: d }) => this.onWeights(d.bytes, { epoch: d.x, preset: this.options?.preset }));
    t.addEventListener('epoch', ({ detail: d }) => {
      const progress = document.getElementById('train-progress');
      progress.dataset.epoch = String(d.epoch);
      progress.dataset.workerWasmHeap = String(d.memory?.wasmHeap ?? '');
      progress.dataset.workerMalloc = String(d.memory?.malloc ?? '');
      this.#accuracy(d.accuracy, `held-out accuracy on all ${d.total} test digits after epoch ${d.epoch}`);
      this.charts.add({ x: d.x, testAcc: d.accuracy * 100 });
      this.epochReport.show(d);
      this.onWeights(d.bytes, { epoch: d.epoch, preset: this.options?.preset });
    });
    t.addEventListener('paused', () => {
      els.text.textContent = `Paused. ${els.text.textContent.split(' · ').slice(0, 2).join(' · ')}`;
    });
    t.addEventListener('diverged', ({ detail: d }) => {
      // d.bytes: the model as the engine restored it (its last sane state), which the page classifies with.
      this.onWeights(d.bytes, { epoch: d.epoch, preset: this.options?.preset });
      this.report(`Training diverged at learning rate ${d.learningRate}: ${d.message.replace(/\.$/, '')}. The last ` +
        'good weights were restored. Lower the learning rate and press Resume, or Reset.');
      els.text.textContent = `Stopped: diverged in epoch ${d.epoch}. Last good weights kept: lower the learning ` +
        'rate and press Resume.';
    });
    t.addEventListener('resumed', ({ detail: d }) => {
      if (Number.isFinite(d.learningRate)) els.text.textContent = `Resumed at learning rate ${d.learningRate}…`;
    });
    t.addEventListener('done', ({ detail: d }) => {
      this.onWeights(d.bytes, { epoch: this.options?.epochs, preset: this.options?.preset });
      els.bar.value = 1;
      els.text.textContent = `Done: ${this.options.epochs} epoch${this.options.epochs > 1 ? 's' : ''}` +
        `${els.accuracy.textContent ? `, ${els.accuracy.textContent} % on the held-out test digits` : ''}. ` +
        'The trained model is now the one classifying your drawings.';
    });
    t.addEventListener('failed', ({ detail: d }) => {
      this.report(`Training could not continue: ${d.message}`);
      els.text.textContent = 'Stopped. Fix the problem above and press Start.';
    });
    t.addEventListener('fallback', ({ detail: d }) => {
      document.getElementById('train-progress').dataset.fallback = 'one-thread';
      this.report(d.message);
    });
    t.addEventListener('crashed', ({ detail: d }) => {
      this.report(`${d.message} The current model is kept; press Start to train again.`);
      els.text.textContent = 'Stopped: the training worker failed.';
    });
    this.#buttons();
  }

  // Settings that make each preset learn visibly within one epoch of the subset (web/train-defaults.js).
  #presetDefaults() {
    const f = this.els.form.elements;
    const d = TRAIN_DEFAULTS[f.preset.value];
    for (const [k, v] of Object.entries(d)) f[k].value = String(v);
  }

  readOptions() {
    const form = this.els.form;
    return {
      preset: form.elements.preset.value,
      optimizer: form.elements.optimizer.value,
      learningRate: numberField(form, 'learningRate', { min: 1e-6, max: 1000 }),
      batchSize: numberField(form, 'batchSize', { min: 1, max: 1024, integer: true }),
      epochs: numberField(form, 'epochs', { min: 1, max: 100, integer: true }),
      dropout: numberField(form, 'dropout', { min: 0, max: 0.9 }),
      schedule: form.elements.schedule.value,
      subset: Number(form.elements.subset.value),
      seed: numberField(form, 'seed', { min: 1, max: 4294967295, integer: true }),
      threads: form.elements.threads.value,
    };
  }

  start() {
    let options;
    try {
      options = this.readOptions();
    } catch (e) {
      this.report(`Cannot start training: ${e.message}.`);
      return;
    }
    this.options = options;
    this.charts.reset();
    this.epochReport.reset();
    this.els.accuracy.textContent = '';
    this.els.accuracyUnit.textContent = '';
    this.els.bar.value = 0;
    this.els.text.textContent = 'Starting the training worker…';
    this.trainer.start(options);
  }

  togglePause() {
    const s = this.trainer.state;
    if (s === 'training') this.trainer.pause();
    else if (s === 'paused' || s === 'diverged') {
      let lr;
      try {
        lr = numberField(this.els.form, 'learningRate', { min: 1e-6, max: 1000 });
      } catch (e) {
        this.report(`Cannot resume: ${e.message}.`);
        return;
      }
      this.trainer.resume(lr);
    }
  }

  reset() {
    this.trainer.reset();
    this.charts.reset();
    this.epochReport.reset();
    this.els.bar.value = 0;
    this.els.accuracy.textContent = '';
    this.els.accuracyUnit.textContent = '';
    this.els.text.textContent = 'Reset. The model classifying your drawings stays as it is.';
  }

  #accuracy(acc, title) {
    this.els.accuracy.textContent = (acc * 100).toFixed(1);
    this.els.accuracyUnit.textContent = ' %';
    this.els.accuracy.title = title;
  }

  #buttons() {
    const s = this.trainer.state;
    const { start, pause, reset } = this.els;
    const running = s === 'training' || s === 'loading';
    start.textContent = s === 'idle' && !this.options ? 'Start training' : 'Restart from scratch';
    pause.disabled = !(s === 'training' || s === 'paused' || s === 'diverged');
    pause.textContent = s === 'paused' || s === 'diverged' ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(s === 'paused'));
    reset.disabled = s === 'idle' && !this.options;
    this.els.form.classList.toggle('running', running);
    this.onState?.(s);
  }
}
