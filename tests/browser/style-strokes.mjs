// One writer's handwriting for the "Teach it your handwriting" test: ones with a long flag (a stroke up
// from the lower left to the top, then straight down), which MNIST-trained models read as sevens, and the
// crossed sevens such a writer uses to tell them apart. Each example is the style's strokes under its own
// slant, size, position and small tremor, drawn from a seeded generator: the same examples on every run,
// none equal to another. Coordinates are in the 28x28 units of strokes.json, so the helpers replay them the
// same way.
//
//   personalStyle({ perDigit = 6, seed = 1 }) -> { teach: [digit...], heldOut: [digit...] }
//   digit: { label, style: 'long-flag one' | 'crossed seven', strokes: [[[x, y], ...], ...] }

const STYLES = [
  { label: 1, style: 'long-flag one', strokes: (r) => [[[7 + 2 * r(), 10 + 2.5 * r()], [15, 5], [15, 23]]] },
  { label: 7, style: 'crossed seven', strokes: (r) => [[[8, 6], [20, 6], [12, 23]], [[10.5 + r(), 14 + r()], [18.5 + r(), 14 + r()]]] },
];

function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return a / 4294967296;
  };
}

// The strokes slanted by up to ±0.15, scaled by 0.9-1.1 on each axis and moved by up to ±1 about the
// field's centre, every point then nudged by up to ±0.4.
function varied(strokes, r) {
  const slant = (r() - 0.5) * 0.3;
  const sx = 0.9 + r() * 0.2;
  const sy = 0.9 + r() * 0.2;
  const dx = (r() - 0.5) * 2;
  const dy = (r() - 0.5) * 2;
  const round = (v) => Math.round(v * 10) / 10;
  return strokes.map((s) => s.map(([x, y]) => [
    round(14 + (x - 14) * sx + (y - 14) * slant + dx + (r() - 0.5) * 0.8),
    round(14 + (y - 14) * sy + dy + (r() - 0.5) * 0.8),
  ]));
}

export function personalStyle({ perDigit = 6, seed = 1 } = {}) {
  const r = seeded(seed);
  const make = () => STYLES.flatMap(({ label, style, strokes }) =>
    Array.from({ length: perDigit }, () => ({ label, style, strokes: varied(strokes(r), r) })));
  return { teach: make(), heldOut: make() };
}
