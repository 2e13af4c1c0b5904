// One layer's activations for a drawing, as <lenet-pad>'s feature maps and <lenet-maps> show them: a
// [C,H,W] tensor as C maps, a vector as one grid, under a caption saying what they are.
import { paintMaps } from '../images.js';
import { el } from './dom.js';

// LeNet-5's activations have the same shapes in every preset; knowing them up front lets an element lay
// out its maps before the first drawing, so nothing on the host page moves when they fill in.
export const SHAPES = { C1: [6, 28, 28], S2: [6, 14, 14], C3: [16, 10, 10], S4: [16, 5, 5], C5: [120], F6: [84], OUTPUT: [10] };
export const LAYERS = Object.keys(SHAPES);

// Vectors drawn as grids of [rows, columns]: F6's 84 units as the paper's 7-wide, 12-tall bitmaps (the RBF
// codes, laid out row by row as in cpp/layers/layers.cpp), C5's 120 as 10x12.
const GRIDS = { C5: [10, 12], F6: [12, 7], OUTPUT: [1, 10] };

function describe(layer, shape) {
  if (shape.length === 3) return `${layer}: ${shape[0]} feature maps of ${shape[1]}×${shape[2]}`;
  if (layer === 'OUTPUT') return 'OUTPUT: one unit per digit';
  return `${layer}: ${shape[0]} units`;
}

export class LayerMaps {
  // head: the caption's element; container: where the maps go.
  constructor(head, container) {
    this.head = head;
    this.container = container;
    this.key = '';
    this.canvases = [];
  }

  // maps: what net.featureMaps() returned for the drawing, or null before there is one (blank maps of the
  // layer's shape, under the same caption). tile: a map's CSS width. All maps share the layer's value
  // range, so a bright map is a strong response compared with its neighbours.
  show(layer, maps, tile) {
    const tensor = maps ? maps[layer === 'OUTPUT' ? 'output' : layer] : null;
    const shape = tensor ? tensor.shape : SHAPES[layer];
    this.head.textContent = describe(layer, shape);
    this.#layout(layer, shape, tile);
    if (tensor) paintMaps(this.canvases, tensor.data, this.dims[1], this.dims[0]);
    else for (const c of this.canvases) c.getContext('2d').clearRect(0, 0, c.width, c.height);
  }

  // Lays out (once per layer, shape and size) the canvases for `shape`.
  #layout(layer, shape, tile) {
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
}
