// The drawing pad: pointer events (mouse, touch, pen) on a canvas of fixed resolution, strokes kept as
// polylines so undo can redraw the rest. Emits 'change' while drawing, 'release' when a stroke ends and
// 'clear' when emptied. The canvas has touch-action: none (style.css) so a finger draws instead of
// scrolling or zooming the page.

const INK = '#111';
const PAPER = '#fff';

export class DrawingPad extends EventTarget {
  // lineWidth is in canvas pixels; 280 px canvas, ~20 px strokes keep MNIST's stroke-to-digit ratio
  // for a digit drawn across most of the pad.
  constructor(canvas, { lineWidth = 20 } = {}) {
    super();
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.lineWidth = lineWidth;
    this.strokes = [];
    this.active = null; // { pointerId, points }
    this.#repaint();
    canvas.addEventListener('pointerdown', (e) => this.#down(e));
    canvas.addEventListener('pointermove', (e) => this.#move(e));
    canvas.addEventListener('pointerup', (e) => this.#up(e));
    canvas.addEventListener('pointercancel', (e) => this.#up(e));
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  get empty() {
    return this.strokes.length === 0 && !this.active;
  }

  // The pixels, for lenet.preprocess (RGBA, dark ink on white).
  imageData() {
    return this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }

  clear() {
    this.strokes = [];
    this.active = null;
    this.#repaint();
    this.dispatchEvent(new Event('clear'));
  }

  undo() {
    if (this.active) return;
    this.strokes.pop();
    this.#repaint();
    this.dispatchEvent(new Event(this.strokes.length ? 'release' : 'clear'));
  }

  #point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * this.canvas.width, ((e.clientY - r.top) / r.height) * this.canvas.height];
  }

  #down(e) {
    if (this.active || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    this.canvas.setPointerCapture?.(e.pointerId);
    this.active = { pointerId: e.pointerId, points: [this.#point(e)] };
    this.#dot(this.active.points[0]);
    this.dispatchEvent(new Event('change'));
  }

  #move(e) {
    if (!this.active || e.pointerId !== this.active.pointerId) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const p = this.#point(ev);
      const pts = this.active.points;
      this.#segment(pts[pts.length - 1], p);
      pts.push(p);
    }
    this.dispatchEvent(new Event('change'));
  }

  #up(e) {
    if (!this.active || e.pointerId !== this.active.pointerId) return;
    this.strokes.push(this.active.points);
    this.active = null;
    this.dispatchEvent(new Event('release'));
  }

  #style() {
    const c = this.ctx;
    c.strokeStyle = INK;
    c.fillStyle = INK;
    c.lineWidth = this.lineWidth;
    c.lineCap = 'round';
    c.lineJoin = 'round';
  }

  #dot([x, y]) {
    this.#style();
    this.ctx.beginPath();
    this.ctx.arc(x, y, this.lineWidth / 2, 0, 2 * Math.PI);
    this.ctx.fill();
  }

  #segment([x0, y0], [x1, y1]) {
    this.#style();
    this.ctx.beginPath();
    this.ctx.moveTo(x0, y0);
    this.ctx.lineTo(x1, y1);
    this.ctx.stroke();
  }

  #repaint() {
    const c = this.ctx;
    c.fillStyle = PAPER;
    c.fillRect(0, 0, this.canvas.width, this.canvas.height);
    for (const pts of this.strokes) {
      this.#dot(pts[0]);
      for (let i = 1; i < pts.length; i++) this.#segment(pts[i - 1], pts[i]);
    }
  }
}
