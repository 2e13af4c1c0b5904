// Lesson elements for "why" and "what would fool it", computed from the network's own gradients on the
// reader's drawing on a <lenet-pad>:
//
// <lenet-explain for="PAD-ID" size="140">
//   the saliency of the pad's drawing: where more ink would raise (red) or lower (blue) the probability of
//   the digit the pad predicts (for a network sure to float precision: that digit against its runner-up).
//   Follows the pad's 'lenet-classify' events. Test hooks: data-state (idle, shown, error), data-digit,
//   data-versus; the property `gradient` (the field shown).
//
// <lenet-fool for="PAD-ID" target="8" size="84" max-steps="1000">
//   "Fool it": pick a digit, and the smallest change of the pad's drawing that the network's gradients find
//   makes it say that digit; shows the changed drawing, the change and what the network says now.
//   max-steps (1..10000) caps the search (a lesson can show that a few steps are not enough). Test
//   hooks: data-state (idle, empty, already, running, fooled, not-fooled), data-target, data-prediction, data-p.
//
// Both read the network the pad uses from the shared runtime (one network per model source), and the
// page's own views (../explain.js) draw them, so the page and a lesson show the same thing.
import { FoolPanel, SaliencyView } from '../explain.js';
import { FOOL_OPTIONS } from '../saliency.js';
import { el } from './dom.js';
import { adoptStyles } from './styles.js';

const CSS = `
:host {
  display: inline-block;
  vertical-align: top;
  box-sizing: border-box;
  max-width: 100%;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--lenet-ink, #1d2433);
  --accent: var(--lenet-accent, #2b6cb0);
  --line: var(--lenet-line, #c9d2e3);
  --paper: var(--lenet-paper, #fff);
  --tile: 140px;
}
:host([hidden]), [hidden] { display: none !important; }
* { box-sizing: border-box; }
figure { margin: 0; display: flex; flex-direction: column; gap: 4px; max-width: calc(var(--tile) * 1.6); }
canvas { width: var(--tile); height: var(--tile); image-rendering: pixelated; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
figcaption, .legend, .status { font-size: 0.85em; color: #5a6477; }
.legend, .status { margin: 4px 0 0; max-width: calc(var(--tile) * 2.4); }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin: 0 0.25em 0 0.1em; border-radius: 2px; vertical-align: -0.05em; }
.raise { background: rgb(200 30 30); }
.lower { background: rgb(30 90 200); }
.tools { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 6px; }
label { font-weight: 600; }
select, button {
  font: inherit;
  padding: 0.25em 0.6em;
  border: 1px solid #8792a8;
  border-radius: 6px;
  background: var(--paper);
  color: inherit;
}
button { cursor: pointer; }
button:hover { border-color: var(--accent); }
button:focus-visible, select:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
button:disabled { color: #5a6477; cursor: default; }
.images { display: flex; flex-wrap: wrap; gap: 12px; }
.result { margin: 6px 0 0; min-height: 2.8em; max-width: calc(var(--tile) * 2.4 + 12px); }
.result[data-state="fooled"] { color: #b42318; font-weight: 600; }
.result[data-state="not-fooled"] { color: #166534; font-weight: 600; }
`;

function swatch(kind) {
  return el('span', { class: `swatch ${kind}`, 'aria-hidden': 'true' });
}

function tileSize(element, fallback) {
  const n = Number.parseFloat(element.getAttribute('size'));
  return Number.isFinite(n) && n >= 28 && n <= 1000 ? n : fallback;
}

// What both elements share: finding their pad, following its classifications, and the network it uses.
function padFollower(runtime) {
  return class extends HTMLElement {
    static observedAttributes = ['for', 'size'];
    root = null;
    nets = new Map(); // the pad's model source -> Promise<Network>
    onClassify = (e) => {
      if (e.target?.id === this.getAttribute('for')) this.follow(e.target, e.detail);
    };

    connectedCallback() {
      if (!this.shadowRoot) {
        adoptStyles(this.attachShadow({ mode: 'open' }), CSS);
        this.build(this.shadowRoot);
      }
      this.style.setProperty('--tile', `${tileSize(this, this.defaultSize)}px`);
      // The pad's events bubble to the document (or the shadow root both live in), so the pad may be
      // defined before or after this element.
      this.root = this.getRootNode();
      this.root.addEventListener('lenet-classify', this.onClassify);
      const pad = this.pad();
      this.follow(pad, pad?.result ?? null);
    }

    disconnectedCallback() {
      this.root?.removeEventListener('lenet-classify', this.onClassify);
      this.root = null;
    }

    attributeChangedCallback(name) {
      if (!this.shadowRoot) return;
      if (name === 'size') this.style.setProperty('--tile', `${tileSize(this, this.defaultSize)}px`);
      else if (this.root) {
        const pad = this.pad();
        this.follow(pad, pad?.result ?? null);
      }
    }

    pad() {
      const id = this.getAttribute('for');
      return id && this.root?.getElementById ? this.root.getElementById(id) : null;
    }

    // The network the pad classifies with (its model attribute, as <lenet-pad> reads it).
    network(pad) {
      const source = pad.getAttribute('model') || pad.getAttribute('preset') || 'modern';
      if (!this.nets.has(source)) this.nets.set(source, runtime.network(source));
      return this.nets.get(source);
    }
  };
}

export function defineExplainElements(runtime) {
  const Follower = padFollower(runtime);

  class LeNetExplain extends Follower {
    defaultSize = 140;
    #view = null;
    #status = null;
    #latest = 0; // the newest classification asked for: an older one that resolves later is dropped
    #gradient = null;

    build(shadow) {
      const canvas = el('canvas', { width: 28, height: 28, role: 'img', part: 'saliency' });
      const caption = el('figcaption', { text: 'Why: draw a digit on the pad to see where its ink matters' });
      const digit = el('span', { text: 'the digit' });
      const versus = el('span');
      const legend = el('p', { class: 'legend' }, swatch('raise'), 'more ink here raises p(', digit, ')', versus, ' ',
        swatch('lower'), 'more ink here lowers it');
      this.#status = el('p', { class: 'status', role: 'status' });
      shadow.append(el('figure', {}, canvas, caption), legend, this.#status);
      this.#view = new SaliencyView({ canvas, caption, legend: { digit, versus } });
      this.dataset.state = 'idle';
    }

    /** The field shown (a copy): d log p(digit) / d input, or its contrast with the runner-up; null if none. */
    get gradient() { return this.#gradient ? Float32Array.from(this.#gradient) : null; }

    async follow(pad, result) {
      const ticket = ++this.#latest;
      if (!pad || !result) {
        this.#view.clear();
        this.#gradient = null;
        this.dataset.state = 'idle';
        delete this.dataset.digit;
        delete this.dataset.versus;
        return;
      }
      try {
        const net = await this.network(pad);
        if (ticket !== this.#latest || net.disposed || net.inputSize !== result.side) return;
        const why = this.#view.show(net, result.image, result.side, result.probabilities,
          { scores: result.maps.output.data, lowerIsBetter: net.config().output === 'rbf' });
        this.#gradient = why.gradient;
        this.#status.textContent = '';
        this.dataset.digit = String(why.digit);
        if (why.versus === null) delete this.dataset.versus;
        else this.dataset.versus = String(why.versus);
        this.dataset.state = 'shown';
      } catch (e) {
        if (ticket !== this.#latest) return;
        this.dataset.state = 'error';
        this.#status.textContent = `Could not explain the drawing: ${e.message}`;
      }
    }
  }

  class LeNetFool extends Follower {
    defaultSize = 84;
    #panel = null;
    #net = null; // the pad's network, once its first classification has resolved it
    #status = null;
    #result = null;

    build(shadow) {
      const target = el('select', { part: 'target' });
      const run = el('button', { type: 'button', text: 'Fool it', part: 'button' });
      const label = el('label', { text: 'Make it say' });
      const image = el('canvas', { width: 28, height: 28, role: 'img' });
      const change = el('canvas', { width: 28, height: 28, role: 'img' });
      this.#result = el('p', { class: 'result', 'aria-live': 'polite' });
      this.#status = el('p', { class: 'status', role: 'status' });
      shadow.append(
        el('div', { class: 'tools' }, label, target, run),
        el('div', { class: 'images' },
          el('figure', {}, image, el('figcaption', { text: 'the changed drawing' })),
          el('figure', {}, change, el('figcaption', {}, 'the change: ', swatch('raise'), 'ink added, ', swatch('lower'), 'taken away'))),
        this.#result, this.#status);
      // a label's for= cannot reach into a shadow root from outside, but within it an id works
      target.id = 'target';
      label.htmlFor = 'target';
      this.#panel = new FoolPanel({ target, run, image, change, result: this.#result }, {
        getSubject: () => {
          const pad = this.pad();
          const r = pad?.result;
          if (!r || !this.#net || this.#net.disposed || this.#net.inputSize !== r.side) return null;
          return { net: this.#net, input: r.image, side: r.side, probabilities: r.probabilities };
        },
        report: (message) => (this.#status.textContent = message),
        onState: () => this.#mirror(),
        options: () => {
          const n = Number(this.getAttribute('max-steps'));
          return Number.isInteger(n) && n >= 1 && n <= 10000 ? { ...FOOL_OPTIONS, maxSteps: n } : FOOL_OPTIONS;
        },
      });
      const first = Number.parseInt(this.getAttribute('target') ?? '', 10);
      if (first >= 0 && first <= 9) target.value = String(first);
      this.#mirror();
    }

    // The panel's state on the element itself, where a lesson's script (or a test) looks.
    #mirror() {
      const d = this.#result.dataset;
      this.dataset.state = d.state;
      for (const [from, to] of [['target', 'target'], ['predicted', 'prediction'], ['p', 'p']]) {
        if (d[from] === undefined) delete this.dataset[to];
        else this.dataset[to] = d[from];
      }
    }

    async follow(pad, result) {
      this.#panel.reset();
      this.#mirror();
      if (!pad || !result) return;
      try {
        this.#net = await this.network(pad);
        this.#status.textContent = '';
      } catch (e) {
        this.#status.textContent = `Could not load the pad's network: ${e.message}`;
      }
    }
  }

  for (const [name, cls] of [['lenet-explain', LeNetExplain], ['lenet-fool', LeNetFool]]) {
    if (!customElements.get(name)) customElements.define(name, cls);
  }
}
