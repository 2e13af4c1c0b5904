// "Inside the network": C1's filters and the feature maps of C1, S2, C3 and S4 for the current drawing;
// for a network built as the paper's (lecun1998), also C3's connection table (hovering or focusing a C3
// map lights up the S2 maps it reads) and the RBF output's ten codes beside F6 and their distances.
import { paintMap, paintMaps } from './images.js';

const MAP_LAYERS = ['C1', 'S2', 'C3', 'S4'];

// [..., C, H, W] -> { c, h, w } (a leading batch dimension of 1, if any, is ignored).
function chw(shape) {
  const s = shape.slice(-3);
  while (s.length < 3) s.unshift(1);
  return { c: s[0], h: s[1], w: s[2] };
}

// The paper's F6 and RBF codes are 84 values drawn as 7-wide, 12-tall bitmaps, row by row.
const CODE_W = 7;
const CODE_H = 12;

export class NetworkView {
  // paper (optional): { table, tableBox, note, codes, codesBox }, the elements of the paper's parts.
  constructor(root, hint, paper = null) {
    this.root = root;
    this.hint = hint;
    this.paper = paper;
    this.table = null; // Uint8Array(16*6) while the network has a C3 connection table
    this.codes = null; // { canvases, distances, f6 } while it has an RBF output
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
    if (paper) this.#wireC3();
  }

  // Hover and keyboard focus on the C3 maps (and hover on the table's rows) select a C3 map. Delegated to
  // the boxes, so it outlives a rebuilt set of tiles.
  #wireC3() {
    const c3 = this.root.querySelector('#maps-C3 .tiles');
    const index = (e) => (this.tiles.get('maps-C3') || []).indexOf(e.target);
    c3.addEventListener('pointerover', (e) => this.#select(index(e)));
    c3.addEventListener('focusin', (e) => this.#select(index(e)));
    // leaving with the pointer falls back to the map that has the keyboard focus, if any
    c3.addEventListener('pointerleave', () => this.#select(index({ target: document.activeElement })));
    c3.addEventListener('focusout', () => this.#select(-1));
    const rows = this.paper.table;
    rows.addEventListener('pointerover', (e) => {
      const tr = e.target.closest?.('tr[data-map]');
      if (tr) this.#select(Number(tr.dataset.map));
    });
    rows.addEventListener('pointerleave', () => this.#select(-1));
  }

  // Lights up C3 map i, its row of the table and the S2 maps it reads (-1: none). Only while a table is shown.
  #select(i) {
    const on = this.table && i >= 0 && i < 16 ? i : -1;
    const s2 = this.tiles.get('maps-S2') || [];
    const c3 = this.tiles.get('maps-C3') || [];
    c3.forEach((c, k) => c.classList.toggle('selected', k === on));
    s2.forEach((c, k) => c.classList.toggle('feeds', on >= 0 && this.table[on * 6 + k] === 1));
    if (!this.paper) return;
    for (const tr of this.paper.table.querySelectorAll('tr[data-map]')) tr.classList.toggle('on', Number(tr.dataset.map) === on);
    if (on < 0) {
      delete this.root.dataset.c3;
      this.paper.note.textContent = this.table ? 'Hover over a C3 map, or focus it with Tab, to see which S2 maps it reads.' : '';
      return;
    }
    this.root.dataset.c3 = String(on);
    const from = [];
    for (let k = 0; k < 6; k++) if (this.table[on * 6 + k]) from.push(k + 1);
    const list = from.length > 1 ? `${from.slice(0, -1).join(', ')} and ${from[from.length - 1]}` : String(from[0]);
    this.paper.note.textContent = `C3 map ${on + 1} reads S2 map${from.length > 1 ? 's' : ''} ${list}.`;
  }

  // The paper's parts for the current network: table (Uint8Array(16*6), row = C3 map, column = S2 map) or
  // null; codes (the OUTPUT weights of an RBF network: { shape: [10, 84], data }) or null.
  setPaperParts({ table = null, codes = null } = {}) {
    if (!this.paper) return;
    const { tableBox, codesBox } = this.paper;
    this.table = table;
    tableBox.hidden = !table;
    const c3 = this.tiles.get('maps-C3') || [];
    c3.forEach((c) => (table ? c.setAttribute('tabindex', '0') : c.removeAttribute('tabindex')));
    if (table) this.#buildTable(table);
    this.#select(-1);
    codesBox.hidden = !codes;
    this.codes = codes ? this.#buildCodes(codes) : null;
  }

  #buildTable(table) {
    const t = this.paper.table;
    const head = document.createElement('tr');
    head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: 'C3' }));
    for (let k = 0; k < 6; k++) head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: `S2 ${k + 1}` }));
    const thead = document.createElement('thead');
    thead.append(head);
    const tbody = document.createElement('tbody');
    for (let i = 0; i < 16; i++) {
      const tr = document.createElement('tr');
      tr.dataset.map = String(i);
      tr.append(Object.assign(document.createElement('th'), { scope: 'row', textContent: String(i + 1) }));
      for (let k = 0; k < 6; k++) {
        const td = document.createElement('td');
        const linked = table[i * 6 + k] === 1;
        td.className = linked ? 'linked' : '';
        // the dot (drawn by style.css, no text) is for the eye; the words are for a screen reader
        if (linked) td.append(Object.assign(document.createElement('span'), { className: 'dot' }));
        td.append(Object.assign(document.createElement('span'), { className: 'sr-only', textContent: linked ? 'reads' : 'no' }));
        tr.append(td);
      }
      tbody.append(tr);
    }
    t.replaceChildren(...t.querySelectorAll('caption'), thead, tbody);
  }

  #buildCodes({ shape, data }) {
    const box = this.paper.codes;
    const figure = (label, caption) => {
      const c = document.createElement('canvas');
      c.width = CODE_W;
      c.height = CODE_H;
      c.setAttribute('role', 'img');
      c.setAttribute('aria-label', label);
      const cap = document.createElement('figcaption');
      cap.textContent = caption;
      const fig = document.createElement('figure');
      fig.append(c, cap);
      return { fig, c, cap };
    };
    const f6 = figure('F6 for your drawing, as a 7 by 12 bitmap: empty until you draw', 'F6');
    f6.fig.className = 'f6';
    const canvases = [];
    const distances = [];
    const figs = [];
    const per = shape[1];
    for (let d = 0; d < shape[0]; d++) {
      const { fig, c, cap } = figure(`The code of ${d}: a 7 by 12 bitmap of the digit`, '');
      const digit = document.createElement('b');
      digit.textContent = String(d);
      const dist = document.createElement('span');
      cap.append(digit, dist);
      fig.dataset.digit = String(d);
      paintMap(c, data, CODE_W, CODE_H, { offset: d * per, lo: -1, hi: 1, palette: 'ink' });
      canvases.push(c);
      distances.push({ fig, dist });
      figs.push(fig);
    }
    box.replaceChildren(f6.fig, ...figs);
    return { canvases, distances, f6: f6.c };
  }

  // F6 as a bitmap and the ten distances (the RBF outputs) under the codes; the nearest code is marked.
  #showCodes(maps) {
    const { f6, distances } = this.codes;
    const y = maps.output?.data;
    if (!maps.F6 || !y || y.length !== distances.length) return;
    paintMap(f6, maps.F6.data, CODE_W, CODE_H, { lo: -1, hi: 1, palette: 'ink' });
    f6.setAttribute('aria-label', 'F6 for your drawing, as a 7 by 12 bitmap');
    let nearest = 0;
    for (let d = 1; d < y.length; d++) if (y[d] < y[nearest]) nearest = d;
    distances.forEach(({ fig, dist }, d) => {
      dist.textContent = y[d].toFixed(1);
      fig.dataset.distance = String(y[d]);
      fig.classList.toggle('nearest', d === nearest);
    });
  }

  #clearCodes() {
    const ctx = this.codes.f6.getContext('2d');
    ctx.clearRect(0, 0, CODE_W, CODE_H);
    this.codes.f6.setAttribute('aria-label', 'F6 for your drawing, as a 7 by 12 bitmap: empty until you draw');
    for (const { fig, dist } of this.codes.distances) {
      dist.textContent = '';
      delete fig.dataset.distance;
      fig.classList.remove('nearest');
    }
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
    if (this.codes) this.#showCodes(maps);
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
    if (this.codes) this.#clearCodes();
    this.root.classList.add('idle');
    this.hint.hidden = false;
  }
}
