// <lenet-pad>: draw a digit, see what LeNet-5 makes of it.
//   model     a shipped model name (modern, classic, lecun1998) or the URL of a model file (.bin)
//   preset    the shipped model to use when there is no model attribute (default modern)
//   show      any of: probabilities preprocessed feature-maps   (default: probabilities)
//   layer     C1 S2 C3 S4 C5 F6 OUTPUT: whose feature maps 'feature-maps' shows (default C1)
//   size      the drawing pad's side in CSS pixels (default 200)
//   Fires 'lenet-classify' (bubbles, composed) with detail { digit, probabilities, image, side, maps },
//   or detail null when the pad is cleared. Test hooks on the element: data-state (loading, ready,
//   error), data-prediction, data-classified (strokes in the drawing last classified).
import { ClassificationView, bestDigit } from '../classify.js';
import { DrawingPad } from '../draw.js';
import { applySize, layerAttr } from './attributes.js';
import { runtime } from './context.js';
import { el, setStatus } from './dom.js';
import { LayerMaps } from './layer-maps.js';
import { BASE_CSS, adoptStyles } from './styles.js';

const SHOWS = ['probabilities', 'preprocessed', 'feature-maps'];
const PAD_PIXELS = 280; // the canvas's own resolution; draw.js's 20 px stroke is MNIST-like at this size
const PAD_TILE = 48; // CSS width of one feature map inside a pad

const CSS = `${BASE_CSS}
.wrap { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.pad { display: flex; flex-direction: column; gap: 6px; }
.pad canvas {
  width: var(--size);
  height: var(--size);
  border: 1px solid var(--line);
  border-radius: 8px;
  background: #fff;
  touch-action: none;
  cursor: crosshair;
}
.tools { display: flex; gap: 6px; }
.result { display: flex; flex-direction: column; gap: 6px; min-width: 150px; }
.verdict { display: flex; align-items: baseline; gap: 8px; min-height: 2.6em; }
.digit { font-size: 2.4em; font-weight: 700; line-height: 1; min-width: 0.7em; color: var(--accent); }
.sure { color: #5a6477; font-size: 0.9em; }
ol.bars { list-style: none; margin: 0; padding: 0; display: grid; gap: 2px; }
ol.bars li { display: grid; grid-template-columns: 1em 1fr 3em; gap: 6px; align-items: center; font-size: 0.85em; }
.bar-track { height: 0.7em; background: #edf1f7; border-radius: 3px; overflow: hidden; }
.bar-fill { display: block; height: 100%; width: 0; background: #9fb3d1; }
li.best .bar-fill { background: var(--accent); }
li.best { font-weight: 600; }
.bar-value { text-align: right; font-variant-numeric: tabular-nums; color: #5a6477; }
.pre { display: flex; align-items: center; gap: 8px; font-size: 0.85em; color: #5a6477; }
.pre canvas { width: 56px; height: 56px; border: 1px solid var(--line); border-radius: 4px; }
.layer-maps { flex-basis: 100%; }
`;

export class LeNetPad extends HTMLElement {
  static observedAttributes = ['model', 'preset', 'show', 'size', 'layer'];
  #ui = null;
  #pad = null;
  #net = null;
  #source = '';
  #frame = 0;
  #result = null;
  #view = null; // the verdict, the bars and the preprocessed image (web/classify.js)
  #maps = null;

  #build() {
    const shadow = this.attachShadow({ mode: 'open' });
    adoptStyles(shadow, CSS);
    const canvas = el('canvas', { class: 'pad-canvas', width: PAD_PIXELS, height: PAD_PIXELS, part: 'canvas', role: 'img', 'aria-label': 'Drawing pad: draw a digit with the mouse, a pen or a finger' });
    const clear = el('button', { type: 'button', text: 'Clear', part: 'button', class: 'clear' });
    const undo = el('button', { type: 'button', text: 'Undo', part: 'button', class: 'undo' });
    const status = el('p', { class: 'status', role: 'status', text: 'Loading the network…' });
    const digit = el('output', { class: 'digit', 'aria-live': 'polite' });
    const sure = el('span', { class: 'sure' });
    const bars = el('ol', { class: 'bars', part: 'probabilities', 'aria-label': 'Probability of each digit' });
    const pre = el('canvas', { class: 'px', width: 28, height: 28, part: 'preprocessed', role: 'img', 'aria-label': 'The 28×28 image the network sees' });
    const preBox = el('div', { class: 'pre' }, pre, el('span', { text: 'what the network sees' }));
    const mapsHead = el('div', { class: 'head' });
    const mapsBox = el('div', { class: 'maps' });
    const layerMaps = el('div', { class: 'layer-maps' }, mapsHead, mapsBox);
    const result = el('div', { class: 'result' }, el('div', { class: 'verdict' }, digit, sure), bars, preBox);
    shadow.append(el('div', { class: 'wrap' },
      el('div', { class: 'pad' }, canvas, el('div', { class: 'tools' }, clear, undo), status), result, layerMaps));
    this.#ui = { status, bars, preBox, layerMaps };
    this.#view = new ClassificationView({ digit, confidence: sure, bars, preprocessed: pre });
    this.#maps = new LayerMaps(mapsHead, mapsBox);

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
    applySize(this);
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
    setStatus(this.#ui.status, 'Loading the network…');
    runtime().network(source).then((net) => {
      if (this.#source !== source) return; // the attribute changed while this one loaded
      this.#net = net;
      this.dataset.state = 'ready';
      setStatus(this.#ui.status, '');
      this.#classify();
    }, (e) => {
      if (this.#source !== source) return;
      this.dataset.state = 'error';
      setStatus(this.#ui.status, `The network could not be loaded: ${e.message}`, true);
    });
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
        result = { digit: bestDigit(probabilities), probabilities, image, side, maps: this.#net.featureMaps() };
      }
    } catch (e) {
      setStatus(this.#ui.status, `Could not classify the drawing: ${e.message}`, true);
      return;
    }
    this.#result = result;
    this.#render();
    this.dataset.prediction = result ? String(result.digit) : '';
    if (final) this.dataset.classified = String(this.#pad.strokes.length);
    this.dispatchEvent(new CustomEvent('lenet-classify', { detail: result, bubbles: true, composed: true }));
  }

  #render() {
    const r = this.#result;
    const layer = layerAttr(this);
    if (!r) {
      this.#view.clear();
      this.#maps.show(layer, null, PAD_TILE); // the same caption and layout as when shown: nothing moves
      return;
    }
    this.#view.show(r.probabilities, r.image, r.side);
    if (!this.#ui.layerMaps.hidden) this.#maps.show(layer, r.maps, PAD_TILE);
  }
}
