// <lenet-maps for="PAD-ID" layer="C3" size="56">: one layer's feature maps for the drawing on another pad,
// so a lesson can explain a layer next to it. size: one map's width in CSS pixels. Test hook: data-shown
// (the layer shown, empty before there is a drawing).
import { layerAttr, sizeAttr } from './attributes.js';
import { el } from './dom.js';
import { LayerMaps } from './layer-maps.js';
import { BASE_CSS, adoptStyles } from './styles.js';

const CSS = `${BASE_CSS}
:host { display: block; }
.head { font-size: 0.85em; color: #5a6477; margin-bottom: 4px; }
`;

export class LeNetMaps extends HTMLElement {
  static observedAttributes = ['for', 'layer', 'size'];
  #view = null;
  #root = null;
  #onClassify = (e) => {
    if (e.target?.id === this.getAttribute('for')) this.#show(e.detail);
  };

  connectedCallback() {
    if (!this.#view) {
      const shadow = this.attachShadow({ mode: 'open' });
      adoptStyles(shadow, CSS);
      const head = el('div', { class: 'head', part: 'caption' });
      const box = el('div', { class: 'maps', part: 'maps' });
      shadow.append(head, box);
      this.#view = new LayerMaps(head, box);
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
    const layer = layerAttr(this);
    this.#view.show(layer, result?.maps ?? null, sizeAttr(this, 56));
    this.dataset.shown = result ? layer : '';
  }
}
