// The benchmark's drawing: a 280x280 RGBA "7" with round strokes of radius 9, as the page's canvas would hand
// it over (transparent paper, opaque black ink). Shared by bench/run.mjs and bench/latency.mjs.
export function drawing() {
  const data = new Uint8ClampedArray(280 * 280 * 4);
  const ink = (x, y) => {
    for (let dy = -9; dy <= 9; dy++) for (let dx = -9; dx <= 9; dx++) {
      const px = Math.round(x + dx), py = Math.round(y + dy);
      if (dx * dx + dy * dy <= 81 && px >= 0 && px < 280 && py >= 0 && py < 280) data.set([0, 0, 0, 255], (py * 280 + px) * 4);
    }
  };
  for (let t = 0; t <= 1; t += 0.005) ink(70 + 140 * t, 50);
  for (let t = 0; t <= 1; t += 0.005) ink(210 - 80 * t, 50 + 180 * t);
  return { data, width: 280, height: 280 };
}
