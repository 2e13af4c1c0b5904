// Colours for "why" and "what would fool it", shared by the page and the lesson elements: a signed field
// (the input gradient, or an adversarial change) in diverging colours over the faint image the network saw.
// Red and blue differ in hue and in lightness, so the two signs stay apart for colour-blind readers too,
// and the sign of a pixel can be read back from its colour (red channel above blue: positive).
// Pure functions of arrays; paintSigned is the one that touches a canvas.

export const RAISE = [200, 30, 30]; // positive: more ink here raises the probability (or: ink added)
export const LOWER = [30, 90, 200]; // negative: more ink here lowers it (or: ink removed)
// How dark the drawing shows under the colours: faint, so the colours stay the message.
const UNDERLAY = 70;

// The largest |value|, 0 for an empty or all-zero field.
export function absMax(field) {
  let m = 0;
  for (const v of field) {
    const a = Math.abs(v);
    if (a > m) m = a;
  }
  return m;
}

// The magnitude shown at full colour: the 99th percentile of |value| (the largest |value| if that is 0).
// A few pixels of a ReLU network's gradient are far stronger than the rest; scaled to the very largest,
// everything else would fade to grey.
export function fullScale(field) {
  const a = Float32Array.from(field, Math.abs).sort();
  const q = a.length ? a[Math.floor(0.99 * (a.length - 1))] : 0;
  return q > 0 ? q : a.length ? a[a.length - 1] : 0;
}

// RGBA pixels for a signed field over a 0..1 image (1 = ink) of the same length: each value divided by
// `scale` (default fullScale), clipped to [-1, 1], sets how much of its colour covers the grey.
export function signedPixels(field, underlay, { scale = fullScale(field) } = {}) {
  const n = field.length;
  if (underlay && underlay.length !== n) throw new Error(`signedPixels: the image has ${underlay.length} values, the field ${n}`);
  const out = new Uint8ClampedArray(n * 4);
  const k = scale > 0 ? 1 / scale : 0;
  for (let i = 0; i < n; i++) {
    const grey = 255 - UNDERLAY * Math.max(0, Math.min(1, underlay ? underlay[i] : 0));
    const v = field[i] * k;
    const t = Math.min(1, Math.abs(v));
    const c = v > 0 ? RAISE : LOWER;
    const o = 4 * i;
    out[o] = grey + (c[0] - grey) * t;
    out[o + 1] = grey + (c[1] - grey) * t;
    out[o + 2] = grey + (c[2] - grey) * t;
    out[o + 3] = 255;
  }
  return out;
}

// The sign a pixel of signedPixels shows: 1 (red), -1 (blue) or 0 (grey: too weak to tell).
export function signOfPixel(r, g, b) {
  return r - b > 2 ? 1 : b - r > 2 ? -1 : 0;
}

// Paints signedPixels into a side x side canvas.
export function paintSigned(canvas, field, underlay, side, options) {
  if (canvas.width !== side) canvas.width = side;
  if (canvas.height !== side) canvas.height = side;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(side, side);
  img.data.set(signedPixels(field, underlay, options));
  ctx.putImageData(img, 0, 0);
}

// The digit with the highest probability.
export function best(probabilities) {
  let d = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[d]) d = i;
  return d;
}

// The digit ranked second. By the output layer's raw scores when given (logits, or RBF distances where
// lower is better): probabilities of a sure network underflow to equal zeros and cannot rank the rest.
export function runnerUp(probabilities, digit, scores = null, lowerIsBetter = false) {
  const s = scores ?? probabilities;
  const sign = scores && lowerIsBetter ? -1 : 1;
  let r = -1;
  for (let i = 0; i < s.length; i++) if (i !== digit && (r < 0 || sign * s[i] > sign * s[r])) r = i;
  return r;
}

// Below this, a probability or a gradient of log p is float underflow, not an answer.
export const FLAT = 1e-20;

// Why the network says what it says: the gradient of log p(digit) for the digit it predicts, computed by
// the network (one backward pass). That gradient is the other digits' probabilities times their pull, so
// when they have underflowed (p(digit) is 1 to float precision; the RBF output of lecun1998 gets there for
// most clear digits) it is flat, and the answer becomes "why digit and not the runner-up": minus the
// gradient of log p(runner-up), which then equals the gradient of log p(digit) - log p(runner-up) and does
// not underflow. The probabilities say which case it is before any backward pass, so the saliency costs
// one; a gradient that still comes out flat costs a second.
// Returns { digit, versus (the runner-up, or null), gradient }.
export function explainDecision(net, input, probabilities, { scores = null, lowerIsBetter = false } = {}) {
  const digit = best(probabilities);
  let others = 0;
  for (let i = 0; i < probabilities.length; i++) if (i !== digit) others = Math.max(others, probabilities[i]);
  if (others >= FLAT) {
    const gradient = net.inputGradient(input, digit);
    if (absMax(gradient) >= FLAT) return { digit, versus: null, gradient };
  }
  const versus = runnerUp(probabilities, digit, scores, lowerIsBetter);
  const against = net.inputGradient(input, versus);
  for (let i = 0; i < against.length; i++) against[i] = -against[i];
  return { digit, versus, gradient: against };
}

// after - before, value by value, and the largest change.
export function difference(after, before) {
  const out = new Float32Array(after.length);
  let largest = 0;
  for (let i = 0; i < after.length; i++) {
    out[i] = after[i] - before[i];
    largest = Math.max(largest, Math.abs(out[i]));
  }
  return { change: out, largest };
}

// One sentence for a search's result: what the network says now, and how hard that was.
export function describeFooling({ success, probabilities, steps }, target, largest, names = null) {
  const now = best(probabilities);
  const name = (k) => names?.[k] ?? k;
  const pct = (p) => `${(p * 100).toFixed(1)} %`;
  if (success) {
    return `Fooled: it now says ${name(target)} (${pct(probabilities[target])}) after ${steps} step${steps === 1 ? '' : 's'}; ` +
      `no pixel changed by more than ${Math.round(largest * 100)} % of full ink.`;
  }
  return `Not fooled within ${steps} step${steps === 1 ? '' : 's'}: it still says ${name(now)} (${pct(probabilities[now])}); ` +
    `${name(target)} has ${pct(probabilities[target])}.`;
}

// The search the page and the lesson elements run: small steps (no pixel moves by more than 1 % of full ink
// per step), so the change stays close to the least that works, and enough of them for lecun1998 too, whose
// hardest digit-target pairs take several hundred (bench/explain.mjs measures both).
export const FOOL_OPTIONS = Object.freeze({ maxSteps: 1000, stepSize: 0.01 });
