// "Inside the network": C1's filters and the feature maps of C1, S2, C3 and S4 for the current drawing.
import { paintMaps } from './images.js';

const MAP_LAYERS = ['C1', 'S2', 'C3', 'S4'];

// [..., C, H, W] -> { c, h, w } (a leading batch dimension of 1, if any, is ignored).
function chw(shape) {
  const s = shape.slice(-3);
  while (s.length < 3) s.unshift(1);
  return { c: s[0], h: s[1], w: s[2] };
}

export class NetworkView {
  constructor(root, hint) {
    this.root = root;
    this.hint = hint;
    this.tiles = new Map(); // id -> array of canvases
    // Empty tiles of LeNet-5's sizes until there is something to show, so the layout does not jump.
    for (const [id, count, size, label] of [['filters-C1', 6, 5, 'C1 filter'], ['maps-C1', 6, 28, 'C1 map'],
      ['maps-S2', 6, 14, 'S2 map'], ['maps-C3', 16, 10, 'C3 map'], ['maps-S4', 16, 5, 'S4 map']]) {
      for (const c of this.#canvases(id, count, label)) {
        c.width = size;
        c.height = size;
      }
    }
    root.classList.add('idle');
  }

  #canvases(id, count, label) {
    let list = this.tiles.get(id);
    if (list && list.length === count) return list;
    const box = this.root.querySelector(`#${id} .tiles`);
    box.replaceChildren();
    list = [];
    for (let i = 0; i < count; i++) {
      const c = document.createElement('canvas');
      c.className = 'tile';
      c.setAttribute('role', 'img');
      c.setAttribute('aria-label', `${label} ${i + 1}`);
      box.append(c);
      list.push(c);
    }
    this.tiles.set(id, list);
    return list;
  }

  // weights: { shape: [6, 1, 5, 5], data }
  showFilters(weights) {
    const { shape, data } = weights;
    const oc = shape[0];
    const k = shape[shape.length - 1];
    paintMaps(this.#canvases('filters-C1', oc, 'C1 filter'), data, k, k, { palette: 'signed', stride: data.length / oc });
  }

  // maps: the object net.featureMaps() returns. Each layer is scaled as a whole (0..its maximum), so a
  // map that barely responds looks dark next to one that fires.
  showMaps(maps) {
    for (const name of MAP_LAYERS) {
      const m = maps[name];
      if (!m) continue;
      const { c, h, w } = chw(m.shape);
      paintMaps(this.#canvases(`maps-${name}`, c, `${name} map`), m.data, w, h);
    }
    this.root.classList.remove('idle');
    this.hint.hidden = true;
  }

  clearMaps() {
    for (const name of MAP_LAYERS) {
      for (const cv of this.tiles.get(`maps-${name}`) || []) {
        const ctx = cv.getContext('2d');
        ctx.clearRect(0, 0, cv.width, cv.height);
      }
    }
    this.root.classList.add('idle');
    this.hint.hidden = false;
  }
}
