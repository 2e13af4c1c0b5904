// Choosing, saving, downloading and loading models. Every path goes through CurrentModel.loadBytes, which
// validates the file before swapping, so a bad file leaves the model in use as it was.
import { fetchShipped } from './model.js';
import { loadSavedModel, saveModel } from './model-store.js';

// Generous: a LeNet-5 file is about a quarter of a megabyte. Anything far larger is refused unread.
const MAX_UPLOAD = 16 * 1024 * 1024;

export class ModelsPanel {
  // els: select, info, save, download, upload, status
  constructor(model, els, { report, onUserChoice }) {
    this.model = model;
    this.els = els;
    this.report = report;
    // the visitor picked a model (value: the selector's value): stop following training, unless they
    // picked the page-trained one
    this.onUserChoice = onUserChoice;
    els.select.addEventListener('change', () => this.choose(els.select.value));
    els.save.addEventListener('click', () => this.save());
    els.download.addEventListener('click', () => this.download());
    els.upload.addEventListener('change', () => this.upload());
    model.addEventListener('change', ({ detail: info }) => this.#show(info));
  }

  #option(value) {
    return this.els.select.querySelector(`option[value="${value}"]`);
  }

  #show(info) {
    const { select, info: line } = this.els;
    if (info.source === 'custom') {
      const o = this.#option('custom');
      o.disabled = false;
      o.textContent = info.label;
    }
    select.value = info.source === 'shipped' ? info.preset : info.source;
    const c = info.config;
    line.textContent = `${info.label}: ${c.activation}, ${c.pooling} pooling, ${c.output} output, ${c.inputSize}×${c.inputSize} input.`;
  }

  // At start: the model saved in this browser if there is one, else the shipped `modern`.
  async init() {
    let saved = null;
    try {
      saved = await loadSavedModel();
    } catch (e) {
      this.els.status.textContent = `Saved models are unavailable: ${e.message}.`;
    }
    if (saved) {
      this.#option('saved').disabled = false;
      try {
        this.model.loadBytes(saved.bytes, { source: 'saved', label: `Saved ${new Date(saved.savedAt).toLocaleString()} (${saved.label})` });
        this.els.status.textContent = `Loaded the model you saved in this browser (${saved.label}).`;
        return;
      } catch (e) {
        this.report(`The model saved in this browser could not be loaded: ${e.message}. Using the shipped model.`);
      }
    }
    await this.choose('modern');
  }

  async choose(value) {
    this.onUserChoice?.(value);
    try {
      if (value === 'saved') {
        const saved = await loadSavedModel();
        if (!saved) throw new Error('there is no model saved in this browser yet');
        this.model.loadBytes(saved.bytes, { source: 'saved', label: `Saved ${new Date(saved.savedAt).toLocaleString()} (${saved.label})` });
      } else if (value === 'custom') {
        if (this.customBytes) this.model.loadBytes(this.customBytes, this.customInfo);
      } else {
        const bytes = await fetchShipped(value);
        this.model.loadBytes(bytes, { source: 'shipped', label: `Shipped ${value} model` });
      }
    } catch (e) {
      this.report(`Could not load the model: ${e.message}.${this.model.net ? ' The current model is kept.' : ''}`);
      if (this.model.info) this.#show(this.model.info);
    }
  }

  // Keeps a copy of the latest page-made model so the selector can switch back to it.
  remember(bytes, info) {
    this.customBytes = bytes;
    this.customInfo = info;
  }

  async save() {
    const { model, els } = this;
    if (!model.net) {
      this.report('There is no model to save yet.');
      return;
    }
    els.save.disabled = true;
    try {
      const r = await saveModel(model.bytes(), model.info.label);
      this.#option('saved').disabled = false;
      els.status.textContent = `Saved in this browser (${(r.size / 1024).toFixed(0)} KB). It will be loaded when you come back.`;
    } catch (e) {
      this.report(`${e.message}. The previously saved model, if any, is unchanged.`);
    } finally {
      els.save.disabled = false;
    }
  }

  download() {
    if (!this.model.net) {
      this.report('There is no model to download yet.');
      return;
    }
    const blob = new Blob([this.model.bytes()], { type: 'application/octet-stream' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `lenet5-${this.model.info.preset || 'model'}.bin`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    this.els.status.textContent = `Downloaded ${a.download}.`;
  }

  async upload() {
    const input = this.els.upload;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const keep = this.model.net ? ' The current model is kept.' : '';
    if (file.size > MAX_UPLOAD) {
      this.report(`${file.name} is not a LeNet-5 model: it is ${(file.size / 1e6).toFixed(0)} MB, and a model file is under 1 MB.${keep}`);
      return;
    }
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const info = { source: 'custom', label: `From file ${file.name}` };
      this.model.loadBytes(bytes, info);
      this.onUserChoice?.('file');
      this.remember(bytes, info);
      this.els.status.textContent = `Loaded ${file.name}.`;
    } catch (e) {
      this.report(`Could not load ${file.name}: ${e.message}.${keep}`);
    }
  }
}
