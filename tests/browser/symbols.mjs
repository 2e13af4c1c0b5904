// Drawn symbols for measuring "Teach it new things": pen strokes of ✓ ✗ ★ ♥ ○ △ □ and the letters A, H
// and S, each instance a fresh hand-drawn-looking variant, generated deterministically from a seed.
//
// A drawing is made the way a person draws: one of the symbol's usual stroke plans (a ✗ as two strokes
// in either order and direction, a ○ started anywhere and drawn either way, a △ in one stroke or three),
// then the whole drawing is rotated (up to 12 degrees), slanted (shear up to 0.3), stretched (each axis
// 0.75-1.2) and placed anywhere on the pad, and every point wanders on its own (smooth noise along the
// stroke: a wobbly hand) and each corner of a polyline by about a pixel of the 28x28 field. Strokes are
// replayed with a pointer event every `step` page pixels (3-12: slow or fast pen).
//
// Coordinates are in the units of tests/browser/strokes.json (the 28x28 field laid over the pad), so the
// replay helpers of helpers.mjs map them onto the canvas. rasterize() paints strokes as the page's pad
// does (280x280, 20 px round pen, dark ink on white) for quick measurements in Node; the browser test and
// bench draw them on the real page.
//
//   node tests/browser/symbols.mjs --preview out.pgm   renders 10 drawings of each class

import { seededRandom } from '../../web/train-defaults.js';
import { densify } from './helpers.mjs';

export const SYMBOLS = ['✓', '✗', '★', '♥', '○', '△', '□', 'A', 'H', 'S'];
// The measured sets: the first five symbols (the test's and the bench's), and the other five.
export const SETS = Object.freeze({ first: SYMBOLS.slice(0, 5), second: SYMBOLS.slice(5, 10) });

// mulberry32 from a string seed (FNV-1a of the text), so every drawing has its own stream.
function random(seedText) {
  let h = 0x811c9dc5;
  for (const ch of seedText) {
    h ^= ch.codePointAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return seededRandom(h);
}

const between = (r, lo, hi) => lo + (hi - lo) * r();
const gauss = (r) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

// A closed curve sampled at n points from angle a0, clockwise or not: f(t) -> [x, y].
function curve(f, n, a0, clockwise, overshoot = 0) {
  const pts = [];
  const total = 2 * Math.PI * (1 + overshoot);
  for (let i = 0; i <= n; i++) pts.push(f(a0 + (clockwise ? 1 : -1) * (total * i) / n));
  return pts;
}

const reverse = (s) => s.slice().reverse();

// Each symbol: a function (r) -> strokes, choosing one of the usual ways to draw it. Centred near
// (14, 14), about 16-20 units across, y down.
const PLANS = {
  '✓': (r) => {
    const elbow = [between(r, 10, 12.5), between(r, 20, 22)];
    const short = [between(r, 6, 8), between(r, 13, 16)];
    const tip = [between(r, 21, 23.5), between(r, 4.5, 7)];
    // the long arm straight or bowed a little
    const bow = between(r, -1.5, 1.5);
    const mid = [(elbow[0] + tip[0]) / 2 + bow, (elbow[1] + tip[1]) / 2 + bow];
    return [[short, elbow, mid, tip]];
  },
  '✗': (r) => {
    const a = [[between(r, 6, 8), between(r, 5, 7.5)], [between(r, 20, 22), between(r, 20.5, 23)]];
    const b = [[between(r, 20, 22), between(r, 5, 7.5)], [between(r, 6, 8), between(r, 20.5, 23)]];
    const s1 = r() < 0.8 ? a : reverse(a);
    const s2 = r() < 0.7 ? b : reverse(b);
    return r() < 0.75 ? [s1, s2] : [s2, s1];
  },
  '★': (r) => {
    // five points in star order (every second vertex), one stroke, from any point, either way
    const start = Math.floor(r() * 5);
    const dir = r() < 0.7 ? 1 : -1;
    const outer = 9.5;
    const pts = [];
    for (let k = 0; k <= 5; k++) {
      const v = (start + dir * 2 * k + 50) % 5;
      const a = -Math.PI / 2 + (2 * Math.PI * v) / 5;
      pts.push([14 + outer * Math.cos(a), 14.5 + outer * Math.sin(a)]);
    }
    return [pts];
  },
  '♥': (r) => {
    const heart = (t) => {
      const x = 16 * Math.sin(t) ** 3;
      const y = 13 * Math.cos(t) - 5 * Math.cos(2 * t) - 2 * Math.cos(3 * t) - Math.cos(4 * t);
      return [14 + x * 0.55, 13 - y * 0.55];
    };
    if (r() < 0.6) {
      // one stroke from the top dip round and back (clockwise or not)
      const cw = r() < 0.5;
      return [curve(heart, 40, 0, cw)];
    }
    // two halves, each from the top dip down to the tip
    const left = [], right = [];
    for (let i = 0; i <= 20; i++) {
      left.push(heart(-(Math.PI * i) / 20));
      right.push(heart((Math.PI * i) / 20));
    }
    return r() < 0.5 ? [left, right] : [right, left];
  },
  '○': (r) => {
    const rx = between(r, 8, 10);
    const ry = between(r, 8.5, 10.5);
    const circle = (t) => [14 + rx * Math.cos(t), 14 + ry * Math.sin(t)];
    return [curve(circle, 36, between(r, 0, 2 * Math.PI), r() < 0.4, between(r, 0, 0.12))];
  },
  '△': (r) => {
    const v = [[14, between(r, 4, 6)], [between(r, 22, 24), between(r, 21, 23)], [between(r, 4, 6), between(r, 21, 23)]];
    if (r() < 0.7) {
      const start = Math.floor(r() * 3);
      const order = r() < 0.5 ? [0, 1, 2, 3] : [0, 2, 1, 3];
      return [order.map((k) => v[(start + k) % 3])];
    }
    return [[v[0], v[1]], [v[0], v[2]], [v[2], v[1]]];
  },
  '□': (r) => {
    const x0 = between(r, 5, 7), x1 = between(r, 21, 23), y0 = between(r, 5, 7), y1 = between(r, 21, 23);
    const c = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
    if (r() < 0.7) {
      const start = Math.floor(r() * 4);
      const dir = r() < 0.5 ? 1 : -1;
      return [[0, 1, 2, 3, 4].map((k) => c[(start + dir * k + 8) % 4])];
    }
    // two strokes: top and right, then left and bottom
    return [[c[0], c[1], c[2]], [c[0], c[3], c[2]]];
  },
  A: (r) => {
    const apex = [between(r, 13, 15), between(r, 4, 6)];
    const left = [between(r, 5, 7), between(r, 22, 24)];
    const right = [between(r, 21, 23), between(r, 22, 24)];
    const h = between(r, 0.5, 0.65);
    const barL = [apex[0] + (left[0] - apex[0]) * h, apex[1] + (left[1] - apex[1]) * h];
    const barR = [apex[0] + (right[0] - apex[0]) * h, apex[1] + (right[1] - apex[1]) * h];
    if (r() < 0.6) return [[left, apex, right], [barL, barR]];
    return [[apex, left], [apex, right], [barL, barR]];
  },
  H: (r) => {
    const xl = between(r, 6, 8), xr = between(r, 20, 22), top = between(r, 4, 6), bottom = between(r, 22, 24);
    const y = between(r, 12.5, 15.5);
    return [[[xl, top], [xl, bottom]], [[xr, top], [xr, bottom]], [[xl, y], [xr, y]]];
  },
  S: (r) => {
    // two arcs meeting in the middle: the upper one open to the right, the lower one to the left
    const pts = [];
    const w = between(r, 6, 7.5);
    const hTop = between(r, 4.5, 5.5), hBottom = between(r, 4.5, 5.5);
    for (let i = 0; i <= 16; i++) {
      const t = -0.25 * Math.PI - (1.25 * Math.PI * i) / 16; // upper arc, anticlockwise from upper right
      pts.push([14 + w * Math.cos(t), 9.5 + hTop * Math.sin(t)]);
    }
    for (let i = 1; i <= 16; i++) {
      const t = -0.5 * Math.PI + (1.25 * Math.PI * i) / 16; // lower arc, clockwise to lower left
      pts.push([14 + w * Math.cos(t), 9.5 + hTop + hBottom + hBottom * Math.sin(t)]);
    }
    return [pts];
  },
};


/**
 * One drawing of `name`, instance `index` of the stream `stream` (e.g. 'train', 'test'): { label, strokes,
 * step }, strokes in 28-unit coordinates, step the pen's event spacing in page pixels.
 */
export function symbolDrawing(name, index, stream = 'test') {
  const plan = PLANS[name];
  if (!plan) throw new Error(`no symbol '${name}' (have ${SYMBOLS.join(' ')})`);
  const r = random(`${name}|${stream}|${index}`);
  // corners first (a hand misses them by about a pixel; curves, sampled densely, only wobble), then the
  // wobble along the stroke
  const strokes = plan(r).map((s) => (s.length > 8 ? s : s.map(([x, y]) => [x + 0.9 * gauss(r), y + 0.9 * gauss(r)])));
  const angle = (between(r, -12, 12) * Math.PI) / 180;
  const shear = between(r, -0.3, 0.3);
  const sx = between(r, 0.75, 1.2), sy = between(r, 0.75, 1.2);
  const size = between(r, 0.8, 1.1);
  const cos = Math.cos(angle), sin = Math.sin(angle);
  // wobble: a sum of two slow sines per axis with random phases, over the distance drawn
  const wobble = [0, 1, 2, 3].map(() => ({ f: between(r, 0.15, 0.45), p: between(r, 0, 2 * Math.PI), a: between(r, 0.2, 0.6) }));
  const transformed = strokes.map((s) => {
    let travelled = 0;
    const pts = densify(s, 1.5);
    return pts.map(([x, y], i) => {
      if (i) travelled += Math.hypot(x - pts[i - 1][0], y - pts[i - 1][1]);
      const wx = wobble[0].a * Math.sin(wobble[0].f * travelled + wobble[0].p) + wobble[1].a * Math.sin(wobble[1].f * 2.3 * travelled + wobble[1].p);
      const wy = wobble[2].a * Math.sin(wobble[2].f * travelled + wobble[2].p) + wobble[3].a * Math.sin(wobble[3].f * 2.3 * travelled + wobble[3].p);
      const u = (x + wx - 14) * sx * size;
      const v = (y + wy - 14) * sy * size;
      const xs = u + shear * v;
      return [xs * cos - v * sin, xs * sin + v * cos];
    });
  });
  // anywhere on the pad that keeps the drawing inside it (1.5 units of margin)
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const s of transformed) for (const [x, y] of s) {
    minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  const dx = between(r, 1.5 - minX, Math.max(1.5 - minX, 26.5 - maxX));
  const dy = between(r, 1.5 - minY, Math.max(1.5 - minY, 26.5 - maxY));
  const round = (v) => Math.round(v * 100) / 100;
  return {
    label: name,
    strokes: transformed.map((s) => s.map(([x, y]) => [round(x + dx), round(y + dy)])),
    step: Math.round(between(r, 3, 12)),
  };
}

/** count drawings of each of names, stream order: all of the first class, then the next, ... */
export function symbolSet(names, count, stream) {
  const out = [];
  for (const name of names) for (let i = 0; i < count; i++) out.push(symbolDrawing(name, i, stream));
  return out;
}

/**
 * Strokes painted as the page's pad paints them (web/draw.js: a 280x280 canvas, a 20 px round pen,
 * dark ink on white), antialiased by distance to the stroke: { data: gray bytes, width, height }.
 */
export function rasterize(strokes, { side = 280, lineWidth = 20, unit = 28 } = {}) {
  const scale = side / unit;
  const data = new Uint8Array(side * side).fill(255);
  const radius = lineWidth / 2;
  for (const stroke of strokes) {
    const pts = stroke.map(([x, y]) => [x * scale, y * scale]);
    const segs = pts.length === 1 ? [[pts[0], pts[0]]] : pts.slice(1).map((p, i) => [pts[i], p]);
    for (const [[x0, y0], [x1, y1]] of segs) {
      const lo = (v) => Math.max(0, Math.floor(v - radius - 1));
      const hi = (v) => Math.min(side - 1, Math.ceil(v + radius + 1));
      const vx = x1 - x0, vy = y1 - y0;
      const len2 = vx * vx + vy * vy;
      for (let py = lo(Math.min(y0, y1)); py <= hi(Math.max(y0, y1)); py++) {
        for (let px = lo(Math.min(x0, x1)); px <= hi(Math.max(x0, x1)); px++) {
          const cx = px + 0.5, cy = py + 0.5;
          const t = len2 ? Math.max(0, Math.min(1, ((cx - x0) * vx + (cy - y0) * vy) / len2)) : 0;
          const d = Math.hypot(cx - (x0 + t * vx), cy - (y0 + t * vy));
          const cover = Math.max(0, Math.min(1, radius + 0.5 - d));
          const v = Math.round(255 - cover * (255 - 17));
          if (v < data[py * side + px]) data[py * side + px] = v;
        }
      }
    }
  }
  return { data, width: side, height: side };
}

// --preview out.pgm: ten drawings of each symbol, one row per symbol (a PGM image, for looking at them).
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()) && process.argv.includes('--preview')) {
  const { writeFileSync } = await import('node:fs');
  const out = process.argv[process.argv.indexOf('--preview') + 1];
  const cell = 70, cols = 10;
  const w = cell * cols, h = cell * SYMBOLS.length;
  const img = new Uint8Array(w * h).fill(255);
  SYMBOLS.forEach((name, row) => {
    for (let i = 0; i < cols; i++) {
      const d = symbolDrawing(name, i, 'test');
      const r = rasterize(d.strokes, { side: cell - 4, lineWidth: 5 });
      for (let y = 0; y < r.height; y++) for (let x = 0; x < r.width; x++) img[(row * cell + 2 + y) * w + i * cell + 2 + x] = r.data[y * r.width + x];
    }
  });
  writeFileSync(out, Buffer.concat([Buffer.from(`P5\n${w} ${h}\n255\n`), img]));
  console.log(`wrote ${out}`);
}
